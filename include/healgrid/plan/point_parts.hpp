// A rank's indexed points, packed 4 bytes each: the cell's low 16 bits and the row's low 15
// bits. What the points of a stretch share, their granule beam and their cells' and rows' high
// bits, is stated once, in 2-entry headers placed before the first point that needs them (a part
// begins with all three). At the default orders a beam's points need a header for a new block
// of 4^8 child cells or 2^15 rows: a few per beam. Points keep their (granule, group, row)
// order; readers go through a part in order, or start at an entry with the PointState of that
// entry (pipeline/journal.hpp's WorkRun).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "healgrid/util/huge_pages.hpp"
#include "healgrid/util/require.hpp"

namespace healgrid {

// One point, unpacked.
struct PointRef {
  std::int64_t cell = 0;            // child cell
  std::uint32_t granule_group = 0;  // granule index << 8 | group index
  std::uint32_t row = 0;            // row in the beam's datasets
  std::uint32_t granule() const { return granule_group >> 8; }
  std::uint32_t group() const { return granule_group & 0xff; }
};

inline std::uint32_t pack_granule_group(std::size_t granule, std::size_t group) {
  return static_cast<std::uint32_t>(granule << 8 | group);
}

// An entry of a part: a point (top bit clear: bits 16-30 its row's low bits, bits 0-15 its
// cell's low bits) or the first of a header's two entries (top bit set: bits 29-30 its Kind,
// bits 0-28 the top of its 61-bit value; the second entry holds the value's low 32 bits).
// Sent between ranks as is.
struct PointEntry {
  std::uint32_t word = 0;

  static constexpr int kCellLowBits = 16, kRowLowBits = 15;
  static constexpr std::uint32_t kCellLowMask = (1u << kCellLowBits) - 1;
  static constexpr std::uint32_t kRowLowMask = (1u << kRowLowBits) - 1;
  static constexpr std::size_t kHeaderEntries = 2;
  // What a header states for the points after it: their granule_group, their cells' high bits
  // (cell >> kCellLowBits) or their rows' high bits (row >> kRowLowBits).
  enum Kind : std::uint32_t { kGranuleGroup = 0, kCellHigh = 1, kRowHigh = 2 };

  bool is_header() const { return (word >> 31) != 0; }
  // A point's low bits. REQUIRES: !is_header().
  std::uint32_t cell_low() const { return word & kCellLowMask; }
  std::uint32_t row_low() const { return word >> kCellLowBits; }
  // A header's kind. REQUIRES: is_header().
  Kind kind() const { return static_cast<Kind>(word >> 29 & 3u); }

  static PointEntry point(std::int64_t cell, std::uint32_t row) {
    return {(row & kRowLowMask) << kCellLowBits |
            (static_cast<std::uint32_t>(cell) & kCellLowMask)};
  }
  // A header's two entries, into out[0] and out[1]. REQUIRES: value < 2^61.
  static void header(Kind kind, std::uint64_t value, PointEntry* out) {
    out[0].word =
        1u << 31 | static_cast<std::uint32_t>(kind) << 29 | static_cast<std::uint32_t>(value >> 32);
    out[1].word = static_cast<std::uint32_t>(value);
  }
  // The value of the header at e[0], e[1].
  static std::uint64_t header_value(const PointEntry* e) {
    return std::uint64_t{e[0].word & 0x1fffffffu} << 32 | e[1].word;
  }
};
static_assert(sizeof(PointEntry) == 4, "a point is 4 bytes, in memory and on the wire");

// The high bits a kCellHigh header states (REQUIRES: cell >= 0), and a kRowHigh header's.
inline std::uint64_t cell_high(std::int64_t cell) {
  return static_cast<std::uint64_t>(cell) >> PointEntry::kCellLowBits;
}
inline std::uint32_t row_high(std::uint32_t row) { return row >> PointEntry::kRowLowBits; }

// One part's entries: filled once, in huge pages when large (util/huge_pages.hpp).
using PointVector = std::vector<PointEntry, HugePageAllocator<PointEntry>>;
// Points in parts; read part after part, they are in (granule, group, row) order.
using PointParts = std::vector<PointVector>;

// What the headers read so far say: the granule beam and the cells' and rows' high bits of the
// next point. A default state matches no header (a writer then starts with all three).
struct PointState {
  static constexpr std::uint32_t kNone = 0xffffffffu;  // no granule_group or row_high is it
  static constexpr std::uint64_t kNoHigh = ~std::uint64_t{0};
  std::uint32_t granule_group = kNone;
  std::uint32_t rows = kNone;  // row_high of the next point
  std::uint64_t high = kNoHigh;

