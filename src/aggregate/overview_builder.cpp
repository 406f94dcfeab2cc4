#include "healgrid/aggregate/overview_builder.hpp"

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace healgrid {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A parent's partials of one statistic, in double: enough to merge every statistic but the
// quantiles exactly across parents.
// The weights' sums are kept as sum / 2^kWExp, the sum of the weights in [0.5, 1) (frexp), so
// merging many heavy weights (up to DBL_MAX each) never overflows.
// The mean is kept as kMean + kMeanLo (double-double): merging cells whose means are large
// against their spread (1e9 ± 1e-4) takes the means' difference without the means' rounding.
// The sum is kept as kSum + kSumLo (compensated: cancellation across parents keeps the small
// terms).
enum Field {
  kN,
  kSum,
  kSumLo,
  kMin,
  kMax,
  kMean,
  kMeanLo,
  kM2,
  kSumW,
  kSumWX,
  kWExp,
  kPartialFields
};

// sw, swx and their exponent: sw in [0.5, 1) (or 0), swx scaled alike.
void normalise_weights(double* p) {
  int e = 0;
  p[kSumW] = std::frexp(p[kSumW], &e);
  p[kSumWX] = std::ldexp(p[kSumWX], -e);
  p[kWExp] += e;
}

// `sigma`: the weighting variable, sigma (w = 1/s^2) or, with `is_weight`, the weight itself.
void partial_of(const ParentPoints& p, int var, int sigma, bool is_weight, double* out) {
  const auto n = static_cast<double>(p.n);
  double sum = 0, sum_lo = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
  double sw = 0, swx = 0;
  double largest = 0;  // weight
  for (std::size_t i = 0; i < p.n; ++i) {
    const double x = p.value(p.order[i], static_cast<std::size_t>(var));
    add_compensated(sum, sum_lo, x);
    lo = std::min(lo, x);
    hi = std::max(hi, x);
    if (sigma >= 0) {
      const double s = p.value(p.order[i], static_cast<std::size_t>(sigma));
      const double w = is_weight ? s : 1.0 / (s * s);
      sw += w;
      swx += is_weight ? s * x : x / (s * s);
      largest = std::max(largest, w);
    }
  }
  // Sums that overflowed, or products that underflowed (every weight below
  // kSmallestUnscaledWeight): taken again with the weights / 2^wexp of the largest (exact).
  int wexp = 0;
  if (sigma >= 0 && largest > 0 &&
      !(std::isfinite(sw) && std::isfinite(swx) && largest >= kSmallestUnscaledWeight)) {
    wexp = std::ilogb(largest);
    sw = swx = 0;
    for (std::size_t i = 0; i < p.n; ++i) {
      const double s = p.value(p.order[i], static_cast<std::size_t>(sigma));
      const double w = std::ldexp(is_weight ? s : 1.0 / (s * s), -wexp);
      sw += w;
      swx += w * p.value(p.order[i], static_cast<std::size_t>(var));
    }
  }
  double mean = (sum + sum_lo) / n;
  if (!std::isfinite(sum)) {  // finite values whose running sum overflows: scaled (exact)
    const int shift = overflow_shift(p.n);
    double scaled = 0, scaled_lo = 0;
    for (std::size_t i = 0; i < p.n; ++i)
      add_compensated(scaled, scaled_lo,
                      std::ldexp(p.value(p.order[i], static_cast<std::size_t>(var)), -shift));
    mean = std::ldexp((scaled + scaled_lo) / n, shift);
    sum = std::ldexp(scaled + scaled_lo, shift);  // infinite only if the sum is beyond double
    sum_lo = 0;
  }
  double m2 = 0, residual = 0;  // two-pass, as the cells' own variance; the mean's rounding
  for (std::size_t i = 0; i < p.n; ++i) {
    const double d = p.value(p.order[i], static_cast<std::size_t>(var)) - mean;
    m2 += d * d;
    residual += d;
  }
  m2 -= residual * residual / n;  // about the exact mean, mean + residual / n, not the rounded one
  if (std::isnan(m2) || std::isinf(residual)) {  // a spread beyond double: infinite, not NaN
    m2 = std::numeric_limits<double>::infinity();
    residual = 0;
  }
  const double fields[kPartialFields] = {
      n, sum, sum_lo, lo, hi, mean, residual / n, m2, sw, swx, static_cast<double>(wexp)};
  std::copy(fields, fields + kPartialFields, out);
  normalise_weights(out);
}

// a += b (Chan, Golub & LeVeque's pairwise update for the mean and M2).
void merge_into(double* a, const double* b) {
  if (a[kN] == 0) {
    std::copy(b, b + kPartialFields, a);
    return;
  }
  const double n = a[kN] + b[kN];
  // Close means subtract exactly (Sterbenz), so delta keeps the digits of the spread.
  const double delta = (b[kMean] - a[kMean]) + (b[kMeanLo] - a[kMeanLo]);
  a[kM2] += b[kM2] + delta * delta * a[kN] * b[kN] / n;
  const double step = delta * b[kN] / n, mean = a[kMean] + step;
  const double rounding = (a[kMean] - (mean - (mean - a[kMean]))) + (step - (mean - a[kMean]));
  a[kMean] = mean;  // TwoSum: mean + rounding is a[kMean] + step exactly
  a[kMeanLo] += rounding;
  a[kN] = n;
  double sum = a[kSum], sum_lo = a[kSumLo] + b[kSumLo];
  add_compensated(sum, sum_lo, b[kSum]);
  a[kSum] = sum;
  a[kSumLo] = std::isfinite(sum) ? sum_lo : 0.0;
  a[kMin] = std::min(a[kMin], b[kMin]);
  a[kMax] = std::max(a[kMax], b[kMax]);
  const double e = std::max(a[kWExp], b[kWExp]);  // both in [0.5, 1) · 2^e or less: no overflow
  const auto to_e = [e](double v, double from) {
    return std::ldexp(v, static_cast<int>(from - e));
  };
  a[kSumW] = to_e(a[kSumW], a[kWExp]) + to_e(b[kSumW], b[kWExp]);
  a[kSumWX] = to_e(a[kSumWX], a[kWExp]) + to_e(b[kSumWX], b[kWExp]);
  a[kWExp] = e;
  normalise_weights(a);
}

double value_of(StatFunction f, const double* p) {
  switch (f) {
    case StatFunction::count:
      return p[kN];
    case StatFunction::min:
      return p[kMin];
    case StatFunction::max:
      return p[kMax];
    case StatFunction::sum:
      return std::isfinite(p[kSum]) ? p[kSum] + p[kSumLo] : p[kSum];
    case StatFunction::mean:  // the running mean where the sum overflowed
      return std::isfinite(p[kSum]) ? (p[kSum] + p[kSumLo]) / p[kN] : p[kMean] + p[kMeanLo];
    case StatFunction::variance:
      return p[kM2] / p[kN];
    case StatFunction::std:
      return std::sqrt(p[kM2] / p[kN]);
    case StatFunction::weighted_mean:
      return p[kSumWX] / p[kSumW];
    case StatFunction::weighted_mean_sigma:  // 1 / sqrt(sum w), sum w = kSumW · 2^kWExp
      return static_cast<double>(
          1.0L / std::sqrt(std::ldexp(static_cast<long double>(p[kSumW]), int(p[kWExp]))));
    case StatFunction::quantile:
      break;
  }
  return kNaN;
}

void append(OutputColumn& col, double value, std::int64_t cell) {
  if (is_integer_statistic(col.spec->function))
    col.i32.push_back(static_cast<std::int32_t>(value));
  else
    col.f32.push_back(stored_float(value, *col.spec, cell));
}

// Every rank's elements concatenated in rank order, on rank 0 only. Throws on every rank
// alike when the column exceeds MPI's int counts (2 GiB).
template <typename T>
std::vector<T> gather_to_root(const Communicator& comm, const std::vector<T>& mine) {
  const long long bytes = static_cast<long long>(mine.size() * sizeof(T));
  const auto counts = comm.gather(bytes);
  std::vector<int> sizes, displs;
  long long total = 0;
  for (const auto c : counts) {
    sizes.push_back(static_cast<int>(c));
    displs.push_back(static_cast<int>(total));
    total += c;
  }
  int too_large = total > std::numeric_limits<int>::max();  // decided by rank 0
  comm.bcast_value(too_large);
  if (too_large)
    throw std::runtime_error(
        "overview levels: a column over 2 GiB to gather on rank 0 (write fewer or coarser "
        "orders)");
  std::vector<T> all(comm.is_root() ? static_cast<std::size_t>(total) / sizeof(T) : 0);
  MPI_Gatherv(mine.data(), static_cast<int>(bytes), MPI_BYTE, all.data(), sizes.data(),
              displs.data(), MPI_BYTE, 0, comm.comm);
  return all;
}

OverviewLevel empty_level(const PipelineConfig& config, int order, int parent_order) {
  OverviewLevel level;
  level.order = order;
  for (const auto& s : config.statistics)
    if (overview_has_statistic(s.function, order, parent_order)) {
      OutputColumn col;
      col.spec = &s;
      level.columns.push_back(std::move(col));
    }
  return level;
}

// Ranks hold increasing parent ranges in rank order, so the gathered cells are increasing; a
// level that is not (a future plan or journal change) is sorted rather than written wrong.
void sort_cells(OverviewLevel& level) {
  if (std::is_sorted(level.cells.begin(), level.cells.end())) return;
  std::vector<std::size_t> by_id(level.cells.size());
  std::iota(by_id.begin(), by_id.end(), std::size_t{0});
  std::stable_sort(by_id.begin(), by_id.end(),
                   [&](std::size_t a, std::size_t b) { return level.cells[a] < level.cells[b]; });
  auto permuted = [&](auto& v) {
    if (v.empty()) return;
    auto copy = v;
    for (std::size_t i = 0; i < by_id.size(); ++i) v[i] = copy[by_id[i]];
  };
  permuted(level.cells);
  for (auto& col : level.columns) {
    permuted(col.i32);
    permuted(col.f32);
  }
}

}  // namespace

