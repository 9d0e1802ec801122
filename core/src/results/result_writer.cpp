// HDF5 writing with the C++ API; one open/close per write so the file is always complete.
#include "alchain/results/result_writer.hpp"

#include <H5Cpp.h>

#include <chrono>
#include <sstream>
#include <thread>
#include <stdexcept>

#include "alchain/version.hpp"

namespace alchain {

namespace {

struct QuietHdf5 {
  QuietHdf5() { H5::Exception::dontPrint(); }
};

void string_attr(H5::H5Object& obj, const std::string& name, const std::string& value) {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  type.setCset(H5T_CSET_UTF8);
  if (obj.attrExists(name)) obj.removeAttr(name);
  H5::Attribute a = obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  a.write(type, value);
}

void string_list_attr(H5::H5Object& obj, const std::string& name, const std::vector<std::string>& values) {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  type.setCset(H5T_CSET_UTF8);
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  hsize_t dims[1] = {values.size()};
  H5::Attribute a = obj.createAttribute(name, type, H5::DataSpace(1, dims));
  if (!values.empty()) a.write(type, ptrs.data());
}

template <class T>
void scalar_attr(H5::H5Object& obj, const std::string& name, const H5::PredType& type, T value) {
  H5::Attribute a = obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  a.write(type, &value);
}

template <class T>
void vector_attr(H5::H5Object& obj, const std::string& name, const H5::PredType& type, const std::vector<T>& v) {
  hsize_t dims[1] = {v.size()};
  H5::Attribute a = obj.createAttribute(name, type, H5::DataSpace(1, dims));
  if (!v.empty()) a.write(type, v.data());
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

H5::Group ensure_group(H5::H5File& f, const std::string& path) {
  std::string current;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '/')) {
    current += "/" + part;
    if (!f.nameExists(current)) f.createGroup(current);
  }
  return f.openGroup(path);
}

/// Opens for writing. A reader (h5py, a test) may hold HDF5's file lock for a moment; wait for it
/// rather than lose the cycle.
H5::H5File open_rdwr(const std::filesystem::path& p) {
  for (int attempt = 0;; ++attempt) {
    try {
      return H5::H5File(p.string(), H5F_ACC_RDWR);
    } catch (const H5::FileIException&) {
      if (attempt >= 200 || !std::filesystem::exists(p)) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

[[noreturn]] void fail(const std::filesystem::path& p, const std::string& what, const H5::Exception& e) {
  throw std::runtime_error(p.string() + ": " + what + ": " + e.getDetailMsg());
}

}  // namespace

std::string cycle_group_path(int repeat, const std::string& arm, int generation, int cycle) {
  return "repeat_" + std::to_string(repeat) + "/" + arm + "/gen_" + std::to_string(generation) + "/cycle_" +
         std::to_string(cycle);
}

ResultWriter::ResultWriter(std::filesystem::path path, bool overwrite, const RunAttributes& a) : path_(std::move(path)) {
  static QuietHdf5 quiet;
  std::error_code ec;
  if (!overwrite && std::filesystem::exists(path_, ec))
    throw std::runtime_error(path_.string() + ": result file exists; pass --overwrite to replace it");
  if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ec);
  try {
    H5::H5File f(path_.string(), overwrite ? H5F_ACC_TRUNC : H5F_ACC_EXCL);
    H5::Group root = f.openGroup("/");
    string_attr(root, "alchain_version", ALCHAIN_VERSION_STRING);
    string_attr(root, "status", "running");
    string_attr(root, "pipeline_name", a.pipeline_name);
    string_attr(root, "pipeline_path", a.pipeline_path);
    string_attr(root, "pipeline_toml", a.pipeline_text);
    string_attr(root, "dataset", a.dataset);
    vector_attr(root, "seeds", H5::PredType::NATIVE_UINT64, a.seeds);
    scalar_attr(root, "threads", H5::PredType::NATIVE_INT, a.threads);
    string_list_attr(root, "arms", a.arms);
    string_list_attr(root, "class_names", a.class_names);
  } catch (const H5::Exception& e) {
    fail(path_, "cannot create result file", e);
  }
}

void ResultWriter::write_initial(int repeat, std::uint64_t seed, const std::vector<std::int64_t>& initial) {
  try {
    H5::H5File f = open_rdwr(path_);
    H5::Group g = ensure_group(f, "repeat_" + std::to_string(repeat));
    scalar_attr(g, "seed", H5::PredType::NATIVE_UINT64, seed);
    dataset(g, "initial_labeled", H5::PredType::NATIVE_INT64, initial);
  } catch (const H5::Exception& e) {
    fail(path_, "cannot write repeat " + std::to_string(repeat), e);
  }
}

void ResultWriter::write_cycle(const CycleRecord& r) {
  const std::string where = cycle_group_path(r.repeat, r.arm, r.generation, r.cycle);
  try {
    H5::H5File f = open_rdwr(path_);
    H5::Group gen = ensure_group(f, "repeat_" + std::to_string(r.repeat) + "/" + r.arm + "/gen_" + std::to_string(r.generation));
    if (!gen.attrExists("model")) {
      string_attr(gen, "name", r.generation_name);
      string_attr(gen, "model", r.model);
      string_attr(gen, "policy", r.policy);
      scalar_attr(gen, "model_parameters", H5::PredType::NATIVE_INT64, r.model_parameters);
      scalar_attr(gen, "model_macs", H5::PredType::NATIVE_INT64, r.model_macs);
      scalar_attr(gen, "reference", H5::PredType::NATIVE_INT, r.reference ? 1 : 0);
    }
    H5::Group g = f.createGroup("/" + where);
    scalar_attr(g, "seed", H5::PredType::NATIVE_UINT64, r.seed);
    scalar_attr(g, "accuracy", H5::PredType::NATIVE_DOUBLE, r.accuracy);
    scalar_attr(g, "train_loss", H5::PredType::NATIVE_DOUBLE, r.train_loss);
    scalar_attr(g, "num_labeled", H5::PredType::NATIVE_INT64, static_cast<std::int64_t>(r.labeled.size()));
    for (const auto& [k, v] : r.timings) scalar_attr(g, k, H5::PredType::NATIVE_DOUBLE, v);
    dataset(g, "labeled", H5::PredType::NATIVE_INT64, r.labeled);
    dataset(g, "per_class_accuracy", H5::PredType::NATIVE_DOUBLE, r.per_class_accuracy);
    if (r.has_selection) {
      dataset(g, "selected", H5::PredType::NATIVE_INT64, r.selected);
      if (!r.scores.empty()) {
        dataset(g, "scores", H5::PredType::NATIVE_FLOAT, r.scores);
        dataset(g, "score_ids", H5::PredType::NATIVE_INT64, r.score_ids);
      }
    }
  } catch (const H5::Exception& e) {
    fail(path_, "cannot write " + where, e);
  }
}

void ResultWriter::set_status(const std::string& status) {
  try {
    H5::H5File f = open_rdwr(path_);
    H5::Group root = f.openGroup("/");
    string_attr(root, "status", status);
  } catch (const H5::Exception& e) {
    fail(path_, "cannot write status", e);
  }
}

}  // namespace alchain
