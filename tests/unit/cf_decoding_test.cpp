// CF decoding of the granule reader's columns, on small HDF5 files written with the C API:
// packed integers, fill values stored in another type than the dataset, missing_value /
// valid_range / sentinels, float16 and wide floats, netCDF's default fills, and the errors
// naming the config key and the dataset.
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

TEST(CfDecoding, PackedIntegersAreUnpackedAndFillComparedStored) {
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 5);
  // int16 packed heights: value = stored * 0.01 + 1000; fill -32768 stored as an int32 attribute.
  const auto h = w.dataset<short>("/h", H5T_NATIVE_SHORT, {5}, {0, 150, -32768, -250, 32767});
  w.attribute<double>(h, "scale_factor", H5T_NATIVE_DOUBLE, {0.01});
  w.attribute<float>(h, "add_offset", H5T_NATIVE_FLOAT, {1000.0f});
  w.attribute<int>(h, "_FillValue", H5T_NATIVE_INT, {-32768});
  w.attribute<short>(h, "valid_max", H5T_NATIVE_SHORT, {32000});
  w.finish();
  const GranuleReader reader(file_path(f), flat_config({{"h", "/h"}}));
  BeamChunk chunk;
  reader.read(0, 0, 5, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 1, 0, 1, 0}));
  EXPECT_DOUBLE_EQ(chunk.values[0][0], 1000.0);
  EXPECT_DOUBLE_EQ(chunk.values[0][1], 1001.5);
  EXPECT_DOUBLE_EQ(chunk.values[0][3], 997.5);
}

TEST(CfDecoding, UnsignedAttributeReadsTheBitsWithTheOtherSign) {
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 5);
  // netCDF's _Unsigned = "true" on int16: -1 is 65535 (the fill, written as the signed -1),
  // -32768 is 32768; packed: value = meant * 0.05 - 500.
  const auto h = w.dataset<short>("/h", H5T_NATIVE_SHORT, {5}, {0, 100, -1, -32768, -2});
  w.string_attribute(h, "_Unsigned", "true");
  w.attribute<double>(h, "scale_factor", H5T_NATIVE_DOUBLE, {0.05});
  w.attribute<double>(h, "add_offset", H5T_NATIVE_DOUBLE, {-500.0});
  w.attribute<short>(h, "_FillValue", H5T_NATIVE_SHORT, {-1});
  // _Unsigned = "false" on uint8: 255 is -1, 128 is -128; valid_min -100 (meant signed).
  const auto b = w.dataset<unsigned char>("/b", H5T_NATIVE_UCHAR, {5}, {1, 127, 255, 128, 200});
  w.string_attribute(b, "_Unsigned", "false");
  w.attribute<signed char>(b, "valid_min", H5T_NATIVE_SCHAR, {-100});
  w.finish();
  const GranuleReader reader(file_path(f), flat_config({{"h", "/h"}, {"b", "/b"}}));
  BeamChunk chunk;
  reader.read(0, 0, 5, true, chunk);
  // h: fill at 2; b: -128 (3) below valid_min; 200 is -56, kept.
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 1, 0, 0, 1}));
  EXPECT_DOUBLE_EQ(chunk.values[0][0], -500.0);
  EXPECT_DOUBLE_EQ(chunk.values[0][1], -495.0);
  EXPECT_DOUBLE_EQ(chunk.values[0][4], 65534 * 0.05 - 500.0);  // not -2 * 0.05 - 500
  EXPECT_DOUBLE_EQ(chunk.values[1][0], 1.0);
  EXPECT_DOUBLE_EQ(chunk.values[1][1], 127.0);
  EXPECT_DOUBLE_EQ(chunk.values[1][4], -56.0);
}

TEST(CfDecoding, AFloatValidRangeOfPackedIntegersIsInUnpackedUnits) {
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 4);
  // int32 latitude packed as stored * 1e-7 - 60: valid_min/valid_max -90.0/-65.0 in degrees
  // (float64): a stored value is never compared with them, its latitude is.
  const auto lat = w.dataset<int>("/q", H5T_NATIVE_INT, {4}, {0, -100000000, 50000000, 1});
  w.attribute<double>(lat, "scale_factor", H5T_NATIVE_DOUBLE, {1e-7});
  w.attribute<double>(lat, "add_offset", H5T_NATIVE_DOUBLE, {-60.0});
  w.attribute<double>(lat, "valid_min", H5T_NATIVE_DOUBLE, {-90.0});
  w.attribute<double>(lat, "valid_max", H5T_NATIVE_DOUBLE, {-65.0});
  // The same with an integer range: in the packed type, compared with the stored values.
  const auto p = w.dataset<int>("/p", H5T_NATIVE_INT, {4}, {0, -100000000, 50000000, 1});
  w.attribute<double>(p, "scale_factor", H5T_NATIVE_DOUBLE, {1e-7});
  w.attribute<double>(p, "add_offset", H5T_NATIVE_DOUBLE, {-60.0});
  w.attribute<int>(p, "valid_range", H5T_NATIVE_INT, {-300000000, 0});
  w.finish();
  BeamChunk chunk;
  // q: -60, -70, -55, -59.9999999: only -70 within [-90, -65].
  GranuleReader(file_path(f), flat_config({{"q", "/q"}})).read(0, 0, 4, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{0, 1, 0, 0}));
  EXPECT_DOUBLE_EQ(chunk.values[0][1], -70.0);
  // p: stored 0 and -1e8 within [-3e8, 0]; 5e7 and 1 above it.
  GranuleReader(file_path(f), flat_config({{"p", "/p"}})).read(0, 0, 4, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 1, 0, 0}));
}

