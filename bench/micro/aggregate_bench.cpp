// Grouping by cell and the per-cell reducers.
#include <benchmark/benchmark.h>

#include <algorithm>
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

std::vector<double> cell_values(std::size_t n) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = 1000.0 + static_cast<double>((i * 7919) % 1009) * 0.01;
  return v;
}

void BM_Variance(benchmark::State& state) {
  const auto x = cell_values(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(healgrid::stat_variance(x.data(), x.size()));
  state.SetItemsProcessed(state.iterations() * x.size());
}
BENCHMARK(BM_Variance)->Arg(16)->Arg(128)->Arg(1024);

void BM_WeightedMean(benchmark::State& state) {
  const auto x = cell_values(static_cast<std::size_t>(state.range(0)));
  const std::vector<double> s(x.size(), 0.1);
  for (auto _ : state)
    benchmark::DoNotOptimize(healgrid::stat_weighted_mean(x.data(), s.data(), x.size()));
  state.SetItemsProcessed(state.iterations() * x.size());
}
BENCHMARK(BM_WeightedMean)->Arg(16)->Arg(128)->Arg(1024);

// Three quantiles of one cell: one sort, then three interpolations (what CellValues does).
void BM_QuantilesSort(benchmark::State& state) {
  const auto x = cell_values(static_cast<std::size_t>(state.range(0)));
  std::vector<double> sorted;
  for (auto _ : state) {
    sorted = x;
    std::sort(sorted.begin(), sorted.end());
    for (double q : {0.25, 0.5, 0.75})
      benchmark::DoNotOptimize(healgrid::stat_quantile_sorted(sorted.data(), sorted.size(), q));
  }
  state.SetItemsProcessed(state.iterations() * x.size());
}
BENCHMARK(BM_QuantilesSort)->Arg(16)->Arg(128)->Arg(1024);

// The same three quantiles through CellValues::quantile: selection (nth_element) above 256.
void BM_QuantilesSelect(benchmark::State& state) {
  const auto x = cell_values(static_cast<std::size_t>(state.range(0)));
  healgrid::CellValues cell(1);
  for (auto _ : state) {
    cell.clear();
    cell.column(0) = x;
    for (double q : {0.25, 0.5, 0.75}) benchmark::DoNotOptimize(cell.quantile(0, q));
  }
  state.SetItemsProcessed(state.iterations() * x.size());
}
BENCHMARK(BM_QuantilesSelect)->Arg(16)->Arg(128)->Arg(1024);

}  // namespace
