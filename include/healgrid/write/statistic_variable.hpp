// A statistic variable of the output, the same in the root group and in every overview level
// (write/netcdf_writer, write/overview_writer): its fill value and CF attributes, and its
// values. Names: io/output_schema.hpp; what each attribute means: docs/conventions.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "healgrid/aggregate/cell_aggregator.hpp"
#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/io/nc_file.hpp"

namespace healgrid {

// Define mode: _FillValue (0 for counts, NaN otherwise), long_name, units (when known),
// grid_mapping, coordinates, cell_methods where CF has a method for the statistic
// ("cell_ids: M", "time: cell_ids: M" under time windows, where the reduction runs over the
// window's points too), healgrid_statistic (the config's function: what healgrid's readers
// use), source_variable, quantile, sigma_variable or weight.
void define_statistic_attributes(io::NcFile& nc, int var, const StatisticSpec& spec,
                                 const std::string& long_name, const std::string& units,
                                 bool windowed);

// The CF cell method (CF-1.13 Appendix E) of a statistic: "minimum", "maximum", "sum",
// "mean", "variance", "standard_deviation", "median", a weighted mean as "mean (comment:
// weighted by ...)"; "" for those CF has no method for (count, weighted_mean_sigma, a quantile
// other than the median).
std::string cf_cell_method(const StatisticSpec& spec);

// Data mode: `col`'s `count` values into cells [first, first + count) of `var`, or with
// `time_index` >= 0 into row time_index of a (time, cell_ids) variable.
void put_statistic_values(io::NcFile& nc, int var, const OutputColumn& col, std::size_t first,
                          std::size_t count, std::int64_t time_index);

}  // namespace healgrid
