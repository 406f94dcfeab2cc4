// The render stage's parts that need no output file: projections (known values from pyproj
// 3.4 / PROJ 9.1), colormaps, the PNG writer, cairo text, round ticks, coarsening, the GSHHG
// reader, option values, percentiles and granule timestamps.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "healgrid/render/axis_ticks.hpp"
#include "healgrid/render/cli_values.hpp"
#include "healgrid/render/coarsen.hpp"
#include "healgrid/render/coastlines.hpp"
#include "healgrid/render/colormap.hpp"
#include "healgrid/render/healgrid_output.hpp"
#include "healgrid/render/map_canvas.hpp"
#include "healgrid/render/map_renderer.hpp"
#include "healgrid/render/projection.hpp"
#include "healgrid/render/raster_image.hpp"

namespace healgrid {
namespace {

struct KnownProjection {
  ProjectionKind kind;
  double lon, lat, x, y;
};

// pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat).
const KnownProjection kKnownProjections[] = {
    {ProjectionKind::south_polar_stereo, 30, -75, 819391.6192036181, 1419227.9157567972},
    {ProjectionKind::north_polar_stereo, -50, 72, -171299.44096363947, -1957961.569648178},
    {ProjectionKind::mollweide, 100, 45, 8077024.836241628, 5340244.911544235},
    {ProjectionKind::plate_carree, -120, 30, -13358338.895192828, 3339584.723798207},
};

TEST(MapProjection, LambertAzimuthalIsCentredWhereAsked) {
  // pyproj: "+proj=laea +lat_0=40 +lon_0=-105 +datum=WGS84" of (-100, 45).
  const MapProjection laea(ProjectionSpec{ProjectionKind::laea, -105, 40});
  double x = -105, y = 40;
  laea.forward(&x, &y, 1);
  EXPECT_NEAR(x, 0, 1e-6);
  EXPECT_NEAR(y, 0, 1e-6);
  x = -100, y = 45;
  laea.forward(&x, &y, 1);
  EXPECT_NEAR(x, 394351.5363389, 1e-3);
  EXPECT_NEAR(y, 566524.1836999, 1e-3);
  EXPECT_EQ(crs_definition(ProjectionSpec{ProjectionKind::laea, -105, 40}),
            "+proj=laea +lat_0=40 +lon_0=-105 +datum=WGS84 +units=m +no_defs +type=crs");
}

TEST(MapProjection, ForwardMatchesPyprojAndInverseRoundTrips) {
  for (const auto& k : kKnownProjections) {
    const MapProjection projection(k.kind);
    double x = k.lon, y = k.lat;
    projection.forward(&x, &y, 1);
    EXPECT_NEAR(x, k.x, 1e-6) << to_string(k.kind);
    EXPECT_NEAR(y, k.y, 1e-6) << to_string(k.kind);
    projection.inverse(&x, &y, 1);
    EXPECT_NEAR(x, k.lon, 1e-9) << to_string(k.kind);
    EXPECT_NEAR(y, k.lat, 1e-9) << to_string(k.kind);
  }
}

TEST(MapProjection, PointsOffTheWorldAreNaN) {
  const MapProjection mollweide(ProjectionKind::mollweide);
  double x = 1.9e7, y = 0;  // right of the ellipse (semi-axis 2 sqrt(2) R = 1.804e7 m)
  mollweide.inverse(&x, &y, 1);
  EXPECT_TRUE(std::isnan(x) && std::isnan(y));
  const MapProjection plate(ProjectionKind::plate_carree);
  x = 2.1e7, y = 0;  // past 180 degrees east: PROJ would wrap it around
  plate.inverse(&x, &y, 1);
  EXPECT_TRUE(std::isnan(x));
  x = 0, y = 1.1e7;  // past the north pole
  plate.inverse(&x, &y, 1);
  EXPECT_TRUE(std::isnan(y));
}

TEST(MapProjection, NamesRoundTripAndUnknownNamesAreListed) {
  for (const char* name :
       {"south-polar-stereo", "north-polar-stereo", "mollweide", "plate-carree", "laea"})
    EXPECT_STREQ(to_string(parse_projection(name)), name);
  try {
    parse_projection("robinson");
    FAIL() << "robinson accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("robinson"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("mollweide"), std::string::npos);
  }
  EXPECT_EQ(default_projection({0, 100}, {-89, -60}).kind, ProjectionKind::south_polar_stereo);
  EXPECT_EQ(default_projection({-50, 10}, {59.5, 84}).kind, ProjectionKind::north_polar_stereo);
  EXPECT_EQ(default_projection({0, 1}, {-80, 72}).kind, ProjectionKind::mollweide);
  EXPECT_EQ(default_projection({-170, 170, 0}, {-10, 10, 0}).kind, ProjectionKind::mollweide);
  // A small area: Lambert azimuthal equal-area on its middle, across the antimeridian too.
  const ProjectionSpec local = default_projection({-44.5, -43.1}, {-14.2, -13.2});
  EXPECT_EQ(local.kind, ProjectionKind::laea);
  EXPECT_DOUBLE_EQ(local.lon_0, -43.8);
  EXPECT_DOUBLE_EQ(local.lat_0, -13.7);
  const ProjectionSpec pacific = default_projection({179, -179, 178}, {10, 20, 15});
  EXPECT_EQ(pacific.kind, ProjectionKind::laea);
  EXPECT_NEAR(std::fabs(pacific.lon_0), 179.5, 1e-9);
}

TEST(AxisTicks, RoundStepsTicksAndLabels) {
  EXPECT_DOUBLE_EQ(round_step(30, 6), 5);
  EXPECT_DOUBLE_EQ(round_step(7, 6), 2);
  EXPECT_DOUBLE_EQ(round_step(0.9, 6), 0.2);
  EXPECT_DOUBLE_EQ(round_number_below(730), 500);
  EXPECT_DOUBLE_EQ(round_number_below(199), 100);
  EXPECT_DOUBLE_EQ(round_number_below(0.3), 0.2);
  // The example: 442.1 .. 843.7 ticks at round hundreds, not at quarters of the range.
  const auto t = linear_ticks(442.1, 2843.7, 6);
  ASSERT_EQ(t, (std::vector<double>{500, 1000, 1500, 2000, 2500}));
  EXPECT_EQ(tick_label(t[0], 500), "500");
  EXPECT_EQ(tick_label(0.30000000000000004, 0.1), "0.3");
  EXPECT_EQ(tick_label(-0.0, 0.05), "0.00");
  // Log scale: decades only (3.919 .. 15.36 has one decade inside: 1-2-5 steps instead).
  EXPECT_EQ(log_ticks(1, 2.5e4), (std::vector<double>{1, 10, 100, 1000, 10000}));
  EXPECT_EQ(log_ticks(3.919, 15.36), (std::vector<double>{5, 10}));
  EXPECT_EQ(log_tick_label(1000), "1000");
  EXPECT_EQ(log_tick_label(1e6), "10\u2076");
  EXPECT_EQ(log_tick_label(0.01), "0.01");
}

TEST(AxisTicks, NonFiniteEmptyAndFarFromZeroRangesEndWithFewTicks) {
  // Each of these hung or looped over garbage (log10(inf) into an int, k + 1 == k above 2^53).
  EXPECT_TRUE(linear_ticks(0, HUGE_VAL, 6).empty());
  EXPECT_TRUE(linear_ticks(-HUGE_VAL, 0, 6).empty());
  EXPECT_TRUE(linear_ticks(std::nan(""), 1, 6).empty());
  EXPECT_TRUE(linear_ticks(5, 5, 6).empty());
  EXPECT_TRUE(linear_ticks(-1.7e308, 1.7e308, 6).empty());
  EXPECT_TRUE(log_ticks(0.1, HUGE_VAL).empty());
  EXPECT_TRUE(log_ticks(0, 10).empty());
  EXPECT_DOUBLE_EQ(round_step(HUGE_VAL, 6), 1);
  EXPECT_DOUBLE_EQ(round_step(std::nan(""), 6), 1);
  EXPECT_DOUBLE_EQ(round_step(0, 6), 1);
  const double far = 1e30, next = std::nextafter(std::nextafter(far, 2e30), 2e30);
  EXPECT_LE(linear_ticks(far, next, 6).size(), 14u);
  const auto huge = linear_ticks(0, 1e38, 5);
  ASSERT_EQ(huge.size(), 6u);
  for (std::size_t i = 0; i < huge.size(); ++i) EXPECT_NEAR(huge[i], 2e37 * i, 1e25);
  EXPECT_LE(log_ticks(1e-300, 1e300).size(), 10u);
  EXPECT_DOUBLE_EQ(percentile_sorted({-1.7e308, 1.7e308}, 50), 0);  // no overflow to NaN
}

TEST(AxisTicks, ReportTextsAreTheShortestThatKeepTheTicks) {
  // 10 x 1e37 is 9.9999999999999979e+37 in doubles: the report says 1e+38.
  const std::vector<double> huge = {0, 5e37, 5e37 * 2};
  EXPECT_EQ(tick_texts(huge), (std::vector<std::string>{"0", "5e+37", "1e+38"}));
  EXPECT_EQ(tick_texts({0.1, 0.2, 0.30000000000000004}),
            (std::vector<std::string>{"0.1", "0.2", "0.3"}));
  EXPECT_EQ(tick_texts({123456700, 123456800}),
            (std::vector<std::string>{"1.234567e+08", "1.234568e+08"}));  // 6 digits: one
  EXPECT_EQ(tick_texts({-40, 0, 40}), (std::vector<std::string>{"-40", "0", "40"}));
  EXPECT_EQ(tick_texts({1e-5}), (std::vector<std::string>{"1e-05"}));
  EXPECT_TRUE(tick_texts({}).empty());
}

TEST(RenderValues, ExtentBoxesAcrossTheAntimeridian) {
  using Box = std::array<double, 4>;
  EXPECT_EQ(checked_bbox({170, 20, -170, 30}), (Box{170, 20, 190, 30}));  // lon_min > lon_max
  EXPECT_EQ(checked_bbox({-190, 20, -170, 30}), (Box{-190, 20, -170, 30}));
  EXPECT_EQ(checked_bbox({-60, 72, -30, 84}), (Box{-60, 72, -30, 84}));
  for (const Box& bad : {Box{10, 20, 10, 30}, Box{10, 30, 20, 20}, Box{0, -91, 10, 0},
                         Box{-300, 0, 300, 10}, Box{0, 0, 361, 10}})
    EXPECT_THROW(checked_bbox(bad), std::invalid_argument) << bad[0] << "," << bad[2];
  // World maps centred on the box: 175 E and 175 W lie 5 degrees either side of the centre.
  for (auto kind : {ProjectionKind::plate_carree, ProjectionKind::mollweide}) {
    const ProjectionSpec spec{kind, 180, 0};
    EXPECT_NE(crs_definition(spec).find("+lon_0=180 "), std::string::npos) << crs_definition(spec);
    const MapProjection projection(spec);
    double x[2] = {175, -175}, y[2] = {25, 25};
    projection.forward(x, y, 2);
    EXPECT_LT(x[0], 0);
    EXPECT_NEAR(x[0], -x[1], 1e-6);
    EXPECT_LT(x[1], 6e5);
  }
  const MapProjection plate(ProjectionSpec{ProjectionKind::plate_carree, 180, 0});
  double x = 2.1e7, y = 0;  // past the frame's edge, at 0 degrees: still off the map
  plate.inverse(&x, &y, 1);
  EXPECT_TRUE(std::isnan(x));
  x = 1.9e7, y = 0;  // inside: 170.7 W
  plate.inverse(&x, &y, 1);
  EXPECT_NEAR(x, 180 + 1.9e7 / 6378137.0 * 180 / M_PI - 360, 1e-9);
  EXPECT_EQ(crs_definition(ProjectionKind::mollweide), "ESRI:54009");  // unchanged at 0
}

TEST(Coarsen, EachRuleCombinesTheChildrenAsDocumented) {
  // Level 2 -> level 1: children of coarse cell c are 4c .. 4c + 3.
  const std::vector<std::uint64_t> ids = {4, 5, 7, 8, 13, 14};
  const std::vector<double> values = {1, 3, std::nan(""), 10, 2, 6};
  const std::vector<double> counts = {1, 3, 5, 2, 1, 1};
  auto run = [&](CoarsenRule rule, const std::vector<double>& w) {
    return coarsen(ids, values, w, 2, 1, rule);
  };
  const CoarseCells sum = run(CoarsenRule::sum, {});
  EXPECT_EQ(sum.ids, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(sum.values, (std::vector<double>{4, 10, 8}));
  EXPECT_EQ(run(CoarsenRule::min, {}).values, (std::vector<double>{1, 10, 2}));
  EXPECT_EQ(run(CoarsenRule::max, {}).values, (std::vector<double>{3, 10, 6}));
  // (1*1 + 3*3) / 4 = 2.5: the fill child (count 5) does not count.
  EXPECT_EQ(run(CoarsenRule::weighted_mean, counts).values, (std::vector<double>{2.5, 10, 4}));
  EXPECT_EQ(run(CoarsenRule::weighted_mean, {}).values, (std::vector<double>{2, 10, 4}));
  EXPECT_EQ(coarsen(ids, values, {}, 2, 0, CoarsenRule::sum).values, (std::vector<double>{22}));
  EXPECT_EQ(coarsen(ids, values, {}, 2, 2, CoarsenRule::sum).ids.size(), 5u);  // fill dropped
  EXPECT_THROW(coarsen(ids, values, {}, 2, 3, CoarsenRule::sum), std::invalid_argument);
  EXPECT_EQ(coarsen_rule_for("count"), CoarsenRule::sum);
  EXPECT_EQ(coarsen_rule_for("max"), CoarsenRule::max);
  EXPECT_EQ(coarsen_rule_for("weighted_mean"), CoarsenRule::weighted_mean);
}

TEST(Coastlines, DebianGshhgHasAntarcticIceFrontAndGroundingLine) {
  const std::string path = default_coastline_path();
  if (path.empty()) GTEST_SKIP() << "gmt-gshhg-low is not installed";
  const auto south = read_gshhg_shorelines(path, -90, -60);
  std::size_t ice = 0, grounding = 0, points = 0;
  for (const auto& line : south) {
    ice += line.kind == ShoreKind::ice_front;
    grounding += line.kind == ShoreKind::grounding_line;
    points += line.lon.size();
    for (std::size_t i = 0; i < line.lon.size(); ++i) {
      ASSERT_GE(line.lon[i], 0.0);
      ASSERT_LE(line.lon[i], 360.0);
      ASSERT_LE(line.lat[i], -50.0);  // bins reaching down to 60 S start at 50 S at most
    }
  }
  EXPECT_GT(ice, 50u);
  EXPECT_GT(grounding, 50u);
  EXPECT_GT(points, 5000u);
  EXPECT_THROW(read_gshhg_shorelines("/nonexistent/gshhg.nc", -90, 90), std::runtime_error);
}

TEST(MapCanvas, TextIsAntialiasedAndPixelsAreCopiedExactly) {
  MapCanvas canvas(120, 40, kPageBackground);
  const std::uint8_t block[2 * 2 * 3] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  canvas.put_pixels(100, 30, 2, 2, block);
  canvas.set_font(20);
  EXPECT_GT(canvas.text_width("healgrid"), 60);
  canvas.text(2, 24, "healgrid", kInk);
  const RasterImage image = canvas.to_image();
  EXPECT_EQ(image.get(100, 30), (Rgb{1, 2, 3}));
  EXPECT_EQ(image.get(101, 31), (Rgb{10, 11, 12}));
  int black = 0, grey = 0;
  for (int y = 0; y < 30; ++y)
    for (int x = 0; x < 100; ++x) {
      const Rgb c = image.get(x, y);
      black += c == Rgb{0, 0, 0};
      grey += c.r > 0 && c.r < 255;
    }
  EXPECT_GT(black, 20);  // glyph stems
  EXPECT_GT(grey, 20);   // antialiased edges
  const auto lines =
      canvas.wrap("alpha beta | gamma delta | epsilon", canvas.text_width("gamma delta |") + 1);
  EXPECT_EQ(lines, (std::vector<std::string>{"alpha beta", "gamma delta", "epsilon"}));
}

TEST(Colormap, EndsAreTheAnchorsAndEntriesInterpolate) {
  const Colormap viridis = Colormap::named("viridis");
  EXPECT_EQ(viridis.at(0.0), (Rgb{0x44, 0x01, 0x54}));
  EXPECT_EQ(viridis.at(1.0), (Rgb{0xfd, 0xe7, 0x25}));
  EXPECT_EQ(viridis.at(-3.0), viridis.at(0.0));  // clamped
  EXPECT_EQ(viridis.at(7.0), viridis.at(1.0));
  EXPECT_EQ(viridis.at(std::nan("")), viridis.at(0.0));
  // Entry 85 is t = 1/3 = anchor 3 of 10 exactly: 0x31688e.
  EXPECT_EQ(viridis.table()[85], (Rgb{0x31, 0x68, 0x8e}));
  // t picks entry floor(256 t): 0.5 -> 128.
  EXPECT_EQ(viridis.at(0.5), viridis.table()[128]);
  const Colormap diverging = Colormap::named("rdbu_r");
  EXPECT_TRUE(diverging.diverging());
  // 11 anchors: t = 0.5 is the white middle anchor, between entries 127 and 128.
  EXPECT_EQ(diverging.table()[0], (Rgb{0x05, 0x30, 0x61}));
  const Rgb mid = diverging.at(0.499);
  EXPECT_NEAR(mid.r, 0xf7, 2);
  EXPECT_NEAR(mid.g, 0xf7, 2);
  EXPECT_FALSE(Colormap::named("cividis").diverging());
  EXPECT_THROW(Colormap::named("jet"), std::invalid_argument);
}

TEST(Colormap, ValuesFarOutsideTheRangeTakeTheEndColours) {
  // t * 256 of a far outlier does not fit an int (converting it is undefined behaviour).
  const Colormap viridis = Colormap::named("viridis");
  for (double t : {8.4e6, 1e18, 1e300, HUGE_VAL}) EXPECT_EQ(viridis.at(t), viridis.at(1.0)) << t;
  for (double t : {-8.4e6, -1e18, -1e300, -HUGE_VAL})
    EXPECT_EQ(viridis.at(t), viridis.at(0.0)) << t;
  // Through colour_position: one 1e20 among values 0..100, +-1e300, +-inf, and a range wider
  // than the largest double.
  EXPECT_GT(colour_position(1e20, 2, 98, false), 1);
  EXPECT_EQ(colour_position(HUGE_VAL, 0, 1, false), 1);
  EXPECT_EQ(colour_position(-HUGE_VAL, 0, 1, false), 0);
  EXPECT_EQ(colour_position(HUGE_VAL, 0.1, 1, true), 1);
  EXPECT_EQ(colour_position(0, 0.1, 1, true), 0);
  EXPECT_EQ(colour_position(std::nan(""), 0, 1, false), 0);
  EXPECT_LT(colour_position(-1e300, 0, 1e-6, false), 0);
  EXPECT_GT(colour_position(1e300, 0, 1e-6, false), 1);
  EXPECT_DOUBLE_EQ(colour_position(0, -1.7e308, 1.7e308, false), 0.5);
  EXPECT_DOUBLE_EQ(colour_position(1.7e308, -1.7e308, 1.7e308, false), 1);
  EXPECT_DOUBLE_EQ(colour_position(5, 0, 10, false), 0.5);  // the plain case is unchanged
  EXPECT_DOUBLE_EQ(colour_position(10, 1, 100, true), 0.5);
  for (double v : {1e20, 1e300, -1e300, HUGE_VAL, -HUGE_VAL})
    EXPECT_FALSE(std::isnan(colour_position(v, -1.7e308, 1.7e308, false))) << v;
}

TEST(RasterImage, BlendMixesOverThePixel) {
  RasterImage image(20, 10, kPageBackground);
  image.blend(10, 5, Rgb{0, 0, 0}, 0.35);
  EXPECT_EQ(image.get(10, 5), (Rgb{166, 166, 166}));  // round(255 * 0.65)
}

TEST(RasterImage, PngIsWrittenCompleteUnderItsName) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("healgrid_render_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "t.png").string();
  RasterImage image(37, 23, Rgb{10, 20, 30});
  write_png(image, path);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 33u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  auto be32 = [&](std::size_t at) {
    return (unsigned(static_cast<unsigned char>(bytes[at])) << 24) |
           (unsigned(static_cast<unsigned char>(bytes[at + 1])) << 16) |
           (unsigned(static_cast<unsigned char>(bytes[at + 2])) << 8) |
           unsigned(static_cast<unsigned char>(bytes[at + 3]));
  };
  EXPECT_EQ(bytes.substr(12, 4), "IHDR");
  EXPECT_EQ(be32(16), 37u);
  EXPECT_EQ(be32(20), 23u);
  EXPECT_FALSE(std::filesystem::exists(path + ".partial"));
  EXPECT_THROW(write_png(image, (dir / "missing" / "t.png").string()), std::runtime_error);
  std::filesystem::remove_all(dir);
}

// The whole file as bytes ("" when absent or not a file).
std::string file_bytes(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) return "";
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(RasterImage, PngReplacesOnlyHealgridsOwnPictures) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("healgrid_png_target_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const RasterImage image(20, 10, Rgb{1, 2, 3});
  const std::string ours = (dir / "map.png").string();
  write_png(image, ours);
  EXPECT_TRUE(is_healgrid_png(ours));
  EXPECT_NE(file_bytes(ours).find(std::string("tEXtSoftware\0healgrid", 21)), std::string::npos);
  EXPECT_NO_THROW(check_png_target(ours));
  write_png(RasterImage(30, 10, Rgb{4, 5, 6}), ours);  // a map of its own: replaced
  EXPECT_NE(file_bytes(ours).find(std::string("\0\0\0\x1e", 4)), std::string::npos);  // width 30

  // Strangers: the input (by name and by a hard link), a NetCDF-like file, another program's
  // PNG (ours without its tEXt chunk), a symbolic link to our own PNG, a directory.
  const std::string input = (dir / "out.nc").string(), hard = (dir / "hard.png").string();
  std::ofstream(input) << "\x89HDF\r\n\x1a\n not a picture";
  std::filesystem::create_hard_link(input, hard);
  std::string foreign_bytes = file_bytes(ours);
  const auto text = foreign_bytes.find("tEXt") - 4;  // length, type, data, CRC
  foreign_bytes.erase(text, 4 + 4 + 17 + 4);
  const std::string foreign = (dir / "other.png").string(), link = (dir / "link.png").string();
  std::ofstream(foreign, std::ios::binary) << foreign_bytes;
  std::filesystem::create_symlink(ours, link);
  std::filesystem::create_directory(dir / "folder.png");
  EXPECT_FALSE(is_healgrid_png(foreign));
  EXPECT_FALSE(is_healgrid_png(input));
  const std::vector<std::pair<std::string, std::string>> refused = {
      {input, "is the input file"},
      {hard, "is the input file"},
      {foreign, "not a PNG written by healgrid"},
      {link, "symbolic link"},
      {(dir / "folder.png").string(), "not a regular file"}};
  for (const auto& [target, why] : refused) {
    const std::string before = file_bytes(target);
    try {
      check_png_target(target, input);
      write_png(image, target);
      ADD_FAILURE() << target << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(target), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
    EXPECT_EQ(file_bytes(target), before) << target;
  }
  // write_png itself refuses a stranger (the file may appear after the options were checked).
  EXPECT_THROW(write_png(image, foreign), std::invalid_argument);
  EXPECT_EQ(file_bytes(foreign), foreign_bytes);
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  std::size_t files = 0;  // no temporaries left behind
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 6u);
  std::filesystem::remove_all(dir);
}

TEST(RenderValues, SizesNumbersAndNegativeValues) {
  EXPECT_EQ(parse_size("--size", "1000"), std::make_pair(1000, 0));
  EXPECT_EQ(parse_size("--size", "1200x800"), std::make_pair(1200, 800));
  for (const char* bad : {"", "x", "12x", "-5", "1e3", "10x10x10", "abc"})
    EXPECT_THROW(parse_size("--size", bad), std::invalid_argument) << bad;
  EXPECT_EQ(parse_numbers("--extent", "-60,72.5,-30,84", 4),
            (std::vector<double>{-60, 72.5, -30, 84}));
  for (const char* bad : {"1,2,3", "1,2,3,4,5", "1,,3,4", "a,b,c,d", "1,2,3,nan", " 1,2,3,4"})
    EXPECT_THROW(parse_numbers("--extent", bad, 4), std::invalid_argument) << bad;
  const auto joined =
      join_negative_values({"f.nc", "--extent", "-60,72,-30,84", "--range", "5,6", "--var", "-x"},
                           {"--extent", "--range"});
  EXPECT_EQ(joined, (std::vector<std::string>{"f.nc", "--extent=-60,72,-30,84", "--range", "5,6",
                                              "--var", "-x"}));
}

TEST(RenderValues, PercentilesAreNumpysLinearOnes) {
  // numpy.percentile([3, 1, 4, 1, 5, 9, 2, 6], [0, 2, 50, 98, 100]) = 1, 1, 3.5, 8.58, 9.
  const std::vector<double> sorted = {1, 1, 2, 3, 4, 5, 6, 9};
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 0), 1);
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 2), 1);
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 50), 3.5);
  EXPECT_NEAR(percentile_sorted(sorted, 98), 8.58, 1e-12);
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 100), 9);
  EXPECT_DOUBLE_EQ(percentile_sorted({7}, 98), 7);
  EXPECT_TRUE(std::isnan(percentile_sorted({}, 50)));
}

