// Phase 4, read + aggregate (all ranks, each its own parent cells): the variable datasets of
// this rank's points are read in row windows and reduced per child cell, round by round (each
// round reported to the observers: the journal writes it). This is the run's hot loop: per
// point only the journal's inline counter is called; the aggregator takes batches of points.
#include <algorithm>
#include <exception>
#include <memory>
#include <stdexcept>

#include "healgrid/pipeline/collective_step.hpp"
#include "healgrid/pipeline/phases.hpp"
#include "healgrid/pipeline/progress.hpp"
#include "healgrid/read/granule_reader.hpp"
#include "healgrid/util/fault.hpp"
#include "healgrid/util/huge_pages.hpp"

namespace healgrid {
namespace {

// One rank's read loop over its work runs (pipeline/journal.hpp: runs of one granule beam's
// points, rows ascending, round after round).
class ReadLoop {
 public:
  static constexpr std::size_t kBatch = 4096;  // points handed to the aggregator at once

  // `phase`: started with the phase (read_bin is the phase's time less the reductions).
  // `parked`: readers of the run's granules parked before (the index pass's).
  ReadLoop(RunContext& ctx, const ResolvedInputs& inputs, RunJournal& journal,
           CellAggregator& aggregator, PhaseProgress& progress, const Stopwatch& phase,
           ParkedReaders parked)
      : ctx_(ctx),
        phase_(phase),
        granules_(inputs.granules),
        journal_(journal),
        aggregator_(aggregator),
        progress_(progress),
        granule_points_(inputs.granules.size(), 0),
        carry_(carry_capacity(ctx)),
        parked_(std::move(parked)),
        cells_(kBatch),
        values_(ctx.config().variables.size() * kBatch) {}

  // Reads and reduces every run, then frees `parts`; returns the rank's assembled block
  // (journaled rounds too).
  GridBlock run(PointParts& parts, const std::vector<WorkRun>& runs);
  std::vector<long long>& granule_points() { return granule_points_; }

 private:
  void read_run(const PointVector& points, const WorkRun& run);
  void open_granule(std::uint32_t g);
  // The reader now open is parked (read/granule_reader.hpp) when a later run reads its granule
  // again and the parked readers' budget allows, else dropped.
  void leave_granule();
  // The chunks carried between a granule's readers (a round each): at most 1/64 of the memory
  // per rank, and 32 MB (a few hundred beams' chunks in flight).
  static std::size_t carry_capacity(const RunContext& ctx) {
    return static_cast<std::size_t>(std::min(32e6, ctx.setup.memory_per_rank / 64));
  }