bool overview_has_statistic(StatFunction f, int order, int parent_order) {
  return f != StatFunction::quantile || order >= parent_order;
}

OverviewBuilder::OverviewBuilder(const PipelineConfig& config, const HealpixGrid& grid,
                                 std::vector<int> orders)
    : config_(config),
      grid_(grid),
      orders_(std::move(orders)),
      cell_values_(config.variables.size()) {
  for (const auto& s : config.statistics) {
    var_index_.push_back(config.variable_index(s.variable));
    sigma_index_.push_back(s.weighting().empty() ? -1 : config.variable_index(s.weighting()));
  }
  for (const int o : orders_) {
    if (o < 0 || o >= grid.child_order())
      throw std::invalid_argument("overview order " + std::to_string(o) +
                                  " is not below the child order");
    if (o >= grid.parent_order()) fine_.push_back(empty_level(config, o, grid.parent_order()));
  }
}

void OverviewBuilder::add_parent(std::int64_t parent, const ParentPoints& points) {
  if (!enabled() || points.n == 0) return;
  add_fine_levels(parent, points);
  if (orders_.front() < grid_.parent_order()) add_partials(parent, points);
}

// Orders >= the parent order: the parent's points regrouped by their coarser cell (the child
// order's sort is also the coarse cells' order) and reduced like the output's cells.
void OverviewBuilder::add_fine_levels(std::int64_t parent, const ParentPoints& p) {
  const int child_order = grid_.child_order(), parent_order = grid_.parent_order();
  for (auto& level : fine_) {
    const int shift = 2 * (child_order - level.order);
    const auto first = static_cast<std::uint64_t>(parent) << (2 * (level.order - parent_order));
    for (std::size_t begin = 0; begin < p.n;) {
      const std::uint64_t coarse = p.child_at(p.order[begin]) >> shift;
      cell_values_.clear();
      std::size_t end = begin;
      for (; end < p.n && (p.child_at(p.order[end]) >> shift) == coarse; ++end)
        for (std::size_t k = 0; k < p.nvars; ++k)
          cell_values_.column(k).push_back(p.value(p.order[end], k));
      level.cells.push_back(first + coarse);
      std::size_t c = 0;
      for (std::size_t s = 0; s < config_.statistics.size(); ++s) {
        if (c < level.columns.size() && level.columns[c].spec == &config_.statistics[s])
          append(level.columns[c++],
                 cell_values_.compute(config_.statistics[s], var_index_[s], sigma_index_[s]),
                 static_cast<std::int64_t>(first + coarse));
      }
      begin = end;
    }
  }
}

