// Restart journal of `healgrid run`: finished work survives a killed job (walltime, node
// failure, scancel), and a rerun of the same command, at any rank count, resumes from it.
//
// After the point exchange each rank splits its parent cells into `rounds` contiguous rounds of
// about equal points. kAutoRounds (the default): floor(points / kAutoRoundPoints) rounds, 1 to
// kAutoMaxRounds, so a round holds about kAutoRoundPoints points or more: each round reads its
// granules again (from parked readers, or reopened) and writes a durable file, and a smaller
// round (< 1 s of work on one core) would save a rerun little work for what it costs every
// run. More rounds where the memory budget
// asks for them: a round's buckets hold its points' values at once, so a round holds at most
// RoundSize::most_points (the run gives an eighth of --memory-per-rank's points). When a round is
// reduced, its block (the round's parent cells, the statistic columns of those with data, and the
// points used per parent and granule) is written to `<output>.journal/p<first>-<last>.round`
// durably (temporary name, fsync, rename, fsync of the directory). The directory's KEY file holds
// the inputs' SHA-256 (app/inputs_digest.hpp), and so does every round file: a journal of other
// inputs is removed, never used. On a rerun, every rank loads the journaled parents of its range
// (slicing files written under another rank count), drops their points before reading anything and
// computes the rest. The journal is removed once the output is complete and kept after a failure.
// rounds = 0 turns it off (one round, nothing written); a round that cannot be written (disk full)
// turns it off on that rank.
//
// Test hook: HEALGRID_TEST_ROUND_PAUSE_SECONDS=S makes each rank sleep S seconds after writing
// each round, so a test can kill a run deterministically half-way.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "healgrid/aggregate/cell_aggregator.hpp"
#include "healgrid/config/pipeline_config.hpp"
#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/plan/point_exchange.hpp"
#include "healgrid/plan/work_plan.hpp"
#include "healgrid/util/mpi_util.hpp"

namespace healgrid {

constexpr int kDefaultRounds = 4;

// Entries [begin, end) of one part of the exchanged points: points of one granule beam and one
// round, rows ascending (between them maybe headers of the cells' or rows' high bits; the first
// and last entries are points). `state`: the headers in force at `begin`.
struct WorkRun {
  std::size_t part = 0, begin = 0, end = 0;
  PointState state;
  std::uint32_t last_row = 0;  // the row of the last point
  bool ends_round = false;     // the last run of its round: reduce and journal the round after it
};

// One journaled (or loaded) piece of a rank's result.
struct JournalPiece {
  std::vector<std::int64_t> covered;  // every planned parent of the piece, sorted
  GridBlock block;                    // those of them with used points
  // (parent, granule index, points used) triples, sorted: the output's granule_points_used.
  std::vector<std::int64_t> granule_points;
};

// The journal file format, exposed for the unit tests. write_piece writes `path` atomically
// (io/atomic_file.hpp) and throws std::runtime_error naming the file; read_piece returns false with
// `why` set for a file that is not a complete round of these inputs, grid and statistics
// (kOtherRoundKey when only its key differs).
inline constexpr char kOtherRoundKey[] =
    "written for other inputs, or by a run that skipped other granules";
void write_piece(const std::string& path, const std::string& inputs_sha256,
                 const JournalPiece& piece, std::int64_t children_per_parent);
bool read_piece(const std::string& path, const std::string& inputs_sha256,
                const PipelineConfig& config, std::int64_t children_per_parent, JournalPiece& piece,
                std::string& why);
// The part of `piece` whose parents lie in [first, last].
JournalPiece slice_piece(const JournalPiece& piece, std::int64_t first, std::int64_t last,
                         std::int64_t children_per_parent);
// All pieces merged in parent order (their parents must be disjoint).
GridBlock merge_pieces(const std::vector<JournalPiece>& pieces, const PipelineConfig& config,
                       std::int64_t children_per_parent);

// RunJournal::kAutoRounds' round size: about `points` points or more, at most `most_points`.
struct JournalRoundSize {
  std::int64_t points = 4000000;  // RunJournal::kAutoRoundPoints
  std::int64_t most_points = std::numeric_limits<std::int64_t>::max();
};

class RunJournal {
 public:
  using RoundSize = JournalRoundSize;
  static constexpr int kAutoRounds = -1;
  static constexpr std::int64_t kAutoRoundPoints = JournalRoundSize{}.points;
  static constexpr int kAutoMaxRounds = 8;
  // The rounds kAutoRounds gives a rank computing `points` points: max(floor(points /
  // size.points), ceil(points / size.most_points)), 1 to kAutoMaxRounds.
  static int auto_rounds(std::int64_t points, RoundSize size = {});

  // `rounds`: rounds per rank, kAutoRounds, or 0 (no journal: one round, nothing written).
  RunJournal(const Communicator& mpi, const std::string& output, const std::string& inputs_sha256,
             const PipelineConfig& config, const HealpixGrid& grid, int rounds,
             RoundSize size = {});

