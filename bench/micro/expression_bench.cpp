// Config expressions evaluated in bulk (muparser) over a 1-M-point chunk of columns, as the
// granule reader does for derived variables and expression filters: points per second per
// expression (items_per_second, on wall time: muparser may use OpenMP threads), next to the
// plain C++ loop that computes the same thing.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "healgrid/config/expression.hpp"

namespace {

constexpr std::size_t kPoints = std::size_t{1} << 20;

struct Columns {
  std::vector<double> h, geoid, q, flags;
  Columns() : h(kPoints), geoid(kPoints), q(kPoints), flags(kPoints) {
    std::mt19937_64 rng(14);
    std::normal_distribution<double> height(1500.0, 300.0);
    std::uniform_int_distribution<int> small(0, 4), bits(0, 255);
    for (std::size_t i = 0; i < kPoints; ++i) {
      h[i] = height(rng);
      geoid[i] = height(rng) / 100.0;
      q[i] = small(rng);
      flags[i] = bits(rng);
    }
  }
};

const Columns& columns() {
  static const Columns c;
  return c;
}

void run(benchmark::State& state, const char* text) {
  const auto& c = columns();
  healgrid::Expression e(text, {"h", "geoid", "q", "flags"});
  std::vector<const double*> inputs;
  for (const auto& name : e.inputs())
    inputs.push_back(name == "h"       ? c.h.data()
                     : name == "geoid" ? c.geoid.data()
                     : name == "q"     ? c.q.data()
                                       : c.flags.data());
  std::vector<double> out(kPoints);
  for (auto _ : state) {
    e.evaluate(inputs, kPoints, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPoints));
}

void BM_ExpressionDifference(benchmark::State& s) { run(s, "h - geoid"); }
void BM_ExpressionFilterSetAndBit(benchmark::State& s) {
  run(s, "q in {0, 1} and not bit(flags, 2)");
}
void BM_ExpressionWeight(benchmark::State& s) { run(s, "1 / (0.1 + q)^2"); }

// The same difference as a plain loop: the floor any evaluator can reach.
void BM_LoopDifference(benchmark::State& state) {
  const auto& c = columns();
  std::vector<double> out(kPoints);
  for (auto _ : state) {
    for (std::size_t i = 0; i < kPoints; ++i) out[i] = c.h[i] - c.geoid[i];
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kPoints));
}

BENCHMARK(BM_ExpressionDifference)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ExpressionFilterSetAndBit)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ExpressionWeight)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LoopDifference)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
