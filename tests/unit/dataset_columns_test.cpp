// Column selectors and shapes of the granule reader, on small HDF5 files written with the C
// API: 2-D coordinates flattened, per-row and per-granule broadcast, swath selectors, virtual
// and dangling datasets, short record variables, and the errors naming the config key and the
// dataset.
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

}  // namespace
}  // namespace healgrid
