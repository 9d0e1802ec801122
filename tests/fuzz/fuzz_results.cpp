// libFuzzer target: what --resume reads of trial shards (checksum, then HDF5) and of the result file's header.
#include <fuzzer/FuzzedDataProvider.h>

#include <H5Cpp.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "alchain/results/resume_checks.hpp"

namespace {

namespace fs = std::filesystem;

const fs::path& scratch() {
  static const fs::path dir = [] {
    std::string t = (fs::is_directory("/dev/shm") ? "/dev/shm" : "/tmp") + std::string("/alchain-fuzz-results-XXXXXX");
    if (!::mkdtemp(t.data())) std::abort();
    return fs::path(t);
  }();
  return dir;
}

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

/// An attribute of a kind the fuzzer picks: what a damaged or foreign but well-formed HDF5 file may hold.
void fuzz_attr(H5::H5Object& obj, const std::string& name, FuzzedDataProvider& in, const std::string& good_text,
               std::int64_t good_int) {
  const std::string text = in.ConsumeBool() ? good_text : in.ConsumeRandomLengthString(64);
  const std::int64_t number = in.ConsumeBool() ? good_int : in.ConsumeIntegral<std::int64_t>();
  switch (in.ConsumeIntegralInRange<int>(0, 8)) {
    case 0: return;  // absent
    case 1: {
      H5::Attribute a = obj.createAttribute(name, H5::PredType::NATIVE_INT64, H5::DataSpace(H5S_SCALAR));
      a.write(H5::PredType::NATIVE_INT64, &number);
      return;
    }
    case 2: {  // a list where one value belongs
      const hsize_t n = in.ConsumeIntegralInRange<hsize_t>(0, 4);
      std::vector<std::int64_t> v(n, number);
      H5::Attribute a = obj.createAttribute(name, H5::PredType::NATIVE_INT64, H5::DataSpace(1, &n));
      if (n) a.write(H5::PredType::NATIVE_INT64, v.data());
      return;
    }
    case 3: {
      const double d = in.ConsumeFloatingPoint<double>();
      H5::Attribute a = obj.createAttribute(name, H5::PredType::NATIVE_DOUBLE, H5::DataSpace(H5S_SCALAR));
      a.write(H5::PredType::NATIVE_DOUBLE, &d);
      return;
    }
    case 4: {  // variable-length string, as alchain writes
      H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
      type.setCset(H5T_CSET_UTF8);
      H5::Attribute a = obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
      a.write(type, text);
      return;
    }
    case 5: {  // fixed-length string, as other writers (h5py with numpy bytes) do
      H5::StrType type(H5::PredType::C_S1, std::max<std::size_t>(1, text.size()));
      H5::Attribute a = obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
      std::string padded = text;
      padded.resize(std::max<std::size_t>(1, text.size()), '\0');
      a.write(type, padded.data());
      return;
    }
    case 6: {  // a list of strings where one belongs
      const hsize_t n = in.ConsumeIntegralInRange<hsize_t>(0, 4);
      H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
      std::vector<const char*> ptrs(n, text.c_str());
      H5::Attribute a = obj.createAttribute(name, type, H5::DataSpace(1, &n));
      if (n) a.write(type, ptrs.data());
      return;
    }
    case 7: {  // two dimensions
      const hsize_t dims[2] = {in.ConsumeIntegralInRange<hsize_t>(1, 3), in.ConsumeIntegralInRange<hsize_t>(1, 3)};
      std::vector<std::int64_t> v(dims[0] * dims[1], number);
      H5::Attribute a = obj.createAttribute(name, H5::PredType::NATIVE_INT64, H5::DataSpace(2, dims));
      a.write(H5::PredType::NATIVE_INT64, v.data());
      return;
    }
    default: {  // null dataspace
      H5::Attribute a = obj.createAttribute(name, H5::PredType::NATIVE_INT64, H5::DataSpace(H5S_NULL));
      return;
    }
  }
}

const char kFingerprint[] = "0123456789abcdef";

/// Raw bytes for a shard and its checksum file: only a shard whose bytes match may reach HDF5.
/// Input: flags (bit 0: the checksum file exists), checksum length (2 bytes, big-endian), the
/// checksum file, the shard (make_results_seeds.cpp writes real ones).
void raw_shard(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return;
  const bool with_sum = data[0] & 1;
  const std::size_t sum_size = std::min<std::size_t>((std::size_t{data[1]} << 8) | data[2], size - 3);
  const std::string sum_text(reinterpret_cast<const char*>(data) + 3, sum_size);
  const std::string bytes(reinterpret_cast<const char*>(data) + 3 + sum_size, size - 3 - sum_size);
  const fs::path shard = scratch() / "raw.h5", sum = alchain::shard_checksum_path(shard);
  write_file(shard, bytes);
  fs::remove(sum);
  if (with_sum) write_file(sum, sum_text);
  const alchain::ShardState st = alchain::read_shard_state(shard);
  const bool matches = with_sum && sum_text == alchain::shard_checksum_line(bytes.data(), bytes.size());
  if (st.damaged == matches) __builtin_trap();  // damaged exactly when the bytes do not match their checksum
  if (st.complete && !st.problem.empty()) __builtin_trap();
}

/// A well-formed HDF5 shard with the fuzzer's attributes, checksummed as write_shard does.
void structured_shard(FuzzedDataProvider& in) {
  const fs::path shard = scratch() / "built.h5";
  try {
    H5::H5File f(shard.string(), H5F_ACC_TRUNC);
    if (in.ConsumeIntegralInRange<int>(0, 7) == 0) {
      const hsize_t n = 1;
      f.createDataSet("trial", H5::PredType::NATIVE_INT64, H5::DataSpace(1, &n));  // not a group
    } else {
      H5::Group g = f.createGroup("trial");
      fuzz_attr(g, "plan_fingerprint", in, kFingerprint, 0);
      fuzz_attr(g, "threads", in, "2", 2);
      fuzz_attr(g, "complete", in, "1", 1);
    }
  } catch (const H5::Exception&) {
    return;  // HDF5 would not build that file: nothing to check
  }
  const std::string bytes = read_file(shard);
  write_file(alchain::shard_checksum_path(shard), alchain::shard_checksum_line(bytes.data(), bytes.size()));
  const alchain::ShardState st = alchain::read_shard_state(shard);
  if (st.damaged) __builtin_trap();  // its checksum is right
  if (st.complete != st.problem.empty()) __builtin_trap();
}

/// A well-formed HDF5 result file with the fuzzer's root attributes.
void structured_header(FuzzedDataProvider& in) {
  const fs::path file = scratch() / "result.h5";
  try {
    H5::H5File f(file.string(), H5F_ACC_TRUNC);
    H5::Group root = f.openGroup("/");
    fuzz_attr(root, "format", in, "alchain-results", 0);
    fuzz_attr(root, "layout", in, "2", alchain::kResultLayout);
    fuzz_attr(root, "plan_fingerprint", in, kFingerprint, 0);
    fuzz_attr(root, "plan", in, "select chain:r0\ntrain x", 0);
    fuzz_attr(root, "trial_threads", in, "2", 2);
    fuzz_attr(root, "status", in, "complete", 0);
  } catch (const H5::Exception&) {
    return;  // HDF5 would not build that file: nothing to check
  }
  try {
    (void)alchain::check_result_header(file, kFingerprint, "select chain:r0\ntrain y", 2);
  } catch (const std::runtime_error& e) {
    if (std::string(e.what()).rfind(file.string() + ": ", 0) != 0) __builtin_trap();  // every refusal names the file
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  H5::Exception::dontPrint();
  // HDF5 callocs megabytes of cache structures per open file and returns them to the system at
  // close; keeping them on its free lists makes an execution ~10x cheaper and changes no result.
  H5set_free_list_limits(-1, -1, -1, -1, -1, -1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The first byte picks what is fuzzed: raw shard bytes, a built shard, a built result file.
  if (size < 1) return 0;
  FuzzedDataProvider in(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: raw_shard(data + 1, size - 1); break;
    case 1: structured_shard(in); break;
    default: structured_header(in); break;
  }
  return 0;
}
