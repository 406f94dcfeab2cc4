// What the granule reader refuses or converts when it opens a file: netCDF-3 files, unavailable
// HDF5 filters, coordinates in radians (packed ones too).
#include <gtest/gtest.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include "cf_test_files.hpp"
#include "healgrid/config/dataset_selector.hpp"
#include "healgrid/config/utc_time.hpp"
#include "healgrid/read/angle_units.hpp"
#include "healgrid/read/granule_reader.hpp"
#include "healgrid/read/time_coordinate.hpp"
#include "scratch_h5_file.hpp"

namespace healgrid {
namespace {

using namespace cf_test;

TEST(GranuleReader, NetcdfThreeFilesAreRefusedWithHowToConvert) {
  for (const char version : {'\1', '\2', '\5'}) {
    const std::string path = testing::TempDir() + "classic_" + std::to_string(version) + ".nc";
    {
      std::ofstream out(path, std::ios::binary);
      out << "CDF" << version << std::string(60, '\0');
    }
    for (const auto columns : {GranuleReader::Columns::all, GranuleReader::Columns::values}) {
      try {
        const GranuleReader reader(path, flat_config({{"v", "/v"}}), columns);
        ADD_FAILURE() << "read a netCDF-3 file";
      } catch (const GranuleError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(path + ": a netCDF-3"), std::string::npos) << what;
        EXPECT_NE(what.find("nccopy -k nc4"), std::string::npos) << what;
      }
    }
    std::remove(path.c_str());
  }
}

// A dataset compressed with a filter this HDF5 cannot load (h5py's LZF, 32000, set optional as
// h5py does) is a bad granule when opened, not a failure of the later reads.
TEST(GranuleReader, UnavailableFilterIsAGranuleErrorWhenOpened) {
  ASSERT_LE(H5Zfilter_avail(32000), 0) << "an LZF plugin is installed here";
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 4);
  const hsize_t n = 4, chunk = 2;
  H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_chunk(dcpl.get(), 1, &chunk);
  ASSERT_GE(H5Pset_filter(dcpl.get(), 32000, H5Z_FLAG_OPTIONAL, 0, nullptr), 0);
  H5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5Handle d(H5Dcreate2(f.get(), "/v", H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT, dcpl.get(),
                        H5P_DEFAULT),
             H5Dclose);
  ASSERT_TRUE(d.valid());
  d.reset();
  w.finish();
  try {
    const GranuleReader reader(file_path(f), flat_config({{"v", "/v"}}));
    ADD_FAILURE() << "opened a dataset whose filter is unavailable";
  } catch (const DatasetMismatch& e) {
    ADD_FAILURE() << "a config error instead of a bad granule: " << e.what();
  } catch (const GranuleError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("variables.v: dataset /v"), std::string::npos) << what;
    EXPECT_NE(what.find("HDF5 filter 32000"), std::string::npos) << what;
  }
}

