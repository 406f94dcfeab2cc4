// The small HDF5 files of the CF decoding and dataset column tests, written with the C API:
// datasets of any shape and type, numeric and string attributes, float16 data, and the
// one-variable flat config that reads them.
#pragma once

#include <hdf5.h>

#include <string>
#include <vector>

#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/io/h5_handle.hpp"
#include "scratch_h5_file.hpp"

namespace healgrid::cf_test {

// Writes datasets of any shape and numeric attributes of any type into a scratch file.
class Writer {
 public:
  explicit Writer(ScratchH5File& f) : file_(f) {}
  template <typename T>
  hid_t dataset(const std::string& name, hid_t type, std::vector<hsize_t> dims,
                const std::vector<T>& v) {
    create_parent_groups(file_.get(), name);
    H5Handle space(dims.empty()
                       ? H5Screate(H5S_SCALAR)
                       : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                   H5Sclose);
    const hid_t ds = H5Dcreate2(file_.get(), name.c_str(), type, space.get(), H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    open_.emplace_back(ds, H5Dclose);
    return ds;
  }
  template <typename T>
  void attribute(hid_t ds, const char* name, hid_t type, const std::vector<T>& v) {
    const hsize_t n = v.size();
    H5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    H5Handle a(H5Acreate2(ds, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    H5Awrite(a.get(), type, v.data());
  }
  void string_attribute(hid_t ds, const char* name, const std::string& text) {
    H5Handle str(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(str.get(), text.size());
    H5Handle scalar(H5Screate(H5S_SCALAR), H5Sclose);
    H5Handle a(H5Acreate2(ds, name, str.get(), scalar.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    H5Awrite(a.get(), str.get(), text.data());
  }
  // Closes the datasets and reopens the file read-only.
  void finish() {
    open_.clear();
    file_.reopen_read_only();
  }

 private:
  ScratchH5File& file_;
  std::vector<H5Handle> open_;
};

inline std::string file_path(const ScratchH5File& f) {
  char name[4096] = {};
  H5Fget_name(f.get(), name, sizeof name);
  return name;
}

inline PipelineConfig flat_config(std::vector<VariableSpec> variables) {
  PipelineConfig c;
  c.groups = {""};
  c.latitude = "/lat";
  c.longitude = "/lon";
  c.variables = std::move(variables);
  StatisticSpec count;
  count.name = "count";
  count.variable = c.variables.at(0).name;
  c.statistics = {count};
  c.validate();
  return c;
}

inline void write_coordinates(Writer& w, std::size_t n) {
  std::vector<double> lat(n, -70.0), lon(n, 10.0);
  w.dataset<double>("/lat", H5T_NATIVE_DOUBLE, {n}, lat);
  w.dataset<double>("/lon", H5T_NATIVE_DOUBLE, {n}, lon);
}

// A 1-D IEEE binary16 dataset (as h5py writes float16) holding `values` rounded to halves; an
// invalid handle when HDF5 refused any step.
inline H5Handle write_half(hid_t file, const char* name, const std::vector<double>& values) {
  H5Handle half(H5Tcopy(H5T_IEEE_F32LE), H5Tclose);
  if (H5Tset_fields(half.get(), 15, 10, 5, 0, 10) < 0 || H5Tset_size(half.get(), 2) < 0 ||
      H5Tset_ebias(half.get(), 15) < 0)
    return {};
  const hsize_t n = values.size();
  H5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5Handle d(H5Dcreate2(file, name, half.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose);
  if (!d.valid() ||
      H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    return {};
  return d;
}

}  // namespace healgrid::cf_test