TEST(CfDecoding, AnUnpackedRangeOfUnsignedPackedIntegersIsNotGivenTheOtherSign) {
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 5);
  // _Unsigned = "true" on int16, value = meant * 0.01 - 100, valid_min -50.0 (float32): in
  // unpacked units, so -50, not the bits of -50 meant unsigned (65486, which kept no value).
  const auto h = w.dataset<short>("/h", H5T_NATIVE_SHORT, {5}, {0, 4999, 5000, -1, -32768});
  w.string_attribute(h, "_Unsigned", "true");
  w.attribute<double>(h, "scale_factor", H5T_NATIVE_DOUBLE, {0.01});
  w.attribute<double>(h, "add_offset", H5T_NATIVE_DOUBLE, {-100.0});
  w.attribute<short>(h, "_FillValue", H5T_NATIVE_SHORT, {-1});
  w.attribute<float>(h, "valid_min", H5T_NATIVE_FLOAT, {-50.0f});
  // _Unsigned = "false" on uint8, value = meant * 2, valid_max 200.0: 128 and 100 are kept
  // (-256, 200), 101 is not (202); 200 is meant -56 (-112), kept; not a bound of -56 * 2.
  const auto b = w.dataset<unsigned char>("/b", H5T_NATIVE_UCHAR, {5}, {1, 100, 101, 128, 200});
  w.string_attribute(b, "_Unsigned", "false");
  w.attribute<double>(b, "scale_factor", H5T_NATIVE_DOUBLE, {2.0});
  w.attribute<double>(b, "valid_max", H5T_NATIVE_DOUBLE, {200.0});
  // The same with valid_range [-50.0, 400.0]: was refused as "valid minimum 65486 exceeds".
  const auto r = w.dataset<short>("/r", H5T_NATIVE_SHORT, {5}, {0, 4999, 5000, -1, -32768});
  w.string_attribute(r, "_Unsigned", "true");
  w.attribute<double>(r, "scale_factor", H5T_NATIVE_DOUBLE, {0.01});
  w.attribute<double>(r, "add_offset", H5T_NATIVE_DOUBLE, {-100.0});
  w.attribute<float>(r, "valid_range", H5T_NATIVE_FLOAT, {-50.0f, 400.0f});
  w.finish();
  BeamChunk chunk;
  // h: -100, -50.01, -50, fill (65535 meant), 227.68 (32768 meant).
  GranuleReader(file_path(f), flat_config({{"h", "/h"}})).read(0, 0, 5, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{0, 0, 1, 0, 1}));
  EXPECT_NEAR(chunk.values[0][2], -50.0, 1e-9);
  EXPECT_NEAR(chunk.values[0][4], 227.68, 1e-9);
  GranuleReader(file_path(f), flat_config({{"b", "/b"}})).read(0, 0, 5, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 1, 0, 1, 1}));
  EXPECT_DOUBLE_EQ(chunk.values[0][3], -256.0);
  EXPECT_DOUBLE_EQ(chunk.values[0][4], -112.0);
  // r: the same as h, and 65535 meant (stored -1, no fill here) is 555.35, above 400.
  GranuleReader(file_path(f), flat_config({{"r", "/r"}})).read(0, 0, 5, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{0, 0, 1, 0, 1}));
}

