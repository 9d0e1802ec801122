// FNV-1a hashes of names and files: seeds, plan fingerprints and the weights a plan names.
#pragma once

#include <cstdint>
#include <string>

namespace alchain {

/// 64-bit FNV-1a of a string, for seeds and fingerprints.
std::uint64_t hash_name(const std::string& s);
/// FNV-1a 64 of a file's bytes, as 16 hex digits (a plan names the weights it was made with);
/// throws std::runtime_error naming the file when it cannot be read.
std::string file_digest(const std::string& path);

}  // namespace alchain
