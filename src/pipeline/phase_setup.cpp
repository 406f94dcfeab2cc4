// Phase 0, setup: the config every rank parses alike, with the command-line overrides.
#include <algorithm>
#include <optional>

#include "healgrid/pipeline/collective_step.hpp"
#include "healgrid/pipeline/phases.hpp"
#include "healgrid/plan/memory_budget.hpp"
#include "healgrid/plan/output_estimate.hpp"
#include "healgrid/util/huge_pages.hpp"

namespace healgrid {

RunSetup setup_phase(const Communicator& comm, const RunOptions& options) {
  // Rank 0 reads the file so every rank parses the very same text.
  std::string text = options.config_path.empty() ? default_config_text() : "";
  run_on_root(comm, [&] {
    if (!options.config_path.empty()) text = load_config_file(options.config_path).source_text;
  });
  comm.bcast(text);
  std::optional<RunSetup> setup;
  const auto budget = memory_budget_per_rank(comm.comm, options.memory_per_rank);  // collective
  const double memory_per_rank = budget.bytes;
  // Malloc's heap grows 256 MB ahead (a sixteenth of a budget below 4 GB), so that once the
  // read loop advises it, its new pages fault 2 MB at a time (util/huge_pages.hpp).
  grow_heap_ahead(static_cast<std::size_t>(std::min(256e6, memory_per_rank / 16)));
  run_on_every_rank(
      comm,
      [&] {
        auto config = parse_config(
            text, options.config_path.empty() ? "built-in config" : options.config_path);
        const auto overrides = apply_overrides(options, config);
        const HealpixGrid grid(config.grid.parent_order, config.grid.child_order,
                               config.grid.latitude);
        // Refuse at once an output that cannot fit even with one parent cell per rank.
        if (const auto problem =
                output_memory_problem(estimate_output(config, 1, 1), memory_per_rank);
            !problem.empty())
          throw ConfigError(problem);
        setup.emplace(
            RunSetup{text, std::move(config), overrides, grid, memory_per_rank, budget.source});
      },
      Reporting::root_only);  // the same text gives the same outcome on every rank
  return std::move(*setup);
}

}  // namespace healgrid
