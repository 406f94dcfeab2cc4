// What every phase of `healgrid run` works over: the communicator, the options, the config and
// grid every rank parsed alike (RunSetup, the first phase's result), the observers, and the
// figures the phases fill in for them. The phases' own results are returned, not stored here
// (pipeline/phases.hpp).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "healgrid/app/run_options.hpp"
#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/pipeline/run_observer.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

struct RunSetup {
  std::string config_text;  // the YAML text, as rank 0 read it and every rank parsed it
  PipelineConfig config;    // with the command-line overrides applied
  std::string overrides;    // their description, "" if none
  HealpixGrid grid;
  double memory_per_rank = 0;  // bytes a rank may hold (plan/memory_budget), same on every rank
  std::string memory_source;   // how memory_per_rank was chosen
};

// Seconds since construction (a steady clock: phase times never go backwards).
class Stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Runs `work` and adds its seconds to `total` (a rank's busy seconds: RunFigures::Seconds);
// returns what `work` returns.
template <typename Work>
auto add_seconds(double& total, Work&& work) {
  const Stopwatch clock;
  auto result = work();
  total += clock.seconds();
  return result;
}

struct RunContext {
  const Communicator& comm;
  const RunOptions& options;
  const std::vector<std::string>& args;  // the command line after `run`, for `history`
  const RunSetup& setup;
  RunObservers& observers;
  RunFigures figures;
  Stopwatch clock;  // since the run started
  // Rank 0, after the index pass: the units of each unit_keys() dataset the granules agree on.
  std::vector<std::string> dataset_units = {};

  const PipelineConfig& config() const { return setup.config; }
  const HealpixGrid& grid() const { return setup.grid; }
};

}  // namespace healgrid
