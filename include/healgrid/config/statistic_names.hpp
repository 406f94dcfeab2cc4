// Which statistic names can become output variables: netCDF refuses some names ("h/mean"), and
// others would collide with the names the output file defines itself (cell_ids, crs, the
// granules dimension and its granule_* variables, ...). Checked when the config is loaded, so a
// bad name fails at once instead of at the collective write, hours into a run.
#pragma once

#include <string>

namespace healgrid {

// "" when `name` can be a statistic's output variable; else why not (for a ConfigError).
// Allowed: a letter first, then letters, digits and _ . - + @ (portable across netCDF, CF
// tools and xarray), at most 256 bytes, and none of the output's own names.
std::string statistic_name_problem(const std::string& name);

}  // namespace healgrid
