#include "healgrid/read/granule_error.hpp"

#include <algorithm>
#include <vector>

#include "healgrid/io/h5_handle.hpp"

namespace healgrid {

bool granule_path_exists(hid_t file, const std::string& file_path, const std::string& path) {
  std::string group;
  const auto state = h5_path_state(file, path, &group);
  if (state != H5PathState::unreadable) return state == H5PathState::present;
  const auto cause = h5_error_line();
  if (const auto why = unfollowable_link(file, group); !why.empty())  // no damage: a link
    throw GranuleError(file_path + ": group " + group + " (looking for " + path + ") is " + why);
  throw GranuleError(file_path + ": HDF5 cannot read the links of group " + group +
                     " (looking for " + path + "): damaged metadata" +
                     (cause.empty() ? std::string() : " (HDF5: " + cause + ")"));
}

namespace {

// The value of the soft or external link at `path` ("" when it has none).
std::vector<char> link_value(hid_t file, const std::string& path, const H5L_info_t& link) {
  std::vector<char> value(link.u.val_size + 1, '\0');
  if (H5Lget_val(file, path.c_str(), value.data(), link.u.val_size, H5P_DEFAULT) < 0) return {};
  return value;
}

}  // namespace

std::string unfollowable_link(hid_t file, const std::string& path) {
  H5L_info_t link{};
  if (H5Lget_info(file, path.c_str(), &link, H5P_DEFAULT) < 0) return "";
  if (link.type != H5L_TYPE_SOFT && link.type != H5L_TYPE_EXTERNAL) return "";
  if (H5Oexists_by_name(file, path.c_str(), H5P_DEFAULT) > 0) return "";  // it can be followed
  const auto value = link_value(file, path, link);
  if (value.empty()) return "";
  if (link.type == H5L_TYPE_SOFT) {
    // Along the chain of soft links: one to a path with no link, or back to one already seen.
    const std::string first = value.data();
    std::vector<std::string> seen = {path};
    std::string at = first;
    for (int hop = 0; hop < 64; ++hop) {
      if (std::find(seen.begin(), seen.end(), at) != seen.end())
        return "a soft link to " + first + ", which leads back to " + at + " (a loop of links)";
      H5L_info_t next{};
      if (h5_path_state(file, at) != H5PathState::present ||
          H5Lget_info(file, at.c_str(), &next, H5P_DEFAULT) < 0)
        return "a soft link to " + first +
               (at == first ? std::string() : ", which leads on to " + at) +
               ", which does not exist";
      if (next.type != H5L_TYPE_SOFT) break;
      seen.push_back(at);
      const auto hop_value = link_value(file, at, next);
      if (hop_value.empty()) break;
      at = hop_value.data();
    }
    return "a soft link to " + first + ", which cannot be followed";
  }
  const char* target_file = nullptr;
  const char* target_object = nullptr;
  if (H5Lunpack_elink_val(const_cast<char*>(value.data()), link.u.val_size, nullptr, &target_file,
                          &target_object) < 0)
    return "";
  return "an external link to " + std::string(target_object) + " in " + target_file +
         ", which cannot be opened";
}

}  // namespace healgrid
