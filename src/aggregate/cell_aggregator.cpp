#include "healgrid/aggregate/cell_aggregator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "healgrid/aggregate/overview_builder.hpp"
#include "healgrid/aggregate/statistics.hpp"
#include "healgrid/util/cpu_features.hpp"
#include "healgrid/util/require.hpp"

namespace healgrid {
namespace {

// The values of one cell's points (indices `at`, in order) into `cell`'s columns, one column
// per variable: sized once, filled by index.
template <typename Value>
void gather_cell(const Value* values, const std::uint32_t* at, std::size_t len, std::size_t nvars,
                 CellValues& cell) {
  for (std::size_t k = 0; k < nvars; ++k) {
    auto& column = cell.column(k);
    column.resize(len);
    double* out = column.data();
    const Value* in = values + k;
    for (std::size_t i = 0; i < len; ++i)
      out[i] = static_cast<double>(in[static_cast<std::size_t>(at[i]) * nvars]);
  }
}

// A stable counting sort of points [0, n) by child (< children): order[] gets the point
// indices; counts[c] ends as the end of child c's points in order. Points come in runs of one
// child (a track crosses a cell in many points): counted and placed run by run, not by one
// memory increment per point, each of which would wait on the one before.
template <typename Offset>
void counting_sort(const Offset* child, std::size_t n, std::size_t children,
                   std::vector<std::uint32_t>& counts, std::uint32_t* order) {
  counts.assign(children + 1, 0);
  auto run_end = [&](std::size_t i) {
    std::size_t j = i + 1;
    while (j < n && child[j] == child[i]) ++j;
    return j;
  };
  for (std::size_t i = 0; i < n;) {
    const std::size_t j = run_end(i);
    counts[static_cast<std::size_t>(child[i]) + 1] += static_cast<std::uint32_t>(j - i);
    i = j;
  }
  std::partial_sum(counts.begin(), counts.end(), counts.begin());
  for (std::size_t i = 0; i < n;) {
    const std::size_t j = run_end(i);
    auto& counter = counts[static_cast<std::size_t>(child[i])];
    std::uint32_t at = counter;  // a local: order's stores could alias the counter
    for (std::size_t k = i; k < j; ++k) order[at++] = static_cast<std::uint32_t>(k);
    counter = at;
    i = j;
  }
}

// Whether every value of the n points is exactly a float (NaN counts as one); variable k of
// point i at values[k * stride + i].
bool all_floats(const double* values, std::size_t stride, std::size_t nvars, std::size_t n) {
  return with_simd(
      [](const double* x, std::size_t step, std::size_t columns, std::size_t rows)
          HEALGRID_SIMD_BODY {
            int inexact = 0;  // branch-free: vectorised
            for (std::size_t k = 0; k < columns; ++k)
              for (std::size_t i = 0; i < rows; ++i) {
                const double v = x[k * step + i];
                inexact |= (static_cast<double>(static_cast<float>(v)) != v) & (v == v);
              }
            return inexact == 0;
          },
      values, stride, nvars, n);
}

// Appends the child offsets of `n` cells of the parent whose first child is `first`.
template <typename Offset>
void append_offsets(ArenaVector<Offset>& out, const std::int64_t* cells, std::size_t n,
                    std::int64_t first) {
  const auto at = out.size();
  out.resize(at + n);
  for (std::size_t i = 0; i < n; ++i) out[at + i] = static_cast<Offset>(cells[i] - first);
}

// Appends points [begin, end) of `values` (as all_floats), variables interleaved (point i at
// i * nvars).
template <typename Value>
void append_interleaved(ArenaVector<Value>& out, const double* values, std::size_t stride,
                        std::size_t nvars, std::size_t begin, std::size_t end) {
  const auto at = out.size();
  out.resize(at + (end - begin) * nvars);
  with_simd(
      [](Value* dst, const double* x, std::size_t step, std::size_t columns, std::size_t rows)
          HEALGRID_SIMD_BODY {
            if (columns == 2) {  // a value and its sigma, the usual pair: a stride seen
              for (std::size_t i = 0; i < rows; ++i) {
                dst[2 * i] = static_cast<Value>(x[i]);
                dst[2 * i + 1] = static_cast<Value>(x[step + i]);
              }
              return;
            }
            for (std::size_t k = 0; k < columns; ++k)
              for (std::size_t i = 0; i < rows; ++i)
                dst[i * columns + k] = static_cast<Value>(x[k * step + i]);
          },
      out.data() + at, values + begin, stride, nvars, end - begin);
}

}  // namespace

CellAggregator::CellAggregator(const PipelineConfig& config, const HealpixGrid& grid)
    : config_(config),
      grid_(grid),
      nvars_(config.variables.size()),
      deep_(wide_child_offsets(grid.parent_order(), grid.child_order())),
      arena_(std::make_unique<BucketArena>()) {
  for (const auto& s : config_.statistics) {
    var_index_.push_back(config_.variable_index(s.variable));
    sigma_index_.push_back(s.weighting().empty() ? -1 : config_.variable_index(s.weighting()));
  }
}

std::uint64_t CellAggregator::bytes_per_point() const {
  // child offset, values, and finalize's sort index
  return (deep_ ? sizeof(std::uint64_t) : sizeof(std::uint32_t)) +
         (ever_wide_ ? sizeof(double) : sizeof(float)) * nvars_ + sizeof(std::uint32_t);
}

void CellAggregator::expect(const std::vector<ParentLoad>& loads) {
  const std::size_t offset_bytes = deep_ ? sizeof(std::uint64_t) : sizeof(std::uint32_t);
  const std::size_t value_bytes = (wide_ ? sizeof(double) : sizeof(float)) * nvars_;
  if (buckets_.empty()) {  // the round's reservations below, in one buffer
    std::size_t bytes = 0;
    for (const auto& l : loads) {
      const auto n = static_cast<std::size_t>(l.points);
      bytes += BucketArena::footprint(n * offset_bytes) + BucketArena::footprint(n * value_bytes);
    }
    arena_->reset(bytes);
  }
  buckets_.reserve(loads.size());
  for (const auto& l : loads) {
    auto& b = buckets_.try_emplace(l.parent, arena_.get()).first->second;
    (deep_ ? b.deep_children.reserve(static_cast<std::size_t>(l.points))
           : b.children.reserve(static_cast<std::size_t>(l.points)));
    if (wide_)
      b.wide.reserve(static_cast<std::size_t>(l.points) * nvars_);
    else
      b.narrow.reserve(static_cast<std::size_t>(l.points) * nvars_);
  }
  last_parent_ = -1;
  last_bucket_ = nullptr;
}

CellAggregator::Bucket& CellAggregator::bucket_of(std::int64_t parent) {
  if (parent != last_parent_) {  // a beam stays in one parent cell for long runs
    last_parent_ = parent;
    last_bucket_ = &buckets_.try_emplace(parent, arena_.get()).first->second;
  }
  return *last_bucket_;
}

void CellAggregator::widen() {
  for (auto& [parent, b] : buckets_) {
    b.wide.reserve(b.narrow.capacity());
    b.wide.assign(b.narrow.begin(), b.narrow.end());
    ArenaVector<float>(b.narrow.get_allocator()).swap(b.narrow);  // freed (or left to the arena)
  }
  wide_ = ever_wide_ = true;
}

void CellAggregator::add_point(std::int64_t cell, const double* values) {
  add_points(&cell, values, 1, 1);  // variable k at values[k * 1 + 0]
}

void CellAggregator::add_points(const std::int64_t* cells, const double* values, std::size_t stride,
                                std::size_t n) {
  HEALGRID_REQUIRE(values != nullptr || nvars_ == 0 || n == 0, "one value per config variable");
  HEALGRID_REQUIRE(nvars_ <= 1 || stride >= n, "columns that do not overlap");
  for (std::size_t i = 0; i < n; ++i)
    HEALGRID_REQUIRE(
        cells[i] >= 0 && cells[i] < grid_.parent_cell_count() * grid_.children_per_parent(),
        "a child cell of the grid");
  if (!wide_ && !all_floats(values, stride, nvars_, n)) widen();
  // A beam stays in one parent cell for long runs: one bucket lookup per run of points.
  for (std::size_t i = 0; i < n;) {
    const auto parent = grid_.parent_of(cells[i]);
    std::size_t end = i + 1;
    while (end < n && grid_.parent_of(cells[end]) == parent) ++end;
    auto& b = bucket_of(parent);
    const auto first = grid_.first_child(parent);
    if (deep_)
      append_offsets(b.deep_children, cells + i, end - i, first);
    else
      append_offsets(b.children, cells + i, end - i, first);
    if (wide_)
      append_interleaved(b.wide, values, stride, nvars_, i, end);
    else
      append_interleaved(b.narrow, values, stride, nvars_, i, end);
    i = end;
  }
  points_ += n;
}

template <typename Offset>
void CellAggregator::reduce_bucket(std::int64_t parent, const Bucket& b,
                                   const ArenaVector<Offset>& child, GridBlock& block) {
  // A stable sort of the points by child: a counting sort over the children when that table is
  // small, a comparison sort otherwise (deep child orders).
  const auto per_parent = static_cast<std::uint64_t>(grid_.children_per_parent());
  const std::size_t n = child.size();
  // The sort's indices and ends are 32-bit (4 bytes per point while reducing): checked in
  // every build, as wrapped indices would reduce the wrong points.
  if (n > std::size_t{UINT32_MAX})
    throw std::runtime_error("parent cell " + std::to_string(parent) + " holds " +
                             std::to_string(n) +
                             " points, more than the 4294967295 one parent cell can reduce: " +
                             "choose a finer grid.parent_order");
  auto& order = order_;
  if (order.size() < n) order.resize(n);  // every [0, n) is written below
  const bool counting = per_parent <= (std::uint64_t{1} << 16);
  if (counting) {
    counting_sort(child.data(), n, static_cast<std::size_t>(per_parent), counts_, order.data());
  } else {
    std::iota(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n), 0u);
    std::stable_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(n),
                     [&](std::uint32_t x, std::uint32_t y) { return child[x] < child[y]; });
  }
  const auto first_child = grid_.first_child(parent);
  CellValues cell_values(nvars_);
  for (std::size_t begin = 0; begin < n;) {
    const auto cell = child[order[begin]];
    std::size_t end = begin;
    if (counting)  // the counting sort left each child's end in its counter
      end = counts_[static_cast<std::size_t>(cell)];
    else
      while (end < n && child[order[end]] == cell) ++end;
    cell_values.clear();
    if (wide_)
      gather_cell(b.wide.data(), order.data() + begin, end - begin, nvars_, cell_values);
    else
      gather_cell(b.narrow.data(), order.data() + begin, end - begin, nvars_, cell_values);
    const auto id = first_child + static_cast<std::int64_t>(cell);
    block.cells.push_back(id);
    for (std::size_t s = 0; s < block.columns.size(); ++s) {
      auto& col = block.columns[s];
      const double value = cell_values.compute(*col.spec, var_index_[s], sigma_index_[s]);
      if (is_integer_statistic(col.spec->function))
        col.i32.push_back(static_cast<std::int32_t>(value));
      else
        col.f32.push_back(stored_float(value, *col.spec, id));
    }
    begin = end;
  }
  if (overviews_) {
    ParentPoints points{nullptr,
                        order.data(),
                        n,
                        wide_ ? nullptr : b.narrow.data(),
                        wide_ ? b.wide.data() : nullptr,
                        nvars_};
    if constexpr (sizeof(Offset) == sizeof(std::uint64_t))
      points.child64 = child.data();
    else
      points.child = child.data();
    overviews_->add_parent(parent, points);
  }
}

