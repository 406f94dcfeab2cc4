// Synthetic ATL03-like photon granules; see atl03_synth.hpp. One beam is simulated and written
// at a time, so memory holds one beam's photons (~35 bytes each).
#include "healgrid/synth/atl03_synth.hpp"

#include <hdf5.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "healgrid/io/atomic_file.hpp"
#include "healgrid/io/h5_writer.hpp"
#include "healgrid/synth/atl06_synth.hpp"
#include "healgrid/synth/orbit.hpp"
#include "synth_model.hpp"

namespace healgrid {
namespace io {
template <>
struct H5TypeOf<std::int64_t> {
  static hid_t file() { return H5T_STD_I64LE; }
  static hid_t mem() { return H5T_NATIVE_INT64; }
};
}  // namespace io

namespace {

using orbit::LatLon;
using synth_model::Rng;

constexpr double kShotsPerSegment = 28.0;  // 10 kHz at ~7 km/s: one shot every ~0.7 m
constexpr double kWindowM = 15.0;          // noise photons: +-15 m around the surface
constexpr float kFloatFill = 3.4028235e38f;

struct Photons {
  std::vector<double> lat, lon, time;
  std::vector<float> h;
  std::vector<std::int8_t> quality, conf;  // conf: 5 per photon, row-major
};
struct Segments {
  std::vector<std::int32_t> id, count;
  std::vector<std::int64_t> begin;
  std::vector<double> lat, lon, time;
  std::vector<float> geoid;
};

// Poisson(mean) from the stream: inversion for small means, a rounded normal beyond 30.
std::int64_t poisson(Rng& r, double mean) {
  if (mean > 30.0)
    return std::max<std::int64_t>(0, std::llround(mean + std::sqrt(mean) * r.normal()));
  const double limit = std::exp(-mean);
  std::int64_t k = 0;
  for (double p = r.uniform(); p > limit; p *= r.uniform()) ++k;
  return k;
}

// A smooth geoid-like undulation (metres) so that h_ph - geoid differs from h_ph per segment.
float geoid_at(LatLon p) {
  return static_cast<float>(-25.0 + 30.0 * std::sin(2.0 * p.lat_deg * synth_model::kDeg) *
                                        std::cos(p.lon_deg * synth_model::kDeg));
}

LatLon between(LatLon a, LatLon b, double f) {
  double dlon = b.lon_deg - a.lon_deg;
  if (dlon > 180.0) dlon -= 360.0;
  if (dlon < -180.0) dlon += 360.0;
  double lon = a.lon_deg + f * dlon;
  if (lon >= 180.0) lon -= 360.0;
  if (lon < -180.0) lon += 360.0;
  return {a.lat_deg + f * (b.lat_deg - a.lat_deg), lon};
}

void simulate_beam(const SynthGranule& g, const SynthOptions& o, int beam, Photons& ph,
                   Segments& seg) {
  const orbit::GroundTrack track(g.rgt, g.cycle);
  const orbit::Span span = orbit::region_span(g.region);
  const double step = orbit::kGeosegmentM, radius = orbit::kEarthRadiusM;
  const auto k0 = static_cast<std::int64_t>(std::ceil(radius * span.begin / step));
  const auto k1 = static_cast<std::int64_t>(std::ceil(radius * span.end / step));
  const bool strong = orbit::strong_beam(beam, orbit::sc_orient(g.cycle));
  const double signal_rate = (strong ? 1.0 : 0.25) * o.photons_per_shot * kShotsPerSegment;
  const double noise_rate = o.photons_per_shot / 8.0 * kShotsPerSegment;
  const double offset = orbit::beam_offset_m(beam), sigma = strong ? 0.10 : 0.15;
  Rng r(o.seed, g.rgt, g.cycle, g.region, 100 + beam);
  LatLon start = track.locate(radius * 0 + static_cast<double>(k0) * step / radius, offset);
  for (std::int64_t k = k0; k < k1; ++k) {
    const double x = static_cast<double>(k) * step;
    const LatLon end = track.locate((x + step) / radius, offset);
    const LatLon ref = between(start, end, 0.5);
    const LatLon first = start;
    start = end;
    if (!synth_model::keep_point(o.region, ref)) continue;
    const double t0 = track.delta_time(x / radius), t1 = track.delta_time((x + step) / radius);
    const auto n_signal = poisson(r, signal_rate), n_noise = poisson(r, noise_rate);
    const bool no_geoid = r.uniform() < o.fill_fraction;
    seg.id.push_back(orbit::segment_id_at(x));
    seg.count.push_back(static_cast<std::int32_t>(n_signal + n_noise));
    seg.begin.push_back(n_signal + n_noise > 0 ? static_cast<std::int64_t>(ph.h.size()) + 1 : 0);
    seg.lat.push_back(ref.lat_deg);
    seg.lon.push_back(ref.lon_deg);
    seg.time.push_back(0.5 * (t0 + t1));
    seg.geoid.push_back(no_geoid ? kFloatFill : geoid_at(ref));
    // Photons in time order along the segment; signal and noise interleave by their draw.
    for (std::int64_t i = 0; i < n_signal + n_noise; ++i) {
      const double f =
          (static_cast<double>(i) + r.uniform()) / static_cast<double>(n_signal + n_noise);
      const bool signal =
          r.uniform() * static_cast<double>(n_signal + n_noise) < static_cast<double>(n_signal);
      const LatLon p = between(first, end, f);
      const double surface = synth_model::surface_height(o.region, p);
      const double noise = r.normal(), u = r.uniform(), q = r.uniform();
      ph.lat.push_back(p.lat_deg);
      ph.lon.push_back(p.lon_deg);
      ph.time.push_back(t0 + f * (t1 - t0));
      ph.h.push_back(
          static_cast<float>(signal ? surface + sigma * noise : surface + kWindowM * (2 * u - 1)));
      ph.quality.push_back(
          q < o.bad_quality_fraction / 5 ? (q < o.bad_quality_fraction / 10 ? 1 : 2) : 0);
      // Columns land, ocean, sea ice, land ice, inland water: an ice sheet is land ice only.
      const std::int8_t conf = signal ? (u < 0.7 ? 4 : (u < 0.9 ? 3 : 2)) : (u < 0.9 ? 0 : 1);
      ph.conf.insert(ph.conf.end(), {-1, -1, -1, conf, -1});
    }
  }
}

io::H5Meta meta(const char* long_name, const char* units, const char* description) {
  return {long_name, units, description, "modelResult", nullptr, "ATL03 synth", nullptr};
}

void write_conf(const io::H5Writer& w, hid_t group, const std::vector<std::int8_t>& conf) {
  const hsize_t dims[2] = {conf.size() / 5, 5}, max_dims[2] = {H5S_UNLIMITED, 5};
  const hsize_t chunk[2] = {10000, 5};
  const H5Handle space = w.own(H5Screate_simple(2, dims, max_dims), H5Sclose, "dataspace");
  const H5Handle dcpl = w.plist(H5P_DATASET_CREATE);
  w.ok(H5Pset_chunk(dcpl, 2, chunk), "chunk");
  w.ok(H5Pset_shuffle(dcpl), "shuffle");
  w.ok(H5Pset_deflate(dcpl, 6), "deflate");
  const H5Handle d = w.own(
      H5Dcreate2(group, "signal_conf_ph", H5T_STD_I8LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
      H5Dclose, "create dataset signal_conf_ph");
  if (!conf.empty())
    w.ok(H5Dwrite(d, H5T_NATIVE_INT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, conf.data()),
         "write signal_conf_ph");
  w.describe(d, meta("Photon Signal Confidence", "counts",
                     "Confidence level per surface type (land, ocean, sea ice, land ice, inland "
                     "water): -1 not of that type, 0 noise, 1 buffer, 2 low, 3 medium, 4 high"));
}

void write_beam(const io::H5Writer& w, hid_t file, int beam, const Photons& ph, const Segments& s) {
  const H5Handle g = w.group(file, orbit::beam_name(beam));
  const H5Handle h = w.group(g, "heights");
  w.column<double>(h, "lat_ph", ph.lat, meta("Latitude", "degrees_north", "photon latitude"),
                   nullptr);
  w.column<double>(h, "lon_ph", ph.lon, meta("Longitude", "degrees_east", "photon longitude"),
                   nullptr);
  w.column<float>(h, "h_ph", ph.h, meta("Photon WGS84 Height", "meters", "photon height"), nullptr);
  w.column<double>(h, "delta_time", ph.time,
                   meta("Elapsed GPS seconds", "seconds since 2018-01-01", "photon time"), nullptr);
  w.column<std::int8_t>(h, "quality_ph", ph.quality,
                        meta("Photon Quality", "1", "0 nominal, 1 afterpulse, 2 impulse response"),
                        nullptr);  // no _FillValue: 0 is the nominal value
  write_conf(w, h, ph.conf);
  const H5Handle geo = w.group(g, "geolocation");
  const std::int32_t zero32 = 0;
  const std::int64_t zero64 = 0;
  w.column<std::int32_t>(geo, "segment_id", s.id, meta("Segment ID", "1", "20 m segment"), nullptr);
  w.column<std::int64_t>(
      geo, "ph_index_beg", s.begin,
      meta("Photon Index Begin", "1", "1-based index of the segment's first photon, 0 when empty"),
      &zero64);
  w.column<std::int32_t>(geo, "segment_ph_cnt", s.count,
                         meta("Number of photons", "counts", "photons in the segment"), &zero32);
  w.column<double>(geo, "reference_photon_lat", s.lat,
                   meta("Reference Photon Latitude", "degrees_north", "segment centre"), nullptr);
  w.column<double>(geo, "reference_photon_lon", s.lon,
                   meta("Reference Photon Longitude", "degrees_east", "segment centre"), nullptr);
  w.column<double>(geo, "delta_time", s.time,
                   meta("Elapsed GPS seconds", "seconds since 2018-01-01", "segment time"),
                   nullptr);
  const H5Handle corr = w.group(g, "geophys_corr");
  w.column<float>(corr, "geoid", s.geoid, meta("Geoid", "meters", "geoid height above WGS84"),
                  &kFloatFill);
  w.column<double>(corr, "delta_time", s.time,
                   meta("Elapsed GPS seconds", "seconds since 2018-01-01", "segment time"),
                   nullptr);
}

void write_file(const std::string& path, const SynthGranule& g, const SynthOptions& o) {
  const io::H5Writer w(path);
  const H5Handle fcpl = w.plist(H5P_FILE_CREATE);
  const H5Handle file =
      w.own(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT), H5Fclose, "create file");
  w.attr_str(file, "short_name", "ATL03");
  w.attr_str(file, "history", "healgrid synth --product atl03, seed " + std::to_string(o.seed));
  const H5Handle a = w.group(file, "ancillary_data");
  w.single(a, "atlas_sdp_gps_epoch", orbit::kAtlasSdpGpsEpoch, true,
           meta("ATLAS Epoch Offset", "seconds since 1980-01-06T00:00:00.000000Z",
                "GPS seconds of the ATLAS SDP epoch (2018-01-01)"));
  for (int b = 0; b < orbit::kBeams; ++b) {
    Photons ph;
    Segments seg;
    simulate_beam(g, o, b, ph, seg);
    write_beam(w, file, b, ph, seg);
  }
}

}  // namespace

std::string synth_atl03_name(int rgt, int cycle, int region) {
  return "ATL03_" + synth_granule_name(rgt, cycle, region).substr(6);
}

std::string write_synth_atl03_granule(const SynthGranule& g, const SynthOptions& opts) {
  namespace fs = std::filesystem;
  const fs::path dir(opts.out_dir.empty() ? "." : opts.out_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir.string() + ": cannot create directory: " + ec.message());
  const fs::path final_path =
      dir / (g.name.empty() ? synth_atl03_name(g.rgt, g.cycle, g.region) : g.name);
  // A unique temporary name, created exclusively (never a file or link already there); removed
  // when the write fails.
  const io::AtomicFile reserved(final_path.string());
  write_file(reserved.temporary_path(), g, opts);
  io::commit_file(reserved.temporary_path(), final_path.string(), is_synth_granule);
  return final_path.string();
}

}  // namespace healgrid
