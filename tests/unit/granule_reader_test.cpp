#include "healgrid/read/granule_reader.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "scratch_h5_file.hpp"

namespace healgrid {
namespace {

constexpr float kFill = 3.4028235e38f;

// A tiny ATL06-shaped file written with the HDF5 C API.
class TinyGranule {
 public:
  explicit TinyGranule(const std::string& path) : path_(path) {
    h5_quiet_errors();
    file_ = H5Handle(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  }
  template <typename T>
  void dataset(const std::string& name, hid_t type, const std::vector<T>& v, const T* fill) {
    create_parent_groups(file_.get(), name);
    const hsize_t n = v.size();
    H5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    H5Handle ds(H5Dcreate2(file_.get(), name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                           H5P_DEFAULT),
                H5Dclose);
    H5Dwrite(ds.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    if (fill) {
      H5Handle scalar(H5Screate(H5S_SCALAR), H5Sclose);
      H5Handle a(H5Acreate2(ds.get(), "_FillValue", type, scalar.get(), H5P_DEFAULT, H5P_DEFAULT),
                 H5Aclose);
      H5Awrite(a.get(), type, fill);
    }
    if (name.find("h_li") != std::string::npos) {
      H5Handle str(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(str.get(), 7);
      H5Handle scalar(H5Screate(H5S_SCALAR), H5Sclose);
      H5Handle a(H5Acreate2(ds.get(), "units", str.get(), scalar.get(), H5P_DEFAULT, H5P_DEFAULT),
                 H5Aclose);
      H5Awrite(a.get(), str.get(), "meters");
    }
  }
  void string_attribute(const std::string& dataset, const char* name, const std::string& value) {
    H5Handle ds(H5Dopen2(file_.get(), dataset.c_str(), H5P_DEFAULT), H5Dclose);
    H5Handle str(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(str.get(), value.size());
    H5Handle scalar(H5Screate(H5S_SCALAR), H5Sclose);
    H5Handle a(H5Acreate2(ds.get(), name, str.get(), scalar.get(), H5P_DEFAULT, H5P_DEFAULT),
               H5Aclose);
    H5Awrite(a.get(), str.get(), value.data());
  }
  void close() { file_.reset(); }

 private:
  std::string path_;
  H5Handle file_;
};

PipelineConfig test_config() {
  PipelineConfig c;
  c.groups = {"gt1l", "gt2l"};
  c.latitude = "/{group}/seg/latitude";
  c.longitude = "/{group}/seg/longitude";
  c.variables = {{"h", "/{group}/seg/h_li"}, {"s", "/{group}/seg/h_li_sigma"}};
  c.filters = {{"/{group}/seg/quality", FilterOp::eq, 0}};
  StatisticSpec mean;
  mean.name = "h_mean";
  mean.function = StatFunction::weighted_mean;
  mean.variable = "h";
  mean.sigma = "s";
  c.statistics = {mean};
  c.validate();
  return c;
}

class GranuleReaderTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/healgrid_reader_XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  // gt1l only (gt2l absent): 6 rows exercising every rule.
  std::string write_good(const std::string& name = "g.h5") {
    const auto path = dir_ + "/" + name;
    TinyGranule g(path);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    g.dataset<double>("/gt1l/seg/latitude", H5T_NATIVE_DOUBLE, {-70, -70.1, 91, -70.3, nan, -70.5},
                      nullptr);
    g.dataset<double>("/gt1l/seg/longitude", H5T_NATIVE_DOUBLE, {10, 10.1, 10, 370, 10, 10},
                      nullptr);
    g.dataset<float>("/gt1l/seg/h_li", H5T_NATIVE_FLOAT, {100, kFill, 102, 103, 104, 105}, &kFill);
    g.dataset<float>("/gt1l/seg/h_li_sigma", H5T_NATIVE_FLOAT, {0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0},
                     &kFill);
    const signed char qfill = 127;
    g.dataset<signed char>("/gt1l/seg/quality", H5T_NATIVE_SCHAR, {0, 0, 0, 0, 0, 0}, &qfill);
    return path;
  }
  std::string dir_;
};

TEST_F(GranuleReaderTest, ReadsValidatesAndMarksValidPoints) {
  const auto path = write_good();
  const GranuleReader reader(path, test_config());
  ASSERT_EQ(reader.beams().size(), 1u);  // gt2l is absent: skipped, not an error
  EXPECT_EQ(reader.beams()[0].group, "gt1l");
  EXPECT_EQ(reader.beams()[0].rows, 6u);
  BeamChunk chunk;
  reader.read(0, 0, 6, true, chunk);
  // row 1: h fill; row 2: lat 91; row 4: lat NaN; row 5: sigma 0. Row 3: lon 370 is fine.
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 0, 0, 1, 0, 0}));
  EXPECT_EQ(chunk.values[0][3], 103.0);
  EXPECT_FLOAT_EQ(static_cast<float>(chunk.values[1][0]), 0.1f);
  // Without variables only coordinates and filters count: row 1 and 5 pass then.
  reader.read(0, 0, 6, false, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 1, 0, 1, 0, 1}));
  EXPECT_TRUE(chunk.values.empty());
  // A hyperslab.
  reader.read(0, 2, 3, true, chunk);
  EXPECT_EQ(chunk.row0, 2u);
  EXPECT_EQ(chunk.lat.size(), 3u);
  EXPECT_EQ(chunk.lat[1], -70.3);
  EXPECT_EQ(reader.variable_attribute(0, "units"), "meters");
  EXPECT_EQ(reader.variable_attribute(0, "nope"), "");
}

