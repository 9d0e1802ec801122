// Small typed helpers over the HDF5 C++ API, shared by the result store and its reader.
#pragma once

#include <H5Cpp.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace alchain::h5 {

/// Silences HDF5's own error printing once per process (errors come back as exceptions).
void quiet();

/// The system error (strerror text) behind the last HDF5 failure on this thread, if HDF5 reported
/// one, and forgets it; "" otherwise. Needs quiet().
std::string take_system_error();

void string_attr(H5::H5Object& obj, const std::string& name, const std::string& value);
void string_list_attr(H5::H5Object& obj, const std::string& name, const std::vector<std::string>& values);
void int_attr(H5::H5Object& obj, const std::string& name, std::int64_t value);
void uint_attr(H5::H5Object& obj, const std::string& name, std::uint64_t value);
void double_attr(H5::H5Object& obj, const std::string& name, double value);
void uint_list_attr(H5::H5Object& obj, const std::string& name, const std::vector<std::uint64_t>& values);

void write_i64(H5::Group& g, const std::string& name, const std::vector<std::int64_t>& v);
void write_f64(H5::Group& g, const std::string& name, const std::vector<double>& v);
void write_f32(H5::Group& g, const std::string& name, const std::vector<float>& v);
/// A [rows, size / rows] int64 dataset (row-major `v`); rows = 0 writes an empty [0, 0] one.
void write_i64_matrix(H5::Group& g, const std::string& name, const std::vector<std::int64_t>& v, hsize_t rows);

std::string read_string_attr(const H5::H5Object& obj, const std::string& name);
std::vector<std::string> read_string_list_attr(const H5::H5Object& obj, const std::string& name);
std::int64_t read_int_attr(const H5::H5Object& obj, const std::string& name);
double read_double_attr(const H5::H5Object& obj, const std::string& name);
std::vector<std::int64_t> read_i64(const H5::Group& g, const std::string& name);

/// Opens an existing file read-write (or read-only), waiting up to 10 s while another process
/// (a reader such as h5py) holds HDF5's file lock.
H5::H5File open(const std::filesystem::path& p, bool writable);

/// Opens an alchain result file read-only: throws std::runtime_error naming the file when it does
/// not exist or is not one (root attribute format = "alchain-results").
H5::H5File open_result_file(const std::filesystem::path& p);

/// The number of repeats of a result file (its root attribute `seeds` has one per repeat).
int repeat_count(const H5::Group& root);

}  // namespace alchain::h5
