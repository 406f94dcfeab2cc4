// Small RAII owners for HDF5 identifiers, and HDF5's error stack turned into one readable line.
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
  bool valid() const { return id_ >= 0; }
  void reset() {
    if (id_ >= 0 && close_) close_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer close_ = nullptr;
};

// Turns off HDF5's automatic stack printing (once per process): errors are reported by
// healgrid's own messages, which include h5_error_line().
void h5_quiet_errors();

// The innermost HDF5 error messages of the current stack, joined on one line (empty if none).
std::string h5_error_line();

// True when `path` (absolute within the file) names a link that exists, checking each
// component so a missing group is not an error.
bool h5_path_exists(hid_t file, const std::string& path);

}  // namespace healgrid
