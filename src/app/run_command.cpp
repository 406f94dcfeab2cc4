// `healgrid run`: the main job. The options are parsed here; the run itself is the pipeline of
// pipeline/run_pipeline.hpp (resolve -> index -> plan -> read+aggregate -> write).
#include <cstdio>

#include "healgrid/app/commands.hpp"
#include "healgrid/app/run_options.hpp"
#include "healgrid/pipeline/run_pipeline.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

int run_command(const std::vector<std::string>& args) {
  const auto mpi = Communicator::world();
  RunOptions opt;
  std::string usage_error;
  if (!parse_run_options(args, opt, usage_error)) {
    if (mpi.rank == 0)
      std::fprintf(stderr, "healgrid run: %s\n(see healgrid run --help)\n", usage_error.c_str());
    return 2;
  }
  if (opt.help) {
    if (mpi.rank == 0) std::fputs(run_help_text().c_str(), stdout);
    return 0;
  }
  return run_pipeline(opt, args);
}

}  // namespace healgrid
