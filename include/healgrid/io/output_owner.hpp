// What a run replaces or removes at the output's names must be healgrid's own. Rank 0 checks,
// holding the output's lock and before any work:
//   OUT.nc               absent, or a healgrid output (an HDF5 file whose root group has the
//                        attribute healgrid_version): the final rename replaces only that; a
//                        symbolic link is refused (the rename would replace the link, not its
//                        target), as is any other file (someone's data under that name)
//   OUT.nc.progress.json absent, or a progress file healgrid wrote ("format":
//                        "healgrid-progress"): it is rewritten and removed during the run
// (The lock file OUT.nc.lock is checked as it is opened: io/output_lock.hpp.) Each throws
// std::runtime_error naming the path and what to do; nothing is touched.
#pragma once

#include <string>

namespace healgrid::io {

void check_output_replaceable(const std::string& output);
// Whether `path` is a healgrid output (HDF5, root attribute healgrid_version).
bool is_healgrid_output(const std::string& path);
void check_progress_replaceable(const std::string& progress);

}  // namespace healgrid::io