  bool enabled() const { return rounds_ != 0; }
  // The rounds prepare() cuts a range of `points` planned points into: kAutoRounds' count, the
  // run's --rounds, or 1 when the journal is off.
  std::int64_t rounds_for(std::int64_t points) const;
  // Every rank alike, before prepare(): this run neither reuses nor writes rounds (its inputs
  // keep data in files the journal's key does not cover); the journal of an earlier run goes
  // once this output is complete, as with rounds 0.
  void turn_off() { rounds_ = 0; }
  // Every rank alike, after the plan and before prepare(): the names of the granules this run
  // leaves out (--on-bad-granule skip) join the key its rounds are written and reused under.
  // A granule skipped for a passing cause (another process's lock, an I/O error) is read by a
  // rerun: rounds computed without it are never merged with rounds computed with it.
  void key_rounds_by_skipped(const std::vector<std::string>& skipped);
  const std::string& directory() const { return dir_; }

  // Rank 0, before the index pass: keeps a journal of the same inputs, removes one of other
  // inputs, creates the directory and its KEY. Returns a line for the log ("" when there was
  // nothing to resume). Throws std::runtime_error naming the path. A symlink, or a directory
  // healgrid did not create (no KEY file, not empty), is refused and left untouched. Disabled
  // (rounds 0, overviews, time windows): only notes an earlier run's journal of healgrid's, for
  // remove() once this output is complete.
  std::string open();

  // Every rank, after the exchange: loads the journaled parents of [mine.first_parent,
  // mine.last_parent], leaves their points out and splits the others into rounds. Returns the
  // work as runs of `parts` (read in place: nothing is copied), round after round, in
  // (granule, group, row) order within a round. Warnings (unusable files) go to stderr.
  std::vector<WorkRun> prepare(const RankPlan& mine, const PointParts& parts);
  // The parents of round `round` of the last prepare() and their points in `parts` (an upper
  // bound of the points used): what the aggregator reserves before the round's reads.
  const std::vector<ParentLoad>& round_loads(std::size_t round) const {
    return round_loads_.at(round);
  }

  // The read loop's hook: one used point of child `cell` from granule `granule`.
  void count(std::int64_t cell, std::uint32_t granule) {
    const auto parent = grid_.parent_of(cell);
    if (parent != cur_parent_ || granule != cur_granule_) flush_count(parent, granule);
    ++cur_points_;
  }
  // The current round's reduced block, kept for assemble(); returned as the round's piece.
  // REQUIRES: fewer commits than prepare() planned rounds.
  const JournalPiece& commit(GridBlock block);
  // Writes a committed round durably when the journal is enabled (the run's journal observer
  // calls it); a round that cannot be written turns the journal off on this rank (warning).
  void write_round(const JournalPiece& piece);
  // Every piece (loaded and computed) merged; adds the loaded pieces' points to
  // granule_points (computed points were counted by the caller). REQUIRES: every round
  // prepare() planned was committed.
  GridBlock assemble(std::vector<long long>& granule_points);

  // Collective: rank 0 gets one line (reused and computed parent cells and points) when
  // something was reused, else "" (as every other rank).
  std::string resume_line() const;
  long long reused_points() const { return reused_points_; }

  // Rank 0, once the output is complete: removes healgrid's own files (KEY, round files and
  // their temporaries) and the directory if that leaves it empty; nothing unless open()
  // accepted the directory. Errors are ignored (a stale journal is never used).
  void remove() const;
  // A journal without any finished round holds nothing to resume: rank 0 removes it when the
  // run ends without output (failure, stop), so a failed run leaves no stray directory.
  ~RunJournal();
  RunJournal(const RunJournal&) = delete;
  RunJournal& operator=(const RunJournal&) = delete;

 private:
  // prepare()'s steps: the journaled pieces of `mine` loaded (their parents returned, sorted);
  // the remaining parents (id, points; sorted) cut into as many rounds as `planned` points
  // (the range's, journaled ones included) would take, of about equal points.
  std::vector<std::int64_t> load_journaled_pieces(const RankPlan& mine);
  std::unordered_map<std::int64_t, std::uint32_t> plan_rounds(
      const std::vector<std::pair<std::int64_t, std::int64_t>>& parents, std::int64_t planned);
  void flush_count(std::int64_t parent, std::uint32_t granule);
  // Throws unless `st` (lstat of the journal path) is a directory healgrid made.
  void check_ours(const struct stat& st) const;

  const Communicator& mpi_;
  std::string dir_, key_;
  std::string round_key_;  // key_, or key_ and the skipped granules (key_rounds_by_skipped)
  const PipelineConfig& config_;
  const HealpixGrid& grid_;
  int rounds_;
  RoundSize round_size_;
  std::vector<JournalPiece> pieces_;
  std::vector<std::vector<ParentLoad>> round_loads_;  // per round: its parents and their points
  std::size_t round_ = 0;
  std::vector<std::int64_t> counts_;  // (parent, granule, n) of this round
  std::int64_t cur_parent_ = -1;
  std::uint32_t cur_granule_ = 0;
  std::int64_t cur_points_ = 0;
  long long reused_parents_ = 0, reused_points_ = 0, computed_parents_ = 0, computed_points_ = 0,
            files_written_ = 0,
            other_key_files_ = 0;  // rounds of this range under another key (other skips)
  std::size_t loaded_pieces_ = 0;
  bool write_failed_ = false;  // a round could not be written: journal off on this rank
  bool owned_ = false;         // rank 0: open() accepted or created the directory
};

}  // namespace healgrid