void OverviewBuilder::add_partials(std::int64_t parent, const ParentPoints& p) {
  parents_.push_back(parent);
  const std::size_t at = partials_.size();
  partials_.resize(at + config_.statistics.size() * kPartialFields);
  for (std::size_t s = 0; s < config_.statistics.size(); ++s)
    partial_of(p, var_index_[s], sigma_index_[s], !config_.statistics[s].weight.empty(),
               partials_.data() + at + s * kPartialFields);
}

// Rank 0: the parents' partials merged per coarse cell of `order`, parents in id order.
OverviewLevel OverviewBuilder::merge_partials(int order, const std::vector<std::int64_t>& parents,
                                              const std::vector<double>& partials) const {
  OverviewLevel level = empty_level(config_, order, grid_.parent_order());
  const std::size_t nstats = config_.statistics.size();
  std::vector<std::size_t> by_id(parents.size());
  std::iota(by_id.begin(), by_id.end(), std::size_t{0});
  std::sort(by_id.begin(), by_id.end(),
            [&](std::size_t a, std::size_t b) { return parents[a] < parents[b]; });
  const int shift = 2 * (grid_.parent_order() - order);
  std::vector<double> acc(nstats * kPartialFields);
  for (std::size_t begin = 0; begin < by_id.size();) {
    const auto cell = static_cast<std::uint64_t>(parents[by_id[begin]]) >> shift;
    std::fill(acc.begin(), acc.end(), 0.0);
    std::size_t end = begin;
    for (; end < by_id.size() && (static_cast<std::uint64_t>(parents[by_id[end]]) >> shift) == cell;
         ++end)
      for (std::size_t s = 0; s < nstats; ++s)
        merge_into(acc.data() + s * kPartialFields,
                   partials.data() + (by_id[end] * nstats + s) * kPartialFields);
    level.cells.push_back(cell);
    std::size_t c = 0;
    for (std::size_t s = 0; s < nstats; ++s)
      if (c < level.columns.size() && level.columns[c].spec == &config_.statistics[s])
        append(level.columns[c++],
               value_of(config_.statistics[s].function, acc.data() + s * kPartialFields),
               static_cast<std::int64_t>(cell));
    begin = end;
  }
  return level;
}

