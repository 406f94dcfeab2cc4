// A rank's indexed points, packed 8 bytes each: the cell's low 32 bits and the row. What the
// points of a stretch share, their granule beam and their cells' high 32 bits, is stated once,
// in header entries placed before the first point that needs them (a part begins with both).
// Points keep their (granule, group, row) order; readers go through a part in order, or start
// at an entry with the PointState of that entry (pipeline/journal.hpp's WorkRun).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "healgrid/util/huge_pages.hpp"
#include "healgrid/util/require.hpp"

namespace healgrid {

// One point, unpacked.
struct PointRef {
  std::int64_t cell = 0;            // child cell
  std::uint32_t granule_group = 0;  // granule index << 8 | group index
  std::uint32_t row = 0;            // row in the beam's datasets (at most kMaxPointRow)
  std::uint32_t granule() const { return granule_group >> 8; }
  std::uint32_t group() const { return granule_group & 0xff; }
};

inline std::uint32_t pack_granule_group(std::size_t granule, std::size_t group) {
  return static_cast<std::uint32_t>(granule << 8 | group);
}

// The high 32 bits of a cell (REQUIRES: cell >= 0), stated by a kCellHighEntry header.
inline std::uint32_t cell_high(std::int64_t cell) {
  return static_cast<std::uint32_t>(static_cast<std::uint64_t>(cell) >> 32);
}

// An entry of a part: a point (row <= kMaxPointRow: `low` is its cell's low 32 bits) or a
// header (row kGranuleGroupEntry: `low` is the granule_group of the points after it;
// row kCellHighEntry: `low` is their cells' high 32 bits). Sent between ranks as is.
struct PointEntry {
  std::uint32_t low = 0;
  std::uint32_t row = 0;
  bool is_header() const { return row > kMaxPointRow; }
  static constexpr std::uint32_t kGranuleGroupEntry = 0xffffffffu;
  static constexpr std::uint32_t kCellHighEntry = 0xfffffffeu;
  static constexpr std::uint32_t kMaxPointRow = 0xfffffffdu;
};
static_assert(sizeof(PointEntry) == 8, "a point is 8 bytes, in memory and on the wire");

// One part's entries: filled once, in huge pages when large (util/huge_pages.hpp).
using PointVector = std::vector<PointEntry, HugePageAllocator<PointEntry>>;
// Points in parts; read part after part, they are in (granule, group, row) order.
using PointParts = std::vector<PointVector>;

// What the headers read so far say: the granule beam and the cells' high bits of the next
// point. A default state matches no header (a writer then starts with both).
struct PointState {
  static constexpr std::uint32_t kNone = 0xffffffffu;  // no granule_group or high bits packs to it
  std::uint32_t granule_group = kNone;
  std::uint32_t high = kNone;

  // REQUIRES: e.is_header().
  void apply(const PointEntry& e) {
    if (e.row == PointEntry::kGranuleGroupEntry)
      granule_group = e.low;
    else
      high = e.low;
  }
  // The point of entry `e` under this state. REQUIRES: !e.is_header().
  PointRef point(const PointEntry& e) const {
    return {static_cast<std::int64_t>(std::uint64_t{high} << 32 | e.low), granule_group, e.row};
  }
  std::uint32_t granule() const { return granule_group >> 8; }
  std::uint32_t group() const { return granule_group & 0xff; }
};

// Appends points to a part, writing a header only where the granule beam or the high bits
// change. REQUIRES (checked in debug builds): row <= kMaxPointRow, 0 <= cell < 2^63.
class PointWriter {
 public:
  void push(PointVector& out, const PointRef& p) {
    HEALGRID_REQUIRE(p.row <= PointEntry::kMaxPointRow && p.cell >= 0, "a packable point");
    const auto high = cell_high(p.cell);
    if (__builtin_expect(p.granule_group != state_.granule_group || high != state_.high, 0))
      write_headers(out, p.granule_group, high);
    out.push_back({static_cast<std::uint32_t>(p.cell), p.row});  // one call site: inlined
  }
  const PointState& state() const { return state_; }
  void restore(const PointState& state) { state_ = state; }

 private:
  // Out of line: rare (a few per beam), and it keeps push() small enough to inline.
  void write_headers(PointVector& out, std::uint32_t granule_group, std::uint32_t high);

  PointState state_;
};

// Calls f(entry index, point) for every point of `part`, in order.
template <typename F>
void for_each_point(const PointVector& part, F&& f) {
  PointState state;
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (part[i].is_header())
      state.apply(part[i]);
    else
      f(i, state.point(part[i]));
  }
}

// The number of points (entries that are not headers) of `part`.
std::size_t count_points(const PointVector& part);

// Keeps, in place and in order, the points of `part` for which keep(point) holds (headers
// rewritten as the kept points need them); returns their count. Never needs more room than the
// part had: a header is written only after one was read and not written.
template <typename Keep>
std::size_t keep_points(PointVector& part, Keep&& keep) {
  PointState read, written;  // the headers read so far, and those written
  std::size_t w = 0, kept = 0;
  for (std::size_t r = 0; r < part.size(); ++r) {
    const PointEntry e = part[r];
    if (e.is_header()) {
      read.apply(e);
      continue;
    }
    const PointRef p = read.point(e);
    if (!keep(p)) continue;
    // Written through a small buffer: a header pair lands on slots already read.
    PointVector::value_type buffer[3];
    std::size_t n = 0;
    if (read.granule_group != written.granule_group)
      buffer[n++] = {read.granule_group, PointEntry::kGranuleGroupEntry};
    if (read.high != written.high) buffer[n++] = {read.high, PointEntry::kCellHighEntry};
    buffer[n++] = e;
    written = read;
    for (std::size_t k = 0; k < n; ++k) part[w++] = buffer[k];
    ++kept;
  }
  part.resize(w);
  return kept;
}

// Packs and unpacks whole parts (tests, small inputs).
PointVector pack_points(const std::vector<PointRef>& points);
std::vector<PointRef> unpack_points(const PointVector& part);

}  // namespace healgrid