// The read loop's reader opens the variables only (and the latitude, for the beams' shapes):
// the same values and validity as a full reader's read_values, without touching longitude,
// time or filter datasets, which the index pass already checked.
TEST_F(GranuleReaderTest, ValuesReaderOpensAndReadsTheVariablesOnly) {
  const auto path = write_good();
  const GranuleReader full(path, test_config());
  const GranuleReader values(path, test_config(), GranuleReader::Columns::values);
  ASSERT_EQ(values.beams().size(), 1u);
  EXPECT_EQ(values.beams()[0].group, "gt1l");
  EXPECT_EQ(values.beams()[0].rows, 6u);
  BeamChunk a, b;
  full.read_values(0, 1, 5, a);
  values.read_values(0, 1, 5, b);
  // rows 1-5: row 1's h is its fill, row 5's sigma is 0; coordinates play no part here.
  EXPECT_EQ(b.valid, (std::vector<std::uint8_t>{0, 1, 1, 1, 0}));
  EXPECT_EQ(b.valid, a.valid);
  EXPECT_EQ(b.values, a.values);
  EXPECT_EQ(b.values[0][2], 103.0);

  // Without the longitude and filter datasets only the values reader opens the granule.
  const auto bare = dir_ + "/bare.h5";
  {
    TinyGranule g(bare);
    g.dataset<double>("/gt1l/seg/latitude", H5T_NATIVE_DOUBLE, {-70, -71}, nullptr);
    g.dataset<float>("/gt1l/seg/h_li", H5T_NATIVE_FLOAT, {5, 6}, &kFill);
    g.dataset<float>("/gt1l/seg/h_li_sigma", H5T_NATIVE_FLOAT, {0.5f, 0.5f}, &kFill);
  }
  EXPECT_THROW(GranuleReader(bare, test_config()), DatasetMismatch);
  const GranuleReader bare_values(bare, test_config(), GranuleReader::Columns::values);
  bare_values.read_values(0, 0, 2, b);
  EXPECT_EQ(b.values[0], (std::vector<double>{5, 6}));
  EXPECT_EQ(b.valid, (std::vector<std::uint8_t>{1, 1}));
}

// Fill values of the sigma variable and of the coordinates (the spec: a coordinate equal to its
// _FillValue is missing even inside the valid range), sigma <= 0, a non-finite longitude.
TEST_F(GranuleReaderTest, SigmaAndCoordinateFillsAreDropped) {
  const auto path = dir_ + "/fills.h5";
  {
    TinyGranule g(path);
    const double lat_fill = -89.5, lon_fill = -999.0, inf = std::numeric_limits<double>::infinity();
    g.dataset<double>("/gt1l/seg/latitude", H5T_NATIVE_DOUBLE,
                      {-70, -70, -89.5, -89.50001, -70, -70, -70, -70}, &lat_fill);
    g.dataset<double>("/gt1l/seg/longitude", H5T_NATIVE_DOUBLE,
                      {10, 10, 10, 10, -999.0, -700.0, inf, 10}, &lon_fill);
    g.dataset<float>("/gt1l/seg/h_li", H5T_NATIVE_FLOAT, {1, 2, 3, 4, 5, 6, 7, 8}, &kFill);
    g.dataset<float>("/gt1l/seg/h_li_sigma", H5T_NATIVE_FLOAT,
                     {0.1f, kFill, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, -0.1f}, &kFill);
    const signed char qfill = 127;
    g.dataset<signed char>("/gt1l/seg/quality", H5T_NATIVE_SCHAR, {0, 0, 0, 0, 0, 0, 0, 0}, &qfill);
  }
  const GranuleReader reader(path, test_config());
  BeamChunk chunk;
  reader.read(0, 0, 8, true, chunk);
  // 1: sigma = its fill; 2: latitude = its fill; 4: longitude = its fill; 6: longitude inf;
  // 7: sigma < 0. Rows 3 (next to the latitude fill) and 5 (-700, wrapped) are used.
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 0, 0, 1, 0, 1, 0, 0}));
  // The variables' values play no part in the index pass: only the sigma rows pass again.
  reader.read(0, 0, 8, false, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 1, 0, 1, 0, 1, 0, 1}));
}

