#include "healgrid/pipeline/run_pipeline.hpp"

#include <memory>
#include <optional>

#include "healgrid/pipeline/collective_step.hpp"
#include "healgrid/pipeline/phases.hpp"
#include "healgrid/pipeline/run_observers.hpp"
#include "healgrid/pipeline/window_aggregate.hpp"
#include "healgrid/util/fault.hpp"
#include "healgrid/util/mpi_handles.hpp"
#include "healgrid/write/netcdf_writer.hpp"

namespace healgrid {
namespace {

// Runs `phase` between the observers' phase_begin and phase_end; its seconds go to `seconds`.
template <typename Work>
auto timed(RunContext& ctx, Phase phase, double& seconds, Work&& work) {
  ctx.observers.phase_begin(phase, ctx.figures);
  const Stopwatch clock;
  auto result = work();
  seconds = clock.seconds();
  ctx.observers.phase_end(phase, ctx.figures);
  return result;
}

// The phases after setup; throws RunFailure (every rank alike) when one fails.
void run_phases(RunContext& ctx, std::optional<RunJournal>& journal) {
  auto& s = ctx.figures.seconds;
  const auto inputs = timed(ctx, Phase::resolve, s.resolve, [&] {
    auto in = resolve_phase(ctx);
    // The restart journal is keyed by the inputs' identity: opened (or cleared) now.
    // Off with time windows (pipeline/window_aggregate.hpp).
    const bool windows = ctx.config().time_windows.active();
    journal.emplace(ctx.comm, ctx.options.output, in.inputs_sha256, ctx.config(), ctx.grid(),
                    windows ? 0 : ctx.options.rounds);
    ctx.observers.note(time_windows_journal_note(ctx));
    ctx.observers.add(std::make_unique<JournalObserver>(*journal));
    open_journal(ctx, *journal);
    return in;
  });
  auto indexed = timed(ctx, Phase::index, s.index, [&] { return index_phase(ctx, inputs); });
  auto work =
      timed(ctx, Phase::plan, s.plan, [&] { return plan_phase(ctx, inputs, std::move(indexed)); });
  auto aggregated = timed(ctx, Phase::aggregate, s.aggregate, [&] {
    return ctx.config().time_windows.active() ? aggregate_windows(ctx, inputs, work)
                                              : aggregate_phase(ctx, inputs, work, *journal);
  });
  timed(ctx, Phase::write, s.write, [&] {
    write_phase(ctx, inputs, work, std::move(aggregated));
    return 0;
  });
  s.total = ctx.clock.seconds();
  ctx.observers.complete(ctx.figures);
}

}  // namespace

int run_pipeline(const RunOptions& options, const std::vector<std::string>& args) {
  // Its own communicator: the run's point-to-point messages (progress, exchange) mix with no
  // other code's.
  const auto owned = OwnedCommunicator::duplicate(Communicator::world());
  const Communicator& comm = owned.get();
  install_stop_handlers(partial_path(options.output));
  const Stopwatch started;
  std::optional<RunSetup> setup;
  try {
    setup.emplace(setup_phase(comm, options));
  } catch (const RunFailure& e) {
    ConsoleLog::print_errors(comm, e.messages());
    return e.exit_status();
  }
  std::optional<RunJournal> journal;  // outlives the observers' use of it
  RunObservers observers;
  observers.add(std::make_unique<ProgressFileObserver>(comm, setup->grid, options.output));
  observers.add(std::make_unique<ConsoleLog>(comm, setup->grid, options.output, options.quiet));
  observers.add(std::make_unique<MetricsObserver>(comm, options.metrics_json));
  RunContext ctx{comm, options, args, *setup, observers, {}, started};
  ctx.figures.ranks = comm.size;
  try {
    run_phases(ctx, journal);
  } catch (const RunFailure& e) {
    observers.failed(e.messages());
    return e.exit_status();
  }
  return 0;
}

}  // namespace healgrid
