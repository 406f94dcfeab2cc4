// A scratch HDF5 file for one test: named after the test, under the test temp dir, removed
// when the test ends.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "healgrid/io/h5_handle.hpp"

namespace healgrid {

class ScratchH5File {
 public:
  explicit ScratchH5File(const std::string& prefix)
      : path_(testing::TempDir() + prefix +
              testing::UnitTest::GetInstance()->current_test_info()->name() + ".h5"),
        file_(H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose) {}
  ~ScratchH5File() {
    file_.reset();
    std::remove(path_.c_str());
  }
  ScratchH5File(const ScratchH5File&) = delete;
  ScratchH5File& operator=(const ScratchH5File&) = delete;

  hid_t get() const { return file_.get(); }
  bool valid() const { return file_.valid(); }
  // Closes and reopens read-only, so reads decode the stored chunks, not the chunk cache.
  void reopen_read_only() {
    file_.reset();
    file_ = H5Handle(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  }

 private:
  std::string path_;
  H5Handle file_;
};

// Creates the groups on the way to `path` ("/a/b/x": /a and /a/b) that `file` lacks.
inline void create_parent_groups(hid_t file, const std::string& path) {
  for (auto pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    const auto g = path.substr(0, pos);
    if (H5Lexists(file, g.c_str(), H5P_DEFAULT) <= 0)
      H5Gclose(H5Gcreate2(file, g.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  }
}

// A 1-D dataset `name` holding `v` (stored as `type`) in `file`.
template <class T>
void write(hid_t file, const char* name, hid_t type, const std::vector<T>& v) {
  const hsize_t n = v.size();
  H5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5Handle d(H5Dcreate2(file, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose);
  H5Dwrite(d.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
}

}  // namespace healgrid
