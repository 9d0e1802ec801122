// Typed HDF5 attribute and dataset helpers.
#include "h5_util.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace alchain::h5 {

namespace {
// The last system error message HDF5 reported ("No space left on device"): its own messages name
// only the API call that failed, and errno is gone by the time the C++ exception is caught.
thread_local std::string t_system_error;

herr_t note_system_error(hid_t stack, void*) {
  const auto visit = [](unsigned, const H5E_error2_t* e, void*) -> herr_t {
    const char* key = e->desc ? std::strstr(e->desc, "error message = '") : nullptr;
    if (!key) return 0;
    key += std::strlen("error message = '");
    const char* end = std::strchr(key, '\'');
    t_system_error.assign(key, end ? static_cast<std::size_t>(end - key) : std::strlen(key));
    return 1;  // the innermost one is enough
  };
  H5Ewalk2(stack, H5E_WALK_DOWNWARD, visit, nullptr);
  return 0;
}
}  // namespace

void quiet() {
  static const bool once = [] {
    H5Eset_auto2(H5E_DEFAULT, note_system_error, nullptr);  // prints nothing: errors come back as exceptions
    return true;
  }();
  (void)once;
}

std::string take_system_error() {
  std::string s;
  s.swap(t_system_error);
  return s;
}

namespace {
H5::StrType utf8_string() {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  type.setCset(H5T_CSET_UTF8);
  return type;
}
template <class T>
void scalar_attr(H5::H5Object& obj, const std::string& name, const H5::PredType& type, T value) {
  if (obj.attrExists(name)) obj.removeAttr(name);
  H5::Attribute a = obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  a.write(type, &value);
}
template <class T>
void dataset(H5::Group& g, const std::string& name, const H5::PredType& type, const std::vector<T>& v) {
  hsize_t dims[1] = {v.size()};
  H5::DSetCreatPropList props;
  if (v.size() >= 4096) {  // compress large arrays (scores over the pool); small ones stay contiguous
    hsize_t chunk[1] = {std::min<hsize_t>(v.size(), 65536)};
    props.setChunk(1, chunk);
    props.setDeflate(4);
  }
  H5::DataSet ds = g.createDataSet(name, type, H5::DataSpace(1, dims), props);
  if (!v.empty()) ds.write(v.data(), type);
}
}  // namespace

void string_attr(H5::H5Object& obj, const std::string& name, const std::string& value) {
  const H5::StrType type = utf8_string();
  if (obj.attrExists(name)) obj.removeAttr(name);
  H5::Attribute a = obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  a.write(type, value);
}

void string_list_attr(H5::H5Object& obj, const std::string& name, const std::vector<std::string>& values) {
  const H5::StrType type = utf8_string();
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  hsize_t dims[1] = {values.size()};
  if (obj.attrExists(name)) obj.removeAttr(name);
  H5::Attribute a = obj.createAttribute(name, type, H5::DataSpace(1, dims));
  if (!values.empty()) a.write(type, ptrs.data());
}

void int_attr(H5::H5Object& o, const std::string& n, std::int64_t v) { scalar_attr(o, n, H5::PredType::NATIVE_INT64, v); }
void uint_attr(H5::H5Object& o, const std::string& n, std::uint64_t v) { scalar_attr(o, n, H5::PredType::NATIVE_UINT64, v); }
void double_attr(H5::H5Object& o, const std::string& n, double v) { scalar_attr(o, n, H5::PredType::NATIVE_DOUBLE, v); }

void uint_list_attr(H5::H5Object& obj, const std::string& name, const std::vector<std::uint64_t>& v) {
  hsize_t dims[1] = {v.size()};
  if (obj.attrExists(name)) obj.removeAttr(name);
  H5::Attribute a = obj.createAttribute(name, H5::PredType::NATIVE_UINT64, H5::DataSpace(1, dims));
  if (!v.empty()) a.write(H5::PredType::NATIVE_UINT64, v.data());
}

void write_i64(H5::Group& g, const std::string& n, const std::vector<std::int64_t>& v) { dataset(g, n, H5::PredType::NATIVE_INT64, v); }
void write_f64(H5::Group& g, const std::string& n, const std::vector<double>& v) { dataset(g, n, H5::PredType::NATIVE_DOUBLE, v); }
void write_f32(H5::Group& g, const std::string& n, const std::vector<float>& v) { dataset(g, n, H5::PredType::NATIVE_FLOAT, v); }
void write_i64_matrix(H5::Group& g, const std::string& n, const std::vector<std::int64_t>& v, hsize_t rows) {
  if (rows ? v.size() % rows != 0 : !v.empty())
    throw std::invalid_argument("write_i64_matrix: " + std::to_string(v.size()) + " values do not fill " +
                                std::to_string(rows) + " rows");
  hsize_t dims[2] = {rows, rows ? v.size() / rows : 0};
  H5::DataSet ds = g.createDataSet(n, H5::PredType::NATIVE_INT64, H5::DataSpace(2, dims));
  if (!v.empty()) ds.write(v.data(), H5::PredType::NATIVE_INT64);
}