TEST(GranuleNames, TimestampsAndTimeSpan) {
  EXPECT_EQ(granule_start_time("ATL06_20190416093911_02770303_002_01.h5"), "2019-04-16T09:39:11Z");
  EXPECT_EQ(granule_start_time("processed_ATL06_20181015100401_02560110_003_01.h5"),
            "2018-10-15T10:04:01Z");
  EXPECT_EQ(granule_start_time("processed_ATL07-01_20190222003738_08490201_003_02.h5"),
            "2019-02-22T00:37:38Z");
  EXPECT_FALSE(granule_start_time("atl03_clip.h5"));
  // GEDI: year, day of the year, time (day 108 of 2019 is 18 April; 2020 is a leap year).
  EXPECT_EQ(granule_start_time("GEDI02_A_2019108080338_O01964_T05337_02_001_01_sub.h5"),
            "2019-04-18T08:03:38Z");
  EXPECT_EQ(granule_start_time("GEDI02_A_2020060000000_O1_T1_02_003_01.h5"),
            "2020-02-29T00:00:00Z");
  EXPECT_EQ(granule_start_time("GEDI01_B_2021365235959_O1.h5"), "2021-12-31T23:59:59Z");
  EXPECT_FALSE(granule_start_time("GEDI02_A_2021366000000_O1.h5"));  // 2021 has 365 days
  EXPECT_FALSE(granule_start_time("GEDI02_A_2021000000000_O1.h5"));
  EXPECT_FALSE(granule_start_time("ATL06_2019041609391_x.h5"));  // 13 digits
  const std::vector<GranuleRow> rows = {
      {"ATL06_20190613065109_11610303_002_01.h5", 1, 10, "used"},
      {"ATL06_20190416093911_02770303_002_01.h5", 1, 10, "used"},
      {"ATL06_20200101000000_00010110_006_01.h5", 1, 0, "skipped: not HDF5"},
      {"processed_ATL07-01_20180222003738_08490201_003_02.h5", 1, 0, "empty: no beams"},
      {"atl03_clip.h5", 1, 5, "used"}};
  EXPECT_EQ(granule_time_span(rows), "2019-04-16 to 2019-06-13");
  EXPECT_EQ(granule_time_span({rows[0]}), "2019-06-13");
  EXPECT_EQ(granule_time_span({rows[2], rows[4]}), "");
}

}  // namespace
}  // namespace healgrid
