#include "healgrid/pipeline/progress_file.hpp"

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "healgrid/io/atomic_file.hpp"
#include "healgrid/util/text.hpp"

namespace healgrid {
namespace {}  // namespace

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
      ranges_[rank].state = "failed";
      ranges_[rank].done_seconds = elapsed();
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
  std::int64_t done = 0, failed = 0;
  for (const auto& r : ranges_) {
    if (r.state == "done") done += r.count;
    if (r.state == "failed") failed += r.count;
  }
  std::ostringstream o;
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3f", elapsed());
  o << "{\"format\": \"healgrid-progress\", \"version\": 1,\n"
    << " \"output\": " << json_quote(base_name(output_path_)) << ",\n"
    << " \"state\": " << json_quote(state_) << ",\n"
    << " \"parent_order\": " << parent_order_ << ", \"child_order\": " << child_order_
    << ", \"latitude_convention\": " << json_quote(latitude_) << ", \"ranks\": " << ranks_
    << ",\n \"started\": " << json_quote(started_utc_) << ", \"updated\": " << json_quote(utc_now())
    << ", \"elapsed_seconds\": " << seconds << ",\n"
    << " \"parent_cells\": {\"planned\": " << planned_.size() << ", \"done\": " << done
    << ", \"failed\": " << failed << "},\n \"ranges\": [";
  for (std::size_t i = 0; i < ranges_.size(); ++i) {
    const auto& r = ranges_[i];
    o << (i ? ",\n  " : "\n  ") << "{\"rank\": " << i << ", \"first\": " << r.first
      << ", \"count\": " << r.count << ", \"points\": " << r.points
      << ", \"state\": " << json_quote(r.state) << ", \"done_seconds\": ";
    if (r.done_seconds < 0) {
      o << "null}";
    } else {
      std::snprintf(seconds, sizeof seconds, "%.3f", r.done_seconds);
      o << seconds << "}";
    }
  }
  o << "],\n \"errors\": [";
  for (std::size_t i = 0; i < errors_.size(); ++i) o << (i ? ", " : "") << json_quote(errors_[i]);
  o << "],\n \"planned_parents\": [";
  for (std::size_t i = 0; i < planned_.size(); ++i) o << (i ? "," : "") << planned_[i];
  o << "]}\n";
  return o.str();
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
