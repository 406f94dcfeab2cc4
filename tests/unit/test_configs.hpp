// Small pipeline configs shared by the unit and MPI tests (header-only, test code only).
#pragma once

#include "healgrid/config/pipeline_config.hpp"

namespace healgrid::test {

// One variable "h" in group "g"; statistics count and h_mean; parent order 1, child order 2.
inline PipelineConfig count_and_mean_config() {
  PipelineConfig c;
  c.groups = {"g"};
  c.latitude = "lat";
  c.longitude = "lon";
  c.variables = {{"h", "h"}};
  StatisticSpec n, m;
  n.name = "count";
  n.function = StatFunction::count;
  n.variable = "h";
  m.name = "h_mean";
  m.function = StatFunction::mean;
  m.variable = "h";
  c.statistics = {n, m};
  c.grid.parent_order = 1;
  c.grid.child_order = 2;
  c.validate();
  return c;
}

}  // namespace healgrid::test
