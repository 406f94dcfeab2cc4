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
// grid_mapping, coordinates, cell_methods ("time: cell_ids: F" under time windows, where the
// reduction runs over the window's points too), source_variable, quantile, sigma_variable.
void define_statistic_attributes(io::NcFile& nc, int var, const StatisticSpec& spec,
                                 const std::string& long_name, const std::string& units,
                                 bool windowed);

// Data mode: `col`'s `count` values into cells [first, first + count) of `var`, or with
// `time_index` >= 0 into row time_index of a (time, cell_ids) variable.
void put_statistic_values(io::NcFile& nc, int var, const OutputColumn& col, std::size_t first,
                          std::size_t count, std::int64_t time_index);

}  // namespace healgrid
