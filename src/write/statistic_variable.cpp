#include "healgrid/write/statistic_variable.hpp"

#include <limits>

#include "healgrid/aggregate/statistics.hpp"
#include "healgrid/io/output_schema.hpp"

namespace healgrid {

namespace s = schema;

void define_statistic_attributes(io::NcFile& nc, int var, const StatisticSpec& spec,
                                 const std::string& long_name, const std::string& units,
                                 bool windowed) {
  if (is_integer_statistic(spec.function))
    nc.def_fill(var, 0);
  else
    nc.def_fill(var, std::numeric_limits<float>::quiet_NaN());
  nc.put_att(var, s::kLongName, long_name);
  if (!units.empty()) nc.put_att(var, s::kUnits, units);
  nc.put_att(var, s::kGridMapping, s::kCrs);
  nc.put_att(var, s::kCoordinates, s::kHealpixIndex);
  const std::string method = cf_cell_method(spec);
  if (!method.empty())
    nc.put_att(
        var, s::kCellMethods,
        std::string(windowed ? std::string(s::kTimeDim) + ": " : "") + s::kCellDim + ": " + method);
  nc.put_att(var, s::kStatistic, to_string(spec.function));
  nc.put_att(var, s::kSourceVariable, spec.variable);
  if (spec.function == StatFunction::quantile) nc.put_att_double(var, s::kQuantile, spec.q);
  if (!spec.sigma.empty()) nc.put_att(var, s::kSigmaVariable, spec.sigma);
  if (!spec.weight.empty()) nc.put_att(var, s::kWeight, spec.weight_text);
}

std::string cf_cell_method(const StatisticSpec& spec) {
  switch (spec.function) {
    case StatFunction::min:
      return "minimum";
    case StatFunction::max:
      return "maximum";
    case StatFunction::sum:
      return "sum";
    case StatFunction::mean:
      return "mean";
    case StatFunction::variance:
      return "variance";
    case StatFunction::std:
      return "standard_deviation";
    case StatFunction::weighted_mean: {
      // CF's comment runs to the closing parenthesis: a weight expression with its own
      // parentheses or colons is named through healgrid_weight instead.
      std::string by = spec.weight.empty() ? "1/" + spec.sigma + "^2" : spec.weight_text;
      if (by.find_first_of("():") != std::string::npos) by = "healgrid_weight";
      return "mean (comment: weighted by " + by + ")";
    }
    case StatFunction::quantile:
      return spec.q == 0.5 ? "median" : "";
    case StatFunction::count:
    case StatFunction::weighted_mean_sigma:
      return "";  // no CF method: healgrid_statistic names it
  }
  return "";
}

void put_statistic_values(io::NcFile& nc, int var, const OutputColumn& col, std::size_t first,
                          std::size_t count, std::int64_t time_index) {
  const bool is_int = is_integer_statistic(col.spec->function);
  if (time_index >= 0) {
    const auto w = static_cast<std::size_t>(time_index);
    if (is_int)
      nc.put(var, {w, first}, {1, count}, col.i32.data());
    else
      nc.put(var, {w, first}, {1, count}, col.f32.data());
  } else if (is_int) {
    nc.put(var, first, count, col.i32.data());
  } else {
    nc.put(var, first, count, col.f32.data());
  }
}

}  // namespace healgrid
