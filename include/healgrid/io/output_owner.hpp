// What a run replaces or removes at the output's names must be healgrid's own. Rank 0 checks,
// holding the output's lock and before any work:
//   OUT.nc               absent, or a healgrid output as healgrid wrote it: an HDF5 file whose
//                        root group has healgrid_version and healgrid_contents_sha256, the
//                        digest of its groups, variables and global attribute names, which still
//                        match (a file another tool derived from an output, xarray's copy with
//                        a variable or an attribute added, keeps the first two attributes but
//                        not its contents); the final rename replaces only that; a symbolic
//                        link is refused (the rename would replace the link, not its target),
//                        as is any other file (someone's data under that name)
//   OUT.nc.progress.json absent, or a progress file healgrid wrote ("format":
//                        "healgrid-progress"): it is rewritten and removed during the run
// (The lock file OUT.nc.lock is checked as it is opened: io/output_lock.hpp.) Each throws
// std::runtime_error naming the path and what to do; nothing is touched.
#pragma once

#include <string>

namespace healgrid::io {

void check_output_replaceable(const std::string& output);
// The SHA-256 of an open netCDF file's contents: every group's path, variables' names and the
// root group's attribute names (healgrid_contents_sha256 left out), sorted.
std::string contents_sha256(int ncid);
// Whether `path` is a healgrid output (HDF5, root attribute healgrid_version).
bool is_healgrid_output(const std::string& path);
void check_progress_replaceable(const std::string& progress);

}  // namespace healgrid::io
