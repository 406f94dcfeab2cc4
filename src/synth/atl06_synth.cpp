// Synthetic ATL06 granules: geometry from orbit.hpp, heights from an ice-sheet dome plus noise,
// written with the HDF5 C API in NASA's v006 layout (names, dtypes, attributes, chunking, filters).
#include "healgrid/synth/atl06_synth.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "atl06_layout.hpp"
#include "healgrid/io/atomic_file.hpp"
#include "healgrid/io/h5_handle.hpp"
#include "healgrid/io/h5_writer.hpp"
#include "healgrid/synth/atl03_synth.hpp"
#include "healgrid/synth/orbit.hpp"
#include "synth_model.hpp"

namespace healgrid {

using orbit::LatLon;
using synth_model::keep_point;
using synth_model::Rng;
using synth_model::surface_height;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDeg = kPi / 180.0;

const std::vector<int>& regions_of(SynthRegion area) {
  static const std::vector<int> kSouth = {10, 11, 12}, kNorth = {3, 4, 5};
  return area == SynthRegion::antarctica ? kSouth : kNorth;
}

// Messages name the command-line option so `healgrid synth` can pass them through unchanged.
void validate(const SynthOptions& o) {
  auto check = [](bool good, const char* option, const char* range, double got) {
    if (good) return;
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s: must be %s, got %g", option, range, got);
    throw std::invalid_argument(buf);
  };
  check(o.granules >= 1 && o.granules <= 100000, "--granules", "1..100000", o.granules);
  check(o.cycle >= 1 && o.cycle <= 99, "--cycle", "1..99", o.cycle);
  check(o.first_rgt >= 1 && o.first_rgt <= orbit::kRgtsPerCycle, "--first-rgt", "1..1387",
        o.first_rgt);
  check(o.rgt_step >= 1 && o.rgt_step <= orbit::kRgtsPerCycle, "--rgt-step", "1..1387", o.rgt_step);
  check(o.along_track_m >= orbit::kGeosegmentM && o.along_track_m <= 10000.0, "--along-track-m",
        "20..10000 (metres)", o.along_track_m);
  check(o.fill_fraction >= 0.0 && o.fill_fraction <= 1.0, "--fill-fraction", "0..1",
        o.fill_fraction);
  check(o.bad_quality_fraction >= 0.0 && o.bad_quality_fraction <= 1.0, "--bad-quality-fraction",
        "0..1", o.bad_quality_fraction);
  check(o.photons_per_shot > 0.0 && o.photons_per_shot <= 50.0, "--photons-per-shot", "in (0, 50]",
        o.photons_per_shot);
}

// True when both outer beams cross at least ~60 km of the kept area (ten 6.4 km samples).
bool granule_has_data(int rgt, int region, SynthRegion area) {
  const orbit::GroundTrack track(rgt, 1);
  const orbit::Span span = orbit::region_span(region);
  const double offsets[2] = {orbit::beam_offset_m(0), orbit::beam_offset_m(orbit::kBeams - 1)};
  int inside = 0;
  for (double u = span.begin; u < span.end && inside < 10; u += 1e-3) {
    LatLon p[2];
    track.locate(u, offsets, 2, p);
    if (keep_point(area, p[0]) && keep_point(area, p[1])) ++inside;
  }
  return inside >= 10;
}

synth_layout::Beams simulate(const SynthGranule& g, const SynthOptions& o) {
  const orbit::GroundTrack track(g.rgt, g.cycle);
  const orbit::Span span = orbit::region_span(g.region);
  const double step = o.along_track_m, radius = orbit::kEarthRadiusM;
  const auto k0 = static_cast<std::int64_t>(std::ceil(radius * span.begin / step));
  const auto k1 = static_cast<std::int64_t>(std::ceil(radius * span.end / step));
  const int orient = orbit::sc_orient(g.cycle);
  double offsets[orbit::kBeams];
  std::vector<Rng> rng;
  synth_layout::Beams beams;
  for (int b = 0; b < orbit::kBeams; ++b) {
    offsets[b] = orbit::beam_offset_m(b);
    rng.emplace_back(o.seed, g.rgt, g.cycle, g.region, b);
    for (auto* v : {&beams[b].lat, &beams[b].lon, &beams[b].time}) v->reserve(k1 - k0);
  }
  LatLon pts[orbit::kBeams];
  for (std::int64_t k = k0; k < k1; ++k) {
    const double x = static_cast<double>(k) * step, u = x / radius;
    track.locate(u, offsets, orbit::kBeams, pts);
    const double t = track.delta_time(u);
    for (int b = 0; b < orbit::kBeams; ++b) {
      if (!keep_point(o.region, pts[b])) continue;
      Rng& r = rng[b];
      // Always six draws per kept row, in this order, so streams never shift.
      const double fill_u = r.uniform(), bad_u = r.uniform(), sig_u = r.uniform();
      const double noise = r.normal(), geo_u = r.uniform();
      const double sigma =
          orbit::strong_beam(b, orient) ? 0.02 + 0.23 * sig_u * sig_u : 0.04 + 0.46 * sig_u * sig_u;
      const bool fill = fill_u < o.fill_fraction;
      synth_layout::BeamColumns& out = beams[b];
      out.lat.push_back(pts[b].lat_deg);
      out.lon.push_back(pts[b].lon_deg);
      out.time.push_back(t);
      out.segment.push_back(orbit::segment_id_at(x));
      out.h.push_back(fill ? synth_layout::kFloatFill
                           : static_cast<float>(surface_height(o.region, pts[b]) + sigma * noise));
      out.sigma.push_back(fill ? synth_layout::kFloatFill : static_cast<float>(sigma));
      out.geo.push_back(static_cast<float>(0.25 + 0.15 * geo_u));
      out.quality.push_back(bad_u < o.bad_quality_fraction ? 1 : 0);
    }
  }
  return beams;
}

}  // namespace

