// Reading result files back in tests, with the HDF5 C++ API.
#pragma once

#include <H5Cpp.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace alchain::test {

/// Opens read-only, waiting while a writer holds the file lock.
inline H5::H5File open_h5(const std::string& path) {
  H5::Exception::dontPrint();
  for (int i = 0;; ++i) {
    try {
      return H5::H5File(path, H5F_ACC_RDONLY);
    } catch (const H5::FileIException&) {
      if (i > 100) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

template <class T>
std::vector<T> read_vector(H5::H5File& f, const std::string& path, const H5::PredType& type) {
  H5::DataSet ds = f.openDataSet(path);
  hsize_t n = 0;
  ds.getSpace().getSimpleExtentDims(&n);
  std::vector<T> v(n);
  if (n) ds.read(v.data(), type);
  return v;
}
inline std::vector<std::int64_t> read_i64(H5::H5File& f, const std::string& p) {
  return read_vector<std::int64_t>(f, p, H5::PredType::NATIVE_INT64);
}
inline std::vector<double> read_f64(H5::H5File& f, const std::string& p) {
  return read_vector<double>(f, p, H5::PredType::NATIVE_DOUBLE);
}
inline std::vector<float> read_f32(H5::H5File& f, const std::string& p) {
  return read_vector<float>(f, p, H5::PredType::NATIVE_FLOAT);
}
inline std::string attr_string(const H5::H5Object& o, const std::string& name) {
  H5::Attribute a = o.openAttribute(name);
  std::string s;
  a.read(a.getStrType(), s);
  return s;
}
inline double attr_double(const H5::H5Object& o, const std::string& name) {
  double v = 0;
  o.openAttribute(name).read(H5::PredType::NATIVE_DOUBLE, &v);
  return v;
}

inline std::uint64_t attr_u64(const H5::H5Object& o, const std::string& name) {
  std::uint64_t v = 0;
  o.openAttribute(name).read(H5::PredType::NATIVE_UINT64, &v);
  return v;
}

}  // namespace alchain::test
