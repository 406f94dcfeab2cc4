// The granules of one run must agree on the units of each configured dataset: a variable in
// "m" in one granule and "cm" in another would be averaged as one quantity, and a filter's
// threshold would mean two things. healgrid does not convert between granules, so a run whose
// granules name different units (by UDUNITS-2, util/unit_names.hpp: "m" and "meters" agree) for
// one dataset is refused, naming the config key, two granules and their units. A granule
// without units beside granules with them is assumed to share them, with a warning (subsetters
// drop attributes). Only granules that gave points are compared.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "healgrid/config/pipeline_config.hpp"

namespace healgrid {

// The config keys of GranuleReader::dataset_units(): "variables.NAME" of each variable read
// from a dataset and "filters[i].dataset" of each filter read from one ("" for expressions).
std::vector<std::string> unit_keys(const PipelineConfig& config);

struct UnitAgreement {
  std::vector<std::string> warnings;
  std::string error;  // empty: the granules agree
  // Per key: the units the granules agree on (the first granule's by name that has any; ""
  // if none has), what the output's statistics carry whichever granule sorts first.
  std::vector<std::string> units;
};

// `units`: (granule index, its dataset_units()) for the granules that gave points, any order;
// `names`: the run's granule names by index.
UnitAgreement check_unit_agreement(
    const std::vector<std::string>& keys, const std::vector<std::string>& names,
    std::vector<std::pair<std::int64_t, std::vector<std::string>>> units);

}  // namespace healgrid
