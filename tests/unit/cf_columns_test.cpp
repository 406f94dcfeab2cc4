// CF decoding, column selectors and shapes of the granule reader, on small HDF5 files written
// with the C API: packed integers, fill values stored in another type than the dataset,
// missing_value / valid_range / sentinels, 2-D coordinates flattened, per-row and per-granule
// broadcast, and the errors naming the config key and the dataset.
#include <gtest/gtest.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include "healgrid/config/dataset_selector.hpp"
#include "healgrid/config/utc_time.hpp"
#include "healgrid/read/angle_units.hpp"
#include "healgrid/read/granule_reader.hpp"
#include "healgrid/read/time_coordinate.hpp"
#include "scratch_h5_file.hpp"

namespace healgrid {
namespace {

// Writes datasets of any shape and numeric attributes of any type into a scratch file.
class Writer {
 public:
  explicit Writer(ScratchH5File& f) : file_(f) {}
  template <typename T>
  hid_t dataset(const std::string& name, hid_t type, std::vector<hsize_t> dims,
                const std::vector<T>& v) {
    ensure_groups(name);
    H5Handle space(dims.empty()
                       ? H5Screate(H5S_SCALAR)
                       : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                   H5Sclose);
    const hid_t ds = H5Dcreate2(file_.get(), name.c_str(), type, space.get(), H5P_DEFAULT,
                                H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
    open_.emplace_back(ds, H5Dclose);
    return ds;
  }
  template <typename T>
  void attribute(hid_t ds, const char* name, hid_t type, const std::vector<T>& v) {
    const hsize_t n = v.size();
    H5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    H5Handle a(H5Acreate2(ds, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    H5Awrite(a.get(), type, v.data());
  }
  void string_attribute(hid_t ds, const char* name, const std::string& text) {
    H5Handle str(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(str.get(), text.size());
    H5Handle scalar(H5Screate(H5S_SCALAR), H5Sclose);
    H5Handle a(H5Acreate2(ds, name, str.get(), scalar.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    H5Awrite(a.get(), str.get(), text.data());
  }
  // Closes the datasets and reopens the file read-only.
  void finish() {
    open_.clear();
    file_.reopen_read_only();
  }

 private:
  void ensure_groups(const std::string& name) {
    for (auto pos = name.find('/', 1); pos != std::string::npos; pos = name.find('/', pos + 1)) {
      const auto g = name.substr(0, pos);
      if (H5Lexists(file_.get(), g.c_str(), H5P_DEFAULT) <= 0)
        H5Gclose(H5Gcreate2(file_.get(), g.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    }
  }
  ScratchH5File& file_;
  std::vector<H5Handle> open_;
};

std::string file_path(const ScratchH5File& f) {
  char name[4096] = {};
  H5Fget_name(f.get(), name, sizeof name);
  return name;
}

PipelineConfig flat_config(std::vector<VariableSpec> variables) {
  PipelineConfig c;
  c.groups = {""};
  c.latitude = "/lat";
  c.longitude = "/lon";
  c.variables = std::move(variables);
  StatisticSpec count;
  count.name = "count";
  count.variable = c.variables.at(0).name;
  c.statistics = {count};
  c.validate();
  return c;
}

void write_coordinates(Writer& w, std::size_t n) {
  std::vector<double> lat(n, -70.0), lon(n, 10.0);
  w.dataset<double>("/lat", H5T_NATIVE_DOUBLE, {n}, lat);
  w.dataset<double>("/lon", H5T_NATIVE_DOUBLE, {n}, lon);
}

// A 1-D IEEE binary16 dataset (as h5py writes float16) holding `values` rounded to halves; an
// invalid handle when HDF5 refused any step.
H5Handle write_half(hid_t file, const char* name, const std::vector<double>& values) {
  H5Handle half(H5Tcopy(H5T_IEEE_F32LE), H5Tclose);
  if (H5Tset_fields(half.get(), 15, 10, 5, 0, 10) < 0 || H5Tset_size(half.get(), 2) < 0 ||
      H5Tset_ebias(half.get(), 15) < 0)
    return {};
  const hsize_t n = values.size();
  H5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5Handle d(H5Dcreate2(file, name, half.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose);
  if (!d.valid() ||
      H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    return {};
  return d;
}

TEST(DatasetSelector, ParsesColumnsAndRejectsMalformedSelectors) {
  EXPECT_EQ(parse_dataset_selector("/a/b").path, "/a/b");
  EXPECT_FALSE(parse_dataset_selector("/a/b").has_column());
  const auto s = parse_dataset_selector("/{group}/heights/signal_conf_ph[:, 3]");
  EXPECT_EQ(s.path, "/{group}/heights/signal_conf_ph");
  EXPECT_EQ(s.column, 3);
  EXPECT_EQ(parse_dataset_selector(" /x [ : ,12 ] ").column, 12);
  // One item per dimension: `:` kept, an integer fixed.
  EXPECT_EQ(parse_dataset_selector("/p/lat[0, :, :]").index,
            (std::vector<std::int64_t>{0, -1, -1}));
  EXPECT_EQ(parse_dataset_selector("/p/lat[0, :, :]").column, -1);
  EXPECT_EQ(parse_dataset_selector("/t[0]").index, (std::vector<std::int64_t>{0}));
  for (const char* bad : {"/x[:, -1]", "/x[:, a]", "/x[:, 1", "/x[:, 1] y", "[:, 1]", "/x[:, ]",
                          "/x[]", "/x[0,, :]", "/x[-1, :]"})
    EXPECT_THROW(parse_dataset_selector(bad), std::invalid_argument) << bad;
}

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

// Opening `path` with `dataset` as variable x is the config's mistake, saying `want`.
void expect_mismatch(const std::string& path, const char* dataset, const std::string& want) {
  try {
    GranuleReader(path, flat_config({{"x", dataset}}));
    ADD_FAILURE() << dataset << " accepted";
  } catch (const DatasetMismatch& e) {
    EXPECT_EQ(std::string(e.what()), path + ": variables.x: " + want);
  }
}

TEST(DatasetColumns, DanglingLinksAreMissingDatasetsNotDamage) {
  ScratchH5File f("cols_");
  Writer w(f);
  write_coordinates(w, 4);
  H5Lcreate_soft("/nothere", f.get(), "/soft", H5P_DEFAULT, H5P_DEFAULT);
  H5Lcreate_external("no_such_file.h5", "/v", f.get(), "/ext", H5P_DEFAULT, H5P_DEFAULT);
  // A loop (/a -> /b -> /a), a chain to nothing (/c -> /soft -> /nothere), a group that is a
  // soft link to nothing: each used to be "to /b, which does not exist" or "damaged metadata".
  H5Lcreate_soft("/b", f.get(), "/a", H5P_DEFAULT, H5P_DEFAULT);
  H5Lcreate_soft("/a", f.get(), "/b", H5P_DEFAULT, H5P_DEFAULT);
  H5Lcreate_soft("/soft", f.get(), "/c", H5P_DEFAULT, H5P_DEFAULT);
  H5Lcreate_soft("/nogroup", f.get(), "/g", H5P_DEFAULT, H5P_DEFAULT);
  w.finish();
  const auto path = file_path(f);
  try {
    GranuleReader(path, flat_config({{"x", "/soft"}}));
    ADD_FAILURE() << "a soft link to nothing accepted";
  } catch (const DatasetMismatch& e) {  // the config's or the layout's: exit 2
    EXPECT_EQ(std::string(e.what()), path +
                                         ": variables.x: missing dataset /soft (a soft link "
                                         "to /nothere, which does not exist)");
  }
  try {
    GranuleReader(path, flat_config({{"x", "/ext"}}));
    ADD_FAILURE() << "an external link to a missing file accepted";
  } catch (const DatasetMismatch& e) {
    ADD_FAILURE() << e.what();
  } catch (const GranuleError& e) {  // the granule's: a bad granule
    const std::string what = e.what();
    EXPECT_NE(what.find("/ext is an external link to /v in no_such_file.h5"), std::string::npos)
        << what;
    EXPECT_EQ(what.find("damaged"), std::string::npos) << what;
  }
  const std::pair<const char*, const char*> linked[] = {
      {"/a", "missing dataset /a (a soft link to /b, which leads back to /a (a loop of links))"},
      {"/c",
       "missing dataset /c (a soft link to /soft, which leads on to /nothere, which does "
       "not exist)"}};
  for (const auto& [dataset, want] : linked) expect_mismatch(path, dataset, want);
  try {
    GranuleReader(path, flat_config({{"x", "/g/x"}}));
    ADD_FAILURE() << "a dataset in a group that is a soft link to nothing accepted";
  } catch (const GranuleError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "group /g (looking for /g/x) is a soft link to /nogroup, which does not exist"),
              std::string::npos)
        << e.what();
  }
}

// A dataset is opened at once and only a failure is looked into: each reason keeps its own
// message and kind (the config's mistake: DatasetMismatch), and h5_path_state's one-lookup
// answer agrees with the walk group by group.
TEST(DatasetColumns, WhyADatasetDoesNotOpenIsNamed) {
  ScratchH5File f("open_");
  Writer w(f);
  write_coordinates(w, 4);
  w.dataset<int>("/grp/v", H5T_NATIVE_INT, {4}, {1, 2, 3, 4});
  H5Lcreate_soft("/grp/v", f.get(), "/alias", H5P_DEFAULT, H5P_DEFAULT);
  w.finish();
  const auto path = file_path(f);
  const std::pair<const char*, const char*> refused[] = {
      {"/grp", "/grp is not a dataset (a group?)"},
      {"/none", "missing dataset /none"},
      {"/grp/none", "missing dataset /grp/none"},
      {"/nogroup/v", "missing dataset /nogroup/v"}};
  for (const auto& [dataset, want] : refused) expect_mismatch(path, dataset, want);
  BeamChunk chunk;  // through a soft link: opened, read
  GranuleReader(path, flat_config({{"x", "/alias"}})).read(0, 0, 4, true, chunk);
  EXPECT_EQ(chunk.values.at(0), (std::vector<double>{1, 2, 3, 4}));

  const H5Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  ASSERT_TRUE(file.valid());
  const std::pair<const char*, H5PathState> states[] = {
      {"/", H5PathState::present},        {"/grp", H5PathState::present},
      {"/grp/v", H5PathState::present},   {"/alias", H5PathState::present},
      {"/none", H5PathState::absent},     {"/grp/none", H5PathState::absent},
      {"/nogroup/v", H5PathState::absent}};
  for (const auto& [at, want] : states) EXPECT_EQ(h5_path_state(file.get(), at), want) << at;
}

// A virtual dataset whose source is missing reads as fill values in HDF5, without an error: it
// must be named instead. Sources in another file (found beside the granule, as HDF5 finds
// them) and in the same file read as usual.
TEST(DatasetColumns, VirtualDatasetsNeedTheirSources) {
  ScratchH5File f("vds_");
  const auto path = file_path(f);
  const auto folder = path.substr(0, path.rfind('/') + 1);
  const std::string source_name = "vds_source_" + std::to_string(getpid()) + ".h5";
  {
    H5Handle src(H5Fcreate((folder + source_name).c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                 H5Fclose);
    const hsize_t two = 2;
    H5Handle space(H5Screate_simple(1, &two, nullptr), H5Sclose);
    H5Handle d(H5Dcreate2(src.get(), "/d", H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT),
               H5Dclose);
    const double v[2] = {11, 12};
    H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  }
  Writer w(f);
  write_coordinates(w, 4);
  w.dataset<double>("/local", H5T_NATIVE_DOUBLE, {2}, {13, 14});
  // /v{k}: rows 0-1 from `first` (file, dataset), rows 2-3 from /local of this file.
  auto make_vds = [&](const char* name, const std::string& file, const char* dataset) {
    const hsize_t four = 4, two = 2;
    H5Handle vspace(H5Screate_simple(1, &four, nullptr), H5Sclose);
    H5Handle sspace(H5Screate_simple(1, &two, nullptr), H5Sclose);
    H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    for (const hsize_t start : {hsize_t{0}, hsize_t{2}}) {
      H5Sselect_hyperslab(vspace.get(), H5S_SELECT_SET, &start, nullptr, &two, nullptr);
      H5Pset_virtual(dcpl.get(), vspace.get(), start == 0 ? file.c_str() : ".",
                     start == 0 ? dataset : "/local", sspace.get());
    }
    H5Handle ds(H5Dcreate2(f.get(), name, H5T_NATIVE_DOUBLE, vspace.get(), H5P_DEFAULT, dcpl.get(),
                           H5P_DEFAULT),
                H5Dclose);
  };
  make_vds("/v_ok", source_name, "/d");
  make_vds("/v_no_file", "no_such_source.h5", "/d");
  make_vds("/v_no_dataset", source_name, "/nothere");
  make_vds("/v_here_missing", ".", "/nothere");
  // Sources with fewer elements than the mapping takes: all of a 1-element /short for 2 rows;
  // rows 1..2 of /local, which has 2.
  w.dataset<double>("/short", H5T_NATIVE_DOUBLE, {1}, {15});
  // /{name}: rows 1..2 from `source` of this file, under the source selection `selection`.
  auto one_mapping = [&](const char* name, const char* source, hid_t selection) {
    const hsize_t four = 4, one = 1, two = 2;
    H5Handle vspace(H5Screate_simple(1, &four, nullptr), H5Sclose);
    H5Sselect_hyperslab(vspace.get(), H5S_SELECT_SET, &one, nullptr, &two, nullptr);
    H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_virtual(dcpl.get(), vspace.get(), ".", source, selection);
    H5Handle v(H5Dcreate2(f.get(), name, H5T_NATIVE_DOUBLE, vspace.get(), H5P_DEFAULT, dcpl.get(),
                          H5P_DEFAULT),
               H5Dclose);
  };
  const hsize_t one = 1, two = 2, three = 3;
  H5Handle all_two(H5Screate_simple(1, &two, nullptr), H5Sclose);
  one_mapping("/v_short_all", "/short", all_two.get());
  H5Handle slab(H5Screate_simple(1, &three, nullptr), H5Sclose);
  H5Sselect_hyperslab(slab.get(), H5S_SELECT_SET, &one, nullptr, &two, nullptr);
  one_mapping("/v_beyond", "/local", slab.get());
  w.finish();
  {
    const GranuleReader reader(path, flat_config({{"x", "/v_ok"}}));
    BeamChunk chunk;
    reader.read(0, 0, 4, true, chunk);
    EXPECT_EQ(chunk.values.at(0), (std::vector<double>{11, 12, 13, 14}));
  }
  for (const auto& [dataset, words] : std::vector<std::pair<std::string, std::string>>{
           {"/v_no_file", "whose source /d is in no_such_source.h5, which does not exist"},
           {"/v_no_dataset", "whose source /nothere cannot be opened in"},
           {"/v_here_missing", "whose source /nothere does not exist"},
           {"/v_short_all", "whose source /short in " + path +
                                " has 1 elements, the mapping "
                                "takes 2"},
           {"/v_beyond",
            "whose source /local in " + path +
                " has 2 elements along dimension 0, the mapping reads up to index 2"}}) {
    try {
      GranuleReader(path, flat_config({{"x", dataset}}));
      ADD_FAILURE() << dataset << " was read";
    } catch (const GranuleError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path + ": variables.x: dataset " + dataset + " is a virtual dataset"),
                std::string::npos)
          << what;
      EXPECT_NE(what.find(words), std::string::npos) << what;
    }
  }
  std::remove((folder + source_name).c_str());
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

// ATL08-like: 2-D coordinates [rows, 3] flattened, a same-shape variable, a per-row variable
// broadcast across the row, a column of a 2-D flag and a per-granule scalar.
TEST(DatasetColumns, TwoDimensionalCoordinatesAndBroadcasts) {
  ScratchH5File f("cols_");
  Writer w(f);
  w.dataset<float>("/b/lat", H5T_NATIVE_FLOAT, {2, 3}, {-70, -71, 95, -72, -73, -74});
  w.dataset<float>("/b/lon", H5T_NATIVE_FLOAT, {2, 3}, {1, 2, 3, 4, 5, 6});
  w.dataset<float>("/b/h", H5T_NATIVE_FLOAT, {2, 3}, {10, 11, 12, 13, 14, 15});
  w.dataset<double>("/b/row_value", H5T_NATIVE_DOUBLE, {2}, {100, 200});
  w.dataset<signed char>("/b/flag", H5T_NATIVE_SCHAR, {2, 4}, {0, 1, 0, 0, 0, 0, 0, 1});
  w.dataset<short>("/orbit/cycle", H5T_NATIVE_SHORT, {1}, {7});
  w.finish();
  PipelineConfig c;
  c.groups = {"b"};
  c.latitude = "/{group}/lat";
  c.longitude = "/{group}/lon";
  c.variables = {{"h", "/{group}/h"}, {"r", "/{group}/row_value"}, {"cycle", "/orbit/cycle"}};
  c.filters = {{"/{group}/flag[:, 3]", FilterOp::eq, 0}};
  StatisticSpec count;
  count.name = "count";
  count.variable = "h";
  c.statistics = {count};
  c.validate();
  const GranuleReader reader(file_path(f), c);
  ASSERT_EQ(reader.beams().size(), 1u);
  EXPECT_EQ(reader.beams()[0].rows, 6u);
  BeamChunk chunk;
  reader.read(0, 1, 4, true, chunk);  // points 1..4: rows 0 and 1
  // point 2: latitude 95; points 3, 4: row 1's flag column 3 is 1.
  EXPECT_EQ(chunk.valid, (std::vector<std::uint8_t>{1, 0, 0, 0}));
  EXPECT_EQ(chunk.lat, (std::vector<double>{-71, 95, -72, -73}));
  EXPECT_EQ(chunk.values[0], (std::vector<double>{11, 12, 13, 14}));
  EXPECT_EQ(chunk.values[1], (std::vector<double>{100, 100, 200, 200}));
  EXPECT_EQ(chunk.values[2], (std::vector<double>{7, 7, 7, 7}));
  reader.read_values(0, 5, 1, chunk);
  EXPECT_EQ(chunk.values[0][0], 15);
  EXPECT_EQ(chunk.values[1][0], 200);
}

TEST(DatasetColumns, ShapeErrorsNameKeyAndDataset) {
  ScratchH5File f("cols_");
  Writer w(f);
  write_coordinates(w, 4);
  w.dataset<float>("/two", H5T_NATIVE_FLOAT, {4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  w.dataset<float>("/short", H5T_NATIVE_FLOAT, {3}, {1, 2, 3});
  w.dataset<float>("/three", H5T_NATIVE_FLOAT, {1, 2, 2}, {1, 2, 3, 4});
  {  // h5py.Empty("f"): a dataset of no elements
    H5Handle null_space(H5Screate(H5S_NULL), H5Sclose);
    H5Dclose(H5Dcreate2(f.get(), "/null", H5T_NATIVE_FLOAT, null_space.get(), H5P_DEFAULT,
                        H5P_DEFAULT, H5P_DEFAULT));
  }
  w.finish();
  const auto error_of = [&](const std::string& dataset) {
    try {
      GranuleReader(file_path(f), flat_config({{"x", dataset}}));
    } catch (const DatasetMismatch& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  const auto path = file_path(f);
  EXPECT_EQ(error_of("/two"), path +
                                  ": variables.x: dataset /two is not 1-D: shape [4, 2] against "
                                  "the latitude's [4] (select one column with /two[:, k])");
  EXPECT_EQ(error_of("/two[:, 1]"), "(no error)");
  EXPECT_EQ(error_of("/two[:, 2]"),
            path + ": variables.x: column 2 is out of range: /two has 2 columns");
  EXPECT_EQ(error_of("/short"), path + ": variables.x: dataset /short has 3 rows, latitude has 4");
  EXPECT_NE(error_of("/three").find("has 3 dimensions"), std::string::npos);
  EXPECT_EQ(error_of("/nope"), path + ": variables.x: missing dataset /nope");
  EXPECT_EQ(error_of("/null"),
            path + ": variables.x: dataset /null has no elements (a null dataspace)");
}

// Sentinel-5P's layout: latitude, longitude and variables [time = 1, scanline, ground_pixel],
// a per-scanline value [1, scanline]: selectors fix the time index and keep the rest.
TEST(DatasetColumns, SelectorsFixLeadingDimensionsOfThreeDimensionalSwaths) {
  ScratchH5File f("s5p_");
  Writer w(f);
  w.dataset<double>("/lat", H5T_NATIVE_DOUBLE, {1, 2, 3}, {10, 11, 12, 20, 21, 22});
  w.dataset<double>("/lon", H5T_NATIVE_DOUBLE, {1, 2, 3}, {1, 2, 3, 4, 5, 6});
  w.dataset<float>("/v", H5T_NATIVE_FLOAT, {1, 2, 3}, {0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f});
  w.dataset<double>("/line", H5T_NATIVE_DOUBLE, {1, 2}, {100, 200});
  w.finish();
  PipelineConfig c = flat_config({{"v", "/v[0, :, :]"}, {"line", "/line[0, :]"}});
  c.latitude = "/lat[0, :, :]";
  c.longitude = "/lon[0, :, :]";
  c.validate();
  BeamChunk chunk;
  const GranuleReader reader(file_path(f), c);
  ASSERT_EQ(reader.beams().size(), 1u);
  EXPECT_EQ(reader.beams()[0].rows, 6u);
  reader.read(0, 0, 6, true, chunk);
  EXPECT_EQ(chunk.lat, (std::vector<double>{10, 11, 12, 20, 21, 22}));
  EXPECT_EQ(chunk.values[0], (std::vector<double>{0.5, 1.5, 2.5, 3.5, 4.5, 5.5}));
  EXPECT_EQ(chunk.values[1], (std::vector<double>{100, 100, 100, 200, 200, 200}));
  try {  // without the selector: three dimensions, and what to write
    GranuleReader(file_path(f), flat_config({{"v", "/v"}}));
  } catch (const DatasetMismatch& e) {
    EXPECT_NE(std::string(e.what()).find("fix the others with a selector such as /"),
              std::string::npos)
        << e.what();
  }
  try {
    PipelineConfig d = c;
    d.variables[0].dataset = "/v[1, :, :]";
    GranuleReader(file_path(f), d);
    ADD_FAILURE() << "index 1 of a dimension of 1 accepted";
  } catch (const DatasetMismatch& e) {
    EXPECT_NE(std::string(e.what()).find("index 1 of dimension 0 is out of range"),
              std::string::npos)
        << e.what();
  }
}

// A netCDF record variable written for fewer records than its unlimited dimension holds (it
// shares the latitude's dimension scale): the file's layout, named as such (a bad granule), not
// "fix the config". A short unlimited dataset on a dimension of its own (every ICESat-2
// dataset is unlimited) is the config's mistake: it was blamed on a netCDF record variable.
TEST(DatasetColumns, AShortRecordVariableIsABadGranuleSayingWhy) {
  for (const bool shared : {true, false}) {
    ScratchH5File f(shared ? "unlim_shared_" : "unlim_own_");
    Writer w(f);
    write_coordinates(w, 4);
    const hsize_t n = 3, unlimited = H5S_UNLIMITED, chunk = 2;
    H5Handle space(H5Screate_simple(1, &n, &unlimited), H5Sclose);
    H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_chunk(dcpl.get(), 1, &chunk);
    H5Handle d(H5Dcreate2(f.get(), "/v", H5T_NATIVE_DOUBLE, space.get(), H5P_DEFAULT, dcpl.get(),
                          H5P_DEFAULT),
               H5Dclose);
    const double v[] = {1, 2, 3};
    H5Dwrite(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
    if (shared) {  // the record dimension, as netCDF-4 writes it: one scale on both
      const auto rec = w.dataset<double>("/rec", H5T_NATIVE_DOUBLE, {4}, {0, 1, 2, 3});
      H5Handle lat(H5Dopen2(f.get(), "/lat", H5P_DEFAULT), H5Dclose);
      ASSERT_GE(H5DSset_scale(rec, "rec"), 0);
      ASSERT_GE(H5DSattach_scale(lat.get(), rec, 0), 0);
      ASSERT_GE(H5DSattach_scale(d.get(), rec, 0), 0);
    }
    d.reset();
    w.finish();
    try {
      GranuleReader(file_path(f), flat_config({{"v", "/v"}}));
      ADD_FAILURE() << "a short dataset accepted";
    } catch (const DatasetMismatch& e) {
      EXPECT_FALSE(shared) << "a config error: " << e.what();
      EXPECT_NE(std::string(e.what()).find("has 3 rows, latitude has 4"), std::string::npos)
          << e.what();
    } catch (const GranuleError& e) {
      EXPECT_TRUE(shared) << "a bad granule: " << e.what();
      EXPECT_NE(std::string(e.what()).find("a record variable written for fewer records"),
                std::string::npos)
          << e.what();
    }
  }
}

// A time dataset with CF units beside ICESat-2's /ancillary_data/atlas_sdp_gps_epoch: the
// epochs must agree (ICESat-2: "seconds since 2018-01-01", GPS 1198800018); others are refused.
TimeBase time_base_with_atlas_epoch(const std::string& units, bool with_epoch = true,
                                    double epoch = 1198800018.0) {
  ScratchH5File f(std::string("time_") + std::to_string(units.size()) + "_");
  Writer w(f);
  if (with_epoch)
    w.dataset<double>("/ancillary_data/atlas_sdp_gps_epoch", H5T_NATIVE_DOUBLE, {1}, {epoch});
  const auto t = w.dataset<double>("/t", H5T_NATIVE_DOUBLE, {2}, {0.0, 1.0});
  if (!units.empty()) w.string_attribute(t, "units", units);
  w.finish();
  H5Handle ds(H5Dopen2(f.get(), "/t", H5P_DEFAULT), H5Dclose);
  return read_time_base(f.get(), ds.get());
}

// CF's standard (and gregorian) calendar is Julian before 1582-10-15, as cftime reads it;
// proleptic_gregorian is not.
TimeBase time_base_in_calendar(const std::string& units, const std::string& calendar) {
  ScratchH5File f(std::string("cal_") + std::to_string(units.size() + calendar.size()) + "_");
  Writer w(f);
  const auto t = w.dataset<double>("/t", H5T_NATIVE_DOUBLE, {1}, {0.0});
  w.string_attribute(t, "units", units);
  if (!calendar.empty()) w.string_attribute(t, "calendar", calendar);
  w.finish();
  H5Handle ds(H5Dopen2(f.get(), "/t", H5P_DEFAULT), H5Dclose);
  return read_time_base(f.get(), ds.get());
}

// config coordinates.time_units stands for a time dataset without units (GEDI's delta_time); a
// dataset with units of its own must agree with it (same scale and epoch, any spelling).
TEST(TimeCoordinate, ConfigUnitsStandForADatasetWithoutUnits) {
  const auto base = [](const std::string& own, const std::string& config) {
    ScratchH5File f(std::string("cfgunits_") + std::to_string(own.size()) + "_");
    Writer w(f);
    const auto t = w.dataset<double>("/t", H5T_NATIVE_DOUBLE, {1}, {0.0});
    if (!own.empty()) w.string_attribute(t, "units", own);
    w.finish();
    H5Handle ds(H5Dopen2(f.get(), "/t", H5P_DEFAULT), H5Dclose);
    return read_time_base(f.get(), ds.get(), config);
  };
  const auto gedi = base("", "seconds since 2018-01-01T00:00:00Z");
  EXPECT_EQ(gedi.scale, 1.0);
  EXPECT_EQ(gedi.offset, 1514764800.0);  // 2018-01-01T00:00:00Z in POSIX seconds
  EXPECT_EQ(base("", "days since 2000-01-01").scale, 86400.0);
  EXPECT_THROW(base("", ""), CfAttributeError);  // no epoch anywhere
  EXPECT_EQ(base("seconds since 2018-01-01 00:00:00", "seconds since 2018-01-01T00:00:00Z").offset,
            1514764800.0);
  try {
    base("seconds since 2000-01-01", "seconds since 2018-01-01");
    ADD_FAILURE() << "disagreeing units accepted";
  } catch (const CfAttributeError& e) {
    EXPECT_NE(std::string(e.what()).find("disagree with coordinates.time_units"), std::string::npos)
        << e.what();
  }
}

TEST(TimeCoordinate, MillisecondsAndMicrosecondsSinceAnEpoch) {
  const auto ms = time_base_in_calendar("milliseconds since 2019-07-16 00:00:00", "");
  EXPECT_EQ(ms.scale, 1e-3);
  EXPECT_EQ(ms.offset, parse_utc_seconds("2019-07-16"));
  EXPECT_EQ(time_base_in_calendar("microseconds since 2019-07-16", "").scale, 1e-6);
  EXPECT_THROW(time_base_in_calendar("fortnights since 2019-07-16", ""), CfAttributeError);
}

TEST(TimeCoordinate, StandardCalendarIsJulianBefore1582) {
  const double day = 86400;
  // Julian 0001-01-01 is proleptic Gregorian 0000-12-30; Julian 1582-10-04 is the day before
  // Gregorian 1582-10-15.
  EXPECT_EQ(time_base_in_calendar("days since 0001-01-01", "standard").offset,
            parse_utc_seconds("0001-01-01") - 2 * day);
  EXPECT_EQ(time_base_in_calendar("days since 0001-01-01", "").offset,
            parse_utc_seconds("0001-01-01") - 2 * day);
  EXPECT_EQ(time_base_in_calendar("hours since 1582-10-04 12:00:00", "gregorian").offset,
            parse_utc_seconds("1582-10-14T12:00:00Z"));
  EXPECT_EQ(time_base_in_calendar("days since 1582-10-15", "standard").offset,
            parse_utc_seconds("1582-10-15"));
  EXPECT_EQ(time_base_in_calendar("days since 0001-01-01", "proleptic_gregorian").offset,
            parse_utc_seconds("0001-01-01"));
  EXPECT_EQ(time_base_in_calendar("days since 2000-01-01", "standard").offset,
            parse_utc_seconds("2000-01-01"));
  EXPECT_THROW(time_base_in_calendar("days since 1582-10-10", "standard"), CfAttributeError);
  // 29 February 1500 exists in the Julian calendar only: Gregorian 1500-03-10 (cftime decodes
  // 189611 days since it as 2019-04-29); it used to be refused as no date.
  EXPECT_EQ(time_base_in_calendar("days since 1500-02-29", "standard").offset,
            parse_utc_seconds("1500-03-10"));
  EXPECT_EQ(time_base_in_calendar("hours since 1000-2-29 06:00", "").offset,
            parse_utc_seconds("1000-03-06T06:00:00Z"));
  EXPECT_THROW(time_base_in_calendar("days since 1500-02-29", "proleptic_gregorian"),
               CfAttributeError);
  EXPECT_THROW(time_base_in_calendar("days since 1501-02-29", "standard"), CfAttributeError);
}

TEST(TimeCoordinate, CfUnitsBesideTheAtlasEpochMustAgreeWithIt) {
  const double y2018 = parse_utc_seconds("2018-01-01");
  for (const char* agreeing : {"seconds since 2018-01-01", "seconds since 2018-01-01 00:00:00.5",
                               "seconds since 2018-01-01T00:00:18Z", "seconds", ""}) {
    const auto base = time_base_with_atlas_epoch(agreeing);
    EXPECT_EQ(base.scale, 1.0) << agreeing;
    EXPECT_EQ(base.offset, y2018) << agreeing;  // the ATLAS epoch, as before
  }
  for (const char* disagreeing : {"days since 2019-03-01", "seconds since 2019-03-01",
                                  "days since 2018-01-01", "seconds since 2018-01-01T00:00:02"}) {
    try {
      time_base_with_atlas_epoch(disagreeing);
      ADD_FAILURE() << disagreeing << " was accepted";
    } catch (const CfAttributeError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(disagreeing), std::string::npos) << what;
      EXPECT_NE(what.find("atlas_sdp_gps_epoch 1198800018"), std::string::npos) << what;
      EXPECT_NE(what.find("2018-01-01T00:00:00Z"), std::string::npos) << what;
    }
  }
  // Without the ATLAS epoch the CF units alone define the time.
  const auto days = time_base_with_atlas_epoch("days since 2019-03-01", false);
  EXPECT_EQ(days.scale, 86400.0);
  EXPECT_EQ(days.offset, parse_utc_seconds("2019-03-01"));
}

TEST(TimeCoordinate, AtlasGpsTimesCrossLeapSecondsThroughTheTable) {
  // delta_time is GPS seconds since the epoch: each time goes through the leap-second table,
  // not only the epoch (GPS - UTC was 17 s in 2016, 18 s since 2017-01-01).
  const auto base = time_base_with_atlas_epoch("seconds since 2018-01-01");
  const double epoch = 1198800018.0, gps_unix = 315964800.0;  // the GPS epoch in POSIX time
  auto value_of = [&](const char* utc, int leaps) {
    return parse_utc_seconds(utc) - gps_unix + leaps - epoch;
  };
  EXPECT_EQ(base.utc(0), parse_utc_seconds("2018-01-01"));
  EXPECT_EQ(base.utc(value_of("2016-06-01", 17)), parse_utc_seconds("2016-06-01"));
  EXPECT_EQ(base.utc(value_of("2017-01-01", 18)), parse_utc_seconds("2017-01-01"));
  EXPECT_EQ(base.utc(value_of("2016-12-31T23:59:59Z", 17)),
            parse_utc_seconds("2016-12-31T23:59:59Z"));
  EXPECT_EQ(base.utc(value_of("2010-03-01T12:00:00Z", 15)),
            parse_utc_seconds("2010-03-01T12:00:00Z"));
  EXPECT_EQ(base.utc(2e9), 2e9 + parse_utc_seconds("2018-01-01"));  // no leap since 2017
  EXPECT_TRUE(std::isnan(base.utc(std::nan(""))));
  // An epoch before a leap second: the times after it are corrected too.
  const auto early = time_base_with_atlas_epoch("", true, 1e9);  // 2011-09-14T01:46:40 GPS
  const double at_2018 = parse_utc_seconds("2018-01-01") - gps_unix + 18 - 1e9;
  EXPECT_EQ(early.utc(at_2018), parse_utc_seconds("2018-01-01"));
  // An epoch that is no GPS time would put every point outside every window: refused.
  for (double bad : {std::nan(""), 3.4028234663852886e38, -1.0, 1e300}) {
    try {
      time_base_with_atlas_epoch("", true, bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const CfAttributeError& e) {
      EXPECT_NE(std::string(e.what()).find("atlas_sdp_gps_epoch is "), std::string::npos)
          << e.what();
    }
  }
}

// Instants within half a double step of a window boundary (1.2e-7 s at 2018's POSIX seconds)
// are on their own side of it: 2018-10-13T23:59:59.9999999 (ATLAS delta_time 24710400 - 1e-7)
// used to round to 2018-10-14 and fall in the next day's window, and out of --end 2018-10-14.
TEST(TimeCoordinate, InstantsJustBeforeABoundaryStayBeforeIt) {
  const auto base = time_base_with_atlas_epoch("seconds since 2018-01-01");
  const double boundary = parse_utc_seconds("2018-10-14");
  const double at = 24710400.0;  // delta_time of the boundary
  ASSERT_EQ(base.utc(at), boundary);
  EXPECT_EQ(base.utc(at - 1e-7), boundary);             // the plain rounded sum: on the boundary
  for (const double before : {1e-7, 3e-8, 1e-6, 4e-9})  // delta_time steps 3.7e-9 s here
    EXPECT_LT(base.utc_floor(at - before), boundary) << before;
  EXPECT_EQ(base.utc_floor(at), boundary);
  for (const double after : {1e-7, 3e-8, 4e-9}) EXPECT_GE(base.utc_floor(at + after), boundary);
  // Never more than one step below the rounded sum; across a leap second as well.
  for (const double v : {0.0, 1.5, 24710400.123456789, -3.25e7, 2e9})
    EXPECT_LE(base.utc(v) - base.utc_floor(v), base.utc(v) - std::nextafter(base.utc(v), 0.0));
  const double before_leap = parse_utc_seconds("2017-01-01") - 315964800.0 + 18 - 1198800018.0;
  EXPECT_LT(base.utc_floor(before_leap - 1e-7), parse_utc_seconds("2017-01-01"));
  EXPECT_EQ(base.utc_floor(before_leap), parse_utc_seconds("2017-01-01"));
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