// An HDF5 enumeration of integers (h5py's bool, a netCDF-4 enum) is read as its base
// integers, as netCDF4-python and xarray read it: contiguous (HDF5's enum-to-number
// conversion) and chunked with deflate (the direct chunk path), a fill of the enum type too.
TEST(CfDecoding, AnEnumDatasetReadsAsItsBaseIntegers) {
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 5);
  H5Handle boolean(H5Tenum_create(H5T_NATIVE_SCHAR), H5Tclose);
  const signed char no = 0, yes = 1;
  H5Tenum_insert(boolean.get(), "FALSE", &no);
  H5Tenum_insert(boolean.get(), "TRUE", &yes);
  const std::vector<signed char> flags{1, 0, 1, 1, 0};
  w.dataset<signed char>("/good", boolean.get(), {5}, flags);
  H5Handle quality(H5Tenum_create(H5T_STD_U16LE), H5Tclose);
  const std::uint16_t codes[3] = {0, 1, 700};
  for (const char* name : {"ok", "warn", "none"})
    H5Tenum_insert(quality.get(), name, &codes[name[0] == 'o' ? 0 : name[0] == 'w' ? 1 : 2]);
  const hsize_t dims = 5, chunk = 2;
  H5Handle space(H5Screate_simple(1, &dims, nullptr), H5Sclose);
  H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_chunk(dcpl.get(), 1, &chunk);
  H5Pset_shuffle(dcpl.get());
  H5Pset_deflate(dcpl.get(), 4);
  {
    H5Handle q(
        H5Dcreate2(f.get(), "/q", quality.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
        H5Dclose);
    const std::uint16_t values[5] = {1, 0, 700, 1, 0};
    H5Dwrite(q.get(), quality.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values);
    H5Handle scalar(H5Screate(H5S_SCALAR), H5Sclose);
    H5Handle fill(
        H5Acreate2(q.get(), "_FillValue", quality.get(), scalar.get(), H5P_DEFAULT, H5P_DEFAULT),
        H5Aclose);
    H5Awrite(fill.get(), quality.get(), &codes[2]);
  }
  w.finish();
  BeamChunk c;
  GranuleReader(file_path(f), flat_config({{"good", "/good"}})).read(0, 0, 5, true, c);
  EXPECT_EQ(c.valid, (std::vector<std::uint8_t>{1, 1, 1, 1, 1}));
  EXPECT_EQ(c.values[0], (std::vector<double>{1, 0, 1, 1, 0}));
  GranuleReader(file_path(f), flat_config({{"q", "/q"}})).read(0, 0, 5, true, c);
  EXPECT_EQ(c.valid, (std::vector<std::uint8_t>{1, 1, 0, 1, 1}));  // 700: the fill
  EXPECT_DOUBLE_EQ(c.values[0][0], 1.0);
  EXPECT_DOUBLE_EQ(c.values[0][3], 1.0);
  // As a filter: the points whose flag is TRUE.
  auto config = flat_config({{"q", "/q"}});
  config.filters.push_back({"/good", FilterOp::eq, 1.0});
  GranuleReader(file_path(f), config).read(0, 0, 5, true, c);
  EXPECT_EQ(c.valid, (std::vector<std::uint8_t>{1, 0, 0, 1, 0}));
}

TEST(CfDecoding, AnUnpackedBoundKeepsValuesAtItWithinFloatTolerance) {
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 4);
  // int16 stored 1..4 * 0.1: 3 * 0.1 is 0.30000000000000004 in double, at valid_max 0.3 as
  // netCDF-Java reads it (relative 1e-5); 0.4 is beyond it.
  const auto v = w.dataset<short>("/v", H5T_NATIVE_SHORT, {4}, {1, 2, 3, 4});
  w.attribute<double>(v, "scale_factor", H5T_NATIVE_DOUBLE, {0.1});
  w.attribute<double>(v, "valid_max", H5T_NATIVE_DOUBLE, {0.3});
  // The same values against a valid_max 3.3e-5 relative below 0.3: stored 3 is beyond it.
  const auto u = w.dataset<short>("/u", H5T_NATIVE_SHORT, {4}, {1, 2, 3, 4});
  w.attribute<double>(u, "scale_factor", H5T_NATIVE_DOUBLE, {0.1});
  w.attribute<double>(u, "valid_max", H5T_NATIVE_DOUBLE, {0.29999});
  // valid_min 0.7 in unpacked units of stored * 0.001: 700 * 0.001 = 0.7000000000000001.
  const auto m = w.dataset<int>("/m", H5T_NATIVE_INT, {4}, {699, 700, 701, 650});
  w.attribute<double>(m, "scale_factor", H5T_NATIVE_DOUBLE, {0.001});
  w.attribute<double>(m, "valid_range", H5T_NATIVE_DOUBLE, {0.5, 0.7});
  w.finish();
  BeamChunk chunk;
  GranuleReader(file_path(f), flat_config({{"v", "/v"}})).read(0, 0, 4, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 1, 1, 0}));
  GranuleReader(file_path(f), flat_config({{"u", "/u"}})).read(0, 0, 4, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 1, 0, 0}));
  GranuleReader(file_path(f), flat_config({{"m", "/m"}})).read(0, 0, 4, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 1, 0, 1}));
}

TEST(CfDecoding, UnsignedAttributeOtherThanTrueOrFalseIsAnError) {
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 2);
  const auto h = w.dataset<short>("/h", H5T_NATIVE_SHORT, {2}, {1, 2});
  w.string_attribute(h, "_Unsigned", "yes");
  w.finish();
  try {
    const GranuleReader reader(file_path(f), flat_config({{"h", "/h"}}));
    BeamChunk chunk;
    reader.read(0, 0, 2, true, chunk);
    FAIL() << "an _Unsigned of 'yes' was accepted";
  } catch (const std::exception& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("_Unsigned is 'yes', expected true or false"), std::string::npos) << msg;
    EXPECT_NE(msg.find("/h"), std::string::npos) << msg;
  }
}

TEST(CfDecoding, Float32FillStoredAsFloat64IsRecognised) {
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 3);
  const float big = std::numeric_limits<float>::max();
  const auto h = w.dataset<float>("/h", H5T_NATIVE_FLOAT, {3}, {1.5f, big, 2.5f});
  // The decimal 3.4028235e38 as a double is not FLT_MAX, but rounds to it in float32.
  w.attribute<double>(h, "_FillValue", H5T_NATIVE_DOUBLE, {3.4028235e38});
  const auto g = w.dataset<float>("/g", H5T_NATIVE_FLOAT, {3}, {-9999.0f, 1.0f, 2.0f});
  w.attribute<double>(g, "missing_value", H5T_NATIVE_DOUBLE, {-1.0, 1.0});
  w.finish();
  PipelineConfig c = flat_config({{"h", "/h"}, {"g", "/g", {-9999.0}}});
  const GranuleReader reader(file_path(f), c);
  BeamChunk chunk;
  reader.read(0, 0, 3, true, chunk);
  // row 0: g is the -9999 sentinel; row 1: h is the fill and g a missing_value.
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{0, 0, 1}));
}

