// Segment-level spatial pre-selection (issue 14): when a linked level declares one position per
// segment (ATL03 geolocation/reference_photon_lat/lon), a run that wants only some parent cells
// (a pass of a bounded-memory run, a catalog's planned cells) reads only the photon rows of the
// segments near them instead of whole beams. The photon coordinates still decide every photon's
// cell; the selection only decides which rows are read, and errs on the side of reading:
//  - a segment is marked when its position is in a wanted parent, when it has no position, and
//    on both sides of every change of parent between consecutive positioned segments (a track
//    that clips the corner of a wanted cell between two segment positions is read there);
//  - every non-empty segment next to a marked one (one photon-holding segment of padding on
//    each side) is read with it, and so are photons no segment owns;
//  - the padding segments at the ends of each range are guards: the caller checks their photons
//    and, if any lies in a wanted parent, the positions did not bound the photons and it reads
//    the beam whole instead.
// What is left to trust: that no photon lies in a wanted cell while every position of the
// unread stretch, both neighbouring positions and both guard segments lie in one other cell (a
// track running within a photon footprint of a cell edge, parallel to it, for several segments).
// Pure arithmetic on the links and the segments' parent cells, unit-tested.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "healgrid/read/segment_links.hpp"

namespace healgrid {

using RowRanges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;  // [begin, end), sorted

struct PhotonSelection {
  RowRanges ranges;  // point rows to read, disjoint, ascending
  RowRanges guards;  // point rows of the padding segments at the ends of the ranges, ascending
  std::uint64_t rows() const;
  static PhotonSelection whole(std::uint64_t points) { return {{{0, points}}, {}}; }
};

// `segment_parent[s]`: the parent cell of segment row s's position, or -1 when it has none;
// `wanted(parent)`: whether the run wants the parent's points; `points`: the beam's points.
// REQUIRES: segment_parent.size() == links.segments().
PhotonSelection select_photons(const SegmentLinks& links,
                               const std::vector<std::int64_t>& segment_parent,
                               const std::function<bool(std::int64_t)>& wanted,
                               std::uint64_t points);

}  // namespace healgrid
