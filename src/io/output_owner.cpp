#include "healgrid/io/output_owner.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
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

// Who wrote the file at `path`: healgrid (an HDF5 file whose root group has healgrid_version),
// someone else, or unknown because it cannot be opened (`why` says why). Opened without HDF5's
// file locking, which some parallel file systems refuse (ENOLCK, ENOTSUPP) although the
// output itself was written there.
enum class Writer { healgrid, other, unknown };

Writer writer_of(const std::string& path, std::string& why) {
  if (::access(path.c_str(), R_OK) != 0) {
    why = std::strerror(errno);
    return Writer::unknown;
  }
  h5_quiet_errors();
  if (H5Fis_hdf5(path.c_str()) <= 0) return Writer::other;
  H5Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_file_locking(fapl.get(), false, true);
  H5Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  if (!file.valid()) {
    why = h5_error_line();
    return Writer::unknown;
  }
  return H5Aexists(file.get(), schema::kHealgridVersion) > 0 ? Writer::healgrid : Writer::other;
}

}  // namespace

bool is_healgrid_output(const std::string& path) {
  std::string why;
  return writer_of(path, why) == Writer::healgrid;
}

void check_output_replaceable(const std::string& output) {
  struct stat st {};
  if (::lstat(output.c_str(), &st) != 0) return;  // nothing there yet
  if (S_ISLNK(st.st_mode))
    refuse(output,
           "the output path is a symbolic link; healgrid replaces its output by renaming, which "
           "would replace the link, not its target: give the target's path as --output, or "
           "remove the link");
  if (!S_ISREG(st.st_mode)) return;  // a directory or device: check_output_location says so
  std::string why;
  switch (writer_of(output, why)) {
    case Writer::healgrid:
      return;
    case Writer::other:
      refuse(output,
             "the file exists and is not a healgrid output (no healgrid_version attribute); "
             "healgrid replaces only its own outputs: move it away or choose another --output");
    case Writer::unknown:
      refuse(output, "the file exists and cannot be opened to check that healgrid wrote it (" +
                         why + "): move it away or choose another --output");
  }
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
  if (!in || !(text << in.rdbuf()) || in.bad())
    refuse(progress,
           "the run's progress file cannot be read to check that healgrid wrote it" + remove);
  const auto doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (!doc.is_object() || doc.value("format", std::string()) != "healgrid-progress")
    refuse(progress,
           "the run's progress file name is taken by a file healgrid did not write" + remove);
}

}  // namespace healgrid::io
