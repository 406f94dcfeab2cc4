// `healgrid synth`: ground-track geometry, the granule plan, and the written files read back
// with the HDF5 C API (dtypes, filters, attributes, values, determinism). No MPI needed.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "healgrid/catalog/granule_query.hpp"
#include "healgrid/io/h5_handle.hpp"
#include "healgrid/synth/atl06_synth.hpp"
#include "healgrid/synth/orbit.hpp"

namespace healgrid {
namespace {

namespace fs = std::filesystem;
using orbit::LatLon;

constexpr double kPi = 3.14159265358979323846;

// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("healgrid_synth_test_" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string str() const { return path_.string(); }
  fs::path path() const { return path_; }

 private:
  fs::path path_;
};

// Latitudes of the centre track sampled across a region.
std::vector<double> region_latitudes(int region, int samples = 2000) {
  const orbit::GroundTrack track(1, 1);
  const orbit::Span span = orbit::region_span(region);
  std::vector<double> lats;
  for (int i = 0; i <= samples; ++i) {
    const double u = span.begin + (span.end - span.begin) * i / samples;
    lats.push_back(track.locate(u).lat_deg);
  }
  return lats;
}

TEST(SynthOrbit, RegionLatitudeRanges) {
  const auto r3 = region_latitudes(3), r4 = region_latitudes(4), r10 = region_latitudes(10);
  const auto r11 = region_latitudes(11), r12 = region_latitudes(12);
  EXPECT_NEAR(r3.front(), 59.5, 1e-6);  // ascending 59.5N -> 80N
  EXPECT_NEAR(r3.back(), 80.0, 1e-6);
  EXPECT_NEAR(*std::max_element(r4.begin(), r4.end()), 88.0, 1e-3);  // 180 - 92 degrees
  EXPECT_NEAR(r10.front(), -50.0, 1e-6);                             // descending 50S -> 79S
  EXPECT_NEAR(r10.back(), -79.0, 1e-6);
  EXPECT_NEAR(r11.front(), -79.0, 1e-6);
  EXPECT_NEAR(*std::min_element(r11.begin(), r11.end()), -88.0, 1e-3);
  EXPECT_NEAR(r11.back(), -79.0, 1e-6);
  EXPECT_NEAR(r12.front(), -79.0, 1e-6);  // ascending 79S -> 50S
  EXPECT_NEAR(r12.back(), -50.0, 1e-6);
  EXPECT_GT(r10[1], r10[2]);  // descending
  EXPECT_LT(r12[1], r12[2]);  // ascending
  // Adjacent regions share their boundary, so granules tile an orbit without gaps.
  EXPECT_DOUBLE_EQ(orbit::region_span(10).end, orbit::region_span(11).begin);
  EXPECT_DOUBLE_EQ(orbit::region_span(14).end, 2 * kPi);
  EXPECT_THROW(orbit::region_span(15), std::invalid_argument);
}

TEST(SynthOrbit, NodesAndTimes) {
  const orbit::GroundTrack track(5, 2);
  const LatLon node = track.locate(0.0);
  EXPECT_NEAR(node.lat_deg, 0.0, 1e-12);
  EXPECT_NEAR(node.lon_deg, orbit::node_longitude_deg(5), 1e-9);
  // Successive RGTs cross the equator 360 * 91 / 1387 degrees further west.
  const double step = orbit::node_longitude_deg(1) - orbit::node_longitude_deg(2);
  EXPECT_NEAR(std::fmod(step + 360.0, 360.0), 23.6193223, 1e-6);
  EXPECT_NEAR(orbit::node_longitude_deg(1388 - 1387), orbit::node_longitude_deg(1), 1e-12);
  // Cycles of 90.8186 days from 2018-09-28T15:32Z, the fitted starts that `--time-windows
  // cycle` and `resolve --cycle` use; one revolution is a cycle / 1387.
  EXPECT_DOUBLE_EQ(orbit::node_delta_time(1, 2) - orbit::node_delta_time(1, 1), 7846727.0);
  EXPECT_NEAR(track.delta_time(2 * kPi) - track.delta_time(0), 7846727.0 / 1387, 1e-3);
  EXPECT_EQ(orbit::utc_ccsds(0.0), "2018-01-01T00:00:00.000000Z");
  EXPECT_EQ(orbit::utc_ccsds(orbit::kCycle1StartDeltaTime), "2018-09-28T15:32:00.000000Z");
  const double epoch = 1514764800.0;  // 2018-01-01 in POSIX seconds
  for (int cycle : {1, 2, 3, 17, 40}) {
    EXPECT_EQ(orbit::node_delta_time(1, cycle) + epoch, icesat2_cycle_start_seconds(cycle));
    // Every RGT of the cycle in its cycle window.
    EXPECT_EQ(icesat2_cycle_of(orbit::node_delta_time(1387, cycle) + epoch + 5000), cycle);
  }
  EXPECT_EQ(orbit::utc_ccsds(789 * 86400.0 + 3723.25), "2020-02-29T01:02:03.250000Z");
  EXPECT_EQ(orbit::utc_compact(59.9999), "20180101000059");
}

TEST(SynthOrbit, BeamSpacingAcrossAndAlongTrack) {
  const orbit::GroundTrack track(700, 3);
  double offsets[orbit::kBeams];
  for (int b = 0; b < orbit::kBeams; ++b) offsets[b] = orbit::beam_offset_m(b);
  for (double u : {0.3, 1.2, 1.5707, 3.0, 4.6, 4.71, 5.9}) {
    LatLon p[orbit::kBeams], q[orbit::kBeams];
    track.locate(u, offsets, orbit::kBeams, p);
    track.locate(u + 20.0 / orbit::kEarthRadiusM, offsets, orbit::kBeams, q);
    for (int pair = 0; pair < 3; ++pair) {
      EXPECT_NEAR(orbit::distance_m(p[2 * pair], p[2 * pair + 1]), 90.0, 0.01) << u;
    }
    EXPECT_NEAR(orbit::distance_m(p[0], p[2]), 3300.0, 0.1) << u;
    EXPECT_NEAR(orbit::distance_m(p[3], p[5]), 3300.0, 0.1) << u;
    for (int b = 0; b < orbit::kBeams; ++b) {
      const double d = orbit::distance_m(p[b], q[b]);
      EXPECT_GT(d, 19.95) << u;  // 20 m along the orbit; Earth rotation adds < 0.5 %
      EXPECT_LT(d, 20.10) << u;
    }
  }
  // gt1 is left of travel: going north at the node, left is west.
  EXPECT_LT(track.locate(0.0, orbit::beam_offset_m(0)).lon_deg, track.locate(0.0).lon_deg);
}

TEST(SynthPlan, NamesRgtsCyclesAndRegions) {
  EXPECT_EQ(synth_granule_name(1, 1, 11), "ATL06_20180928163952_00010111_006_01.h5");
  const std::regex pattern(R"(ATL06_20\d{12}_\d{4}\d{2}\d{2}_006_01\.h5)");
  SynthOptions o;
  o.first_rgt = 1386;
  o.granules = 7;
  const auto plan = plan_synth(o);
  ASSERT_EQ(plan.size(), 7u);
  const int rgts[] = {1386, 1386, 1386, 1387, 1387, 1387, 1};
  for (std::size_t i = 0; i < plan.size(); ++i) {
    EXPECT_EQ(plan[i].rgt, rgts[i]);
    EXPECT_EQ(plan[i].region, 10 + static_cast<int>(i % 3));
    EXPECT_EQ(plan[i].cycle, i < 6 ? 1 : 2);  // past RGT 1387 the walk enters cycle 2
    EXPECT_TRUE(std::regex_match(plan[i].name, pattern)) << plan[i].name;
    EXPECT_EQ(plan[i].name, synth_granule_name(plan[i].rgt, plan[i].cycle, plan[i].region));
    if (i > 0) {
      EXPECT_LT(plan[i - 1].name.substr(6, 14), plan[i].name.substr(6, 14));
    }
  }
  EXPECT_EQ(plan[6].name.substr(20), "_00010210_006_01.h5");

  o = SynthOptions{};
  o.region = SynthRegion::greenland;
  o.granules = 12;
  o.rgt_step = 5;
  const auto north = plan_synth(o);
  ASSERT_EQ(north.size(), 12u);
  bool skipped = false;
  for (const auto& g : north) {
    EXPECT_TRUE(g.region >= 3 && g.region <= 5);
    EXPECT_EQ((g.rgt - 1) % 5, 0);
    skipped = skipped || g.rgt > 1 + 5 * 3;  // 12 granules took more than 4 RGTs
  }
  EXPECT_TRUE(skipped) << "passes that miss Greenland should be skipped";
}

TEST(SynthPlan, RejectsOutOfRangeOptionsNamingTheOption) {
  auto message = [](SynthOptions o) {
    try {
      plan_synth(o);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  SynthOptions o;
  o.cycle = 0;
  EXPECT_NE(message(o).find("--cycle"), std::string::npos);
  o = SynthOptions{};
  o.first_rgt = 1388;
  EXPECT_NE(message(o).find("--first-rgt"), std::string::npos);
  o = SynthOptions{};
  o.fill_fraction = 1.5;
  EXPECT_NE(message(o).find("--fill-fraction"), std::string::npos);
  o = SynthOptions{};
  o.granules = 0;
  EXPECT_NE(message(o).find("--granules"), std::string::npos);
  o = SynthOptions{};
  o.cycle = 99;
  o.first_rgt = 1387;
  o.granules = 4;  // would need cycle 100
  EXPECT_NE(message(o).find("cycle 99"), std::string::npos);
}

// ---- Reading back with the HDF5 C API.
using H5 = H5Handle;  // the project's one HDF5 handle (io/h5_handle.hpp)

template <class T>
std::vector<T> read_column(hid_t file, const std::string& path, hid_t mem_type) {
  const H5 d{H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose};
  EXPECT_GE(d.get(), 0) << path;
  const H5 space{H5Dget_space(d), H5Sclose};
  std::vector<T> v(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
  if (!v.empty()) {
    EXPECT_GE(H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), 0);
  }
  return v;
}

std::string read_string_attr(hid_t obj, const char* name) {
  const H5 a{H5Aopen(obj, name, H5P_DEFAULT), H5Aclose};
  const H5 t{H5Aget_type(a), H5Tclose};
  EXPECT_EQ(H5Tget_class(t), H5T_STRING) << name;
  EXPECT_FALSE(H5Tis_variable_str(t)) << name;
  EXPECT_EQ(H5Tget_strpad(t), H5T_STR_NULLTERM) << name;
  EXPECT_EQ(H5Tget_cset(t), H5T_CSET_ASCII) << name;
  const H5 s{H5Aget_space(a), H5Sclose};
  EXPECT_EQ(H5Sget_simple_extent_type(s), H5S_SCALAR) << name;
  std::string value(H5Tget_size(t), '\0');
  EXPECT_GE(H5Aread(a, t, value.data()), 0);
  EXPECT_EQ(value.back(), '\0') << name << ": size must include the terminator";
  return value.c_str();
}

template <class T>
T read_num_attr(hid_t obj, const char* name, hid_t file_type, hid_t mem_type) {
  const H5 a{H5Aopen(obj, name, H5P_DEFAULT), H5Aclose};
  const H5 t{H5Aget_type(a), H5Tclose};
  EXPECT_TRUE(H5Tequal(t, file_type) > 0) << name;
  T v{};
  EXPECT_GE(H5Aread(a, mem_type, &v), 0);
  return v;
}

std::vector<char> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

SynthOptions small_options(const std::string& dir) {
  SynthOptions o;
  o.out_dir = dir;
  o.along_track_m = 200.0;  // 10x coarser than NASA's: same code path, quicker tests
  o.fill_fraction = 0.1;
  o.bad_quality_fraction = 0.2;
  o.seed = 42;
  return o;
}

TEST(SynthWrite, Atl06LayoutDtypesFiltersAndAttributes) {
  const TempDir dir;
  const SynthOptions o = small_options(dir.str() + "/nested/out");  // created on demand
  const SynthGranule g = plan_synth(o).at(1);                       // RGT 1, region 11
  ASSERT_EQ(g.region, 11);
  const std::string path = write_synth_granule(g, o);
  EXPECT_EQ(fs::path(path).filename().string(), g.name);
  for (const auto& entry : fs::directory_iterator(dir.path() / "nested/out")) {
    EXPECT_EQ(entry.path().extension(), ".h5") << "no temporary file may remain";
  }

  const H5 file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  ASSERT_GE(file.get(), 0);
  struct Expect {
    const char* name;
    hid_t type;
    bool shuffle;
    const char* units;
  };
  const Expect columns[] = {{"latitude", H5T_IEEE_F64LE, false, "degrees_north"},
                            {"longitude", H5T_IEEE_F64LE, false, "degrees_east"},
                            {"delta_time", H5T_IEEE_F64LE, false, "seconds since 2018-01-01"},
                            {"h_li", H5T_IEEE_F32LE, false, "meters"},
                            {"h_li_sigma", H5T_IEEE_F32LE, false, "meters"},
                            {"sigma_geo_h", H5T_IEEE_F32LE, false, "meters"},
                            {"atl06_quality_summary", H5T_STD_I8LE, true, "1"},
                            {"segment_id", H5T_STD_I32LE, true, "1"}};
  for (const char* beam : {"gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"}) {
    for (const Expect& c : columns) {
      const std::string p = std::string("/") + beam + "/land_ice_segments/" + c.name;
      const H5 d{H5Dopen2(file, p.c_str(), H5P_DEFAULT), H5Dclose};
      ASSERT_GE(d.get(), 0) << p;
      const H5 t{H5Dget_type(d), H5Tclose};
      EXPECT_TRUE(H5Tequal(t, c.type) > 0) << p;
      const H5 s{H5Dget_space(d), H5Sclose};
      hsize_t dims = 0, maxdims = 0;
      ASSERT_EQ(H5Sget_simple_extent_dims(s, &dims, &maxdims), 1) << p;
      EXPECT_EQ(maxdims, H5S_UNLIMITED) << p;
      EXPECT_GT(dims, 10000u) << p;
      const H5 dcpl{H5Dget_create_plist(d), H5Pclose};
      hsize_t chunk = 0;
      EXPECT_EQ(H5Pget_chunk(dcpl, 1, &chunk), 1);
      EXPECT_EQ(chunk, 10000u) << p;
      const int nfilters = H5Pget_nfilters(dcpl);
      ASSERT_EQ(nfilters, c.shuffle ? 2 : 1) << p;
      unsigned flags = 0, level = 0;
      std::size_t nvalues = 1;
      const int last = nfilters - 1;
      EXPECT_EQ(H5Pget_filter2(dcpl, last, &flags, &nvalues, &level, 0, nullptr, nullptr),
                H5Z_FILTER_DEFLATE);
      EXPECT_EQ(level, 6u) << p;
      if (c.shuffle) {
        nvalues = 0;
        EXPECT_EQ(H5Pget_filter2(dcpl, 0, &flags, &nvalues, nullptr, 0, nullptr, nullptr),
                  H5Z_FILTER_SHUFFLE);
      }
      EXPECT_EQ(read_string_attr(d, "units"), c.units) << p;
      for (const char* key : {"long_name", "description", "contentType", "coordinates", "source"}) {
        EXPECT_FALSE(read_string_attr(d, key).empty()) << p << " " << key;
      }
    }
  }
  const H5 h_li{H5Dopen2(file, "/gt2r/land_ice_segments/h_li", H5P_DEFAULT), H5Dclose};
  EXPECT_EQ(read_num_attr<float>(h_li, "_FillValue", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT),
            std::numeric_limits<float>::max());
  const H5 q{H5Dopen2(file, "/gt2r/land_ice_segments/atl06_quality_summary", H5P_DEFAULT),
             H5Dclose};
  EXPECT_EQ(read_num_attr<std::int8_t>(q, "_FillValue", H5T_STD_I8LE, H5T_NATIVE_INT8), 127);
  const H5 lat{H5Dopen2(file, "/gt2r/land_ice_segments/latitude", H5P_DEFAULT), H5Dclose};
  EXPECT_EQ(read_string_attr(lat, "contentType"), "physicalMeasurement");
  EXPECT_EQ(read_string_attr(lat, "coordinates"), "delta_time longitude");

  // Cycle 1 flies forward: the right beam of each pair is the strong one, spots 6..1.
  const H5 gt1l{H5Gopen2(file, "/gt1l", H5P_DEFAULT), H5Gclose};
  const H5 gt3r{H5Gopen2(file, "/gt3r", H5P_DEFAULT), H5Gclose};
  EXPECT_EQ(read_string_attr(gt1l, "atlas_beam_type"), "weak");
  EXPECT_EQ(read_string_attr(gt1l, "atlas_spot_number"), "6");
  EXPECT_EQ(read_string_attr(gt1l, "atlas_pce"), "pce3");
  EXPECT_EQ(read_string_attr(gt1l, "sc_orientation"), "Forward");
  EXPECT_EQ(read_string_attr(gt1l, "groundtrack_id"), "gt1l");
  EXPECT_EQ(read_string_attr(gt3r, "atlas_beam_type"), "strong");
  EXPECT_EQ(read_string_attr(gt3r, "atlas_spot_number"), "1");
  EXPECT_EQ(read_column<std::int8_t>(file, "/orbit_info/sc_orient", H5T_NATIVE_INT8).at(0), 1);
  EXPECT_EQ(read_column<std::int16_t>(file, "/orbit_info/rgt", H5T_NATIVE_INT16).at(0), 1);
  EXPECT_EQ(read_column<std::int8_t>(file, "/orbit_info/cycle_number", H5T_NATIVE_INT8).at(0), 1);
  EXPECT_EQ(
      read_column<double>(file, "/ancillary_data/atlas_sdp_gps_epoch", H5T_NATIVE_DOUBLE).at(0),
      1198800018.0);
  EXPECT_EQ(read_column<std::int32_t>(file, "/ancillary_data/start_region", H5T_NATIVE_INT32).at(0),
            11);
}

TEST(SynthWrite, ValuesFollowTheTrackAndRequestedFractions) {
  const TempDir dir;
  const SynthOptions o = small_options(dir.str());
  const SynthGranule g = plan_synth(o).at(1);  // region 11, over the pole
  const H5 file{H5Fopen(write_synth_granule(g, o).c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  ASSERT_GE(file.get(), 0);
  std::size_t rows = 0, fills = 0, bad = 0;
  for (const char* beam : {"gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"}) {
    const std::string base = std::string("/") + beam + "/land_ice_segments/";
    const auto lat = read_column<double>(file, base + "latitude", H5T_NATIVE_DOUBLE);
    const auto lon = read_column<double>(file, base + "longitude", H5T_NATIVE_DOUBLE);
    const auto t = read_column<double>(file, base + "delta_time", H5T_NATIVE_DOUBLE);
    const auto h = read_column<float>(file, base + "h_li", H5T_NATIVE_FLOAT);
    const auto s = read_column<float>(file, base + "h_li_sigma", H5T_NATIVE_FLOAT);
    const auto q = read_column<std::int8_t>(file, base + "atl06_quality_summary", H5T_NATIVE_INT8);
    const auto id = read_column<std::int32_t>(file, base + "segment_id", H5T_NATIVE_INT32);
    ASSERT_EQ(lat.size(), h.size());
    ASSERT_EQ(lat.size(), id.size());
    EXPECT_NEAR(*std::min_element(lat.begin(), lat.end()), -88.0, 0.05) << beam;
    EXPECT_GT(*std::max_element(lat.begin(), lat.end()), -79.05) << beam;
    for (std::size_t i = 0; i < lat.size(); ++i) {
      ASSERT_TRUE(lat[i] <= -78.9 && lat[i] >= -88.1) << beam << " " << i;
      if (i > 0) {
        ASSERT_EQ(id[i] - id[i - 1], 10) << beam;  // 200 m posting, 20 m segment ids
        ASSERT_GT(t[i], t[i - 1]) << beam;
        const double d = orbit::distance_m({lat[i - 1], lon[i - 1]}, {lat[i], lon[i]});
        ASSERT_NEAR(d, 200.0, 1.0) << beam << " " << i;
      }
      const bool fill = h[i] == std::numeric_limits<float>::max();
      ASSERT_EQ(fill, s[i] == std::numeric_limits<float>::max()) << "h_li and sigma fill together";
      if (!fill) {
        ASSERT_TRUE(h[i] > 2500.0f && h[i] < 3700.0f) << beam << " " << h[i];
        ASSERT_TRUE(s[i] >= 0.02f && s[i] <= 0.5f) << s[i];
      }
      ASSERT_TRUE(q[i] == 0 || q[i] == 1);
      fills += fill;
      bad += q[i];
    }
    rows += lat.size();
  }
  EXPECT_GT(rows, 6u * 11000u);
  EXPECT_NEAR(static_cast<double>(fills) / rows, 0.1, 0.01);
  EXPECT_NEAR(static_cast<double>(bad) / rows, 0.2, 0.01);
}

TEST(SynthWrite, GreenlandRowsStayNearGreenland) {
  const TempDir dir;
  SynthOptions o = small_options(dir.str());
  o.region = SynthRegion::greenland;
  const SynthGranule g = plan_synth(o).at(0);
  const H5 file{H5Fopen(write_synth_granule(g, o).c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  const auto lat = read_column<double>(file, "/gt2l/land_ice_segments/latitude", H5T_NATIVE_DOUBLE);
  const auto lon =
      read_column<double>(file, "/gt2l/land_ice_segments/longitude", H5T_NATIVE_DOUBLE);
  ASSERT_GT(lat.size(), 100u);
  for (std::size_t i = 0; i < lat.size(); ++i) {
    ASSERT_TRUE(lat[i] >= 60.0 && lat[i] <= 84.0 && lon[i] >= -75.0 && lon[i] <= -10.0)
        << lat[i] << " " << lon[i];
  }
}

TEST(SynthWrite, DeterministicBytesAndSeedSensitive) {
  const TempDir a, b, c;
  SynthOptions o = small_options(a.str());
  const SynthGranule g = plan_synth(o).at(0);
  const std::string first = write_synth_granule(g, o);
  o.out_dir = b.str();
  const std::string second = write_synth_granule(g, o);
  o.out_dir = c.str();
  o.seed = 43;
  const std::string other_seed = write_synth_granule(g, o);
  // No timestamps are stored, so equal inputs give equal files, not just equal datasets.
  const auto bytes = file_bytes(first);
  ASSERT_GT(bytes.size(), 100000u);
  EXPECT_TRUE(bytes == file_bytes(second));
  auto h_li = [](const std::string& path) {
    const H5 f{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
    return read_column<float>(f, "/gt1r/land_ice_segments/h_li", H5T_NATIVE_FLOAT);
  };
  const auto h1 = h_li(first), h3 = h_li(other_seed);
  ASSERT_EQ(h1.size(), h3.size());
  EXPECT_NE(h1, h3);
}

TEST(SynthWrite, UnwritableDirectoryNamesThePath) {
  const TempDir dir;
  const fs::path blocker = dir.path() / "not_a_dir";
  std::ofstream(blocker) << "x";
  SynthOptions o = small_options((blocker / "sub").string());
  const SynthGranule g = plan_synth(o).at(0);
  try {
    write_synth_granule(g, o);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(blocker.string()), std::string::npos) << e.what();
  }
}

TEST(SynthWrite, HdfFailureNamesTheFileAndLeavesNoGranule) {
  const TempDir dir;
  const SynthOptions o = small_options(dir.str());
  const SynthGranule g = plan_synth(o).at(0);
  // The temporary name is unique and created exclusively: a file or a link at the old fixed
  // NAME.tmp is neither truncated nor followed. A directory at the final name makes the last
  // step fail: the error names it, and no temporary is left.
  const fs::path notes = dir.path() / (g.name + ".tmp");
  { std::ofstream(notes) << "my notes\n"; }
  fs::create_directories(dir.path() / g.name);
  try {
    write_synth_granule(g, o);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find((dir.path() / g.name).string()), std::string::npos)
        << e.what();
  }
  std::ifstream in(notes);
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "my notes");
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) entries += !e.path().empty();
  EXPECT_EQ(entries, 2u);  // the notes and the directory: no temporary left
}

}  // namespace
}  // namespace healgrid
