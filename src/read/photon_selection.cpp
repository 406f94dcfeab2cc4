#include "healgrid/read/photon_selection.hpp"

#include <algorithm>

namespace healgrid {
namespace {

// Segment rows near a wanted cell: positioned in one, unpositioned, or at a change of parent.
std::vector<std::uint8_t> mark_segments(const std::vector<std::int64_t>& parent,
                                        const std::function<bool(std::int64_t)>& wanted) {
  std::vector<std::uint8_t> marked(parent.size(), 0);
  std::int64_t cached = -1;  // a beam stays in one parent for thousands of segments
  bool cached_wanted = false;
  std::size_t previous = parent.size();  // the last positioned segment
  for (std::size_t s = 0; s < parent.size(); ++s) {
    const auto p = parent[s];
    if (p < 0) {
      marked[s] = 1;
      continue;
    }
    if (p != cached) cached = p, cached_wanted = wanted(p);
    if (cached_wanted) marked[s] = 1;
    if (previous != parent.size() && parent[previous] != p) marked[previous] = marked[s] = 1;
    previous = s;
  }
  return marked;
}

// Per non-empty segment k: whether it, or an empty segment next to it, is marked.
std::vector<std::uint8_t> collapse_marks(const std::vector<std::uint64_t>& rows,
                                         const std::vector<std::uint8_t>& marked) {
  const std::size_t count = rows.size();
  std::vector<std::uint8_t> near(count, 0);
  std::size_t k = 0;  // the first non-empty segment at or after row s
  for (std::uint64_t s = 0; s < marked.size(); ++s) {
    while (k < count && rows[k] < s) ++k;
    if (!marked[s]) continue;
    if (k < count && rows[k] == s) {
      near[k] = 1;
      continue;
    }
    if (k > 0) near[k - 1] = 1;  // an empty segment: both photon-holding neighbours
    if (k < count) near[k] = 1;
  }
  return near;
}

void merge(RowRanges& ranges) {
  std::sort(ranges.begin(), ranges.end());
  RowRanges out;
  for (const auto& r : ranges) {
    if (r.first >= r.second) continue;
    if (!out.empty() && r.first <= out.back().second)
      out.back().second = std::max(out.back().second, r.second);
    else
      out.push_back(r);
  }
  ranges = std::move(out);
}

}  // namespace

std::uint64_t PhotonSelection::rows() const {
  std::uint64_t n = 0;
  for (const auto& r : ranges) n += r.second - r.first;
  return n;
}

PhotonSelection select_photons(const SegmentLinks& links,
                               const std::vector<std::int64_t>& segment_parent,
                               const std::function<bool(std::int64_t)>& wanted,
                               std::uint64_t points) {
  const auto& rows = links.owner_rows();
  const auto& begin = links.owned_begin();
  const auto& end = links.owned_end();
  const std::size_t count = rows.size();
  if (count == 0) return PhotonSelection::whole(points);
  const auto near = collapse_marks(rows, mark_segments(segment_parent, wanted));
  auto selected = [&](std::size_t k) {
    return near[k] || (k > 0 && near[k - 1]) || (k + 1 < count && near[k + 1]);
  };
  PhotonSelection out;
  for (std::size_t k = 0; k < count;) {
    if (!selected(k)) {
      ++k;
      continue;
    }
    std::size_t last = k;
    while (last + 1 < count && selected(last + 1)) ++last;
    out.ranges.emplace_back(begin[k], end[last]);
    // The beam's first and last segments have nothing beyond them to guard.
    if (!near[k] && k > 0) out.guards.emplace_back(begin[k], end[k]);
    if (!near[last] && last != k && last + 1 < count)
      out.guards.emplace_back(begin[last], end[last]);
    k = last + 1;
  }
  // Photons no segment owns have no position to select them by: always read.
  out.ranges.emplace_back(0, begin.front());
  for (std::size_t k = 0; k + 1 < count; ++k) out.ranges.emplace_back(end[k], begin[k + 1]);
  out.ranges.emplace_back(end.back(), points);
  merge(out.ranges);
  return out;
}

}  // namespace healgrid