std::string synth_granule_name(int rgt, int cycle, int region) {
  const orbit::GroundTrack track(rgt, cycle);
  const double start = track.delta_time(orbit::region_span(region).begin);
  char tail[32];
  std::snprintf(tail, sizeof tail, "_%04d%02d%02d_006_01.h5", rgt, cycle, region);
  return "ATL06_" + orbit::utc_compact(start) + tail;
}

std::vector<SynthGranule> plan_synth(const SynthOptions& opts) {
  validate(opts);
  std::vector<SynthGranule> out;
  const auto target = static_cast<std::size_t>(opts.granules);
  // Walk RGTs forward in time; past RGT 1387 the walk continues in the next cycle.
  for (std::int64_t j = 0; out.size() < target; ++j) {
    const std::int64_t k = opts.first_rgt - 1 + j * opts.rgt_step;
    const int rgt = static_cast<int>(k % orbit::kRgtsPerCycle) + 1;
    const int cycle = opts.cycle + static_cast<int>(k / orbit::kRgtsPerCycle);
    if (cycle > 99) {
      throw std::invalid_argument("--granules: the plan runs past cycle 99 (" +
                                  std::to_string(out.size()) + " granules found)");
    }
    for (int region : regions_of(opts.region)) {
      if (out.size() < target && granule_has_data(rgt, region, opts.region)) {
        out.push_back({opts.product == SynthProduct::atl03 ? synth_atl03_name(rgt, cycle, region)
                                                           : synth_granule_name(rgt, cycle, region),
                       rgt, cycle, region});
      }
    }
  }
  return out;
}

bool is_synth_granule(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(path, ec))) return false;
  const io::H5QuietErrors quiet;
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return false;
  const std::string history = h5::string_attribute(file, "history");
  H5Fclose(file);
  return history.find("healgrid synth") != std::string::npos;
}

std::string write_synth_granule(const SynthGranule& g, const SynthOptions& opts) {
  validate(opts);
  if (g.rgt < 1 || g.rgt > orbit::kRgtsPerCycle || g.cycle < 1 || g.cycle > 99 || g.region < 1 ||
      g.region > 14) {
    throw std::invalid_argument("granule '" + g.name + "': rgt, cycle or region out of range");
  }
  namespace fs = std::filesystem;
  const fs::path dir(opts.out_dir.empty() ? "." : opts.out_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir.string() + ": cannot create directory: " + ec.message());
  const std::string name = g.name.empty() ? synth_granule_name(g.rgt, g.cycle, g.region) : g.name;
  const fs::path final_path = dir / name;
  const auto beams = simulate(g, opts);
  // A unique temporary name, created exclusively (never a file or link already there), which
  // never matches *.h5 while incomplete; removed when the write fails.
  const io::AtomicFile reserved(final_path.string());
  try {
    synth_layout::write_atl06_file(reserved.temporary_path(), g, opts.seed, beams);
    // Synced, then renamed: over a granule synth wrote, never over a file that is not one.
    io::commit_file(reserved.temporary_path(), final_path.string(), is_synth_granule);
  } catch (const fs::filesystem_error& e) {
    throw std::runtime_error(final_path.string() +
                             ": cannot rename into place: " + e.code().message());
  }
  return final_path.string();
}

}  // namespace healgrid
