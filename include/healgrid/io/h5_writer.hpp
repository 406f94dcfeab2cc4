// Writing HDF5 files on top of io/h5_handle.hpp (the synthetic granules, test fixtures): typed
// attributes, groups and the dataset shapes NASA uses in ATL06, without timestamps so identical
// inputs give identical files. Errors throw std::runtime_error that starts with the file path
// and ends with HDF5's own reason (h5_error_line).
#pragma once

#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "healgrid/io/h5_handle.hpp"

namespace healgrid::io {

template <class T>
struct H5TypeOf;
template <>
struct H5TypeOf<double> {
  static hid_t file() { return H5T_IEEE_F64LE; }
  static hid_t mem() { return H5T_NATIVE_DOUBLE; }
};
template <>
struct H5TypeOf<float> {
  static hid_t file() { return H5T_IEEE_F32LE; }
  static hid_t mem() { return H5T_NATIVE_FLOAT; }
};
template <>
struct H5TypeOf<std::int8_t> {
  static hid_t file() { return H5T_STD_I8LE; }
  static hid_t mem() { return H5T_NATIVE_INT8; }
};
template <>
struct H5TypeOf<std::int16_t> {
  static hid_t file() { return H5T_STD_I16LE; }
  static hid_t mem() { return H5T_NATIVE_INT16; }
};
template <>
struct H5TypeOf<std::int32_t> {
  static hid_t file() { return H5T_STD_I32LE; }
  static hid_t mem() { return H5T_NATIVE_INT32; }
};
template <>
struct H5TypeOf<std::uint16_t> {
  static hid_t file() { return H5T_STD_U16LE; }
  static hid_t mem() { return H5T_NATIVE_UINT16; }
};

// CF-style metadata NASA attaches to every dataset (nullptr: attribute absent).
struct H5Meta {
  const char* long_name;
  const char* units;
  const char* description;
  const char* content_type;
  const char* coordinates;
  const char* source;
  const char* standard_name;
};

class H5Writer {
 public:
  explicit H5Writer(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& what) const {
    const std::string cause = h5_error_line();
    throw std::runtime_error(path_ + ": HDF5 error: " + what +
                             (cause.empty() ? "" : " (" + cause + ")"));
  }
  hid_t ok(hid_t id, const std::string& what) const {
    if (id < 0) fail(what);
    return id;
  }
  // Checks a freshly created id and takes ownership of it.
  H5Handle own(hid_t id, H5Handle::Closer closer, const std::string& what) const {
    return H5Handle(ok(id, what), closer);
  }

  // Creation property lists without timestamps, so identical inputs give identical files.
  H5Handle plist(hid_t cls) const {
    H5Handle p = own(H5Pcreate(cls), H5Pclose, "property list");
    ok(H5Pset_obj_track_times(p, false), "track times");
    return p;
  }
  H5Handle group(hid_t parent, const std::string& name) const {
    const H5Handle gcpl = plist(H5P_GROUP_CREATE);
    return own(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose,
               "create group " + name);
  }