  // Applies the header at e[0], e[1]. REQUIRES: e[0].is_header().
  void apply(const PointEntry* e) {
    const auto value = PointEntry::header_value(e);
    switch (e[0].kind()) {
      case PointEntry::kGranuleGroup:
        granule_group = static_cast<std::uint32_t>(value);
        break;
      case PointEntry::kCellHigh:
        high = value;
        break;
      default:
        rows = static_cast<std::uint32_t>(value);
    }
  }
  // The cell and row of point entry `e` under this state. REQUIRES: !e.is_header().
  std::int64_t cell(PointEntry e) const {
    return static_cast<std::int64_t>(high << PointEntry::kCellLowBits | e.cell_low());
  }
  std::uint32_t row(PointEntry e) const { return rows << PointEntry::kRowLowBits | e.row_low(); }
  PointRef point(PointEntry e) const { return {cell(e), granule_group, row(e)}; }
  std::uint32_t granule() const { return granule_group >> 8; }
  std::uint32_t group() const { return granule_group & 0xff; }
  // The state of point `p`: the headers a writer states before it.
  static PointState of(const PointRef& p) {
    return {p.granule_group, row_high(p.row), cell_high(p.cell)};
  }
  bool operator==(const PointState& o) const {
    return granule_group == o.granule_group && rows == o.rows && high == o.high;
  }
  bool operator!=(const PointState& o) const { return !(*this == o); }
};

// Appends the headers that take `from` to `to` (those whose values differ) at `out`; returns the
// entries written (at most 3 headers).
std::size_t write_headers(const PointState& from, const PointState& to, PointEntry* out);

// Appends points to a part, writing headers only where the granule beam or the cells' or rows'
// high bits change. REQUIRES (checked in debug builds): 0 <= cell < 2^63.
class PointWriter {
 public:
  void push(PointVector& out, const PointRef& p) {
    HEALGRID_REQUIRE(p.cell >= 0, "a packable point");
    const std::uint32_t rows = row_high(p.row);
    const std::uint64_t high = cell_high(p.cell);
    if (__builtin_expect(!holds(p, rows, high), 0))
      write_headers(out, PointState{p.granule_group, rows, high});
    out.push_back(PointEntry::point(p.cell, p.row));  // one call site: inlined
  }
  // The same into a buffer with room for kMaxEntries at `out`; returns the entries written.
  // A writer that is a local of the caller's loop keeps its state in registers: a buffer's
  // stores, unlike a vector's, reach neither it nor a size in memory.
  static constexpr std::size_t kMaxEntries = 1 + 3 * PointEntry::kHeaderEntries;
  std::size_t push(PointEntry* out, const PointRef& p) {
    HEALGRID_REQUIRE(p.cell >= 0, "a packable point");
    const std::uint32_t rows = row_high(p.row);
    const std::uint64_t high = cell_high(p.cell);
    std::size_t n = 0;
    if (__builtin_expect(!holds(p, rows, high), 0)) {
      const PointState from = state_, to{p.granule_group, rows, high};  // copies: no escape
      n = healgrid::write_headers(from, to, out);
      state_ = to;
    }
    out[n] = PointEntry::point(p.cell, p.row);
    return n + 1;
  }
  const PointState& state() const { return state_; }
  void restore(const PointState& state) { state_ = state; }

 private:
  // Whether the headers in force state p's beam and high bits `rows`, `high`. Field by field,
  // in registers: a PointState built on the stack and compared as one 8-byte word stalls on
  // store forwarding, half of the index loop's time (perf annotate).
  bool holds(const PointRef& p, std::uint32_t rows, std::uint64_t high) const {
    return (p.granule_group == state_.granule_group) & (rows == state_.rows) &
           (high == state_.high);
  }
  // Out of line: rare (a few per beam), and it keeps push() small enough to inline.
  void write_headers(PointVector& out, const PointState& to);

  PointState state_;
};

// Calls f(entry index, point) for the points of entries [begin, end) of `part`, in order, read
// from `state` (the headers in force at `begin`). REQUIRES: no header straddles `end`.
template <typename F>
void for_each_point(const PointVector& part, std::size_t begin, std::size_t end, PointState state,
                    F&& f) {
  for (std::size_t i = begin; i < end;) {
    if (part[i].is_header()) {
      state.apply(&part[i]);
      i += PointEntry::kHeaderEntries;
    } else {
      f(i, state.point(part[i]));
      ++i;
    }
  }
}

// Calls f(entry index, point) for every point of `part`, in order.
template <typename F>
void for_each_point(const PointVector& part, F&& f) {
  for_each_point(part, 0, part.size(), PointState{}, std::forward<F>(f));
}

// The number of points (entries that are not headers) of `part`.
std::size_t count_points(const PointVector& part);

// Keeps, in place and in order, the points of `part` for which keep(point) holds (headers
// rewritten as the kept points need them); returns their count. Never needs more room than the
// part had: a header is written only after one of its kind was read and not written.
template <typename Keep>
std::size_t keep_points(PointVector& part, Keep&& keep) {
  PointState read, written;  // the headers read so far, and those written
  std::size_t w = 0, kept = 0;
  for (std::size_t r = 0; r < part.size();) {
    const PointEntry e = part[r];
    if (e.is_header()) {
      read.apply(&part[r]);
      r += PointEntry::kHeaderEntries;
      continue;
    }
    ++r;
    if (!keep(read.point(e))) continue;
    // Written through a small buffer: headers land on slots already read.
    PointEntry buffer[3 * PointEntry::kHeaderEntries + 1];
    std::size_t n = 0;
    if (read != written) n = write_headers(written, read, buffer);
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