TEST(AngleUnits, DegreeSpellingsRadiansAndRefusals) {
  const auto lat = CoordinateAxis::latitude, lon = CoordinateAxis::longitude;
  for (const char* u :
       {"", " ", "degrees_north", "degree_north", "degree_N", "degrees_N", "degreeN", "degreesN",
        "Degrees_North", " degrees ", "degree", "deg", "decimal degrees", "degrees (WGS84)",
        "arc_degree", "\xC2\xB0", "\xC2\xB0N", "degrees north"})
    EXPECT_EQ(degrees_per_unit(u, lat), 1.0) << u;
  for (const char* u : {"degrees_east", "degree_east", "degree_E", "degrees_E", "degreeE",
                        "degreesE", "DEGREES", "deg"})
    EXPECT_EQ(degrees_per_unit(u, lon), 1.0) << u;
  for (const char* u : {"radians", "radian", "rad", "Radians"}) {
    EXPECT_DOUBLE_EQ(degrees_per_unit(u, lat), 57.29577951308232) << u;
    EXPECT_DOUBLE_EQ(degrees_per_unit(u, lon), 57.29577951308232) << u;
  }
  const auto error_of = [](const std::string& units, CoordinateAxis axis) {
    try {
      degrees_per_unit(units, axis);
    } catch (const CfAttributeError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error_of("degrees_east", lat),
            "units \"degrees_east\" are the longitude's: are coordinates.latitude and "
            "coordinates.longitude swapped?");
  EXPECT_NE(error_of("degree_N", lon).find("are the latitude's"), std::string::npos);
  EXPECT_NE(error_of("degrees_south", lat).find("north-positive"), std::string::npos);
  EXPECT_NE(error_of("degrees_west", lon).find("east-positive"), std::string::npos);
  for (const char* u : {"m", "meters", "1", "km", "degrees_up", "gradians"})
    EXPECT_NE(error_of(u, lat).find("are not an angle healgrid knows"), std::string::npos) << u;
}

// Coordinates in radians are binned in degrees (packed ones too); a latitude whose units are a
// longitude's is refused naming the file, the config key and the dataset.
TEST(GranuleReader, CoordinatesInRadiansAreReadInDegreesOthersRefused) {
  ScratchH5File f("angles_");
  Writer w(f);
  const double rad = M_PI / 180;
  const auto lat = w.dataset<double>("/lat", H5T_NATIVE_DOUBLE, {3}, {-70 * rad, 89.5 * rad, 0});
  w.string_attribute(lat, "units", "radians");
  const auto lon = w.dataset<int>("/lon", H5T_NATIVE_INT, {3}, {-31416, 15708, 1000});
  w.attribute<double>(lon, "scale_factor", H5T_NATIVE_DOUBLE, {1e-4});
  w.string_attribute(lon, "units", "rad");
  const auto swapped = w.dataset<double>("/lat_e", H5T_NATIVE_DOUBLE, {3}, {1, 2, 3});
  w.string_attribute(swapped, "units", "degrees_east");
  const auto metres = w.dataset<double>("/x", H5T_NATIVE_DOUBLE, {3}, {1, 2, 3});
  w.string_attribute(metres, "units", "m");
  w.dataset<double>("/h", H5T_NATIVE_DOUBLE, {3}, {1, 2, 3});
  w.finish();
  const auto config = flat_config({{"h", "/h"}});
  const GranuleReader reader(file_path(f), config);
  BeamChunk chunk;
  reader.read(0, 0, 3, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 1, 1}));
  EXPECT_NEAR(chunk.lat[0], -70, 1e-12);
  EXPECT_NEAR(chunk.lat[1], 89.5, 1e-12);
  EXPECT_NEAR(chunk.lon[0], -3.1416 / rad, 1e-9);
  EXPECT_NEAR(chunk.lon[1], 1.5708 / rad, 1e-9);
  EXPECT_NEAR(chunk.lon[2], 0.1 / rad, 1e-9);
  const auto error_of = [&](const std::string& latitude, const std::string& longitude) {
    auto c = config;
    c.latitude = latitude;
    c.longitude = longitude;
    try {
      GranuleReader(file_path(f), c);
    } catch (const DatasetMismatch& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(error_of("/lat_e", "/lon"),
            file_path(f) +
                ": coordinates.latitude: dataset /lat_e: units \"degrees_east\" are the "
                "longitude's: are coordinates.latitude and coordinates.longitude swapped?");
  EXPECT_NE(error_of("/lat", "/x")
                .find(": coordinates.longitude: dataset /x: units \"m\" are "
                      "not an angle healgrid knows"),
            std::string::npos);
}

// A packed latitude in radians with its valid range in radians too (unpacked units, floats): the
// bounds become degrees with the values. Within [-1.2, 1.2] rad: -1 rad (-57.3 degrees) and
// 0.5 rad; beyond it: -1.3 and 1.3 rad (-74.5 and 74.5 degrees, positions on the globe).
TEST(GranuleReader, RadianValidRangeOfAPackedLatitudeIsConvertedToDegreesToo) {
  ScratchH5File f("angles_");
  Writer w(f);
  const double rad = M_PI / 180;
  const auto lat = w.dataset<int>("/lat", H5T_NATIVE_INT, {4}, {-10000, 5000, -13000, 13000});
  w.attribute<double>(lat, "scale_factor", H5T_NATIVE_DOUBLE, {1e-4});
  w.attribute<double>(lat, "valid_min", H5T_NATIVE_DOUBLE, {-1.2});
  w.attribute<double>(lat, "valid_max", H5T_NATIVE_DOUBLE, {1.2});
  w.string_attribute(lat, "units", "radians");
  w.dataset<double>("/lon", H5T_NATIVE_DOUBLE, {4}, {10, 10, 10, 10});
  w.dataset<double>("/h", H5T_NATIVE_DOUBLE, {4}, {1, 2, 3, 4});
  w.finish();
  BeamChunk chunk;
  GranuleReader(file_path(f), flat_config({{"h", "/h"}})).read(0, 0, 4, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 1, 0, 0}));
  EXPECT_NEAR(chunk.lat[0], -1.0 / rad, 1e-9);
  EXPECT_NEAR(chunk.lat[1], 0.5 / rad, 1e-9);
}

