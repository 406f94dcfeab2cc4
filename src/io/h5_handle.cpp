#include "healgrid/io/h5_handle.hpp"

#include <mutex>
#include <vector>

namespace healgrid {

void h5_quiet_errors() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

std::string h5_error_line() {
  std::vector<std::string> messages;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned, const H5E_error2_t* e, void* data) -> herr_t {
        auto* out = static_cast<std::vector<std::string>*>(data);
        // HDF5 repeats a message at several levels of its stack: keep each one once in a row.
        if (e->desc && *e->desc && (out->empty() || out->back() != e->desc))
          out->emplace_back(e->desc);
        return 0;
      },
      &messages);
  H5Eclear2(H5E_DEFAULT);
  std::string line;
  for (const auto& m : messages) {
    if (!line.empty()) line += "; ";
    line += m;
  }
  // One line: some HDF5 messages carry the system's error text with a line break.
  for (auto& c : line)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

H5PathState h5_path_state(hid_t file, const std::string& path, std::string* unreadable_group) {
  if (path.empty() || path == "/") return H5PathState::present;
  // The whole path at once, the usual answer (one lookup, not one per group); only a path that
  // is not there is walked group by group, to tell absent from unreadable.
  if (H5Lexists(file, path.c_str(), H5P_DEFAULT) > 0) return H5PathState::present;
  H5Eclear2(H5E_DEFAULT);
  std::size_t pos = 0;
  std::string group = "/";
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    const std::string prefix = path.substr(0, pos);
    if (prefix.empty() || prefix == "/") continue;
    const htri_t exists = H5Lexists(file, prefix.c_str(), H5P_DEFAULT);
    if (exists < 0) {
      if (unreadable_group) *unreadable_group = group;
      return H5PathState::unreadable;
    }
    if (exists == 0) return H5PathState::absent;
    group = prefix;
  }
  return H5PathState::present;
}

bool h5_path_exists(hid_t file, const std::string& path) {
  return h5_path_state(file, path) == H5PathState::present;
}

namespace h5 {

std::string string_attribute(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) return "";
  H5Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  H5Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (H5Tget_class(type.get()) != H5T_STRING) return "";
  if (H5Tis_variable_str(type.get()) > 0) {
    char* value = nullptr;
    H5Handle mem(H5Tget_native_type(type.get(), H5T_DIR_ASCEND), H5Tclose);
    if (H5Aread(attr.get(), mem.get(), &value) < 0 || !value) return "";
    std::string out(value);
    H5free_memory(value);
    return out;
  }
  std::string out(H5Tget_size(type.get()), '\0');
  if (H5Aread(attr.get(), type.get(), out.data()) < 0) return "";
  out.resize(out.find('\0') == std::string::npos ? out.size() : out.find('\0'));
  while (!out.empty() && out.back() == ' ') out.pop_back();  // space-padded strings
  return out;
}

H5Handle value_type(hid_t type) {
  if (H5Tget_class(type) == H5T_ENUM) return H5Handle(H5Tget_super(type), H5Tclose);
  return H5Handle(H5Tcopy(type), H5Tclose);
}

}  // namespace h5

}  // namespace healgrid
