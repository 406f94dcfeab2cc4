#include "healgrid/read/external_storage.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "healgrid/io/h5_handle.hpp"
#include "healgrid/read/granule_error.hpp"

namespace healgrid {
namespace {

// The name HDF5 gives the file holding `object`.
std::string file_name_of(hid_t object) {
  const auto n = H5Fget_name(object, nullptr, 0);
  if (n <= 0) return "another file";
  std::string name(static_cast<std::size_t>(n) + 1, '\0');
  H5Fget_name(object, name.data(), name.size());
  name.resize(static_cast<std::size_t>(n));
  return name;
}

// The external raw file `name` as HDF5 opens it: under the access list's prefix, if any.
std::string external_raw_path(hid_t dataset, const std::string& name,
                              const std::string& file_path) {
  if (std::filesystem::path(name).is_absolute()) return name;
  const char* env = std::getenv("HDF5_EXTFILE_PREFIX");  // HDF5 reads it before the list
  std::string prefix = env ? env : "";
  H5Handle dapl(prefix.empty() ? H5Dget_access_plist(dataset) : H5I_INVALID_HID, H5Pclose);
  if (dapl.valid()) {
    const auto n = H5Pget_efile_prefix(dapl.get(), nullptr, 0);
    if (n > 0) {
      prefix.assign(static_cast<std::size_t>(n) + 1, '\0');
      H5Pget_efile_prefix(dapl.get(), prefix.data(), prefix.size());
      prefix.resize(static_cast<std::size_t>(n));
    }
  }
  if (prefix.empty()) return name;
  const std::string origin = "${ORIGIN}";
  if (prefix.compare(0, origin.size(), origin) == 0)
    prefix = std::filesystem::path(file_path).parent_path().string() + prefix.substr(origin.size());
  return (std::filesystem::path(prefix) / name).string();
}

}  // namespace

std::string data_elsewhere(hid_t file, hid_t dataset, const H5Handle& dcpl) {
  H5O_info_t in_file{}, in_dataset{};
  if (H5Oget_info2(file, &in_file, H5O_INFO_BASIC) >= 0 &&
      H5Oget_info2(dataset, &in_dataset, H5O_INFO_BASIC) >= 0 &&
      in_file.fileno != in_dataset.fileno)
    return "in " + file_name_of(dataset) + ", through an external link";
  if (!dcpl.valid()) return "";
  if (const int n = H5Pget_external_count(dcpl.get()); n > 0) {
    char name[1024] = {};
    off_t offset = 0;
    hsize_t size = 0;
    H5Pget_external(dcpl.get(), 0, sizeof name, name, &offset, &size);
    return "stored in the external raw file " + std::string(name) +
           (n > 1 ? " and " + std::to_string(n - 1) + " more" : "");
  }
  if (H5Pget_layout(dcpl.get()) != H5D_VIRTUAL) return "";
  std::size_t count = 0;
  if (H5Pget_virtual_count(dcpl.get(), &count) < 0) return "";
  for (std::size_t i = 0; i < count; ++i) {
    const auto n = H5Pget_virtual_filename(dcpl.get(), i, nullptr, 0);
    if (n <= 0) continue;
    std::string name(static_cast<std::size_t>(n) + 1, '\0');
    H5Pget_virtual_filename(dcpl.get(), i, name.data(), name.size());
    name.resize(static_cast<std::size_t>(n));
    if (name != ".") return "a virtual dataset reading from " + name;
  }
  return "";
}

void require_external_raw_files(hid_t dataset, const H5Handle& dcpl, const std::string& file_path,
                                const std::string& key, const std::string& path) {
  const int n = dcpl.valid() ? H5Pget_external_count(dcpl.get()) : 0;
  if (n <= 0) return;
  H5Handle space(H5Dget_space(dataset), H5Sclose);
  H5Handle type(H5Dget_type(dataset), H5Tclose);
  const auto points = space.valid() ? H5Sget_simple_extent_npoints(space.get()) : 0;
  auto needed = static_cast<long long>(points > 0 ? points : 0) *
                static_cast<long long>(type.valid() ? H5Tget_size(type.get()) : 0);
  const std::string where = file_path + ": " + key + ": dataset " + path;
  for (int i = 0; i < n && needed > 0; ++i) {
    char name[4096] = {};
    off_t offset = 0;
    hsize_t size = 0;
    if (H5Pget_external(dcpl.get(), static_cast<unsigned>(i), sizeof name, name, &offset, &size) <
        0)
      throw GranuleError(where + ": cannot read its external raw file list");
    // Each file holds its declared share of the bytes, in order (the last one may be unlimited).
    const long long share =
        size == H5F_UNLIMITED ? needed : std::min<long long>(needed, static_cast<long long>(size));
    const std::string found = external_raw_path(dataset, name, file_path);
    struct stat st {};
    if (::stat(found.c_str(), &st) != 0)
      throw GranuleError(where + " is stored in the external raw file " + found +
                         ", which cannot be found (HDF5 looks for a relative name from the "
                         "working directory, or under HDF5_EXTFILE_PREFIX)");
    const long long held = std::max<long long>(0, static_cast<long long>(st.st_size) - offset);
    if (held < share)
      throw GranuleError(where + " is stored in the external raw file " + found + ", which holds " +
                         std::to_string(held) + " of the " + std::to_string(share) +
                         " bytes it should from offset " + std::to_string(offset) +
                         " (HDF5 would read the rest as zeros): a truncated file?");
    needed -= share;
  }
}

}  // namespace healgrid
