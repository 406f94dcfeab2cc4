#include "healgrid/config/statistic_names.hpp"

#include <cctype>

#include "healgrid/io/output_schema.hpp"

namespace healgrid {
namespace {

// Names the output defines besides the statistics (dimensions and variables), and names a
// later schema may add; "granule_" is a prefix of its own provenance variables.
constexpr const char* kReserved[] = {schema::kCellIds,
                                     schema::kCrs,
                                     schema::kHealpixIndex,
                                     schema::kGranuleDim,
                                     schema::kNameStrlenDim,
                                     schema::kStatusStrlenDim,
                                     schema::kTime,
                                     schema::kTimeBounds,
                                     schema::kBoundsDim,
                                     schema::kTimePointsUsed,
                                     schema::kOverviewsGroup,  // a group, in the same namespace
                                     "lat",
                                     "lon"};
constexpr const char* kReservedPrefix = schema::kGranulePrefix;
constexpr std::size_t kMaxNameBytes = 256;  // NC_MAX_NAME

bool allowed_after_first(unsigned char c) {
  return std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '+' || c == '@';
}

}  // namespace

std::string statistic_name_problem(const std::string& name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > kMaxNameBytes) return "longer than 256 bytes";
  if (!std::isalpha(static_cast<unsigned char>(name[0])))
    return "'" + name + "' must start with a letter (it becomes a netCDF variable name)";
  for (const char c : name)
    if (!allowed_after_first(static_cast<unsigned char>(c)))
      return "'" + name + "' holds '" + std::string(1, c) +
             "': a netCDF variable name takes letters, digits and _ . - + @ only";
  for (const char* reserved : kReserved)
    if (name == reserved) return "'" + name + "' is reserved for the output's own variables";
  if (name.rfind(kReservedPrefix, 0) == 0)
    return "'" + name + "' is reserved for the output's own variables (granule_*)";
  return "";
}

}  // namespace healgrid
