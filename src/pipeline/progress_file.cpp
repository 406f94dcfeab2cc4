#include "healgrid/pipeline/progress_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "healgrid/io/atomic_file.hpp"
#include "healgrid/util/text.hpp"

namespace healgrid {
std::string progress_path(const std::string& output_path) { return output_path + ".progress.json"; }

ProgressFile::ProgressFile(bool enabled, std::string output_path, int parent_order, int child_order,
                           std::string latitude_convention, int ranks)
    : enabled_(enabled),
      output_path_(std::move(output_path)),
      parent_order_(parent_order),
      child_order_(child_order),
      ranks_(ranks),
      latitude_(std::move(latitude_convention)),
      started_utc_(utc_now()),
      start_(std::chrono::steady_clock::now()) {}

double ProgressFile::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressFile::planned(const WorkPlan& plan) {
  if (!enabled_) return;
  planned_.clear();
  for (const auto& load : plan.loads) planned_.push_back(load.parent);
  // Ranges are contiguous in the sorted list, in rank order.
  ranges_.clear();
  std::int64_t first = 0;
  for (const auto& rp : plan.ranks) {
    Range r;
    r.first = first;
    r.count = rp.planned_parents;
    r.points = rp.planned_points;
    if (r.count == 0) {
      r.state = "done";
      r.done_seconds = 0;
    }
    first += r.count;
    ranges_.push_back(r);
  }
  state_ = "aggregating";
  write();
}

void ProgressFile::rank_finished(int rank) {
  if (!enabled_ || rank < 0 || rank >= static_cast<int>(ranges_.size())) return;
  auto& r = ranges_[rank];
  if (r.state == "running") {
    r.state = "done";
    r.done_seconds = elapsed();
  }
  write();
}

std::int64_t ProgressFile::Range::done_parents() const {
  if (state == "done") return count;
  std::int64_t n = 0;
  for (const auto& span : done_spans) n += span.second;
  return n;
}

void ProgressFile::round_done(int rank, std::int64_t first_parent, std::int64_t last_parent) {
  if (!enabled_ || rank < 0 || rank >= static_cast<int>(ranges_.size())) return;
  auto& r = ranges_[rank];
  // Only the rank's own planned cells: a round reports its parents by id.
  const auto begin = planned_.begin() + r.first, end = begin + r.count;
  const std::int64_t lo = std::lower_bound(begin, end, first_parent) - planned_.begin();
  const std::int64_t hi = std::upper_bound(begin, end, last_parent) - planned_.begin();
  if (hi <= lo) return;
  r.done_spans.emplace_back(lo, hi - lo);
  // Merged and sorted, so a span is never counted twice whatever the order of the rounds.
  std::sort(r.done_spans.begin(), r.done_spans.end());
  std::vector<std::pair<std::int64_t, std::int64_t>> merged;
  for (const auto& s : r.done_spans) {
    if (!merged.empty() && s.first <= merged.back().first + merged.back().second) {
      auto& m = merged.back();
      m.second = std::max(m.first + m.second, s.first + s.second) - m.first;
    } else {
      merged.push_back(s);
    }
  }
  r.done_spans = std::move(merged);
  write();
}

void ProgressFile::writing() {
  if (!enabled_) return;
  state_ = "writing";
  write();
}

void ProgressFile::complete() {
  if (!enabled_) return;
  state_ = "complete";
  write();
  // Like OUT.nc.partial, the file lives only while the job does (a failed job keeps it, with
  // the reason): readers take "no progress file, OUT.nc present" as complete.
  std::remove(progress_path(output_path_).c_str());
}

void ProgressFile::failed(const std::vector<std::string>& messages) {
  if (!enabled_) return;
  bool named = false;
  for (const auto& m : messages) {
    int rank = -1;
    if (std::sscanf(m.c_str(), "rank %d:", &rank) == 1 && rank >= 0 &&
        rank < static_cast<int>(ranges_.size())) {
      auto& r = ranges_[rank];
      if (r.state == "done") r.done_spans = {{r.first, r.count}};  // reduced, failed later
      r.state = "failed";
      r.done_seconds = elapsed();
      named = true;
    }
  }
  for (auto& r : ranges_) {
    if (!named && r.state == "running") {
      r.state = "failed";
      r.done_seconds = elapsed();
    }
  }
  errors_ = messages;
  state_ = "failed";
  write();
}

std::string ProgressFile::json() const {
  // A failed rank's completed rounds are done (journaled: a rerun loads them), the rest failed.
  std::int64_t done = 0, failed = 0;
  for (const auto& r : ranges_) {
    done += r.done_parents();
    if (r.state == "failed") failed += r.count - r.done_parents();
  }
  // Seconds to the millisecond: the viewer shows them, finer digits are noise.
  auto millis = [](double s) { return std::round(s * 1000.0) / 1000.0; };
  nlohmann::ordered_json ranges = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < ranges_.size(); ++i) {
    const auto& r = ranges_[i];
    ranges.push_back(
        {{"rank", i},
         {"first", r.first},
         {"count", r.count},
         {"points", r.points},
         {"state", r.state},
         {"done_parents", r.done_parents()},
         {"done_spans", r.done_spans},
         {"done_seconds", r.done_seconds < 0 ? nlohmann::ordered_json(nullptr)
                                             : nlohmann::ordered_json(millis(r.done_seconds))}});
  }
  const nlohmann::ordered_json doc = {
      {"format", "healgrid-progress"},
      {"version", 1},
      {"output", base_name(output_path_)},
      {"state", state_},
      {"parent_order", parent_order_},
      {"child_order", child_order_},
      {"latitude_convention", latitude_},
      {"ranks", ranks_},
      {"started", started_utc_},
      {"updated", utc_now()},
      {"elapsed_seconds", millis(elapsed())},
      {"parent_cells", {{"planned", planned_.size()}, {"done", done}, {"failed", failed}}},
      {"ranges", ranges},
      {"errors", errors_},
      {"planned_parents", planned_}};
  // Invalid UTF-8 (a file name in another encoding) is replaced, never an exception.
  return doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

void ProgressFile::write() const {
  if (!enabled_) return;
  try {
    // Replaced in one step: readers see the old file or the new one, never a mix.
    io::write_file_atomically(progress_path(output_path_), json());
  } catch (const std::exception& e) {
    // A full disk: the live view is only informative, so warn (no temporary is left behind).
    std::fprintf(stderr, "healgrid run: warning: %s\n", e.what());
  }
}

}  // namespace healgrid
