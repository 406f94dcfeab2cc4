// The one RAII owner of HDF5 identifiers (files, groups, datasets, dataspaces, datatypes,
// property lists, attributes), used by the granule reader, the chunk reader, the synth writer
// (io/h5_writer.hpp) and the tests; HDF5's error stack turned into one readable line. A handle
// closes its id with the matching H5?close when destroyed; the h5:: makers below pair each kind
// with its closer, so a call site says what it opens: h5::dataset(H5Dopen2(...)).
#pragma once

#include <hdf5.h>

#include <string>
#include <utility>

namespace healgrid {

class H5Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  H5Handle() = default;
  H5Handle(hid_t id, Closer close) : id_(id), close_(close) {}
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  H5Handle(H5Handle&& o) noexcept : id_(std::exchange(o.id_, H5I_INVALID_HID)), close_(o.close_) {}
  H5Handle& operator=(H5Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = std::exchange(o.id_, H5I_INVALID_HID);
      close_ = o.close_;
    }
    return *this;
  }
  ~H5Handle() { reset(); }

  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }  // NOLINT: passed straight to the C API
  bool valid() const { return id_ >= 0; }
  // Closes now, returning HDF5's status (closing a written file flushes it: a failure matters).
  herr_t close() {
    const herr_t status = id_ >= 0 && close_ ? close_(id_) : 0;
    id_ = H5I_INVALID_HID;
    return status;
  }
  void reset() {
    if (id_ >= 0 && close_) close_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer close_ = nullptr;
};

namespace h5 {
inline H5Handle file(hid_t id) { return {id, H5Fclose}; }
inline H5Handle group(hid_t id) { return {id, H5Gclose}; }
inline H5Handle dataset(hid_t id) { return {id, H5Dclose}; }
inline H5Handle space(hid_t id) { return {id, H5Sclose}; }
inline H5Handle type(hid_t id) { return {id, H5Tclose}; }
inline H5Handle plist(hid_t id) { return {id, H5Pclose}; }
inline H5Handle attribute(hid_t id) { return {id, H5Aclose}; }

// The text of string attribute `name` of `obj` (fixed or variable length; trailing NULs and
// space padding removed); "" when it is absent, not a string, or unreadable.
std::string string_attribute(hid_t obj, const char* name);

// The type of `type`'s values: an enumeration's base integer type (h5py's bool, a netCDF-4
// enum: the values are those integers, as netCDF4-python and xarray read them), else a copy
// of `type` itself. Invalid when `type` is.
H5Handle value_type(hid_t type);
}  // namespace h5

// Turns off HDF5's automatic stack printing (once per process): errors are reported by
// healgrid's own messages, which include h5_error_line().
void h5_quiet_errors();

// The innermost HDF5 error messages of the current stack, joined on one line (empty if none).
std::string h5_error_line();

// Whether `path` (absolute within the file) names a link that exists, checking each component
// so a missing group is not an error. `unreadable`: HDF5 could not read the links of a group on
// the way (damaged metadata: a B-tree, heap or symbol-table node), with h5_error_line() set;
// `unreadable_group` then names that group.
enum class H5PathState { absent, present, unreadable };
H5PathState h5_path_state(hid_t file, const std::string& path,
                          std::string* unreadable_group = nullptr);

// h5_path_state() == present.
bool h5_path_exists(hid_t file, const std::string& path);

}  // namespace healgrid