  // Fixed-length, null-terminated ASCII scalar, as in NASA's files.
  void attr_str(hid_t obj, const char* name, const std::string& value) const {
    const H5Handle type = own(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
    ok(H5Tset_size(type, value.size() + 1), "string size");
    ok(H5Tset_strpad(type, H5T_STR_NULLTERM), "string pad");
    ok(H5Tset_cset(type, H5T_CSET_ASCII), "string cset");
    write_attr(obj, name, type, type, H5Screate(H5S_SCALAR), value.c_str());
  }
  template <class T>
  void attr_num(hid_t obj, const char* name, T value) const {
    write_attr(obj, name, H5TypeOf<T>::file(), H5TypeOf<T>::mem(), H5Screate(H5S_SCALAR), &value);
  }
  template <class T>
  void attr_vec(hid_t obj, const char* name, const std::vector<T>& v) const {
    const hsize_t n = v.size();
    write_attr(obj, name, H5TypeOf<T>::file(), H5TypeOf<T>::mem(), H5Screate_simple(1, &n, nullptr),
               v.data());
  }
  void describe(hid_t obj, const H5Meta& m) const {
    const std::pair<const char*, const char*> items[] = {{"contentType", m.content_type},
                                                         {"coordinates", m.coordinates},
                                                         {"description", m.description},
                                                         {"long_name", m.long_name},
                                                         {"source", m.source},
                                                         {"standard_name", m.standard_name},
                                                         {"units", m.units}};
    for (const auto& [key, value] : items) {
      if (value != nullptr) attr_str(obj, key, value);
    }
  }

  // A 1-D land_ice_segments column: unlimited, chunk 10000, deflate 6 (+ shuffle on integers).
  template <class T>
  H5Handle column(hid_t group, const char* name, const std::vector<T>& v, const H5Meta& m,
                  const T* fill) const {
    const hsize_t n = v.size(), max_n = H5S_UNLIMITED, chunk = 10000;
    const H5Handle space = own(H5Screate_simple(1, &n, &max_n), H5Sclose, "dataspace");
    const H5Handle dcpl = plist(H5P_DATASET_CREATE);
    ok(H5Pset_chunk(dcpl, 1, &chunk), "chunk");
    if (std::is_integral_v<T>) ok(H5Pset_shuffle(dcpl), "shuffle");
    ok(H5Pset_deflate(dcpl, 6), "deflate");
    if (fill != nullptr) ok(H5Pset_fill_value(dcpl, H5TypeOf<T>::mem(), fill), "fill value");
    H5Handle d =
        own(H5Dcreate2(group, name, H5TypeOf<T>::file(), space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
            H5Dclose, std::string("create dataset ") + name);
    if (n > 0) {
      ok(H5Dwrite(d, H5TypeOf<T>::mem(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
         std::string("write ") + name);
    }
    if (fill != nullptr) attr_num(d, "_FillValue", *fill);
    describe(d, m);
    return d;
  }

  // One-element dataset: compact {1}/{1} in ancillary_data, chunked {1}/{unlimited} in
  // orbit_info, as NASA writes them (`deflate` > 0 adds that filter, as NASA has on lan).
  // The by-value overload below picks the types from T.
  template <class T>
  H5Handle single(hid_t group, const char* name, const T* value, hid_t mem, hid_t type,
                  bool compact, const H5Meta& m, int deflate = 0) const {
    const hsize_t one = 1, max_n = compact ? 1 : H5S_UNLIMITED, chunk = 16;
    const H5Handle space = own(H5Screate_simple(1, &one, &max_n), H5Sclose, "dataspace");
    const H5Handle dcpl = plist(H5P_DATASET_CREATE);
    ok(compact ? H5Pset_layout(dcpl, H5D_COMPACT) : H5Pset_chunk(dcpl, 1, &chunk), "layout");
    if (deflate > 0) ok(H5Pset_deflate(dcpl, static_cast<unsigned>(deflate)), "deflate");
    H5Handle d = own(H5Dcreate2(group, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose,
                     std::string("create dataset ") + name);
    ok(H5Dwrite(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, value), std::string("write ") + name);
    describe(d, m);
    return d;
  }
  template <class T>
  H5Handle single(hid_t group, const char* name, T value, bool compact, const H5Meta& m,
                  int deflate = 0) const {
    return single(group, name, &value, H5TypeOf<T>::mem(), H5TypeOf<T>::file(), compact, m,
                  deflate);
  }
  // valid_min / valid_max attributes of the dataset's own type.
  template <class T>
  void valid_range(hid_t obj, T min, T max) const {
    attr_num(obj, "valid_max", max);
    attr_num(obj, "valid_min", min);
  }
  // Fixed-size NULLPAD string dataset, blank-padded to `size` (NASA: release/version, 80).
  H5Handle single_str(hid_t group, const char* name, std::string value, std::size_t size,
                      const H5Meta& m) const {
    value.resize(std::max(size, value.size()), ' ');
    const H5Handle type = own(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
    ok(H5Tset_size(type, value.size()), "string size");
    ok(H5Tset_strpad(type, H5T_STR_NULLPAD), "string pad");
    return single(group, name, value.data(), type, type, true, m);
  }

 private:
  void write_attr(hid_t obj, const char* name, hid_t type, hid_t mem, hid_t space_id,
                  const void* data) const {
    const H5Handle space = own(space_id, H5Sclose, "dataspace");
    const H5Handle a = own(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                           std::string("create attribute ") + name);
    ok(H5Awrite(a, mem, data), std::string("write attribute ") + name);
  }

  std::string path_;
};

// Keeps HDF5 from printing its error stack while alive (restoring the previous handler);
// healgrid's exceptions carry the path instead.
class H5QuietErrors {
 public:
  H5QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~H5QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  H5QuietErrors(const H5QuietErrors&) = delete;
  H5QuietErrors& operator=(const H5QuietErrors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

}  // namespace healgrid::io