TEST_F(GranuleReaderTest, FilterRejectsBadQuality) {
  const auto path = dir_ + "/q.h5";
  {
    TinyGranule g(path);
    g.dataset<double>("/gt2l/seg/latitude", H5T_NATIVE_DOUBLE, {1, 2, 3}, nullptr);
    g.dataset<double>("/gt2l/seg/longitude", H5T_NATIVE_DOUBLE, {1, 2, 3}, nullptr);
    g.dataset<float>("/gt2l/seg/h_li", H5T_NATIVE_FLOAT, {1, 2, 3}, &kFill);
    g.dataset<float>("/gt2l/seg/h_li_sigma", H5T_NATIVE_FLOAT, {1, 1, 1}, &kFill);
    const signed char qfill = 127;
    g.dataset<signed char>("/gt2l/seg/quality", H5T_NATIVE_SCHAR, {0, 1, 127}, &qfill);
  }
  const GranuleReader reader(path, test_config());
  BeamChunk chunk;
  reader.read(0, 0, 3, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 0, 0}));
}

TEST_F(GranuleReaderTest, MissingDatasetIsNamed) {
  const auto path = dir_ + "/m.h5";
  {
    TinyGranule g(path);
    g.dataset<double>("/gt1l/seg/latitude", H5T_NATIVE_DOUBLE, {1}, nullptr);
    g.dataset<double>("/gt1l/seg/longitude", H5T_NATIVE_DOUBLE, {1}, nullptr);
    g.dataset<float>("/gt1l/seg/h_li", H5T_NATIVE_FLOAT, {1}, &kFill);
    const signed char qfill = 127;
    g.dataset<signed char>("/gt1l/seg/quality", H5T_NATIVE_SCHAR, {0}, &qfill);
  }
  try {
    GranuleReader reader(path, test_config());
    FAIL();
  } catch (const GranuleError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": variables.s: missing dataset /gt1l/seg/h_li_sigma");
  }
}

TEST_F(GranuleReaderTest, ABeamWithoutItsLatitudeIsAbsentUnlessItsLongitudeIsThere) {
  // gt2l with only other datasets (a subsetter's empty beam): absent, not an error.
  // gt1l whole (one row), and `other` of gt2l only.
  auto write = [](const std::string& path, const std::string& other) {
    TinyGranule g(path);
    g.dataset<double>("/gt1l/seg/latitude", H5T_NATIVE_DOUBLE, {-70}, nullptr);
    g.dataset<double>("/gt1l/seg/longitude", H5T_NATIVE_DOUBLE, {10}, nullptr);
    g.dataset<float>("/gt1l/seg/h_li", H5T_NATIVE_FLOAT, {100}, nullptr);
    g.dataset<float>("/gt1l/seg/h_li_sigma", H5T_NATIVE_FLOAT, {0.1f}, nullptr);
    g.dataset<signed char>("/gt1l/seg/quality", H5T_NATIVE_SCHAR, {0}, nullptr);
    g.dataset<double>("/gt2l/seg/" + other, H5T_NATIVE_DOUBLE, {10}, nullptr);
  };
  const auto path = dir_ + "/partial.h5";
  write(path, "h_li");
  EXPECT_EQ(GranuleReader(path, test_config()).beams().size(), 1u);
  // gt2l with its longitude but no latitude: a damaged granule, refused naming both paths.
  const auto damaged = dir_ + "/damaged.h5";
  write(damaged, "longitude");
  try {
    GranuleReader r(damaged, test_config());
    FAIL() << "a beam without its latitude but with its longitude was skipped";
  } catch (const GranuleError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(damaged + ": beam gt2l has /gt2l/seg/longitude but not /gt2l/seg/latitude"),
              std::string::npos)
        << msg;
  }
}