  RunContext& ctx_;
  const Stopwatch& phase_;
  const std::vector<Granule>& granules_;
  RunJournal& journal_;
  CellAggregator& aggregator_;
  PhaseProgress& progress_;
  std::vector<long long> granule_points_;
  ChunkCarry carry_;  // before reader_, whose chunk readers point to it
  std::unique_ptr<GranuleReader> reader_;
  std::uint32_t reader_granule_ = 0;  // reader_'s granule
  ParkedReaders parked_;
  std::vector<std::int64_t> last_run_;  // per granule: the last run reading it (-1: none)
  std::int64_t run_now_ = 0;            // the run being read
  BeamChunk chunk_;
  std::vector<std::int64_t> cells_;  // a batch of a window's used points: their cells
  std::vector<double> values_;       // and their values, one column of kBatch per variable
  long long rows_read_ = 0;
  double reduce_before_ = 0;  // figures.seconds.reduce before this loop (earlier passes)
};

void ReadLoop::leave_granule() {
  if (!reader_) return;
  if (last_run_[reader_granule_] > run_now_)
    parked_.keep(reader_granule_, reader_);
  else
    reader_->release_chunks();
  reader_.reset();  // one granule open at a time
}

void ReadLoop::open_granule(std::uint32_t g) {
  leave_granule();
  reader_ = parked_.take(g);
  if (!reader_)
    reader_ = std::make_unique<GranuleReader>(granules_[g].path, ctx_.config(),
                                              GranuleReader::Columns::values);
  reader_->carry_chunks_through(carry_, g);
  reader_granule_ = g;
}

void ReadLoop::read_run(const PointVector& points, const WorkRun& run) {
  const auto& config = ctx_.config();
  const auto g = run.state.granule();
  const auto& granule = granules_[g];
  if (!reader_ || reader_granule_ != g) open_granule(g);
  const int beam = reader_->beam_index(config.groups[run.state.group()]);
  if (beam < 0) throw GranuleError(granule.path + ": beam group vanished between passes");
  // The headers in force: a run is of one granule beam, so only the cells' and rows' high bits
  // change in it.
  PointState state = run.state;
  const std::size_t end = run.end;
  // Rows ascend within a run: read the variables in windows covering the next points.
  for (auto i = run.begin; i < end;) {
    if (stop_signal() != 0) throw std::runtime_error(stop_reason());
    const std::uint64_t row0 = state.row(points[i]);  // a point: a window ends before a point
    const std::uint64_t n =
        std::min<std::uint64_t>(kRowBlock, std::uint64_t{run.last_row} + 1 - row0);
    reader_->read_values(static_cast<std::size_t>(beam), row0, n, chunk_);
    rows_read_ += static_cast<long long>(n);
    // The window's used points go to the aggregator in cache-sized batches.
    const auto& chunk = chunk_;
    auto& journal = journal_;
    const std::size_t nvars = values_.size() / kBatch;
    std::size_t batched = 0;
    long long used = 0;
    for (; i < end; ++i) {
      const PointEntry e = points[i];
      if (e.is_header()) {
        state.apply(&points[i++]);  // and the header's second entry
        continue;
      }
      const std::uint64_t row = state.row(e);
      if (row >= row0 + n) break;
      const auto k = row - row0;
      if (!chunk.valid[k]) continue;
      const auto cell = state.cell(e);
      cells_[batched] = cell;
      for (std::size_t v = 0; v < nvars; ++v) values_[v * kBatch + batched] = chunk.values[v][k];
      journal.count(cell, static_cast<std::uint32_t>(g));
      ++used;
      if (++batched == kBatch) {
        aggregator_.add_points(cells_.data(), values_.data(), kBatch, batched);
        batched = 0;
      }
    }
    aggregator_.add_points(cells_.data(), values_.data(), kBatch, batched);
    granule_points_[g] += used;
  }
}

GridBlock ReadLoop::run(PointParts& parts, const std::vector<WorkRun>& runs) {
  auto& seconds = ctx_.figures.seconds;
  reduce_before_ = seconds.reduce;
  const auto ntasks = static_cast<std::int64_t>(runs.size());
  std::int64_t round_points = 0;  // points of the finished rounds
  std::size_t round = 0;
  last_run_.assign(granules_.size(), -1);
  for (std::int64_t t = 0; t < ntasks; ++t)
    last_run_[runs[static_cast<std::size_t>(t)].state.granule()] = t;
  parked_.drop_unless([&](std::uint32_t g) { return last_run_[g] >= 0; });  // runs of this rank
  parked_.set_budget(parked_readers_budget(ctx_.setup.memory_per_rank));
  for (std::int64_t t = 0; t < ntasks; ++t) {
    if (stop_signal() != 0) throw std::runtime_error(stop_reason());
    // Each round's buckets are reserved to its points before its reads (finalize drops them),
    // so they are filled once and never copied: the next round reuses the freed memory.
    if (t == 0 || runs[static_cast<std::size_t>(t) - 1].ends_round) {
      advise_heap_huge_pages();  // the heap grown by the last round's reads and reduction
      aggregator_.expect(journal_.round_loads(round++));
    }
    const auto& run = runs[static_cast<std::size_t>(t)];
    run_now_ = t;
    read_run(parts[run.part], run);
    if (run.ends_round) {        // a finished round: reduce it and hand it to the observers
      advise_heap_huge_pages();  // and by this round's reads
      const Stopwatch reduce;
      round_points += static_cast<std::int64_t>(aggregator_.points());
      const JournalPiece& piece = journal_.commit(aggregator_.finalize());
      ctx_.observers.round_committed(piece);
      if (!piece.covered.empty()) progress_.round_done(piece.covered.front(), piece.covered.back());
      seconds.reduce += reduce.seconds();
    }
    progress_.update(t + 1, ntasks, round_points + static_cast<std::int64_t>(aggregator_.points()));
  }
  parts = {};
  reader_.reset();
  parked_.clear();
  // Added, not set: a run in passes calls the loop once per pass.
  ctx_.figures.rows_read += rows_read_;
  seconds.read_bin += phase_.seconds() - (seconds.reduce - reduce_before_);
  const Stopwatch assemble;
  GridBlock block = journal_.assemble(granule_points_);  // journaled + computed rounds
  seconds.reduce += assemble.seconds();
  return block;
}

}  // namespace

AggregatedBlock aggregate_phase(RunContext& ctx, const ResolvedInputs& inputs, PlannedWork& work,
                                RunJournal& journal) {
  const auto& comm = ctx.comm;
  const Stopwatch phase;
  // Journaled parent cells are loaded, not computed; the others go round by round.
  PointParts parts = std::move(work.points);
  std::vector<WorkRun> runs;
  double& busy = ctx.figures.seconds.aggregate_busy;  // the collective waits left out
  run_on_every_rank(comm, [&] {
    runs = add_seconds(busy, [&] { return journal.prepare(work.mine(comm), parts); });
  });
  ctx.observers.note(journal.resume_line());
  // The last collective call before the reads: from here a rank that finishes its cells is
  // never held back by a slower one until the write.
  if (comm.is_root() && work.report_plan) ctx.observers.plan(work.plan);
  CellAggregator aggregator(ctx.config(), ctx.grid());
  AggregatedBlock out;
  if (!work.overviews)
    out.overviews = std::make_unique<OverviewBuilder>(
        ctx.config(), ctx.grid(), ctx.config().output.overviews.resolve(ctx.grid().child_order()));
  aggregator.set_overviews(work.overviews ? work.overviews : out.overviews.get());
  PhaseProgress progress(comm, to_string(Phase::aggregate), ctx.options.progress_seconds,
                         ctx.options.quiet);
  if (work.report_ranks_finished)
    progress.on_rank_finished([&](int rank) { ctx.observers.rank_finished(rank); });
  progress.on_round_done([&](int rank, std::int64_t first, std::int64_t last) {
    ctx.observers.rank_round(rank, first, last);
  });
  ReadLoop loop(ctx, inputs, journal, aggregator, progress, phase, std::move(work.readers));
  const auto ntasks = static_cast<std::int64_t>(runs.size());
  run_on_every_rank(comm, [&] {
    std::exception_ptr failure;
    try {
      out.block = add_seconds(busy, [&] { return loop.run(parts, runs); });
    } catch (const GranuleError& e) {
      // The index pass reads coordinates and filters only: a granule whose variables cannot
      // be read (e.g. a damaged compressed chunk) fails here, where other ranks may already
      // have used part of it, so it is fatal even with --on-bad-granule skip.
      failure = std::make_exception_ptr(std::runtime_error(
          std::string(e.what()) +
          " [read+aggregate phase: fatal even with --on-bad-granule skip, since other ranks "
          "may already have used part of this granule; remove it from the inputs and rerun]"));
    } catch (...) {
      failure = std::current_exception();
    }
    parts = {};
    // Every rank reports its end, also a failing one: rank 0 waits for all of them.
    progress.finish(ntasks, ntasks, static_cast<std::int64_t>(out.block.points),
                    static_cast<std::int64_t>(out.block.parents.size()), failure != nullptr);
    if (failure) std::rethrow_exception(failure);
  });
  out.granule_points = std::move(loop.granule_points());
  ctx.figures.bytes_per_point = aggregator.bytes_per_point();
  return out;
}

}  // namespace healgrid