GridBlock CellAggregator::finalize() {
  GridBlock block;
  block.points = points_;
  for (const auto& [parent, b] : buckets_)
    if (!b.children.empty() || !b.deep_children.empty()) block.parents.push_back(parent);
  std::sort(block.parents.begin(), block.parents.end());
  for (const auto& s : config_.statistics) {
    OutputColumn col;
    col.spec = &s;
    block.columns.push_back(std::move(col));
  }
  for (const auto parent : block.parents) {
    auto it = buckets_.find(parent);
    if (deep_)
      reduce_bucket(parent, it->second, it->second.deep_children, block);
    else
      reduce_bucket(parent, it->second, it->second.children, block);
    buckets_.erase(it);  // reduced: give the memory back for the next parents
  }
  std::vector<std::uint32_t>().swap(order_);  // not held while the next round's points arrive
  buckets_.clear();
  last_parent_ = -1;
  last_bucket_ = nullptr;
  points_ = 0;
  wide_ = false;
  return block;
}

std::uint64_t cells_with_data(const GridBlock& block) {
  if (block.columns.empty()) return 0;
  const auto& first = block.columns.front();
  const std::size_t cells = first.i32.empty() ? first.f32.size() : first.i32.size();
  // Column by column over cache-sized spans: branch-free loops the compiler vectorises (most
  // cells are empty, so a per-cell early exit would test every column anyway).
  constexpr std::size_t kSpan = 4096;
  std::uint64_t n = 0;
  for (std::size_t begin = 0; begin < cells; begin += kSpan) {
    const std::size_t len = std::min(kSpan, cells - begin);
    unsigned char has[kSpan] = {};
    for (const auto& c : block.columns) {
      if (c.i32.empty()) {
        const float* v = c.f32.data() + begin;
        for (std::size_t i = 0; i < len; ++i) has[i] |= v[i] == v[i];  // not NaN
      } else {
        const std::int32_t* v = c.i32.data() + begin;
        for (std::size_t i = 0; i < len; ++i) has[i] |= v[i] != 0;
      }
    }
    for (std::size_t i = 0; i < len; ++i) n += has[i];
  }
  return n;
}

OutputColumn scatter_column(const OutputColumn& col, const std::vector<std::size_t>& at,
                            std::size_t n) {
  OutputColumn out;
  out.spec = col.spec;
  if (is_integer_statistic(col.spec->function)) {
    out.i32.assign(n, 0);
    for (std::size_t i = 0; i < at.size(); ++i) out.i32[at[i]] = col.i32[i];
  } else {
    out.f32.assign(n, std::numeric_limits<float>::quiet_NaN());
    for (std::size_t i = 0; i < at.size(); ++i) out.f32[at[i]] = col.f32[i];
  }
  return out;
}

}  // namespace healgrid