TEST_F(GranuleReaderTest, ABeamWithoutRowsNeedsNoOtherDataset) {
  // gt1l present with 0 rows and nothing but its coordinates (a subsetter's empty beam, first
  // in the config's order); gt2l whole. The units, attributes and time base come from gt2l.
  const auto path = dir_ + "/emptyfirst.h5";
  {
    TinyGranule g(path);
    g.dataset<double>("/gt1l/seg/latitude", H5T_NATIVE_DOUBLE, {}, nullptr);
    g.dataset<double>("/gt1l/seg/longitude", H5T_NATIVE_DOUBLE, {}, nullptr);
    g.dataset<double>("/gt2l/seg/latitude", H5T_NATIVE_DOUBLE, {-70, -71}, nullptr);
    g.dataset<double>("/gt2l/seg/longitude", H5T_NATIVE_DOUBLE, {10, 11}, nullptr);
    g.dataset<float>("/gt2l/seg/h_li", H5T_NATIVE_FLOAT, {100, 200}, nullptr);
    g.dataset<float>("/gt2l/seg/h_li_sigma", H5T_NATIVE_FLOAT, {0.1f, 0.2f}, nullptr);
    g.dataset<signed char>("/gt2l/seg/quality", H5T_NATIVE_SCHAR, {0, 0}, nullptr);
    g.dataset<double>("/gt2l/seg/t", H5T_NATIVE_DOUBLE, {10, 100}, nullptr);
    g.string_attribute("/gt2l/seg/t", "units", "seconds since 2018-01-01");
  }
  auto config = test_config();
  config.time = "/{group}/seg/t";
  set_time_window(config.time_window, "2018-01-01T00:00:50Z", "", "--start");
  const GranuleReader reader(path, config);
  ASSERT_EQ(reader.beams().size(), 2u);
  EXPECT_EQ(reader.beams()[0].rows, 0u);
  EXPECT_EQ(reader.beams()[1].rows, 2u);
  EXPECT_EQ(reader.variable_attribute(0, "units"), "meters");
  EXPECT_EQ(reader.dataset_units().at(0), "meters");
  BeamChunk chunk;
  reader.read(0, 0, 0, true, chunk);
  EXPECT_EQ(chunk.size(), 0u);
  reader.read(1, 0, 2, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{0, 1}));  // t = 10 s is before --start
  ASSERT_EQ(chunk.values.size(), 2u);
  EXPECT_EQ(chunk.values[0][1], 200.0);
}

// The same with the empty beam after the whole one: it cut the units found so far short, so
// the granule read as one without units ("1 granule(s) give no units ... taken as the same").
TEST_F(GranuleReaderTest, ABeamWithoutRowsAfterOthersKeepsTheirUnits) {
  const auto path = dir_ + "/emptylast.h5";
  {
    TinyGranule g(path);
    g.dataset<double>("/gt1l/seg/latitude", H5T_NATIVE_DOUBLE, {-70, -71}, nullptr);
    g.dataset<double>("/gt1l/seg/longitude", H5T_NATIVE_DOUBLE, {10, 11}, nullptr);
    g.dataset<float>("/gt1l/seg/h_li", H5T_NATIVE_FLOAT, {100, 200}, nullptr);
    g.dataset<float>("/gt1l/seg/h_li_sigma", H5T_NATIVE_FLOAT, {0.1f, 0.2f}, nullptr);
    g.dataset<signed char>("/gt1l/seg/quality", H5T_NATIVE_SCHAR, {0, 0}, nullptr);
    g.dataset<double>("/gt2l/seg/latitude", H5T_NATIVE_DOUBLE, {}, nullptr);
    g.dataset<double>("/gt2l/seg/longitude", H5T_NATIVE_DOUBLE, {}, nullptr);
  }
  const GranuleReader reader(path, test_config());
  ASSERT_EQ(reader.beams().size(), 2u);
  EXPECT_EQ(reader.beams()[1].rows, 0u);
  ASSERT_FALSE(reader.dataset_units().empty());
  EXPECT_EQ(reader.dataset_units().at(0), "meters");
}

