// Binning: geodetic -> authalic latitude, and latitude/longitude -> nested cell.
#include <benchmark/benchmark.h>
#include <healpix_base.h>

#include <cmath>
#include <vector>

#include "healgrid/grid/healpix_grid.hpp"
#include "healgrid/grid/latitude.hpp"

namespace {

// A polar track: latitudes -60..-88, longitudes sweeping, like ATL06 over Antarctica.
struct Track {
  std::vector<double> lat, lon;
  explicit Track(std::size_t n) : lat(n), lon(n) {
    for (std::size_t i = 0; i < n; ++i) {
      lat[i] = -60.0 - 28.0 * static_cast<double>(i) / static_cast<double>(n);
      lon[i] = -180.0 + 360.0 * std::fmod(static_cast<double>(i) * 0.618, 1.0);
    }
  }
};
const Track kTrack(1 << 16);

void BM_AuthalicAngleExact(benchmark::State& state) {
  for (auto _ : state)
    for (double lat : kTrack.lat) benchmark::DoNotOptimize(healgrid::geodetic_to_authalic_deg(lat));
  state.SetItemsProcessed(state.iterations() * kTrack.lat.size());
}
BENCHMARK(BM_AuthalicAngleExact);

void BM_AuthalicZFromSin(benchmark::State& state) {
  const double deg = std::acos(-1.0) / 180;
  for (auto _ : state)
    for (double lat : kTrack.lat)
      benchmark::DoNotOptimize(healgrid::authalic_z_from_sin(std::sin(lat * deg)));
  state.SetItemsProcessed(state.iterations() * kTrack.lat.size());
}
BENCHMARK(BM_AuthalicZFromSin);

// The path before the z shortcut: authalic angle, then healpix_cxx's ang2pix.
void BM_Ang2pixViaAngle(benchmark::State& state) {
  T_Healpix_Base<std::int64_t> base(12, NEST);
  const double deg = std::acos(-1.0) / 180;
  for (auto _ : state)
    for (std::size_t i = 0; i < kTrack.lat.size(); ++i) {
      const double b = healgrid::geodetic_to_authalic_deg(kTrack.lat[i]);
      benchmark::DoNotOptimize(
          base.ang2pix(pointing(std::acos(-1.0) / 2 - b * deg, kTrack.lon[i] * deg)));
    }
  state.SetItemsProcessed(state.iterations() * kTrack.lat.size());
}
BENCHMARK(BM_Ang2pixViaAngle);

void BM_HealpixGridCell(benchmark::State& state) {
  const auto convention = state.range(0) ? healgrid::LatitudeConvention::authalic
                                         : healgrid::LatitudeConvention::geodetic;
  const healgrid::HealpixGrid grid(6, 12, convention);
  for (auto _ : state)
    for (std::size_t i = 0; i < kTrack.lat.size(); ++i)
      benchmark::DoNotOptimize(grid.cell(kTrack.lat[i], kTrack.lon[i]));
  state.SetItemsProcessed(state.iterations() * kTrack.lat.size());
}
BENCHMARK(BM_HealpixGridCell)->Arg(0)->Arg(1)->ArgName("authalic");

// The same points through the tiled batch (the index pass's path).
void BM_HealpixGridCells(benchmark::State& state) {
  const auto convention = state.range(0) ? healgrid::LatitudeConvention::authalic
                                         : healgrid::LatitudeConvention::geodetic;
  const healgrid::HealpixGrid grid(6, 12, convention);
  const std::vector<std::uint8_t> use(kTrack.lat.size(), 1);
  std::vector<std::int64_t> cells(kTrack.lat.size());
  for (auto _ : state) {
    grid.cells(kTrack.lat.data(), kTrack.lon.data(), use.data(), use.size(), cells.data());
    benchmark::DoNotOptimize(cells.data());
  }
  state.SetItemsProcessed(state.iterations() * kTrack.lat.size());
}
BENCHMARK(BM_HealpixGridCells)->Arg(0)->Arg(1)->ArgName("authalic");

}  // namespace