// Fills and valid ranges are compared in the dataset's own type, whatever its float format:
// a float16 dataset stores -9999 as -10000 (its nearest half), and a float64 _FillValue of -9999
// means that half; a float64 valid_max of 0.1 on float32 data is the float32 0.1 (above the
// double 0.1), so a stored 0.1f is inside the range.
TEST(CfDecoding, FillsAndRangesAreComparedInTheStoredFloatFormat) {
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 3);
  H5Handle h = write_half(f.get(), "/h", {-9999.0, 1.5, 2.5});
  ASSERT_TRUE(h.valid());
  w.attribute<double>(h.get(), "_FillValue", H5T_NATIVE_DOUBLE, {-9999.0});
  h.reset();
  const auto g = w.dataset<float>("/g", H5T_NATIVE_FLOAT, {3}, {0.1f, 0.2f, 0.05f});
  w.attribute<double>(g, "valid_max", H5T_NATIVE_DOUBLE, {0.1});
  w.finish();
  PipelineConfig c = flat_config({{"h", "/h"}, {"g", "/g"}});
  const GranuleReader reader(file_path(f), c);
  BeamChunk chunk;
  reader.read(0, 0, 3, true, chunk);
  // row 0: h is the fill (stored -10000); row 1: g is above 0.1f; row 2: both valid.
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{0, 0, 1}));
  EXPECT_EQ(chunk.values[0][2], 2.5);
  EXPECT_EQ(chunk.values[1][0], static_cast<double>(0.1f));
}

// A float64 valid_min / valid_max on float32 data is a float32 bound (as netCDF4-python reads
// it): valid_max 0.1 is 0.1f, above the double 0.1, so a stored 0.1f is inside the range;
// valid_min 0.7 is 0.7f, below the double 0.7, so a stored 0.7f is inside it too.
TEST(CfDecoding, AFloat64BoundOnFloat32DataIsRoundedToFloat32) {
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 3);
  const auto g = w.dataset<float>("/g", H5T_NATIVE_FLOAT, {3}, {0.1f, 0.2f, 0.05f});
  w.attribute<double>(g, "valid_max", H5T_NATIVE_DOUBLE, {0.1});
  const auto k = w.dataset<float>("/k", H5T_NATIVE_FLOAT, {3}, {0.7f, 0.6f, 0.8f});
  w.attribute<double>(k, "valid_min", H5T_NATIVE_DOUBLE, {0.7});
  w.finish();
  BeamChunk chunk;
  GranuleReader(file_path(f), flat_config({{"g", "/g"}})).read(0, 0, 3, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 0, 1}));
  EXPECT_EQ(chunk.values[0][0], static_cast<double>(0.1f));
  GranuleReader(file_path(f), flat_config({{"k", "/k"}})).read(0, 0, 3, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 0, 1}));
  EXPECT_EQ(chunk.values[0][0], static_cast<double>(0.7f));
}

// Only a packed integer dataset takes a floating-point valid range in unpacked units; packed
// float data keeps it in the stored type (CF: the range is in the packed data's type), compared
// with the stored values: float32 stored * 0.01 with valid_range [20, 100] keeps stored 50 and
// 100 (0.5 and 1.0 unpacked) and drops stored 150 and 10 (1.5 and 0.1).
TEST(CfDecoding, AValidRangeOfPackedFloatsIsInTheStoredUnits) {
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 4);
  const auto p = w.dataset<float>("/p", H5T_NATIVE_FLOAT, {4}, {50.0f, 150.0f, 100.0f, 10.0f});
  w.attribute<double>(p, "scale_factor", H5T_NATIVE_DOUBLE, {0.01});
  w.attribute<double>(p, "valid_range", H5T_NATIVE_DOUBLE, {20.0, 100.0});
  w.finish();
  BeamChunk chunk;
  GranuleReader(file_path(f), flat_config({{"p", "/p"}})).read(0, 0, 4, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 0, 1, 0}));
  EXPECT_DOUBLE_EQ(chunk.values[0][0], 0.5);
  EXPECT_DOUBLE_EQ(chunk.values[0][2], 1.0);
}