// Time windows are [start, end): a point exactly at --start is inside, one exactly at --end is
// outside (the next window's).
TEST_F(GranuleReaderTest, APointExactlyAtTheWindowsEndIsOutsideIt) {
  const auto path = dir_ + "/end.h5";
  {
    TinyGranule g(path);
    g.dataset<double>("/gt1l/seg/latitude", H5T_NATIVE_DOUBLE, {-70, -70, -70, -70}, nullptr);
    g.dataset<double>("/gt1l/seg/longitude", H5T_NATIVE_DOUBLE, {10, 10, 10, 10}, nullptr);
    g.dataset<float>("/gt1l/seg/h_li", H5T_NATIVE_FLOAT, {1, 2, 3, 4}, nullptr);
    g.dataset<float>("/gt1l/seg/h_li_sigma", H5T_NATIVE_FLOAT, {1, 1, 1, 1}, nullptr);
    g.dataset<signed char>("/gt1l/seg/quality", H5T_NATIVE_SCHAR, {0, 0, 0, 0}, nullptr);
    g.dataset<double>("/gt1l/seg/t", H5T_NATIVE_DOUBLE, {49, 50, 99.5, 100}, nullptr);
    g.string_attribute("/gt1l/seg/t", "units", "seconds since 2018-01-01");
  }
  auto config = test_config();
  config.time = "/{group}/seg/t";
  set_time_window(config.time_window, "2018-01-01T00:00:50Z", "2018-01-01T00:01:40Z", "--end");
  BeamChunk chunk;
  GranuleReader(path, config).read(0, 0, 4, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{0, 1, 1, 0}));  // t = 100 s is --end
}

// A latitude beyond a pole by no more than float32's rounding of 90 (1.07e-5 degrees) is that
// pole, with its sign: -90.000005 is the south pole, 90.000005 the north pole; beyond the slack
// a latitude has no position.
TEST_F(GranuleReaderTest, LatitudesJustBeyondAPoleAreThatPole) {
  const auto path = dir_ + "/poles.h5";
  {
    TinyGranule g(path);
    g.dataset<double>("/gt1l/seg/latitude", H5T_NATIVE_DOUBLE,
                      {-90.000005, 90.000005, -90.0001, -89.5}, nullptr);
    g.dataset<double>("/gt1l/seg/longitude", H5T_NATIVE_DOUBLE, {10, 10, 10, 10}, nullptr);
    g.dataset<float>("/gt1l/seg/h_li", H5T_NATIVE_FLOAT, {1, 2, 3, 4}, nullptr);
    g.dataset<float>("/gt1l/seg/h_li_sigma", H5T_NATIVE_FLOAT, {1, 1, 1, 1}, nullptr);
    g.dataset<signed char>("/gt1l/seg/quality", H5T_NATIVE_SCHAR, {0, 0, 0, 0}, nullptr);
  }
  BeamChunk chunk;
  GranuleReader(path, test_config()).read(0, 0, 4, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 1, 0, 1}));
  EXPECT_EQ(chunk.lat[0], -90.0);
  EXPECT_EQ(chunk.lat[1], 90.0);
  EXPECT_EQ(chunk.lat[3], -89.5);
}

// A filter expression keeps a point where it is non-zero; NaN (sqrt of a negative) never
// passes, nor does 0.
TEST_F(GranuleReaderTest, AFilterExpressionEvaluatingToNanDropsThePoint) {
  const auto path = dir_ + "/nanfilter.h5";
  {
    TinyGranule g(path);
    g.dataset<double>("/gt1l/seg/latitude", H5T_NATIVE_DOUBLE, {-70, -70, -70}, nullptr);
    g.dataset<double>("/gt1l/seg/longitude", H5T_NATIVE_DOUBLE, {10, 10, 10}, nullptr);
    g.dataset<float>("/gt1l/seg/h_li", H5T_NATIVE_FLOAT, {4, -4, 0}, nullptr);
    g.dataset<float>("/gt1l/seg/h_li_sigma", H5T_NATIVE_FLOAT, {1, 1, 1}, nullptr);
  }
  auto config = test_config();
  config.filters = {FilterSpec{"", FilterOp::eq, 0, "sqrt(h)"}};
  config.validate();
  BeamChunk chunk;
  GranuleReader(path, config).read(0, 0, 3, false, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 0, 0}));
}

