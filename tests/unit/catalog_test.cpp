// The catalog stage's pure parts: digests, cycle windows, granule names, the recorded CMR
// responses, footprint and area cells (antimeridian, poles), catalog files and .netrc rules.
#include "healgrid/catalog/catalog.hpp"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "healgrid/catalog/catalog_search.hpp"
#include "healgrid/catalog/checksum.hpp"
#include "healgrid/catalog/download.hpp"
#include "healgrid/catalog/http_client.hpp"
#include "healgrid/grid/healpix_grid.hpp"

namespace healgrid {
namespace {

// The recorded responses: $HEALGRID_SHARED_DIR/data/responses, else ../shared beside the repo.
const std::string kResponses =
    std::string(std::getenv("HEALGRID_SHARED_DIR") ? std::getenv("HEALGRID_SHARED_DIR")
                                                   : HEALGRID_SOURCE_DIR "/../shared") +
    "/data/responses";

nlohmann::json load_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

bool has(const std::vector<std::int64_t>& cells, std::int64_t c) {
  return std::binary_search(cells.begin(), cells.end(), c);
}

std::int64_t parent_cell(double lat, double lon, int order = 6) {
  return HealpixGrid(order, order, LatitudeConvention::authalic).cell(lat, lon);
}

std::string temp_path(const char* name) {
  return ::testing::TempDir() + "/healgrid_catalog_test_" + name;
}

TEST(Checksum, KnownAnswers) {
  EXPECT_EQ(digest_hex("abc", "SHA-256"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(digest_hex("abc", "md5"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(digest_hex("abc", "SHA-224"),
            "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7");
  EXPECT_EQ(
      digest_hex("abc", "SHA-384"),
      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca13"
      "4c825a7");
  EXPECT_EQ(digest_hex("abc", "Adler-32"), "024d0127");  // zlib's adler32 of "abc"
  EXPECT_EQ(digest_hex("", "Adler-32"), "00000001");
  EXPECT_FALSE(digest_algorithm_known("CRC32"));
  EXPECT_FALSE(digest_algorithm_known("SHA-2"));  // a family: specific_algorithm() picks one
  EXPECT_EQ(specific_algorithm("SHA-2", std::string(56, 'a')), "SHA-224");
  EXPECT_EQ(specific_algorithm("SHA-2", std::string(64, 'A')), "SHA-256");
  EXPECT_EQ(specific_algorithm("sha2", std::string(96, '0')), "SHA-384");
  EXPECT_EQ(specific_algorithm("SHA-2", std::string(128, 'f')), "SHA-512");
  EXPECT_EQ(specific_algorithm("SHA-2", std::string(60, 'f')), "SHA-2");  // no such member
  EXPECT_EQ(specific_algorithm("SHA-2", std::string(64, 'g')), "SHA-2");  // not hex
  EXPECT_EQ(specific_algorithm("MD5", std::string(64, 'a')), "MD5");
  const auto path = temp_path("abc");
  std::ofstream(path) << "abc";
  EXPECT_EQ(file_digest_hex(path), digest_hex("abc"));
  std::remove(path.c_str());
}

TEST(GranuleQuery, CycleWindowsAndNames) {
  // Cycle 22: 2023-12-18T20:06Z .. 2024-03-18T15:45Z, a day wider each side.
  EXPECT_EQ(icesat2_cycle_window(22).first, "2023-12-17T20:06:27Z");
  EXPECT_EQ(icesat2_cycle_window(22).second, "2024-03-19T15:45:14Z");
  EXPECT_EQ(icesat2_cycle_name_pattern("ATL06", 3), "ATL06*_??????????????_????03??_*");
  EXPECT_THROW(icesat2_cycle_window(0), std::invalid_argument);
  const auto f = parse_granule_name("dir/processed_ATL06_20190221121851_08410203_005_01.h5");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->rgt, 841);
  EXPECT_EQ(f->cycle, 2);
  EXPECT_EQ(f->region, 3);
  EXPECT_EQ(f->version, 5);
  GranuleQuery q;
  q.rgts = {841};
  q.regions = {2, 3};
  EXPECT_TRUE(passes_name_filters(q, "ATL06_20190221121851_08410203_005_01.h5"));
  q.cycles = {22};
  EXPECT_FALSE(passes_name_filters(q, "ATL06_20190221121851_08410203_005_01.h5"));
  EXPECT_FALSE(passes_name_filters(q, "not_a_granule.h5"));
  EXPECT_EQ(parse_int_list("1,5-7", "--rgt"), (std::vector<int>{1, 5, 6, 7}));
  EXPECT_THROW(parse_bbox("10,20,30"), std::invalid_argument);
}

std::time_t utc_seconds(const std::string& yyyymmddhhmmss) {
  std::tm tm{};
  std::sscanf(yyyymmddhhmmss.c_str(), "%4d%2d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
              &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return timegm(&tm);
}

std::time_t iso_seconds(const std::string& iso) {
  std::string digits;
  for (const char c : iso)
    if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
  return utc_seconds(digits.substr(0, 14));
}

// Every real granule name (../shared/data/real, and the recorded CMR responses): its cycle's
// window holds the granule and the whole cycle around it. Model-free bounds: an RGT lasts at
// least 90.5 days / 1387, so the cycle began at most (rgt - 1) RGTs before the granule and
// ends at least (1387 - rgt) RGTs after it. The old window (2018-10-13 + 91 (N - 1) days)
// starts cycle 3 on 2019-04-13, after RGT 277's granule of 2019-04-16 minus 18 days.
TEST(GranuleQuery, CycleWindowsHoldEveryRealGranuleAndItsCycle) {
  const std::string real = kResponses + "/../real";
  std::vector<std::string> names = {"ATL06_20190221121851_08410203_005_01.h5"};  // earthaccess
  for (const char* file : {"/earthaccess_atl03_umm.json", "/earthaccess_atl08_umm.json"}) {
    std::ifstream in(kResponses + file);
    if (!in) GTEST_SKIP() << "recorded responses absent: " << kResponses;
    for (const auto& g : parse_cmr_umm_page(nlohmann::json::parse(in))) names.push_back(g.name);
  }
  DIR* dir = opendir(real.c_str());
  if (!dir) GTEST_SKIP() << "real granules absent: " << real;
  while (const dirent* e = readdir(dir)) names.push_back(e->d_name);
  closedir(dir);
  const double shortest_rgt = 90.5 * 86400 / 1387;
  int checked = 0, cycles_after_1 = 0;
  for (const auto& name : names) {
    const auto f = parse_granule_name(name);
    if (!f) continue;
    const auto [start, end] = icesat2_cycle_window(f->cycle);
    const std::time_t t = utc_seconds(f->start);
    EXPECT_LE(iso_seconds(start), t - (f->rgt - 1) * shortest_rgt) << name << " " << start;
    EXPECT_GE(iso_seconds(end), t + (1387 - f->rgt) * shortest_rgt) << name << " " << end;
    GranuleQuery q;
    q.start = start;
    q.end = end;
    q.cycles = {f->cycle};
    const auto& d = f->start;  // YYYYMMDDhhmmss
    const auto iso = d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2) + "T" +
                     d.substr(8, 2) + ":" + d.substr(10, 2) + ":" + d.substr(12, 2) + "Z";
    EXPECT_TRUE(in_time_window(q, iso, "")) << name;
    EXPECT_TRUE(passes_name_filters(q, name)) << name;
    ++checked;
    cycles_after_1 += f->cycle > 1;
  }
  EXPECT_GE(checked, 15);
  EXPECT_GE(cycles_after_1, 10);
}

TEST(GranuleQuery, EndIsExclusive) {
  GranuleQuery q;
  q.start = "2019-02-21T00:00:00Z";
  q.end = "2019-02-22T00:00:00Z";
  EXPECT_FALSE(in_time_window(q, "2019-02-22T00:00:00Z", "2019-02-22T00:05:00Z"));  // at end
  EXPECT_FALSE(in_time_window(q, "2019-02-22T00:00:00.000Z", "2019-02-22T00:05:00.000Z"));
  EXPECT_TRUE(in_time_window(q, "2019-02-21T23:59:59.999Z", "2019-02-22T00:05:00Z"));
  EXPECT_TRUE(in_time_window(q, "2019-02-20T23:58:00Z", "2019-02-21T00:00:00Z"));  // at start
  EXPECT_FALSE(in_time_window(q, "2019-02-20T23:50:00Z", "2019-02-20T23:59:59Z"));
  EXPECT_TRUE(in_time_window(GranuleQuery{}, "2019-02-22T00:00:00Z", ""));
  // A server's time with a UTC offset is that instant in UTC (the offset used to be dropped).
  EXPECT_TRUE(in_time_window(q, "2019-02-22T00:30:00+01:00", "2019-02-22T00:40:00+01:00"));
  EXPECT_FALSE(in_time_window(q, "2019-02-21T20:00:00-05:00", "2019-02-21T20:10:00-05:00"));
  EXPECT_TRUE(in_time_window(q, "2019-02-20T20:30:00-04:00", "2019-02-20T20:40:00-04:00"));
  EXPECT_TRUE(in_time_window(q, "2019-02-21T09:39:11.123456Z", "2019-02-21T09:40:00.5Z"));
}

TEST(CmrQuery, CycleSentAsGranuleNamePatternAndRingsCounterClockwise) {
  GranuleQuery q;
  q.cycles = {3};
  const Ring clockwise{{-50, 70}, {-49, 70}, {-49, 69}, {-50, 69}, {-50, 70}};
  q.polygon = {clockwise};
  const auto url = cmr_search_url(q, "https://cmr.example", 2000);
  EXPECT_NE(url.find("&readable_granule_name%5B%5D=ATL06%2A_%3F%3F%3F%3F%3F%3F%3F%3F%3F%3F%3F%3F%3F"
                     "%3F_%3F%3F%3F%3F03%3F%3F_%2A"),
            std::string::npos)
      << url;
  EXPECT_NE(url.find("&options%5Breadable_granule_name%5D%5Bpattern%5D=true"), std::string::npos);
  EXPECT_EQ(url.find("temporal"), std::string::npos) << url;
  // Sent reversed: -50,70 -50,69 -49,69 -49,70 -50,70 (counter-clockwise).
  EXPECT_NE(url.find("&polygon%5B%5D=-50%2C70%2C-50%2C69%2C-49%2C69%2C-49%2C70%2C-50%2C70"),
            std::string::npos)
      << url;
  // Already counter-clockwise, and across the antimeridian: kept as given.
  const Ring across{{179, -70}, {-179, -70}, {-179, -69}, {179, -69}, {179, -70}};
  const auto kept = counter_clockwise(across);
  ASSERT_EQ(kept.size(), across.size());
  EXPECT_EQ(kept[1].lon, -179);
  const auto flipped = counter_clockwise(Ring(across.rbegin(), across.rend()));
  EXPECT_EQ(flipped[1].lon, -179);
  EXPECT_EQ(url_for_log("https://alice:p@ss@cmr.example/search?token=x"),
            "https://cmr.example/search");
  EXPECT_EQ(url_for_log("https://cmr.example/a@b"), "https://cmr.example/a@b");
  const auto body = stac_search_body(q, "ATL06_006", 10);
  EXPECT_EQ(body["intersects"]["coordinates"][0][0][1], nlohmann::json({-50, 69}));
}

TEST(CmrResponses, RecordedGranulesJsonFeed) {
  const auto path = kResponses + "/earthaccess_atl06.json";
  std::ifstream probe(path);
  if (!probe) GTEST_SKIP() << "recorded responses absent: " << path;
  const auto granules = parse_cmr_json_feed(load_json(path));
  ASSERT_EQ(granules.size(), 1u);
  const auto& g = granules[0];
  EXPECT_EQ(g.id, "G2159085058-NSIDC_ECS");
  EXPECT_EQ(g.name, "ATL06_20190221121851_08410203_005_01.h5");
  EXPECT_EQ(g.https_url.rfind("https://n5eil01u.ecs.nsidc.org/", 0), 0u);
  ASSERT_TRUE(g.footprint);
  const Ring& ring = g.footprint->at(0);
  ASSERT_EQ(ring.size(), 7u);  // "lat lon" pairs: lat first
  EXPECT_DOUBLE_EQ(ring[0].lat, 58.62975669572381);
  EXPECT_DOUBLE_EQ(ring[0].lon, -47.899339089543176);
  const auto cells = footprint_cells(*g.footprint, 6, LatitudeConvention::authalic);
  // Every vertex and every midpoint across the strip (vertex i and its opposite) is covered.
  for (const auto& p : ring) EXPECT_TRUE(has(cells, parent_cell(p.lat, p.lon)));
  for (int i = 0; i < 3; ++i) {
    const auto &a = ring[i], &b = ring[5 - i];
    EXPECT_TRUE(has(cells, parent_cell((a.lat + b.lat) / 2, (a.lon + b.lon) / 2)));
  }
  EXPECT_FALSE(has(cells, parent_cell(68, 0)));
  EXPECT_LT(cells.size(), 200u);
}

TEST(CmrResponses, RecordedUmmJson) {
  const auto path = kResponses + "/earthaccess_atl06_umm.json";
  std::ifstream probe(path);
  if (!probe) GTEST_SKIP() << "recorded responses absent: " << path;
  const auto granules = parse_cmr_umm_page(load_json(path));
  ASSERT_EQ(granules.size(), 1u);
  EXPECT_EQ(granules[0].id, "G2159085058-NSIDC_ECS");
  EXPECT_EQ(granules[0].name, "ATL06_20190221121851_08410203_005_01.h5");
  EXPECT_EQ(granules[0].time_start, "2019-02-21T12:19:05.196Z");
  EXPECT_FALSE(granules[0].footprint);  // orbit only: no polygon to query
}

TEST(FootprintCells, AntimeridianAndPole) {
  const Ring across{{179, -70}, {-179, -70}, {-179, -69}, {179, -69}};
  const auto cells = footprint_cells({across}, 6, LatitudeConvention::authalic);
  EXPECT_TRUE(has(cells, parent_cell(-69.5, 179.9)));
  EXPECT_TRUE(has(cells, parent_cell(-69.5, -179.9)));
  EXPECT_FALSE(has(cells, parent_cell(-69.5, 0)));
  EXPECT_LT(cells.size(), 40u);  // the short way across, not around the globe
  Ring around;
  for (int k = 0; k < 12; ++k) around.push_back({-180.0 + 30 * k, -85});
  const auto polar = footprint_cells({around}, 6, LatitudeConvention::authalic);
  EXPECT_TRUE(has(polar, parent_cell(-90, 0)));
  EXPECT_TRUE(has(polar, parent_cell(-87, 100)));
  EXPECT_FALSE(has(polar, parent_cell(-80, 100)));
}

// Every point of a lon/lat box (edges along parallels), sampled densely and on its edges, lies
// in a cell of its footprint: boxes wider than 180 degrees (they were taken the short way
// round: a -179..179 box at 87.3 N lost 90 % of a granule's photons), the whole width, across
// the antimeridian, up to a pole, at mid latitudes where great-circle edges sag most.
TEST(FootprintCells, BoxesCoverEveryPointInside) {
  const BoundingBox boxes[] = {{-179, 87.294318, 179, 87.298605},
                               {-180, 80, 180, 90},
                               {-100, 30, 100, 40},
                               {-30, 30, 30, 40},
                               {170, -80, -170, -60},
                               {10, -90, 80, -85},
                               {-180, -5, 180, 5},
                               {0, -1, 120, 1}};
  for (const auto& box : boxes) {
    const auto cells = footprint_cells(box_footprint(box), 6, LatitudeConvention::authalic);
    const double width = box.east >= box.west ? box.east - box.west : box.east - box.west + 360;
    for (int i = 0; i <= 400; ++i)
      for (int j = 0; j <= 40; ++j) {
        double lon = box.west + width * i / 400;
        if (lon > 180) lon -= 360;
        const double lat = box.south + (box.north - box.south) * j / 40;
        ASSERT_TRUE(has(cells, parent_cell(lat, lon)))
            << "box " << box.west << "," << box.south << "," << box.east << "," << box.north
            << ": point " << lon << " " << lat;
      }
    // Not the whole sphere: at most the box's cells and a ring around them.
    const auto area = area_cells({bbox_ring(box)}, 6, LatitudeConvention::authalic);
    EXPECT_LE(cells.size(), 2 * area.size() + 64) << box.west << " " << box.east;
  }
  // At order 18 (25 m cells) the 1-degree great-circle steps of a box's parallel rise ~120 m
  // into a box at 45 N: the points just inside its southern edge, midway between the steps'
  // vertices, are covered only because the parallel is moved out by that rise.
  const BoundingBox thin{10, 45, 12, 45.002};
  const auto fine = footprint_cells(box_footprint(thin), 18, LatitudeConvention::authalic);
  for (double lon = 10.25; lon < 12; lon += 0.5)
    EXPECT_TRUE(has(fine, parent_cell(45.00001, lon, 18))) << lon;
  // Zero width: a meridian's stretch, not the whole parallel.
  const auto line =
      footprint_cells(box_footprint({20, 10, 20, 12}), 6, LatitudeConvention::authalic);
  EXPECT_TRUE(has(line, parent_cell(11, 20)));
  EXPECT_LT(line.size(), 40u);
}

// A STAC item's GeoJSON ring is covered in both readings: straight in lon/lat (RFC 7946; a
// 60-degree edge along 30 N, whose great circle rises 3.7 degrees into the polygon) and with
// great-circle edges (a server's CMR polygon). An edge over half the globe (-179 -> 179) goes
// the way the item's bbox says: the long way round for a bbox 358 degrees wide (taken the
// short way, 90 % of a granule's photons were lost), the short way for one across the
// antimeridian, both ways without a bbox.
TEST(FootprintCells, GeoJsonRingsInBothReadings) {
  const auto convention = LatitudeConvention::authalic;
  const Ring wide{{-30, 30}, {30, 30}, {30, 40}, {-30, 40}};
  const auto cells = footprint_cells(geojson_footprint({wide}, std::nullopt), 6, convention);
  for (double lon = -30; lon <= 30; lon += 0.25) {
    ASSERT_TRUE(has(cells, parent_cell(30, lon))) << lon;
    ASSERT_TRUE(has(cells, parent_cell(40.5, lon / 2))) << lon;  // under the great circle's rise
  }
  const Ring band{{-179, 87.2943}, {179, 87.2943}, {179, 87.2986}, {-179, 87.2986}};
  const auto long_way = footprint_cells(
      geojson_footprint({band}, BoundingBox{-179, 87.2943, 179, 87.2986}), 6, convention);
  for (double lon = -179; lon <= 179; lon += 0.5)
    ASSERT_TRUE(has(long_way, parent_cell(87.296, lon))) << lon;
  const Ring across{{179.5, -70}, {-179.5, -70}, {-179.5, -69.9}, {179.5, -69.9}};
  const auto short_way = footprint_cells(
      geojson_footprint({across}, BoundingBox{179.5, -70, -179.5, -69.9}), 6, convention);
  EXPECT_TRUE(has(short_way, parent_cell(-69.95, 180)));
  EXPECT_LT(short_way.size(), 20u);
  const auto both = footprint_cells(geojson_footprint({across}, std::nullopt), 6, convention);
  EXPECT_TRUE(has(both, parent_cell(-69.95, 180)));
  EXPECT_TRUE(has(both, parent_cell(-69.95, 0)));
  // Short edges: the ring as it is, no second reading.
  const Ring small{{10, 10}, {10.4, 10}, {10.4, 10.4}, {10, 10.4}};
  EXPECT_EQ(geojson_footprint({small}, std::nullopt).size(), 1u);
}

// A footprint with a 180-degree corner through the pole (a STAC item's): its degenerate
// triangles are covered by their edges' cells without asking healpix_cxx, which printed its
// raw "degenerate corner" error to stderr for each (the run went on, exit 0).
TEST(FootprintCells, DegenerateCornerThroughThePoleSilent) {
  const Ring ring{{25, -80},  {35, -80},    {35, -89},   {215, -89}, {215, -80},
                  {205, -80}, {205, -89.5}, {25, -89.5}, {25, -80}};
  testing::internal::CaptureStderr();
  const auto cells = footprint_cells({ring}, 6, LatitudeConvention::authalic);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  for (const auto& p : ring) EXPECT_TRUE(has(cells, parent_cell(p.lat, p.lon))) << p.lon;
  EXPECT_TRUE(has(cells, parent_cell(-89.9, 0)));
  EXPECT_TRUE(has(cells, parent_cell(-85, 30)));
  EXPECT_FALSE(has(cells, parent_cell(-70, 30)));
}

// Footprint vertices are converted to authalic latitude like the points: a tiny footprint at
// 70.3 S 100.1 E touches, at order 10 (~6 km cells), the cell of its authalic latitude and not
// the cell its geodetic latitude would give on the sphere (8 km away). Known answers:
// healpy.ang2pix(1024, ..., nest=True) of the authalic (numpy, WGS84) and geodetic latitudes.
TEST(FootprintCells, VerticesUseTheAuthalicLatitude) {
  const double lat = -70.3, lon = 100.1, d = 0.002;
  const Ring tiny{{lon - d, lat - d}, {lon + d, lat - d}, {lon, lat + d}};
  const auto cells = footprint_cells({tiny}, 10, LatitudeConvention::authalic);
  EXPECT_TRUE(has(cells, 9580456));   // authalic latitude's cell
  EXPECT_FALSE(has(cells, 9580448));  // geodetic latitude's cell, not a neighbour of it
  EXPECT_LE(cells.size(), 9u);
  const auto sphere = footprint_cells({tiny}, 10, LatitudeConvention::geodetic);
  EXPECT_TRUE(has(sphere, 9580448));
}

TEST(AreaCells, BboxMatchesBruteForceCentres) {
  const BoundingBox box{170, -80, -170, -60};  // crosses the antimeridian
  const auto cells = area_cells({bbox_ring(box)}, 4, LatitudeConvention::geodetic);
  EXPECT_TRUE(has(cells, parent_cell(-70, 175, 4)));
  EXPECT_TRUE(has(cells, parent_cell(-70, -175, 4)));
  EXPECT_FALSE(has(cells, parent_cell(-70, 0, 4)));
  // Independent: every order-4 cell whose centre is in the box (by healpix pix2ang-free
  // reasoning: sample a dense lon/lat grid inside the box) is included.
  for (double lat = -79.9; lat < -60; lat += 0.5)
    for (double lon = 170.1; lon < 190; lon += 0.5)
      ASSERT_TRUE(has(cells, parent_cell(lat, lon > 180 ? lon - 360 : lon, 4)))
          << lat << " " << lon;
  const auto south =
      area_cells({bbox_ring({-180, -90, 180, -60})}, 4, LatitudeConvention::authalic);
  EXPECT_TRUE(has(south, parent_cell(-90, 0, 4)));
  EXPECT_FALSE(has(south, parent_cell(-40, 0, 4)));
}

// A --polygon ring: an edge across the antimeridian goes the short way round (as CMR and the
// ring's orientation take it; it used to be the long way: a band through 0), and the cells
// under great-circle edges (what CMR searches) are kept as well as those under straight ones.
TEST(AreaCells, PolygonEdgesAsTheServerReadsThem) {
  const Ring across = {{170, -80}, {-170, -80}, {-170, -60}, {170, -60}, {170, -80}};
  const auto polygon = area_cells({across}, 4, LatitudeConvention::geodetic, AreaEdges::polygon);
  const auto box = area_cells({bbox_ring({170, -80, -170, -60})}, 4, LatitudeConvention::geodetic);
  EXPECT_TRUE(std::includes(polygon.begin(), polygon.end(), box.begin(), box.end()));
  EXPECT_TRUE(has(polygon, parent_cell(-70, 179, 4)));
  EXPECT_FALSE(has(polygon, parent_cell(-70, 0, 4)));
  // 120 degrees wide at 80 S: the great circle between the corners passes 84.96 S at lon 0
  // (tan(lat) = tan(-80) / cos(60)); straight lon/lat edges stay at 80 S.
  const Ring wide = {{-60, -80}, {60, -80}, {60, -60}, {-60, -60}};
  const auto straight = area_cells({wide}, 6, LatitudeConvention::geodetic);
  const auto both = area_cells({wide}, 6, LatitudeConvention::geodetic, AreaEdges::polygon);
  EXPECT_TRUE(std::includes(both.begin(), both.end(), straight.begin(), straight.end()));
  EXPECT_FALSE(has(straight, parent_cell(-83, 0, 6)));
  EXPECT_TRUE(has(both, parent_cell(-83, 0, 6)));
  EXPECT_TRUE(has(both, parent_cell(-84.5, 0, 6)));
  EXPECT_FALSE(has(both, parent_cell(-87.5, 0, 6)));
}

TEST(CellsAtOrder, FinerAndCoarser) {
  EXPECT_EQ(cells_at_order({5}, 3, 4), (std::vector<std::int64_t>{20, 21, 22, 23}));
  EXPECT_EQ(cells_at_order({20, 23, 24}, 4, 3), (std::vector<std::int64_t>{5, 6}));
}

TEST(StacPaging, NextLinkKinds) {
  const nlohmann::json previous = {{"limit", 10}, {"collections", {"c"}}};
  const nlohmann::json post_page = {{"features", nlohmann::json::array()},
                                    {"links",
                                     {{{"rel", "next"},
                                       {"method", "POST"},
                                       {"href", "http://127.0.0.1/search"},
                                       {"body", {{"token", "t2"}}},
                                       {"merge", true}}}}};
  const auto next = stac_next_request(post_page, previous);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->method, "POST");
  EXPECT_EQ(next->body.at("token"), "t2");
  EXPECT_EQ(next->body.at("limit"), 10);  // merged
  const nlohmann::json get_page = {
      {"links", {{{"rel", "next"}, {"href", "http://127.0.0.1/search?page=2"}}}}};
  EXPECT_EQ(stac_next_request(get_page, previous)->method, "GET");
  EXPECT_FALSE(stac_next_request(nlohmann::json{{"links", nlohmann::json::array()}}, previous));
}

TEST(CatalogFile, RoundTripAndMissingGranules) {
  Catalog c;
  c.source = "cmr";
  c.endpoint = "https://example.invalid/search";
  c.queried_at = "2024-01-01T00:00:00Z";
  CatalogGranule g;
  g.id = "G1";
  g.name = "ATL06_20190221121851_08410203_005_01.h5";
  g.bytes = 3;
  g.footprint = std::vector<Ring>{{{-48, 58.6}, {-55, 77}, {-54, 77.8}, {-47.3, 58.7}}};
  c.granules.push_back(g);
  finalize_catalog(c, 6, LatitudeConvention::authalic);
  const auto path = temp_path("catalog.json");
  write_catalog(path, c);
  const auto back = read_catalog(path);
  ASSERT_EQ(back.granules.size(), 1u);
  EXPECT_EQ(back.granules[0].cells, c.granules[0].cells);
  EXPECT_EQ(back.cells, c.cells);
  CatalogSelection selection;
  try {
    granules_from_catalog(path, ::testing::TempDir(), 6, LatitudeConvention::authalic, selection);
    FAIL() << "a missing granule must be reported";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(g.name), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}

CatalogGranule granule_named(const std::string& id, const std::string& name) {
  CatalogGranule g;
  g.id = id;
  g.name = name;
  g.https_url = "https://data.example.invalid/" + name;
  return g;
}

// One granule under two concept ids (two revisions, two providers): kept once.
TEST(CatalogFile, SameNameUnderTwoIdsKeptOnce) {
  Catalog c;
  c.granules = {granule_named("G2-PROV_B", "ATL06_b.h5"), granule_named("G1-PROV_A", "ATL06_a.h5"),
                granule_named("G1-PROV_B", "ATL06_a.h5")};
  finalize_catalog(c, 6, LatitudeConvention::authalic);
  ASSERT_EQ(c.granules.size(), 2u);
  EXPECT_EQ(c.granules[0].id, "G1-PROV_A");
  EXPECT_EQ(c.granules[1].name, "ATL06_b.h5");
  c.granules.push_back(c.granules[1]);  // an entry copied by hand
  EXPECT_EQ(drop_duplicate_names(c, "test", false), 1u);
  EXPECT_EQ(c.granules.size(), 2u);
}

// A server's names become plain file names in the catalog (an escaped separator is no
// directory; a name starting with "." would make fetch and run refuse the whole catalog); a
// name with nothing usable leaves its granule out.
TEST(CatalogFile, ServerNamesBecomePlainFileNames) {
  Catalog c;
  c.granules = {granule_named("G1", "sub%2Fok.h5"), granule_named("G2", "..%2F..%2Fevil.h5"),
                granule_named("G3", "?x"), granule_named("G4", "ATL06_c.h5")};
  finalize_catalog(c, 6, LatitudeConvention::authalic);
  ASSERT_EQ(c.granules.size(), 3u);
  std::vector<std::string> names;
  for (const auto& g : c.granules) names.push_back(g.name);
  EXPECT_EQ(names, (std::vector<std::string>{"_._.._evil.h5", "ATL06_c.h5", "sub_ok.h5"}));
}

// write_catalog replaces a catalog it wrote, and nothing else (a user's file, a symlink).
TEST(CatalogFile, ReplacesOnlyItsOwnCatalog) {
  Catalog c;
  c.granules = {granule_named("G1", "ATL06_a.h5")};
  finalize_catalog(c, 6, LatitudeConvention::authalic);
  const auto own = temp_path("own.json"), user = temp_path("user.txt"),
             link = temp_path("link.json");
  std::remove(own.c_str());
  std::remove(link.c_str());
  write_catalog(own, c);
  EXPECT_NO_THROW(write_catalog(own, c));
  std::ofstream(user) << "{\"mine\": true}\n";
  try {
    write_catalog(user, c);
    FAIL() << "a file healgrid did not write was replaced";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(user), std::string::npos) << e.what();
  }
  std::ifstream in(user);
  EXPECT_EQ(nlohmann::json::parse(in), nlohmann::json({{"mine", true}}));
  ASSERT_EQ(symlink(own.c_str(), link.c_str()), 0);
  EXPECT_THROW(check_catalog_replaceable(link), InputError);
  struct stat st {};
  EXPECT_TRUE(lstat(link.c_str(), &st) == 0 && S_ISLNK(st.st_mode));
  for (const auto& p : {own, user, link}) std::remove(p.c_str());
}

// A STAC item's granule is its data asset, never its thumbnail or metadata.
TEST(StacAssets, ThumbnailIsNeverTheGranule) {
  const auto page = nlohmann::json::parse(R"({"features": [
    {"id": "thumb-only", "assets": {
       "thumbnail": {"href": "https://x.invalid/x.jpg", "roles": ["thumbnail"]},
       "metadata": {"href": "https://x.invalid/x.xml", "roles": ["metadata"]}}},
    {"id": "by-role", "assets": {
       "a_thumbnail": {"href": "https://x.invalid/y.jpg", "roles": ["thumbnail"]},
       "image": {"href": "https://x.invalid/y.tif", "roles": ["data"]}}},
    {"id": "by-name", "assets": {
       "a_browse": {"href": "https://x.invalid/z.png"},
       "granule": {"href": "https://x.invalid/ATL06_z.h5"}}}]})");
  const auto granules = parse_stac_page(page);
  ASSERT_EQ(granules.size(), 3u);
  EXPECT_EQ(granules[0].https_url, "");
  EXPECT_EQ(granules[0].s3_url, "");
  EXPECT_EQ(granules[1].https_url, "https://x.invalid/y.tif");
  EXPECT_EQ(granules[2].name, "ATL06_z.h5");
}

TEST(Netrc, LoosePermissionsRefused) {
  const auto path = temp_path("netrc");
  std::ofstream(path) << "machine other login a password b\nmachine urs.example login me "
                         "password secret\n";
  chmod(path.c_str(), 0644);
  EXPECT_THROW(read_netrc(path, "urs.example"), std::runtime_error);
  chmod(path.c_str(), 0600);
  const auto entry = read_netrc(path, "urs.example");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->login, "me");
  EXPECT_EQ(entry->password, "secret");
  EXPECT_FALSE(read_netrc(path, "nowhere.example"));
  std::remove(path.c_str());
}

}  // namespace
// http:// only to this host: all of 127.0.0.0/8, ::1 and localhost, nothing that only starts
// like a loopback address.
TEST(HttpClient, PlainHttpOnlyToLoopback) {
  for (const char* ok : {"https://cmr.earthdata.nasa.gov/search", "http://127.0.0.1:8080/x",
                         "http://127.0.0.2:8802/", "http://127.255.255.254/", "http://[::1]:80/",
                         "http://localhost:9/"})
    EXPECT_NO_THROW(check_url_allowed(ok)) << ok;
  for (const char* bad :
       {"http://128.0.0.1/", "http://127.0.0.1.evil.example/", "http://127.0.0.256/",
        "http://10.0.0.1/", "ftp://127.0.0.1/", "http://example.org/"})
    EXPECT_THROW(check_url_allowed(bad), std::invalid_argument) << bad;
}

}  // namespace healgrid
