// Phase 5, write (all ranks, collectively): every rank's parent offset and the totals, the
// output's metadata (units and long names from the source datasets), one NetCDF-4 file.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <optional>

#include "healgrid/aggregate/window_blocks.hpp"
#include "healgrid/aggregate/window_overviews.hpp"
#include "healgrid/config/utc_time.hpp"
#include "healgrid/io/output_schema.hpp"
#include "healgrid/io/run_partial.hpp"
#include "healgrid/pipeline/catalog_inputs.hpp"
#include "healgrid/pipeline/collective_step.hpp"
#include "healgrid/pipeline/inputs_digest.hpp"
#include "healgrid/pipeline/phases.hpp"
#include "healgrid/pipeline/window_aggregate.hpp"
#include "healgrid/read/granule_reader.hpp"
#include "healgrid/util/fault.hpp"
#include "healgrid/util/safe_path.hpp"
#include "healgrid/util/text.hpp"
#include "healgrid/write/cell_layout.hpp"
#include "healgrid/write/netcdf_writer.hpp"

namespace healgrid {
namespace {

std::string describe_statistic(const StatisticSpec& s, const std::string& source_long_name) {
  const std::string of = source_long_name.empty() ? s.variable : source_long_name;
  switch (s.function) {
    case StatFunction::count:
      return "number of points used (" + s.variable + ")";
    case StatFunction::quantile: {
      char q[32];
      std::snprintf(q, sizeof q, "%g", s.q);
      return std::string("quantile ") + q + " of " + of;
    }
    case StatFunction::weighted_mean:
      if (!s.weight.empty()) return "mean of " + of + ", weighted by " + s.weight_text;
      return "mean of " + of + ", weighted by 1/" + s.sigma + "^2";
    case StatFunction::weighted_mean_sigma:
      if (!s.weight.empty())
        return "uncertainty of the weighted mean of " + of + ", 1/sqrt(sum(" + s.weight_text + "))";
      return "uncertainty of the weighted mean of " + of + ", 1/sqrt(sum(1/" + s.sigma + "^2))";
    default:
      return std::string(to_string(s.function)) + " of " + of;
  }
}

// The square of a UDUNITS unit: "m^2" for a plain name, else the whole in parentheses,
// "(m s-1)^2" (appending ^2 to "m s-1" would square the second only).
std::string squared_units(const std::string& u) {
  if (u == "1") return u;
  const bool name =
      std::all_of(u.begin(), u.end(), [](unsigned char c) { return std::isalpha(c) || c == '_'; });
  return name ? u + "^2" : "(" + u + ")^2";
}

std::string statistic_units(const StatisticSpec& s, const std::string& source_units) {
  if (!s.units.empty()) return s.units;
  if (s.function == StatFunction::count) return "1";
  if (s.function == StatFunction::variance && !source_units.empty())
    return squared_units(source_units);
  // 1 / sqrt(sum w) is in the weights' units to the power -1/2, which nothing here knows (with
  // sigmas, 1 / sqrt(sum 1/s^2) is in the sigmas' units: `source_units` are then theirs).
  if (s.function == StatFunction::weighted_mean_sigma && !s.weight.empty()) return "";
  return source_units;
}

// Units and long names of each statistic, from the source datasets of the first used granule
// (rank 0 reads them; none when that fails); units the granules agreed on come first, so that
// a granule without them sorting first leaves the output's units as they are.
void describe_statistics(RunContext& ctx, const std::vector<Granule>& granules,
                         const std::vector<long long>& granule_points, OutputMetadata& meta) {
  const auto& config = ctx.config();
  std::vector<std::string> attrs;
  if (ctx.comm.is_root()) {
    const auto used = std::find_if(granule_points.begin(), granule_points.end(),
                                   [](long long n) { return n > 0; }) -
                      granule_points.begin();
    try {
      const GranuleReader reader(granules.at(used).path, config);
      for (const auto& s : config.statistics) {
        const int v = config.variable_index(s.variable);
        // A weighted mean's sigma from `sigma:` is in the sigma's units, not the variable's.
        const int u = s.function == StatFunction::weighted_mean_sigma && s.weight.empty()
                          ? config.variable_index(s.sigma)
                          : v;
        const auto agreed = static_cast<std::size_t>(u) < ctx.dataset_units.size()
                                ? ctx.dataset_units[static_cast<std::size_t>(u)]
                                : std::string();
        attrs.push_back(agreed.empty() ? reader.variable_attribute(u, "units") : agreed);
        attrs.push_back(reader.variable_attribute(v, "long_name"));
      }
    } catch (const std::exception&) {
      attrs.clear();
    }
  }
  ctx.comm.bcast(attrs);
  for (std::size_t s = 0; s < config.statistics.size(); ++s) {
    const auto& spec = config.statistics[s];
    const std::string units = attrs.size() > 2 * s ? attrs[2 * s] : "";
    const std::string long_name = attrs.size() > 2 * s + 1 ? attrs[2 * s + 1] : "";
    meta.units.push_back(statistic_units(spec, units));
    meta.long_names.push_back(spec.long_name.empty() ? describe_statistic(spec, long_name)
                                                     : spec.long_name);
  }
}

OutputMetadata metadata(RunContext& ctx, const ResolvedInputs& inputs, const PlannedWork& work,
                        const std::vector<long long>& granule_points) {
  OutputMetadata meta;
  meta.date_created = creation_time_utc();
  meta.history = "healgrid run";
  for (const auto& a : args_for_history(ctx.args))
    meta.history += " " + shell_quoted(redact_credentials(a));  // user:pass@ URLs
  meta.overrides = ctx.setup.overrides;
  meta.extra_attributes = catalog_attributes(inputs.catalog);
  meta.extra_attributes.emplace_back(kInputsAttribute, inputs.inputs_sha256);
  meta.points_used = static_cast<std::uint64_t>(ctx.figures.points_used);
  const auto& granules = inputs.granules;
  for (std::size_t g = 0; g < granules.size(); ++g) {
    // A granule read in full that gave no point is "empty", as one without the beam groups
    // (healgrid info counts both), not "used".
    const bool none = work.granule_status[g] == "used" && granule_points[g] == 0;
    meta.granules.push_back(
        {granules[g].name, granules[g].bytes, granule_points[g],
         none ? "empty: no point passed the filters, the cells and the time range of the run with "
                "a value (not fill, within the valid range)"
              : work.granule_status[g]});
  }
  describe_statistics(ctx, granules, granule_points, meta);
  return meta;
}

// A stop (SIGTERM, ...) that came during the write keeps the previous output, as in the other
// phases: the ranks agree on it before the rename, never after, and exit 128 + signal.
void keep_old_output_if_stopped(RunContext& ctx) {
  pause_for_tests("HEALGRID_TEST_WRITE_PAUSE_SECONDS");
  int signal = stop_signal();
  MPI_Allreduce(MPI_IN_PLACE, &signal, 1, MPI_INT, MPI_MAX, ctx.comm.comm);
  if (signal == 0) return;
  if (ctx.comm.is_root()) std::remove(partial_path(ctx.options.output).c_str());
  throw RunFailure(128 + signal, {"stopped by signal " + std::to_string(signal) +
                                  " while writing; the previous output (if any) is kept"});
}

}  // namespace

void write_phase(RunContext& ctx, const ResolvedInputs& inputs, const PlannedWork& work,
                 AggregatedBlock aggregated) {
  const auto& comm = ctx.comm;
  auto& figures = ctx.figures;
  const auto& block = aggregated.block;
  // Which cells the file stores and where each rank's go (dense/sparse, auto resolved).
  const auto layout = plan_cell_layout(comm, ctx.config().output.layout, ctx.grid(), block);
  figures.parent_cells = comm.sum(static_cast<long long>(block.parents.size()));
  comm.sum_in_place(aggregated.granule_points);
  const bool windows = !aggregated.window_keys.empty();
  const auto cells =
      windows ? cells_with_data_in_any(aggregated.window_blocks) : cells_with_data(block);
  std::vector<long long> totals = {figures.rows_read, static_cast<long long>(block.points),
                                   static_cast<long long>(cells)};
  comm.sum_in_place(totals);
  figures.rows_read = totals[0];
  figures.points_used = totals[1];
  figures.cells_with_data = totals[2];
  auto meta = metadata(ctx, inputs, work, aggregated.granule_points);
  if (windows)
    meta.extra_attributes.emplace_back(schema::kTimeWindows, ctx.config().time_windows.text);
  const auto& range = ctx.config().time_window;
  if (std::isfinite(range.start_seconds))
    meta.extra_attributes.emplace_back(schema::kTimeCoverageStart, format_utc(range.start_seconds));
  if (std::isfinite(range.end_seconds))
    meta.extra_attributes.emplace_back(schema::kTimeCoverageEnd, format_utc(range.end_seconds));
  const auto time_axis =
      windows ? std::optional<TimeAxis>(make_time_axis(ctx, aggregated)) : std::nullopt;
  // Other ranks may be inside a collective call when one fails: abort the job, leaving no
  // finished file (abort_job removes OUT.partial).
  const auto abort_write = [&](const std::exception& e) {
    const std::string message = std::string("write failed: ") + e.what();
    ctx.observers.aborting(message);
    abort_job(comm, message);
  };
  try {
    // Rank 0 holds them (with time windows: each level's windows on the union of cells).
    const auto overviews = windows ? gather_window_overviews(comm, aggregated.window_overviews)
                                   : aggregated.overviews->gather(comm);
    write_netcdf(comm, ctx.options.output, ctx.config(), ctx.grid(), block, layout,
                 figures.parent_cells, meta, overviews, time_axis ? &*time_axis : nullptr);
  } catch (const std::exception& e) {
    abort_write(e);
  }
  keep_old_output_if_stopped(ctx);  // every rank alike: a RunFailure, not an abort
  try {
    commit_netcdf(comm, ctx.options.output);  // rank 0's fsync and rename may fail
  } catch (const std::exception& e) {
    abort_write(e);
  }
  struct stat st {};
  if (comm.is_root() && stat(ctx.options.output.c_str(), &st) == 0)
    figures.output_bytes = st.st_size;
}

}  // namespace healgrid