// A filter's value is compared as the dataset holds values, as numpy compares a float32 array
// with 0.9: rounded to float32 (0.9f is below the double 0.9) or float16 (0.1 is 0.0999755859375);
// a packed dataset's decoded doubles against the value itself.
TEST(CfDecoding, FilterValuesAreComparedInTheStoredFloatFormat) {
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 4);
  w.dataset<float>("/q", H5T_NATIVE_FLOAT, {4}, {0.9f, 0.95f, 0.5f, 0.9f});
  ASSERT_TRUE(write_half(f.get(), "/h", {0.1, 0.2, 0.05, 0.1}).valid());  // the nearest halves
  const auto p = w.dataset<float>("/p", H5T_NATIVE_FLOAT, {4}, {9.0f, 9.5f, 5.0f, 9.0f});
  w.attribute<double>(p, "scale_factor", H5T_NATIVE_DOUBLE, {0.1});  // 9 * 0.1 = 0.9 in double
  w.finish();
  const auto kept = [&](const std::string& dataset, FilterOp op, double value) {
    PipelineConfig c = flat_config({{"x", "/lat"}});
    c.filters = {FilterSpec{dataset, op, value}};
    BeamChunk chunk;
    GranuleReader(file_path(f), c).read(0, 0, 4, false, chunk);
    return chunk.valid;
  };
  using V = std::vector<std::uint8_t>;
  EXPECT_EQ(kept("/q", FilterOp::ge, 0.9), (V{1, 1, 0, 1}));
  EXPECT_EQ(kept("/q", FilterOp::eq, 0.9), (V{1, 0, 0, 1}));
  EXPECT_EQ(kept("/q", FilterOp::gt, 0.9), (V{0, 1, 0, 0}));
  EXPECT_EQ(kept("/q", FilterOp::lt, 1e39), (V{1, 1, 1, 1}));  // beyond float32: infinity
  EXPECT_EQ(kept("/h", FilterOp::eq, 0.1), (V{1, 0, 0, 1}));
  EXPECT_EQ(kept("/h", FilterOp::le, 0.1), (V{1, 0, 1, 1}));
  EXPECT_EQ(kept("/p", FilterOp::ge, 0.9), (V{1, 1, 0, 1}));  // decoded 0.9 is the double 0.9
}

// Packed with a float32 scale_factor, values unpack to float32 (CF: the attributes' type), as
// netCDF4-python and xarray read Sentinel-5P's qa_value: 75 x 0.01f is 0.75f, which
// `>= 0.75` keeps (in double it is 0.7499999832).
TEST(CfDecoding, PackedWithFloat32AttributesUnpacksToFloat32) {
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 5);
  const auto qa = w.dataset<unsigned char>("/qa", H5T_NATIVE_UCHAR, {5}, {50, 75, 100, 100, 255});
  w.attribute<float>(qa, "scale_factor", H5T_NATIVE_FLOAT, {0.01f});
  w.attribute<unsigned char>(qa, "_FillValue", H5T_NATIVE_UCHAR, {255});
  w.finish();
  PipelineConfig c = flat_config({{"qa", "/qa"}});
  BeamChunk chunk;
  GranuleReader(file_path(f), c).read(0, 0, 5, true, chunk);
  EXPECT_EQ(chunk.values[0][1], static_cast<double>(0.75f));
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 1, 1, 1, 0}));
  c.filters = {FilterSpec{"/qa", FilterOp::ge, 0.75}};
  GranuleReader(file_path(f), c).read(0, 0, 5, false, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{0, 1, 1, 1, 0}));
  c.filters = {FilterSpec{"/qa", FilterOp::eq, 1.0}};
  GranuleReader(file_path(f), c).read(0, 0, 5, false, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{0, 0, 1, 1, 0}));
}

// A threshold at or beyond 2^53 on a 64-bit integer dataset cannot be compared in float64
// (2^53 + 1 reads as 2^53): refused naming the key; below 2^53 every comparison is exact.
TEST(CfDecoding, FilterThresholdsBeyondTwoToThe53OnWideIntegersAreRefused) {
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 3);
  w.dataset<unsigned long long>("/u", H5T_NATIVE_ULLONG, {3},
                                {9007199254740992ull, 9007199254740993ull, 5ull});
  w.finish();
  PipelineConfig c = flat_config({{"x", "/lat"}});
  c.filters = {FilterSpec{"/u", FilterOp::gt, 9007199254740992.0}};
  try {
    GranuleReader(file_path(f), c);
    ADD_FAILURE() << "a threshold of 2^53 on uint64 accepted";
  } catch (const DatasetMismatch& e) {
    EXPECT_NE(std::string(e.what()).find("filters[0].value: 9007199254740992 is at or beyond "
                                         "2^53"),
              std::string::npos)
        << e.what();
  }
  c.filters = {FilterSpec{"/u", FilterOp::gt, 6.0}};
  BeamChunk chunk;
  GranuleReader(file_path(f), c).read(0, 0, 3, false, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 1, 0}));
}

// A float wider than a double (x86's 80-bit long double, stored in 16 bytes): its fill is
// rounded through HDF5's conversion in a buffer that holds either type.
TEST(CfDecoding, FillOfAFloatWiderThanADouble) {
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 3);
  const auto h = w.dataset<long double>("/h", H5T_NATIVE_LDOUBLE, {3}, {-9999.0L, 1.5L, 2.5L});
  w.attribute<double>(h, "_FillValue", H5T_NATIVE_DOUBLE, {-9999.0});
  w.finish();
  PipelineConfig c = flat_config({{"h", "/h"}});
  const GranuleReader reader(file_path(f), c);
  BeamChunk chunk;
  reader.read(0, 0, 3, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{0, 1, 1}));
  EXPECT_EQ(chunk.values[0][2], 2.5);
}

