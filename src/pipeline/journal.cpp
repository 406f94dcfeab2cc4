// RunJournal: the restart journal's life in a run (open, prepare rounds, commit, write, assemble).
#include "healgrid/pipeline/journal.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "healgrid/catalog/checksum.hpp"
#include "healgrid/io/atomic_file.hpp"
#include "healgrid/util/fault.hpp"
#include "healgrid/util/require.hpp"

namespace healgrid {
namespace {

constexpr const char* kSuffix = ".round";

// "p<first>-<last>.round" (decimal digits, first <= last) -> first, last; nothing else: a
// user's "p1-2.round.bak" is not a round file.
bool parse_name(const std::string& name, std::int64_t& first, std::int64_t& last) {
  const std::string suffix = kSuffix;
  if (name.size() <= suffix.size() + 3 || name[0] != 'p' ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
    return false;
  const std::string digits = name.substr(1, name.size() - suffix.size() - 1);
  const auto dash = digits.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == digits.size() || dash > 18 ||
      digits.size() - dash - 1 > 18)
    return false;
  for (std::size_t i = 0; i < digits.size(); ++i)
    if (i != dash && !std::isdigit(static_cast<unsigned char>(digits[i]))) return false;
  first = std::stoll(digits.substr(0, dash));
  last = std::stoll(digits.substr(dash + 1));
  return first <= last;
}

bool is_round_name(const std::string& name) {
  std::int64_t first = 0, last = 0;
  return parse_name(name, first, last);
}

std::vector<std::string> round_files(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (const dirent* e = readdir(d))
      if (is_round_name(e->d_name)) names.push_back(e->d_name);
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// A name healgrid writes in a journal directory: KEY, round files, and their temporaries
// (io::AtomicFile's "<name>.tmp.<pid>.<n>.<hex>"); a user's copies there are left alone.
bool is_journal_name(const std::string& name) {
  if (name == "KEY" || is_round_name(name)) return true;
  const auto tmp = name.find(".tmp.");
  if (tmp == std::string::npos) return false;
  const std::string base = name.substr(0, tmp);
  return (base == "KEY" || is_round_name(base)) && io::is_temporary_suffix(name.substr(tmp));
}

// The KEY file healgrid writes: one 64-character key (a SHA-256 in hex) and a newline.
bool is_inputs_key(const std::string& text) {
  if (text.size() != 65 || text.back() != '\n') return false;
  for (std::size_t i = 0; i < 64; ++i)
    if (!std::isgraph(static_cast<unsigned char>(text[i]))) return false;
  return true;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A maximal stretch of one part with one parent and one granule beam (from its first point to
// its last). Points come in long runs of one parent, so there are few, and RunJournal::prepare
// works on them.
struct Segment {
  static constexpr std::uint32_t kSkip = 0xffffffffu;
  std::size_t part, begin, end;
  std::int64_t points;  // in [begin, end), which may hold headers too
  std::int64_t parent;
  PointState state;        // at `begin`
  std::uint32_t last_row;  // of the last point
  std::uint32_t round;     // index into the rounds; kSkip: journaled parent, not computed
};

// The segments of `parts`, in order, every one kSkip.
std::vector<Segment> scan_segments(const PointParts& parts, const HealpixGrid& grid) {
  std::vector<Segment> segments;
  // Points with no header between them share the granule beam and the cells' high bits, so
  // their parent changes only where the low bits above the parent's shift do: the inner loop
  // compares those bits alone (this scan was 1.8 % of a 1-rank run's samples before): the
  // parent's bits among an entry's low cell bits, none when they lie above them.
  const int shift = 2 * (grid.child_order() - grid.parent_order());
  const std::uint32_t parent_bits =
      shift >= PointEntry::kCellLowBits ? 0u : PointEntry::kCellLowMask >> shift << shift;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    const PointVector& part = parts[p];
    PointState read;
    for (std::size_t i = 0; i < part.size();) {
      if (part[i].is_header()) {
        read.apply(&part[i]);
        i += PointEntry::kHeaderEntries;
        continue;
      }
      const PointRef point = read.point(part[i]);
      const std::uint32_t bits = part[i].word & parent_bits;
      std::size_t j = i + 1;
      while (j < part.size() && !part[j].is_header() && (part[j].word & parent_bits) == bits) ++j;
      const auto parent = grid.parent_of(point.cell);
      const auto points = static_cast<std::int64_t>(j - i);
      const auto last_row = read.row(part[j - 1]);
      auto* last = segments.empty() ? nullptr : &segments.back();
      if (last && last->part == p && last->parent == parent &&
          last->state.granule_group == point.granule_group) {
        last->end = j;
        last->points += points;
        last->last_row = last_row;
      } else {
        segments.push_back(
            {p, i, j, points, parent, PointState::of(point), last_row, Segment::kSkip});
      }
      i = j;
    }
  }
  return segments;
}

// The segments to compute as work runs: neighbouring segments of one part, beam and round
// merged; then round after round, keeping the (granule, group, row) order within each round (a
// stable sort).
std::vector<WorkRun> runs_round_after_round(const std::vector<Segment>& segments) {
  std::vector<std::pair<std::uint32_t, WorkRun>> runs;
  for (std::size_t k = 0; k < segments.size(); ++k) {
    const auto& s = segments[k];
    if (s.round == Segment::kSkip) continue;
    auto* prev = runs.empty() ? nullptr : &runs.back();
    // Merged only with the segment just before it (between them: headers at most).
    if (prev && prev->first == s.round && prev->second.part == s.part &&
        prev->second.end == segments[k - 1].end &&
        s.state.granule_group == prev->second.state.granule_group) {
      prev->second.end = s.end;
      prev->second.last_row = s.last_row;
    } else {
      runs.push_back({s.round, WorkRun{s.part, s.begin, s.end, s.state, s.last_row, false}});
    }
  }
  std::stable_sort(runs.begin(), runs.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<WorkRun> out;
  out.reserve(runs.size());
  for (std::size_t k = 0; k < runs.size(); ++k) {
    out.push_back(runs[k].second);
    out.back().ends_round = k + 1 == runs.size() || runs[k + 1].first != runs[k].first;
  }
  return out;
}

}  // namespace

RunJournal::RunJournal(const Communicator& mpi, const std::string& output,
                       const std::string& inputs_sha256, const PipelineConfig& config,
                       const HealpixGrid& grid, int rounds, RoundSize size)
    : mpi_(mpi),
      dir_(output + ".journal"),
      key_(inputs_sha256),
      round_key_(inputs_sha256),
      config_(config),
      grid_(grid),
      rounds_(rounds < 0 ? kAutoRounds : rounds),
      round_size_{std::max<std::int64_t>(1, size.points),
                  std::max<std::int64_t>(1, size.most_points)} {}

int RunJournal::auto_rounds(std::int64_t points, RoundSize size) {
  HEALGRID_REQUIRE(size.points > 0 && size.most_points > 0, "positive round sizes");
  const std::int64_t by_work = points / size.points;
  const std::int64_t by_memory = points / size.most_points + (points % size.most_points != 0);
  return static_cast<int>(
      std::clamp<std::int64_t>(std::max(by_work, by_memory), 1, kAutoMaxRounds));
}

std::string RunJournal::open() {
  const std::string key_path = dir_ + "/KEY";
  struct stat st {};
  std::string line;
  if (!enabled()) {  // an earlier run's journal healgrid made goes when this output is complete
    if (lstat(dir_.c_str(), &st) != 0) return "";
    try {
      check_ours(st);
      owned_ = true;
    } catch (const std::runtime_error&) {  // not healgrid's: not this run's business
    }
    return "";
  }
  if (lstat(dir_.c_str(), &st) == 0) {
    check_ours(st);
    owned_ = true;
    const auto files = round_files(dir_);
    if (read_text(key_path) == key_ + "\n") {
      if (!files.empty())
        line = "[journal] " + dir_ + ": " + std::to_string(files.size()) +
               " round files of these inputs: resuming";
      return line;
    }
    for (const auto& f : files) ::unlink((dir_ + "/" + f).c_str());
    ::unlink(key_path.c_str());
    if (!files.empty())
      line = "[journal] " + dir_ + ": removed " + std::to_string(files.size()) +
             " round files of other inputs (config, granules, overrides or healgrid build changed)";
  } else if (::mkdir(dir_.c_str(), 0755) != 0) {
    throw std::runtime_error(dir_ +
                             ": cannot create the journal directory: " + std::strerror(errno));
  }
  owned_ = true;
  io::write_file_atomically(key_path, key_ + "\n");
  return line;
}

void RunJournal::check_ours(const struct stat& st) const {
  const std::string what_to_do =
      ": healgrid leaves it and everything in it untouched; move or remove it yourself, or "
      "choose another --output, and rerun";
  if (S_ISLNK(st.st_mode))
    throw std::runtime_error(dir_ + ": the journal path is a symbolic link, never followed" +
                             what_to_do);
  if (!S_ISDIR(st.st_mode))
    throw std::runtime_error(dir_ + ": the journal path is not a directory" + what_to_do);
  // healgrid's own: a regular KEY file holding an inputs key (written whole: temporary name,
  // then rename), or no KEY and only names healgrid writes there: a run killed between creating
  // the directory and renaming KEY into it (empty, or KEY's temporary), or while remove()
  // deleted the files (round files left).
  struct stat key {};
  const std::string key_path = dir_ + "/KEY";
  const bool has_key = lstat(key_path.c_str(), &key) == 0;
  if (has_key && S_ISREG(key.st_mode) && is_inputs_key(read_text(key_path))) return;
  bool only_ours = !has_key;
  if (DIR* d = opendir(dir_.c_str())) {
    while (const dirent* e = readdir(d))
      only_ours = only_ours && (std::strcmp(e->d_name, ".") == 0 ||
                                std::strcmp(e->d_name, "..") == 0 || is_journal_name(e->d_name));
    closedir(d);
  }
  if (!only_ours)
    throw std::runtime_error(
        dir_ + ": a directory healgrid did not create (" +
        (has_key ? std::string("its KEY is not a file holding a journal's inputs key")
                 : std::string("no journal KEY file")) +
        ") is in the journal's place" + what_to_do);
}

std::vector<std::int64_t> RunJournal::load_journaled_pieces(const RankPlan& mine) {
  const auto per = grid_.children_per_parent();
  std::vector<std::int64_t> done;
  reused_parents_ = reused_points_ = other_key_files_ = 0;  // this prepare()'s: a line per pass
  if (enabled() && !mine.empty() && read_text(dir_ + "/KEY") == key_ + "\n") {
    for (const auto& name : round_files(dir_)) {
      std::int64_t first = 0, last = 0;
      if (!parse_name(name, first, last) || last < mine.first_parent || first > mine.last_parent)
        continue;
      JournalPiece piece;
      std::string why;
      const std::string path = dir_ + "/" + name;
      if (!read_piece(path, round_key_, config_, per, piece, why)) {
        if (why == kOtherRoundKey) {  // said once, by resume_line()
          ++other_key_files_;
          continue;
        }
        std::fprintf(stderr, "healgrid run: warning: rank %d: %s: %s (ignored)\n", mpi_.rank,
                     path.c_str(), why.c_str());
        continue;
      }
      auto part = slice_piece(piece, mine.first_parent, mine.last_parent, per);
      bool overlaps = false;  // a piece overlapping loaded parents is left out whole
      for (const auto p : part.covered)
        overlaps = overlaps || std::binary_search(done.begin(), done.end(), p);
      if (overlaps || part.covered.empty()) continue;
      done.insert(done.end(), part.covered.begin(), part.covered.end());
      std::sort(done.begin(), done.end());
      reused_parents_ += static_cast<long long>(part.covered.size());
      reused_points_ += static_cast<long long>(part.block.points);
      pieces_.push_back(std::move(part));
    }
  }
  loaded_pieces_ = pieces_.size();
  return done;
}

void RunJournal::key_rounds_by_skipped(const std::vector<std::string>& skipped) {
  round_key_ = key_;  // no granule skipped: the inputs' key alone
  if (skipped.empty()) return;
  std::string text = "journal " + key_ + "\n";
  for (const auto& name : skipped) text += "skipped " + name + "\n";
  round_key_ = digest_hex(text, "SHA-256");
}

std::int64_t RunJournal::rounds_for(std::int64_t points) const {
  return rounds_ == kAutoRounds ? auto_rounds(points, round_size_) : std::max(1, rounds_);
}

std::unordered_map<std::int64_t, std::uint32_t> RunJournal::plan_rounds(
    const std::vector<std::pair<std::int64_t, std::int64_t>>& parents, std::int64_t planned) {
  std::int64_t kept = 0;
  for (const auto& p : parents) kept += p.second;
  // As many rounds as the memory plan counted for the whole range (plan/pass_plan.hpp
  // PassMemory), though a resumed run computes fewer points: rounds of at most its share.
  const auto nrounds = static_cast<std::size_t>(rounds_for(std::max(kept, planned)));
  std::unordered_map<std::int64_t, std::uint32_t> round_of;
  round_loads_.clear();
  const double total = static_cast<double>(kept);
  double cum = 0;
  std::size_t previous = 0;
  for (std::size_t k = 0; k < parents.size(); ++k) {
    const auto r = std::min(nrounds - 1, static_cast<std::size_t>(cum * nrounds / total));
    if (k == 0 || r != previous) round_loads_.emplace_back();
    previous = r;
    round_of[parents[k].first] = static_cast<std::uint32_t>(round_loads_.size() - 1);
    round_loads_.back().push_back({parents[k].first, parents[k].second});
    cum += static_cast<double>(parents[k].second);
  }
  return round_of;
}

std::vector<WorkRun> RunJournal::prepare(const RankPlan& mine, const PointParts& parts) {
  const std::vector<std::int64_t> done = load_journaled_pieces(mine);
  std::vector<Segment> segments = scan_segments(parts, grid_);

  // Points per remaining parent.
  std::unordered_map<std::int64_t, std::int64_t> load;
  for (const auto& s : segments)
    if (!std::binary_search(done.begin(), done.end(), s.parent)) load[s.parent] += s.points;
  std::vector<std::pair<std::int64_t, std::int64_t>> parents(load.begin(), load.end());
  std::sort(parents.begin(), parents.end());
  computed_parents_ = static_cast<long long>(parents.size());

  // Rounds: contiguous parent ranges of about equal points; empty ones are left out.
  std::int64_t kept = 0;
  for (const auto& p : parents) kept += p.second;
  computed_points_ = static_cast<long long>(kept);
  const auto round_of = plan_rounds(parents, mine.planned_points);
  for (auto& s : segments) {
    const auto it = round_of.find(s.parent);
    if (it != round_of.end()) s.round = it->second;
  }
  round_ = 0;
  return runs_round_after_round(segments);
}

void RunJournal::flush_count(std::int64_t parent, std::uint32_t granule) {
  if (cur_points_ > 0) counts_.insert(counts_.end(), {cur_parent_, cur_granule_, cur_points_});
  cur_parent_ = parent;
  cur_granule_ = granule;
  cur_points_ = 0;
}

const JournalPiece& RunJournal::commit(GridBlock block) {
  HEALGRID_REQUIRE(round_ < round_loads_.size(), "commit() once per round prepare() planned");
  flush_count(-1, 0);
  // Sort and merge the (parent, granule, n) triples.
  std::vector<std::array<std::int64_t, 3>> t;
  for (std::size_t i = 0; i + 2 < counts_.size(); i += 3)
    t.push_back({counts_[i], counts_[i + 1], counts_[i + 2]});
  counts_.clear();
  std::sort(t.begin(), t.end());
  JournalPiece piece;
  for (const auto& e : t) {
    auto& g = piece.granule_points;
    if (!g.empty() && g[g.size() - 3] == e[0] && g[g.size() - 2] == e[1])
      g.back() += e[2];
    else
      g.insert(g.end(), e.begin(), e.end());
  }
  for (const auto& l : round_loads_.at(round_)) piece.covered.push_back(l.parent);
  piece.block = std::move(block);
  pieces_.push_back(std::move(piece));
  ++round_;
  return pieces_.back();
}

void RunJournal::write_round(const JournalPiece& piece) {
  if (!enabled() || write_failed_ || piece.covered.empty()) return;
  const std::string name = "p" + std::to_string(piece.covered.front()) + "-" +
                           std::to_string(piece.covered.back()) + kSuffix;
  try {
    write_piece(dir_ + "/" + name, round_key_, piece, grid_.children_per_parent());  // atomic
    ++files_written_;
  } catch (const std::runtime_error& e) {
    // The journal only saves work for a rerun: a full disk or a file-size limit turns it
    // off on this rank (the output write meets the same condition and reports it).
    write_failed_ = true;
    std::fprintf(stderr,
                 "healgrid run: warning: rank %d: %s; journal off on this rank (a rerun "
                 "recomputes its rounds)\n",
                 mpi_.rank, e.what());
  }
  pause_for_tests("HEALGRID_TEST_ROUND_PAUSE_SECONDS");
}

GridBlock RunJournal::assemble(std::vector<long long>& granule_points) {
  HEALGRID_REQUIRE(round_ == round_loads_.size(), "every planned round committed first");
  for (std::size_t k = 0; k < loaded_pieces_; ++k) {
    const auto& g = pieces_[k].granule_points;
    for (std::size_t i = 0; i + 2 < g.size(); i += 3)
      if (g[i + 1] >= 0 && static_cast<std::size_t>(g[i + 1]) < granule_points.size())
        granule_points[static_cast<std::size_t>(g[i + 1])] += g[i + 2];
  }
  GridBlock block = pieces_.size() == 1 && loaded_pieces_ == 0
                        ? std::move(pieces_.front().block)
                        : merge_pieces(pieces_, config_, grid_.children_per_parent());
  pieces_.clear();
  return block;
}

std::string RunJournal::resume_line() const {
  std::vector<long long> v = {reused_parents_,  reused_points_, computed_parents_,
                              computed_points_, files_written_, other_key_files_};
  mpi_.sum_in_place(v);
  if (!enabled() || mpi_.rank != 0) return "";
  std::string out;
  char line[400];
  if (v[5] > 0)  // (a file crossing two ranks' ranges is counted by both: no count said)
    out += "[journal] " + dir_ +
           "/: rounds computed while other granules were skipped (--on-bad-granule skip: a "
           "granule skipped then reads now, or the reverse) are not reused; their parent cells "
           "are computed again\n";
  if (v[0] == 0) return out;  // a fresh run: nothing more to say
  std::snprintf(line, sizeof line,
                "[journal] reused %lld parent cells (%lld points used) from %s/; computing %lld "
                "parent cells (%lld points to read) in rounds\n",
                v[0], v[1], dir_.c_str(), v[2], v[3]);
  return out + line;
}

RunJournal::~RunJournal() {
  if (enabled() && owned_ && round_files(dir_).empty()) remove();
}

void RunJournal::remove() const {
  if (!owned_) return;                   // only a directory open() found or made healgrid's
  if (DIR* d = opendir(dir_.c_str())) {  // round files, KEY and temporaries of killed runs
    std::vector<std::string> names;
    while (const dirent* e = readdir(d))
      if (is_journal_name(e->d_name) && std::strcmp(e->d_name, "KEY") != 0)
        names.push_back(e->d_name);
    closedir(d);
    for (const auto& n : names) ::unlink((dir_ + "/" + n).c_str());
  }
  ::unlink((dir_ + "/KEY").c_str());  // last: a kill before it leaves a journal of a KEY
  ::rmdir(dir_.c_str());
}

}  // namespace healgrid