// A derived variable whose expression evaluates to +inf or -inf (1 / 0, 1 / -0) has no data
// there, like a NaN or a fill.
TEST_F(GranuleReaderTest, ADerivedVariableEvaluatingToAnInfinityIsNoData) {
  const auto path = dir_ + "/infderived.h5";
  {
    TinyGranule g(path);
    g.dataset<double>("/gt1l/seg/latitude", H5T_NATIVE_DOUBLE, {-70, -70, -70}, nullptr);
    g.dataset<double>("/gt1l/seg/longitude", H5T_NATIVE_DOUBLE, {10, 10, 10}, nullptr);
    g.dataset<float>("/gt1l/seg/h_li", H5T_NATIVE_FLOAT, {2, 0, -0.0f}, nullptr);
    g.dataset<float>("/gt1l/seg/h_li_sigma", H5T_NATIVE_FLOAT, {1, 1, 1}, nullptr);
    g.dataset<signed char>("/gt1l/seg/quality", H5T_NATIVE_SCHAR, {0, 0, 0}, nullptr);
  }
  auto config = test_config();
  config.variables.push_back({"inverse", "", {}, "1 / h"});
  config.validate();
  BeamChunk chunk;
  GranuleReader(path, config).read(0, 0, 3, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 0, 0}));
  ASSERT_EQ(chunk.values.size(), 3u);
  EXPECT_EQ(chunk.values[2][0], 0.5);
}

TEST_F(GranuleReaderTest, LengthMismatchIsNamed) {
  const auto path = dir_ + "/l.h5";
  {
    TinyGranule g(path);
    g.dataset<double>("/gt1l/seg/latitude", H5T_NATIVE_DOUBLE, {1, 2}, nullptr);
    g.dataset<double>("/gt1l/seg/longitude", H5T_NATIVE_DOUBLE, {1, 2}, nullptr);
    g.dataset<float>("/gt1l/seg/h_li", H5T_NATIVE_FLOAT, {1, 2, 3}, &kFill);
    g.dataset<float>("/gt1l/seg/h_li_sigma", H5T_NATIVE_FLOAT, {1, 1}, &kFill);
    const signed char qfill = 127;
    g.dataset<signed char>("/gt1l/seg/quality", H5T_NATIVE_SCHAR, {0, 0}, &qfill);
  }
  try {
    GranuleReader reader(path, test_config());
    FAIL();
  } catch (const GranuleError& e) {
    EXPECT_NE(std::string(e.what()).find("/gt1l/seg/h_li has 3 rows, latitude has 2"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(GranuleReaderTest, NotHdf5AndTruncated) {
  const auto text = dir_ + "/ATL06_fake.h5";
  std::ofstream(text) << "this is not HDF5";
  EXPECT_THROW(GranuleReader(text, test_config()), GranuleError);
  try {
    GranuleReader(text, test_config());
  } catch (const GranuleError& e) {
    EXPECT_NE(std::string(e.what()).find(text + ": not a readable HDF5 file"), std::string::npos);
  }
  const auto good = write_good("t.h5");
  std::ifstream in(good, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto cut = dir_ + "/truncated.h5";
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  EXPECT_THROW(
      {
        GranuleReader r(cut, test_config());
        BeamChunk chunk;
        for (std::size_t b = 0; b < r.beams().size(); ++b)
          r.read(b, 0, r.beams()[b].rows, true, chunk);
      },
      GranuleError);
  EXPECT_THROW(GranuleReader(dir_ + "/absent.h5", test_config()), GranuleError);
}

// Groups found in no granule: a warning each, an error when no readable granule holds any;
// nothing when no granule could be read at all (their own errors say why, and "in no granule"
// would read as a wrong path), and a warning that says when some granules could not be read.
TEST(GroupCoverage, WarnsOfMissingGroupsOnlyAmongReadableGranules) {
  const auto config = test_config();
  auto c = check_group_coverage(config, {3, 0}, 3);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find(
                "group gt2l (groups[1]): its latitude /gt2l/seg/latitude is in no granule"),
            std::string::npos)
      << c.warnings[0];
  EXPECT_TRUE(c.error.empty());

  c = check_group_coverage(config, {2, 0}, 2, 1);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("is in none of the 2 readable granules (1 could not be read)"),
            std::string::npos)
      << c.warnings[0];

  c = check_group_coverage(config, {0, 0}, 4);
  EXPECT_EQ(c.warnings.size(), 2u);
  EXPECT_NE(c.error.find("none of the configured groups (gt1l, gt2l)"), std::string::npos);

  c = check_group_coverage(config, {0, 0}, 0, 1);  // the only granule was refused
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_TRUE(c.error.empty());
}

}  // namespace
}  // namespace healgrid
