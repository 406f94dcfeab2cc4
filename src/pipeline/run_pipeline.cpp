#include "healgrid/pipeline/run_pipeline.hpp"

#include <cstdio>
#include <memory>
#include <optional>

#include "healgrid/io/output_lock.hpp"
#include "healgrid/io/output_owner.hpp"
#include "healgrid/io/run_partial.hpp"
#include "healgrid/pipeline/collective_step.hpp"
#include "healgrid/pipeline/phases.hpp"
#include "healgrid/pipeline/progress_file.hpp"
#include "healgrid/pipeline/run_observers.hpp"
#include "healgrid/pipeline/window_aggregate.hpp"
#include "healgrid/plan/pass_plan.hpp"
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

// Rank 0: the output's lock, before any file of the run is touched; then the temporaries that
// killed runs of this output left are removed (nobody else can be writing them now).
void take_output_lock(const std::string& output, std::optional<io::OutputLock>& lock) {
  lock.emplace(output);
  // Only healgrid's own file at the progress file's name (rewritten from the first event on;
  // the output itself is checked once the granules are known: phase_resolve).
  io::check_progress_replaceable(progress_path(output));
  if (!lock->held()) return;
  remove_lock_on_hard_stop(lock->path());
  auto stale = io::remove_stale_partials(output);
  for (auto& path : io::remove_stale_temporaries(progress_path(output)))
    stale.push_back(std::move(path));
  for (const auto& path : stale)
    std::fprintf(stderr, "healgrid run: removed %s, left by a run of this output that was killed\n",
                 path.c_str());
}

// The journal's automatic round size within the memory budget: a round's buckets hold its
// points' values at once, so a round holds at most an eighth of the points the budget would
// hold all in the aggregator (held_bytes_per_point); the memory plan counts these rounds.
RunJournal::RoundSize round_size_in_budget(const RunContext& ctx) {
  RunJournal::RoundSize size;
  size.most_points =
      static_cast<std::int64_t>(ctx.setup.memory_per_rank /
                                (RunJournal::kAutoMaxRounds * held_bytes_per_point(ctx.config())));
  return size;
}

// The names of the granules the plan left out (--on-bad-granule skip), in name order.
std::vector<std::string> skipped_granules(const std::vector<Granule>& granules,
                                          const std::vector<std::string>& status) {
  std::vector<std::string> names;
  for (std::size_t g = 0; g < status.size() && g < granules.size(); ++g)
    if (is_skipped_status(status[g])) names.push_back(granules[g].name);
  return names;
}

// The phases after setup; throws RunFailure (every rank alike) when one fails.
void run_phases(RunContext& ctx, std::optional<RunJournal>& journal) {
  auto& s = ctx.figures.seconds;
  const auto inputs = timed(ctx, Phase::resolve, s.resolve, [&] {
    auto in = resolve_phase(ctx);
    // The restart journal is keyed by the inputs' content identity: opened (or cleared) now.
    // Overview levels are not journaled yet (docs/conventions.md): a resumed run would lose
    // the resumed parents' share of them, so the journal is off when they are on; time
    // windows turn it off too (pipeline/window_aggregate.hpp).
    const bool overviews = !ctx.config().output.overviews.empty();
    const bool windows = ctx.config().time_windows.active();
    if (overviews && ctx.options.rounds != 0)
      ctx.observers.note("[journal] off: overview levels (output.overviews) are not journaled");
    ctx.observers.note(time_windows_journal_note(ctx));
    journal.emplace(ctx.comm, ctx.options.output, in.journal_key, ctx.config(), ctx.grid(),
                    overviews || windows ? 0 : ctx.options.rounds, round_size_in_budget(ctx));
    ctx.observers.add(std::make_unique<JournalObserver>(*journal));
    open_journal(ctx, *journal);
    return in;
  });
  auto indexed = timed(ctx, Phase::index, s.index, [&] { return index_phase(ctx, inputs); });
  if (journal->enabled()) turn_journal_off_for_data_elsewhere(ctx, indexed.mine, *journal);
  auto work = timed(ctx, Phase::plan, s.plan,
                    [&] { return plan_phase(ctx, inputs, std::move(indexed), *journal); });
  journal->key_rounds_by_skipped(skipped_granules(inputs.granules, work.granule_status));
  auto aggregated = timed(ctx, Phase::aggregate, s.aggregate, [&] {
    if (ctx.config().time_windows.active()) return aggregate_windows(ctx, inputs, work);
    return work.passes.single() ? aggregate_phase(ctx, inputs, work, *journal)
                                : aggregate_in_passes(ctx, inputs, work, *journal);
  });
  timed(ctx, Phase::write, s.write, [&] {
    write_phase(ctx, inputs, work, std::move(aggregated));
    return 0;
  });
  s.total = ctx.clock.seconds();
  ctx.figures.busy = {ctx.comm.gather(s.index_busy), ctx.comm.gather(s.passes_busy),
                      ctx.comm.gather(s.aggregate_busy)};
  ctx.observers.complete(ctx.figures);
}

}  // namespace

int run_pipeline(const RunOptions& options, const std::vector<std::string>& args) {
  // Its own communicator: the run's point-to-point messages (progress, exchange) mix with no
  // other code's.
  const auto owned = OwnedCommunicator::duplicate(Communicator::world());
  const Communicator& comm = owned.get();
  const StopRelay relay(comm.comm);  // a signal to one rank stops them all (util/fault.hpp)
  // This run's own temporary output name (io/run_partial.hpp), the same on every rank.
  std::string tag = comm.is_root() ? io::new_run_tag() : "";
  comm.bcast(tag);
  io::set_run_tag(tag);
  install_stop_handlers(partial_path(options.output));
  const Stopwatch started;
  std::optional<RunSetup> setup;
  std::optional<io::OutputLock> lock;  // rank 0, the whole run: one run per output
  try {
    setup.emplace(setup_phase(comm, options));
    run_on_root(comm, [&] { take_output_lock(options.output, lock); });
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