std::vector<OverviewLevel> OverviewBuilder::gather(const Communicator& comm) {
  std::vector<OverviewLevel> levels;
  if (!enabled()) return levels;
  const auto all_parents = comm.gather(parents_);
  const auto all_partials = gather_to_root(comm, partials_);
  for (const int o : orders_) {
    if (o >= grid_.parent_order()) break;
    levels.push_back(comm.is_root() ? merge_partials(o, all_parents, all_partials)
                                    : empty_level(config_, o, grid_.parent_order()));
  }
  for (auto& mine : fine_) {  // ranks hold increasing parent ranges in rank order
    OverviewLevel level = empty_level(config_, mine.order, grid_.parent_order());
    level.cells = gather_to_root(comm, mine.cells);
    for (std::size_t c = 0; c < level.columns.size(); ++c) {
      level.columns[c].i32 = gather_to_root(comm, mine.columns[c].i32);
      level.columns[c].f32 = gather_to_root(comm, mine.columns[c].f32);
    }
    sort_cells(level);
    levels.push_back(std::move(level));
  }
  std::vector<std::int64_t> totals;
  for (const auto& l : levels) totals.push_back(static_cast<std::int64_t>(l.cells.size()));
  comm.bcast(totals);
  for (std::size_t i = 0; i < levels.size(); ++i)
    levels[i].total_cells = static_cast<std::uint64_t>(totals[i]);
  fine_.clear();
  parents_.clear();
  partials_.clear();
  return levels;
}

}  // namespace healgrid
