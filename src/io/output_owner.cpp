#include "healgrid/io/output_owner.hpp"

#include <netcdf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "healgrid/catalog/checksum.hpp"
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

// Lines "group P", "var P/NAME" of `group` and below, and "att NAME" of the root's attributes.
void list_contents(int group, const std::string& path, bool root, std::vector<std::string>& out) {
  out.push_back("group " + path);
  int nvars = 0, natts = 0, ngroups = 0;
  char name[NC_MAX_NAME + 1];
  if (nc_inq_varids(group, &nvars, nullptr) == NC_NOERR) {
    std::vector<int> ids(static_cast<std::size_t>(nvars));
    nc_inq_varids(group, &nvars, ids.data());
    for (const int id : ids)
      if (nc_inq_varname(group, id, name) == NC_NOERR) out.push_back("var " + path + "/" + name);
  }
  if (root && nc_inq_natts(group, &natts) == NC_NOERR)
    for (int a = 0; a < natts; ++a)
      if (nc_inq_attname(group, NC_GLOBAL, a, name) == NC_NOERR &&
          std::strcmp(name, schema::kContentsSha256) != 0)
        out.push_back(std::string("att ") + name);
  if (nc_inq_grps(group, &ngroups, nullptr) == NC_NOERR && ngroups > 0) {
    std::vector<int> ids(static_cast<std::size_t>(ngroups));
    nc_inq_grps(group, &ngroups, ids.data());
    for (const int id : ids)
      if (nc_inq_grpname(id, name) == NC_NOERR) list_contents(id, path + "/" + name, false, out);
  }
}

// Whether the output's contents are still those healgrid wrote (`why` says otherwise).
bool contents_as_written(const std::string& path, std::string& why) {
  int ncid = -1;
  if (nc_open(path.c_str(), NC_NOWRITE, &ncid) != NC_NOERR) {
    why = "netCDF cannot open it";
    return false;
  }
  std::size_t length = 0;
  std::string recorded;
  if (nc_inq_attlen(ncid, NC_GLOBAL, schema::kContentsSha256, &length) == NC_NOERR) {
    recorded.resize(length);
    nc_get_att_text(ncid, NC_GLOBAL, schema::kContentsSha256, recorded.data());
  }
  const std::string now = contents_sha256(ncid);
  nc_close(ncid);
  if (recorded.empty()) {
    why = std::string("no ") + schema::kContentsSha256 +
          " attribute: written by another tool from a healgrid output, or by a healgrid before "
          "2026-12-05";
    return false;
  }
  if (recorded != now) {
    why =
        "its groups, variables or global attributes are no longer those healgrid wrote: "
        "another tool changed or derived it";
    return false;
  }
  return true;
}

}  // namespace

std::string contents_sha256(int ncid) {
  std::vector<std::string> lines;
  list_contents(ncid, "", true, lines);
  std::sort(lines.begin(), lines.end());
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return digest_hex(text, "SHA-256");
}

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
      if (contents_as_written(output, why)) return;
      refuse(output,
             "the file has healgrid's healgrid_version attribute but is not an output as "
             "healgrid wrote it (" +
                 why +
                 "); healgrid replaces only its own outputs: move it away or choose "
                 "another --output");
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
