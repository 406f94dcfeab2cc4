#include "healgrid/read/granule_error.hpp"

#include "healgrid/io/h5_handle.hpp"

namespace healgrid {

bool granule_path_exists(hid_t file, const std::string& file_path, const std::string& path) {
  std::string group;
  const auto state = h5_path_state(file, path, &group);
  if (state != H5PathState::unreadable) return state == H5PathState::present;
  const auto cause = h5_error_line();
  throw GranuleError(file_path + ": HDF5 cannot read the links of group " + group +
                     " (looking for " + path + "): damaged metadata" +
                     (cause.empty() ? std::string() : " (HDF5: " + cause + ")"));
}

}  // namespace healgrid
