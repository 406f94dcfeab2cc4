#include "healgrid/io/output_owner.hpp"

#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "healgrid/io/h5_handle.hpp"
#include "healgrid/io/output_schema.hpp"

namespace healgrid::io {
namespace {

[[noreturn]] void refuse(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

}  // namespace

bool is_healgrid_output(const std::string& path) {
  h5_quiet_errors();
  if (H5Fis_hdf5(path.c_str()) <= 0) return false;
  H5Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  return file.valid() && H5Aexists(file.get(), schema::kHealgridVersion) > 0;
}

void check_output_replaceable(const std::string& output) {
  struct stat st {};
  if (::lstat(output.c_str(), &st) != 0) return;  // nothing there yet
  if (S_ISLNK(st.st_mode))
    refuse(output,
           "the output path is a symbolic link; healgrid replaces its output by renaming, which "
           "would replace the link, not its target: give the target's path as --output, or "
           "remove the link");
  if (S_ISREG(st.st_mode) && !is_healgrid_output(output))
    refuse(output,
           "the file exists and is not a healgrid output (no healgrid_version attribute); "
           "healgrid replaces only its own outputs: move it away or choose another --output");
}

void check_progress_replaceable(const std::string& progress) {
  struct stat st {};
  if (::lstat(progress.c_str(), &st) != 0) return;
  const std::string remove = ": remove it or choose another --output";
  if (!S_ISREG(st.st_mode))
    refuse(progress,
           "the run's progress file name is taken by something that is not a regular "
           "file (a link, a directory)" +
               remove);
  std::ifstream in(progress);
  std::stringstream text;
  text << in.rdbuf();
  const auto doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (!doc.is_object() || doc.value("format", std::string()) != "healgrid-progress")
    refuse(progress,
           "the run's progress file name is taken by a file healgrid did not write" + remove);
}

}  // namespace healgrid::io