TEST(CfDecoding, ValidRangeAndUnusableAttributesAreErrorsNamingTheDataset) {
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 4);
  const auto q = w.dataset<signed char>("/q", H5T_NATIVE_SCHAR, {4}, {-1, 0, 5, 6});
  w.attribute<signed char>(q, "valid_range", H5T_NATIVE_SCHAR, {0, 5});
  const auto s = w.dataset<float>("/s", H5T_NATIVE_FLOAT, {4}, {1, 2, 3, 4});
  w.string_attribute(s, "_FillValue", "-9999");
  const auto i = w.dataset<signed char>("/i", H5T_NATIVE_SCHAR, {4}, {1, 2, 3, 4});
  w.attribute<int>(i, "_FillValue", H5T_NATIVE_INT, {300});
  const auto r = w.dataset<float>("/r", H5T_NATIVE_FLOAT, {4}, {1, 2, 3, 4});
  w.attribute<float>(r, "valid_range", H5T_NATIVE_FLOAT, {1.0f});
  w.finish();
  const GranuleReader reader(file_path(f), flat_config({{"q", "/q"}}));
  BeamChunk chunk;
  reader.read(0, 0, 4, true, chunk);
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{0, 1, 1, 0}));
  const auto error_of = [&](const std::string& dataset, std::vector<double> sentinels = {}) {
    try {
      GranuleReader(file_path(f), flat_config({{"x", dataset, std::move(sentinels)}}));
    } catch (const DatasetMismatch& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error_of("/s").find("variables.x: dataset /s: attribute _FillValue is a string"),
            std::string::npos)
      << error_of("/s");
  EXPECT_NE(error_of("/i").find("dataset /i: _FillValue 300 is not a value of the dataset's type "
                                "int8"),
            std::string::npos)
      << error_of("/i");
  EXPECT_NE(error_of("/r").find("attribute valid_range has 1 values, expected 2"),
            std::string::npos);
  EXPECT_NE(error_of("/q", {0.5}).find("sentinel 0.5 is not a value of the dataset's type int8"),
            std::string::npos);
  EXPECT_NE(error_of("/q", {0.5})
                .find("a sentinel is compared with the stored value, before "
                      "scale_factor and add_offset"),
            std::string::npos);
}

// Each rule alone, on its own dataset (so that no other rule hides it): missing_value without a
// _FillValue, add_offset without scale_factor, non-finite stored values, valid_min without
// valid_max, inclusive valid_range bounds, a float32 fill given as a double. Expected values by
// hand.
TEST(CfDecoding, EachRuleAloneMissingValueOffsetOnlyNonFiniteAndBounds) {
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 4);
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  const auto m = w.dataset<float>("/m", H5T_NATIVE_FLOAT, {4}, {1.0f, -1.0f, 2.0f, 7.0f});
  w.attribute<double>(m, "missing_value", H5T_NATIVE_DOUBLE, {-1.0, 7.0});
  const auto o = w.dataset<short>("/o", H5T_NATIVE_SHORT, {4}, {0, 10, -20, 30});
  w.attribute<double>(o, "add_offset", H5T_NATIVE_DOUBLE, {100.5});
  w.dataset<double>("/x", H5T_NATIVE_DOUBLE, {4}, {1.0, nan, inf, -inf});
  const auto v = w.dataset<int>("/v", H5T_NATIVE_INT, {4}, {-3, -2, 0, 9});
  w.attribute<int>(v, "valid_min", H5T_NATIVE_INT, {-2});
  const auto r = w.dataset<double>("/r", H5T_NATIVE_DOUBLE, {4}, {-0.5, -0.25, 0.75, 0.8});
  w.attribute<double>(r, "valid_range", H5T_NATIVE_DOUBLE, {-0.25, 0.75});
  // A float32 fill given as the double 3.4028235e38 (not FLT_MAX as a double) matches FLT_MAX.
  const float big = std::numeric_limits<float>::max();
  const auto g = w.dataset<float>("/g", H5T_NATIVE_FLOAT, {4}, {1.5f, big, 2.5f, -big});
  w.attribute<double>(g, "_FillValue", H5T_NATIVE_DOUBLE, {3.4028235e38});
  w.finish();
  const auto read = [&](const std::string& dataset) {
    const GranuleReader reader(file_path(f), flat_config({{"y", dataset}}));
    BeamChunk chunk;
    reader.read(0, 0, 4, true, chunk);
    return chunk;
  };
  EXPECT_EQ(read("/m").valid, (std::vector<std::uint8_t>{1, 0, 1, 0}));
  const auto offset_only = read("/o");
  EXPECT_EQ(offset_only.valid, (std::vector<std::uint8_t>{1, 1, 1, 1}));
  EXPECT_EQ(offset_only.values[0], (std::vector<double>{100.5, 110.5, 80.5, 130.5}));
  EXPECT_EQ(read("/x").valid, (std::vector<std::uint8_t>{1, 0, 0, 0}));
  EXPECT_EQ(read("/v").valid, (std::vector<std::uint8_t>{0, 1, 1, 1}));
  EXPECT_EQ(read("/r").valid, (std::vector<std::uint8_t>{0, 1, 1, 0}));
  EXPECT_EQ(read("/g").valid, (std::vector<std::uint8_t>{1, 0, 1, 1}));
}

