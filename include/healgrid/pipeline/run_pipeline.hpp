// `healgrid run` after its options are parsed: the phases of pipeline/phases.hpp in order, with
// the console log, live progress file, restart journal and metrics attached as observers.
// Collective over MPI_COMM_WORLD (the run works on its own duplicate of it). Returns the
// process exit status, the same on every rank: 0 success, 1 the run failed, 2 a config or
// option error, 128 + signal when stopped by one (pipeline/collective_step.hpp).
#pragma once

#include <string>
#include <vector>

#include "healgrid/app/run_options.hpp"

namespace healgrid {

// `args`: the command line after `run`, recorded in the output's history.
int run_pipeline(const RunOptions& options, const std::vector<std::string>& args);

}  // namespace healgrid