namespace {
/// Refuses, as an HDF5 exception like any other unreadable attribute, one that is not a single
/// value of the class asked for: reading it would overrun the caller's buffer (a file written
/// by another program, or damaged).
void require_single(const H5::Attribute& a, const std::string& name, std::initializer_list<H5T_class_t> classes) {
  bool class_ok = false;
  for (H5T_class_t c : classes) class_ok = class_ok || a.getTypeClass() == c;
  if (!class_ok || a.getSpace().getSimpleExtentNpoints() != 1)
    throw H5::AttributeIException("alchain::h5", "attribute '" + name + "' is not a single value of the expected type");
}
}  // namespace

std::string read_string_attr(const H5::H5Object& obj, const std::string& name) {
  H5::Attribute a = obj.openAttribute(name);
  require_single(a, name, {H5T_STRING});
  const H5::StrType type = a.getStrType();
  std::string s;
  if (type.isVariableStr()) {  // read by hand: the C++ API's strlen() would meet a null string
    char* p = nullptr;
    a.read(type, &p);
    if (p) {
      s = p;
      H5free_memory(p);
    }
    return s;
  }
  a.read(type, s);
  return s;
}

std::vector<std::string> read_string_list_attr(const H5::H5Object& obj, const std::string& name) {
  H5::Attribute a = obj.openAttribute(name);
  if (a.getTypeClass() != H5T_STRING || a.getSpace().getSimpleExtentNdims() != 1)
    throw H5::AttributeIException("alchain::h5", "attribute '" + name + "' is not a list of strings");
  hsize_t n = 0;
  a.getSpace().getSimpleExtentDims(&n);
  std::vector<char*> ptrs(n, nullptr);
  const H5::StrType type = utf8_string();
  if (n) a.read(type, ptrs.data());
  std::vector<std::string> out;
  for (char* p : ptrs) out.emplace_back(p ? p : "");
  if (n) {
    H5::DataSpace space = a.getSpace();
    H5Dvlen_reclaim(type.getId(), space.getId(), H5P_DEFAULT, ptrs.data());
  }
  return out;
}

std::int64_t read_int_attr(const H5::H5Object& obj, const std::string& name) {
  std::int64_t v = 0;
  H5::Attribute a = obj.openAttribute(name);
  require_single(a, name, {H5T_INTEGER});
  a.read(H5::PredType::NATIVE_INT64, &v);
  return v;
}

double read_double_attr(const H5::H5Object& obj, const std::string& name) {
  double v = 0;
  H5::Attribute a = obj.openAttribute(name);
  require_single(a, name, {H5T_FLOAT, H5T_INTEGER});
  a.read(H5::PredType::NATIVE_DOUBLE, &v);
  return v;
}

std::vector<std::int64_t> read_i64(const H5::Group& g, const std::string& name) {
  H5::DataSet ds = g.openDataSet(name);
  if (ds.getTypeClass() != H5T_INTEGER || ds.getSpace().getSimpleExtentNdims() != 1)
    throw H5::DataSetIException("alchain::h5", "dataset '" + name + "' is not a list of integers");
  hsize_t n = 0;
  ds.getSpace().getSimpleExtentDims(&n);
  std::vector<std::int64_t> v(n);
  if (n) ds.read(v.data(), H5::PredType::NATIVE_INT64);
  return v;
}

namespace {
/// Whether another open of `p` holds a lock that HDF5's open would be refused by: HDF5 1.10 locks
/// a file it opens with flock (shared to read, exclusive to write), so a probe of the same kind
/// conflicts exactly when HDF5's did.
bool locked_elsewhere(const std::filesystem::path& p, bool writable) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool busy = ::flock(fd, (writable ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // releases the probe's own lock
  return busy;
}
}  // namespace

H5::H5File open(const std::filesystem::path& p, bool writable) {
  quiet();
  bool retried_unlocked = false;
  for (int attempt = 0;; ++attempt) {
    try {
      return H5::H5File(p.string(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY);
    } catch (const H5::FileIException&) {
      // Only a lock held by another process is worth waiting for (up to 10 s): a file without
      // the HDF5 signature, or a damaged one nobody holds, fails at once. A lock released between
      // HDF5's refusal and the probe gets one more try.
      if (attempt >= 200 || !std::filesystem::exists(p) || H5Fis_hdf5(p.c_str()) <= 0) throw;
      if (!locked_elsewhere(p, writable)) {
        if (retried_unlocked) throw;
        retried_unlocked = true;
        continue;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

H5::H5File open_result_file(const std::filesystem::path& p) {
  quiet();
  if (!std::filesystem::exists(p)) throw std::runtime_error(p.string() + ": no such file");
  H5::H5File f = open(p, false);
  H5::Group root = f.openGroup("/");
  if (!root.attrExists("format") || read_string_attr(root, "format") != "alchain-results")
    throw std::runtime_error(p.string() + ": not an alchain result file (no format = \"alchain-results\")");
  return f;
}

int repeat_count(const H5::Group& root) {
  H5::Attribute a = root.openAttribute("seeds");
  if (a.getSpace().getSimpleExtentNdims() != 1)
    throw H5::AttributeIException("alchain::h5", "attribute 'seeds' is not a list");
  hsize_t n = 0;
  a.getSpace().getSimpleExtentDims(&n);
  return static_cast<int>(n);
}

}  // namespace alchain::h5