// The validity of `n` points of a flat config reading the one variable `spec`.
std::vector<std::uint8_t> valid_points(const ScratchH5File& f, const VariableSpec& spec,
                                       std::size_t n, std::vector<double>* values = nullptr) {
  const GranuleReader reader(file_path(f), flat_config({spec}));
  BeamChunk chunk;
  reader.read(0, 0, n, true, chunk);
  if (values) *values = chunk.values.at(0);
  return chunk.valid;
}

using Valid = std::vector<std::uint8_t>;

// netCDF-4 variables without _FillValue: netCDF's default fill of the type marks unwritten
// data (netCDF4-python masks it); not for 1-byte types, nor in plain HDF5 files.
TEST(CfDecoding, NetcdfDefaultFillOfAVariableWithoutFillValue) {
  for (const bool netcdf : {true, false}) {
    ScratchH5File f(netcdf ? "nc4_" : "h5_");
    Writer w(f);
    write_coordinates(w, 3);
    if (netcdf) w.string_attribute(f.get(), "_NCProperties", "version=2,netcdf=4.9.2,hdf5=1.14.3");
    w.dataset<float>("/f4", H5T_NATIVE_FLOAT, {3}, {1.5f, 9.9692099683868690e+36f, 2.5f});
    w.dataset<double>("/f8", H5T_NATIVE_DOUBLE, {3}, {9.9692099683868690e+36, 1.0, 2.0});
    w.dataset<short>("/i2", H5T_NATIVE_SHORT, {3}, {-32767, -32768, 3});
    w.dataset<int>("/i4", H5T_NATIVE_INT, {3}, {1, -2147483647, -2147483647 - 1});
    w.dataset<unsigned short>("/u2", H5T_NATIVE_USHORT, {3}, {65535, 65534, 0});
    w.dataset<unsigned>("/u4", H5T_NATIVE_UINT, {3}, {4294967295u, 1, 2});
    w.dataset<long long>("/i8", H5T_NATIVE_LLONG, {3},
                         {-9223372036854775806LL, -9223372036854775807LL, 1});
    w.dataset<unsigned long long>("/u8", H5T_NATIVE_ULLONG, {3},
                                  {18446744073709551614ULL, 18446744073709551615ULL, 2});
    w.dataset<signed char>("/i1", H5T_NATIVE_SCHAR, {3}, {-127, 1, 2});
    w.dataset<unsigned char>("/u1", H5T_NATIVE_UCHAR, {3}, {255, 1, 2});
    const auto own =
        w.dataset<float>("/own", H5T_NATIVE_FLOAT, {3}, {9.9692099683868690e+36f, -1.0f, 0.5f});
    w.attribute<float>(own, "_FillValue", H5T_NATIVE_FLOAT, {-1.0f});
    // _Unsigned: the never-written bits (-32767, read 32769) are the fill, not 65535.
    const auto unsigned_short =
        w.dataset<short>("/i2_unsigned", H5T_NATIVE_SHORT, {3}, {-32767, -1, 3});
    w.string_attribute(unsigned_short, "_Unsigned", "true");
    w.finish();
    const Valid all = {1, 1, 1};
    EXPECT_EQ(valid_points(f, {"v", "/f4"}, 3), netcdf ? Valid({1, 0, 1}) : all);
    EXPECT_EQ(valid_points(f, {"v", "/f8"}, 3), netcdf ? Valid({0, 1, 1}) : all);
    EXPECT_EQ(valid_points(f, {"v", "/i2"}, 3), netcdf ? Valid({0, 1, 1}) : all);
    EXPECT_EQ(valid_points(f, {"v", "/i4"}, 3), netcdf ? Valid({1, 0, 1}) : all);
    EXPECT_EQ(valid_points(f, {"v", "/u2"}, 3), netcdf ? Valid({0, 1, 1}) : all);
    EXPECT_EQ(valid_points(f, {"v", "/u4"}, 3), netcdf ? Valid({0, 1, 1}) : all);
    EXPECT_EQ(valid_points(f, {"v", "/i8"}, 3), netcdf ? Valid({0, 1, 1}) : all);
    EXPECT_EQ(valid_points(f, {"v", "/u8"}, 3), netcdf ? Valid({0, 1, 1}) : all);
    EXPECT_EQ(valid_points(f, {"v", "/i1"}, 3), all);  // no default fill for bytes
    EXPECT_EQ(valid_points(f, {"v", "/u1"}, 3), all);
    EXPECT_EQ(valid_points(f, {"v", "/own"}, 3), Valid({1, 0, 1}));  // _FillValue replaces it
    std::vector<double> values;
    EXPECT_EQ(valid_points(f, {"v", "/i2_unsigned"}, 3, &values), netcdf ? Valid({0, 1, 1}) : all);
    EXPECT_EQ(values[1], 65535.0);
  }
}