// A packed latitude in radians with an add_offset in radians: unpacking yields degrees, so the
// offset is converted with the scale. value = (stored * 1e-4 + 0.5) rad: stored -10000 is
// -0.5 rad (-28.6 degrees), 5000 is 1 rad (57.3 degrees); a longitude offset by -1 rad too.
TEST(GranuleReader, RadianAddOffsetOfAPackedCoordinateIsConvertedToDegreesToo) {
  ScratchH5File f("angles_");
  Writer w(f);
  const double rad = M_PI / 180;
  const auto lat = w.dataset<int>("/lat", H5T_NATIVE_INT, {2}, {-10000, 5000});
  w.attribute<double>(lat, "scale_factor", H5T_NATIVE_DOUBLE, {1e-4});
  w.attribute<double>(lat, "add_offset", H5T_NATIVE_DOUBLE, {0.5});
  w.string_attribute(lat, "units", "radians");
  const auto lon = w.dataset<int>("/lon", H5T_NATIVE_INT, {2}, {0, 20000});
  w.attribute<double>(lon, "scale_factor", H5T_NATIVE_DOUBLE, {1e-4});
  w.attribute<double>(lon, "add_offset", H5T_NATIVE_DOUBLE, {-1.0});
  w.string_attribute(lon, "units", "radian");
  w.dataset<double>("/h", H5T_NATIVE_DOUBLE, {2}, {1, 2});
  w.finish();
  BeamChunk chunk;
  GranuleReader(file_path(f), flat_config({{"h", "/h"}})).read(0, 0, 2, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 1}));
  EXPECT_NEAR(chunk.lat[0], -0.5 / rad, 1e-9);
  EXPECT_NEAR(chunk.lat[1], 1.0 / rad, 1e-9);
  EXPECT_NEAR(chunk.lon[0], -1.0 / rad, 1e-9);
  EXPECT_NEAR(chunk.lon[1], 1.0 / rad, 1e-9);
}

// Coordinates packed with a float32 scale_factor unpack in double (fine grids), not rounded to
// float32 as other such variables are: int32 700000001 x 1e-7f is 70.00000092, which float32
// (spaced 7.6e-6 apart at 70) does not hold.
TEST(GranuleReader, PackedCoordinatesWithAFloat32ScaleKeepDoublePrecision) {
  ScratchH5File f("angles_");
  Writer w(f);
  const auto lat = w.dataset<int>("/lat", H5T_NATIVE_INT, {2}, {700000001, -123456789});
  w.attribute<float>(lat, "scale_factor", H5T_NATIVE_FLOAT, {1e-7f});
  const auto lon = w.dataset<int>("/lon", H5T_NATIVE_INT, {2}, {1234567891, -5});
  w.attribute<float>(lon, "scale_factor", H5T_NATIVE_FLOAT, {1e-7f});
  w.dataset<double>("/h", H5T_NATIVE_DOUBLE, {2}, {1, 2});
  w.finish();
  BeamChunk chunk;
  GranuleReader(file_path(f), flat_config({{"h", "/h"}})).read(0, 0, 2, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 1}));
  const double scale = static_cast<double>(1e-7f);
  const double want = 700000001 * scale;
  ASSERT_NE(static_cast<double>(static_cast<float>(want)), want);  // float32 would round it
  EXPECT_EQ(chunk.lat[0], want);
  EXPECT_EQ(chunk.lat[1], -123456789 * scale);
  EXPECT_EQ(chunk.lon[0], 1234567891 * scale);
}

}  // namespace
}  // namespace healgrid
