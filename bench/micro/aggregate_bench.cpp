// Grouping by cell and the per-cell reducers.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "healgrid/aggregate/cell_aggregator.hpp"
#include "healgrid/aggregate/statistics.hpp"
#include "healgrid/config/pipeline_config.hpp"

namespace {

healgrid::PipelineConfig atl06_like() {
  healgrid::PipelineConfig c;
  c.groups = {"g"};
  c.latitude = "lat";
  c.longitude = "lon";
  c.variables = {{"h", "h"}, {"s", "s"}};
  auto add = [&](const char* name, healgrid::StatFunction f, double q = 0.5) {
    healgrid::StatisticSpec s;
    s.name = name;
    s.function = f;
    s.variable = "h";
    if (f == healgrid::StatFunction::weighted_mean ||
        f == healgrid::StatFunction::weighted_mean_sigma)
      s.sigma = "s";
    s.q = q;
    c.statistics.push_back(s);
  };
  using F = healgrid::StatFunction;
  add("count", F::count);
  add("h_min", F::min);
  add("h_max", F::max);
  add("h_mean", F::weighted_mean);
  add("h_sigma", F::weighted_mean_sigma);
  add("h_variance", F::variance);
  add("h_q25", F::quantile, 0.25);
  add("h_q50", F::quantile, 0.5);
  add("h_q75", F::quantile, 0.75);
  c.validate();
  return c;
}

// Sort by cell + reduce every default ATL06 statistic: N points along tracks over 64 parents
// (runs of ~75 points per child cell, as 20 m posting gives in 1.5 km cells).
void BM_AggregateFinalize(benchmark::State& state) {
  const auto cfg = atl06_like();
  const healgrid::HealpixGrid grid(6, 12, healgrid::LatitudeConvention::authalic);
  const auto n = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    healgrid::CellAggregator agg(cfg, grid);
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t parent = 40000 + static_cast<std::int64_t>((i / 4096) % 64);
      const std::int64_t child = static_cast<std::int64_t>((i / 75) % 4096);
      const double v[] = {1000.0 + static_cast<double>(i % 997) * 0.01, 0.1};
      agg.add_point(grid.first_child(parent) + child, v);
    }
    state.ResumeTiming();
    benchmark::DoNotOptimize(agg.finalize());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_AggregateFinalize)->Arg(1 << 20)->Arg(1 << 22)->Unit(benchmark::kMillisecond);

// Heights of one 1.5 km cell as the synthetic workload gives them: four tracks cross the cell,
// each a run of points along a sloping surface (so runs ascend or descend) with 5 cm of noise;
// `floats`: exactly float32 values, as ATL06's h_li is stored; `level`: the surface's height
// (0: values either side of zero, as sea-surface heights and freeboards are).
std::vector<double> cell_values(std::size_t n, bool floats = true, std::uint64_t seed = 42,
                                double level = 1500.0) {
  std::vector<double> v(n);
  std::uint64_t state = seed;
  for (std::size_t i = 0; i < n; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const std::size_t track = i * 4 / n, along = i - track * n / 4;
    const double slope = (track % 2 ? -0.02 : 0.03) * static_cast<double>(track + 1);
    const double noise = static_cast<double>((state >> 33) % 1000) * 1e-4 - 0.05;
    v[i] = level + static_cast<double>(track) + slope * static_cast<double>(along) + noise;
    if (floats) v[i] = static_cast<double>(static_cast<float>(v[i]));
  }
  return v;
}

void BM_Variance(benchmark::State& state) {
  const auto x = cell_values(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(healgrid::stat_variance(x.data(), x.size()));
  state.SetItemsProcessed(state.iterations() * x.size());
}
BENCHMARK(BM_Variance)->Arg(16)->Arg(128)->Arg(1024);

// min, max and variance of one cell as the default statistics take them: four passes (min,
// max, the mean's sum, the squares; `one_pass` 0), or column_moments' one pass for the first
// three (1). Many cells in turn, as in BM_QuantilesCellValues.
void BM_MinMaxVariance(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<std::vector<double>> cells;
  for (std::uint64_t seed = 1; seed <= 256; ++seed) cells.push_back(cell_values(n, true, seed));
  std::size_t next = 0;
  for (auto _ : state) {
    const auto& x = cells[next++ % cells.size()];
    if (state.range(1) != 0) {
      const auto m = healgrid::column_moments(x.data(), n);
      benchmark::DoNotOptimize(m);
      benchmark::DoNotOptimize(
          healgrid::stat_variance(x.data(), n, healgrid::stat_mean_of_sum(x.data(), n, m.sum)));
    } else {
      benchmark::DoNotOptimize(healgrid::stat_min(x.data(), n));
      benchmark::DoNotOptimize(healgrid::stat_max(x.data(), n));
      benchmark::DoNotOptimize(healgrid::stat_variance(x.data(), n));
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_MinMaxVariance)->ArgsProduct({{16, 128, 1024}, {0, 1}})->ArgNames({"n", "one_pass"});

void BM_WeightedMean(benchmark::State& state) {
  const auto x = cell_values(static_cast<std::size_t>(state.range(0)));
  const std::vector<double> s(x.size(), 0.1);
  for (auto _ : state)
    benchmark::DoNotOptimize(healgrid::stat_weighted_mean(x.data(), s.data(), x.size()));
  state.SetItemsProcessed(state.iterations() * x.size());
}
BENCHMARK(BM_WeightedMean)->Arg(16)->Arg(128)->Arg(1024);

// Many different cells, taken in turn: sorting the same values again and again would let the
// branch predictor learn their order and flatter comparison sorts.
std::vector<std::vector<double>> many_cells(std::size_t n, bool floats, double level = 1500.0) {
  std::vector<std::vector<double>> cells;
  for (std::uint64_t seed = 1; seed <= 256; ++seed)
    cells.push_back(cell_values(n, floats, seed, level));
  return cells;
}

// Three quantiles of one cell by a comparison sort then three interpolations: the baseline.
void BM_QuantilesStdSort(benchmark::State& state) {
  const auto cells = many_cells(static_cast<std::size_t>(state.range(0)), true);
  std::vector<double> sorted;
  std::size_t next = 0;
  for (auto _ : state) {
    sorted = cells[next++ % cells.size()];
    std::sort(sorted.begin(), sorted.end());
    for (double q : {0.25, 0.5, 0.75})
      benchmark::DoNotOptimize(healgrid::stat_quantile_sorted(sorted.data(), sorted.size(), q));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_QuantilesStdSort)->Arg(16)->Arg(128)->Arg(1024);

// The same three quantiles through CellValues::quantile, as the aggregator computes them.
// floats=1: values that are all floats (radix selection from 48 values); floats=0: doubles
// (comparison sort up to 256 values, selection by nth_element above). level: the surface's
// height, 1500 m or 0 m (values either side of zero: far apart as float bit patterns).
void BM_QuantilesCellValues(benchmark::State& state) {
  const auto cells = many_cells(static_cast<std::size_t>(state.range(0)), state.range(1) != 0,
                                static_cast<double>(state.range(2)));
  healgrid::CellValues cell(1);
  std::size_t next = 0;
  for (auto _ : state) {
    cell.clear();
    cell.column(0) = cells[next++ % cells.size()];
    for (double q : {0.25, 0.5, 0.75}) benchmark::DoNotOptimize(cell.quantile(0, q));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_QuantilesCellValues)
    ->ArgsProduct({{16, 128, 1024}, {1, 0}, {1500, 0}})
    ->ArgNames({"n", "floats", "level"});

}  // namespace