// Older netCDF-C wrote no _NCProperties: netCDF's dimension attributes on the dataset tell.
TEST(CfDecoding, NetcdfDimensionAttributesMarkANetcdf4Variable) {
  ScratchH5File f("nc4_");
  Writer w(f);
  write_coordinates(w, 2);
  const auto v = w.dataset<float>("/v", H5T_NATIVE_FLOAT, {2}, {9.9692099683868690e+36f, 1.0f});
  w.attribute<int>(v, "_Netcdf4Coordinates", H5T_NATIVE_INT, {0});
  w.finish();
  EXPECT_EQ(valid_points(f, {"v", "/v"}, 2), Valid({0, 1}));
}

// 64-bit integer fills, sentinels and bounds beyond 2^53 are compared on the stored integers:
// in double, 2^53 + 1 would be 2^53.
TEST(CfDecoding, SixtyFourBitIntegerFillsAreComparedExactly) {
  constexpr long long p53 = 1LL << 53;
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 4);
  const auto i8 = w.dataset<long long>("/i8", H5T_NATIVE_LLONG, {4}, {p53, p53 + 1, p53 + 2, 5});
  w.attribute<long long>(i8, "_FillValue", H5T_NATIVE_LLONG, {p53 + 1});
  const auto m8 = w.dataset<long long>("/m8", H5T_NATIVE_LLONG, {4}, {p53, p53 + 1, p53 + 2, 5});
  w.attribute<long long>(m8, "missing_value", H5T_NATIVE_LLONG, {p53 + 2});
  const auto r8 = w.dataset<long long>("/r8", H5T_NATIVE_LLONG, {4}, {p53, p53 + 1, p53 + 2, 5});
  w.attribute<long long>(r8, "valid_max", H5T_NATIVE_LLONG, {p53});
  const auto u8 = w.dataset<unsigned long long>("/u8", H5T_NATIVE_ULLONG, {4},
                                                {~0ULL, ~0ULL - 1, ~0ULL - 2, 7});
  w.attribute<unsigned long long>(u8, "_FillValue", H5T_NATIVE_ULLONG, {~0ULL - 1});
  // _Unsigned: int64 bits meant as uint64; the fill written in the stored (signed) type.
  const auto s8 = w.dataset<long long>("/s8", H5T_NATIVE_LLONG, {4}, {-1, -2, -3, 7});
  w.string_attribute(s8, "_Unsigned", "true");
  w.attribute<long long>(s8, "_FillValue", H5T_NATIVE_LLONG, {-2});
  w.attribute<unsigned long long>(s8, "valid_min", H5T_NATIVE_ULLONG, {~0ULL - 2});
  w.finish();
  std::vector<double> values;
  EXPECT_EQ(valid_points(f, {"v", "/i8"}, 4, &values), Valid({1, 0, 1, 1}));
  EXPECT_EQ(values[0], 9007199254740992.0);
  EXPECT_EQ(values[3], 5.0);
  EXPECT_EQ(valid_points(f, {"v", "/m8"}, 4), Valid({1, 1, 0, 1}));
  EXPECT_EQ(valid_points(f, {"v", "/r8"}, 4), Valid({1, 0, 0, 1}));
  EXPECT_EQ(valid_points(f, {"v", "/u8"}, 4), Valid({1, 0, 1, 1}));
  EXPECT_EQ(valid_points(f, {"v", "/s8"}, 4, &values), Valid({1, 0, 1, 0}));
  EXPECT_EQ(values[0], 18446744073709551615.0);
  // A config sentinel 2^53 (a double) matches only the stored 2^53.
  EXPECT_EQ(valid_points(f, {"v", "/m8", {9007199254740992.0}}, 4), Valid({0, 1, 0, 1}));
}

// A decimal sentinel of at most 9 significant digits also matches, on float64 data, its
// float32 widened to double (ATL08's 3.4028235e38 in a subset widened to float64).
TEST(CfDecoding, DecimalSentinelMatchesItsFloat32WidenedToFloat64) {
  constexpr double fmax = 3.4028234663852886e38;  // float32's largest, as a double
  ScratchH5File f("cf_");
  Writer w(f);
  write_coordinates(w, 4);
  w.dataset<double>("/h64", H5T_NATIVE_DOUBLE, {4}, {5.0, 7.0, fmax, 3.4028235e38});
  w.dataset<float>("/h32", H5T_NATIVE_FLOAT, {4}, {5.0f, 7.0f, FLT_MAX, 1.0f});
  w.dataset<double>("/one", H5T_NATIVE_DOUBLE, {4}, {1.0, 1.0000000001, 0.1, 0.1f});
  w.finish();
  EXPECT_EQ(valid_points(f, {"v", "/h64", {3.4028235e38}}, 4), Valid({1, 1, 0, 0}));
  EXPECT_EQ(valid_points(f, {"v", "/h32", {3.4028235e38}}, 4), Valid({1, 1, 0, 1}));
  // 11 significant digits: no float32 stands for it (its nearest float32 is 1.0).
  EXPECT_EQ(valid_points(f, {"v", "/one", {1.0000000001}}, 4), Valid({1, 0, 1, 1}));
  EXPECT_EQ(valid_points(f, {"v", "/one", {0.1}}, 4), Valid({1, 1, 0, 0}));
}

}  // namespace
}  // namespace healgrid
