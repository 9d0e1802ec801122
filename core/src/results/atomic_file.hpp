// Files that appear whole or not at all: the results layer's one way to replace a file.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace alchain {

/// Syncs a file (or, with `directory`, a directory's entries) to disk; throws naming it.
void fsync_path(const std::filesystem::path& p, bool directory);

/// Writes `path` atomically: `write` builds the whole file at `path + suffix` (in the same
/// directory, so the rename cannot cross file systems; it may open and close it as often as it
/// likes), which is then synced and renamed over `path`, the commit point, and the directory is
/// synced. A reader sees the old file or the new one, never a half-written one; a failure leaves
/// `path` as it was and removes the temporary file. (write_shard keeps its own path: its checksum
/// line must be in place before its rename.)
void write_atomically(const std::filesystem::path& path, const std::function<void(const std::filesystem::path&)>& write,
                      const std::string& suffix = ".tmp");

}  // namespace alchain
