// GranuleReader::park / unpark (read/granule_reader.hpp): a reader kept between the read
// loop's rounds without HDF5 reads the same values as one opened again, refuses a file that
// changed meanwhile, and declines to park what it cannot read by chunks.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "healgrid/io/h5_handle.hpp"
#include "healgrid/read/chunk_reader.hpp"
#include "healgrid/read/granule_reader.hpp"
#include "healgrid/synth/atl06_synth.hpp"

namespace healgrid {
namespace {

namespace fs = std::filesystem;

class GranuleParking : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::random_device rd;
    dir_ = new fs::path(fs::temp_directory_path() / ("healgrid_parking_" + std::to_string(rd())));
    SynthOptions o;
    o.out_dir = dir_->string();
    o.along_track_m = 200.0;  // 2 chunks of 10000 rows per beam dataset, the last one partial
    o.fill_fraction = 0.1;
    o.seed = 7;
    path_ = new std::string(write_synth_granule(plan_synth(o).at(1), o));
    config_ = new PipelineConfig(load_config_file(HEALGRID_SOURCE_DIR "/config/atl06.yaml"));
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
    delete path_;
    delete config_;
  }

  // Every beam's values (NaN where a point is not used), read in windows of `window` rows.
  static std::vector<std::vector<double>> read_all(const GranuleReader& reader,
                                                   std::uint64_t window) {
    std::vector<std::vector<double>> out(reader.beams().size() * 2);
    BeamChunk chunk;
    for (std::size_t b = 0; b < reader.beams().size(); ++b)
      for (std::uint64_t r = 0; r < reader.beams()[b].rows; r += window) {
        reader.read_values(b, r, std::min(window, reader.beams()[b].rows - r), chunk);
        for (std::size_t v = 0; v < 2; ++v)
          for (std::size_t k = 0; k < chunk.size(); ++k)
            out[b * 2 + v].push_back(chunk.valid[k] ? chunk.values[v][k] : std::nan(""));
      }
    return out;
  }
  static void expect_same(const std::vector<std::vector<double>>& a,
                          const std::vector<std::vector<double>>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a[i].size(), b[i].size()) << "column " << i;
      for (std::size_t k = 0; k < a[i].size(); ++k)
        ASSERT_TRUE(a[i][k] == b[i][k] || (std::isnan(a[i][k]) && std::isnan(b[i][k])))
            << "column " << i << ", row " << k << ": " << a[i][k] << " against " << b[i][k];
    }
  }

  // unpark() throws a GranuleError saying `what`.
  static void expect_unpark_refused(GranuleReader& reader, const std::string& what) {
    try {
      reader.unpark();
      FAIL() << "unpark must refuse: " << what;
    } catch (const GranuleError& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  }

  static fs::path* dir_;
  static std::string* path_;
  static PipelineConfig* config_;
};

fs::path* GranuleParking::dir_ = nullptr;
std::string* GranuleParking::path_ = nullptr;
PipelineConfig* GranuleParking::config_ = nullptr;

TEST_F(GranuleParking, AParkedReaderReadsWhatAnOpenOneReads) {
  const GranuleReader fresh(*path_, *config_, GranuleReader::Columns::values);
  const auto expected = read_all(fresh, 3000);
  ASSERT_EQ(expected.size(), 12u);  // 6 beams, h_li and h_li_sigma
  std::size_t used = 0;
  for (const auto x : expected[0]) used += !std::isnan(x);
  ASSERT_GT(used, 1000u);
  ASSERT_LT(used, expected[0].size());  // some fills among them
  // Parked before any read (the index pass's way), then after reading part (a round's).
  for (const auto columns : {GranuleReader::Columns::all, GranuleReader::Columns::values}) {
    GranuleReader reader(*path_, *config_, columns);
    if (columns == GranuleReader::Columns::values) read_all(reader, 7000);
    ASSERT_TRUE(reader.park());
    reader.unpark();
    expect_same(read_all(reader, 3000), expected);
    ASSERT_TRUE(reader.park());  // parked again for a third round
    reader.unpark();
    expect_same(read_all(reader, 1234), expected);
  }
}

TEST_F(GranuleParking, AFileChangedMeanwhileIsRefusedByName) {
  const std::string copy = (*dir_ / "changed.h5").string();
  fs::copy_file(*path_, copy, fs::copy_options::overwrite_existing);
  GranuleReader reader(copy, *config_, GranuleReader::Columns::values);
  ASSERT_TRUE(reader.park());
  reader.unpark();  // unchanged: reads on
  ASSERT_TRUE(reader.park());
  // Touched (the same bytes and size): its modification time tells.
  struct stat st {};
  ASSERT_EQ(::stat(copy.c_str(), &st), 0);
  const struct timespec times[2] = {st.st_atim, {st.st_mtim.tv_sec + 5, st.st_mtim.tv_nsec}};
  ASSERT_EQ(utimensat(AT_FDCWD, copy.c_str(), times, 0), 0);
  expect_unpark_refused(reader, copy + ": the file changed");
  fs::remove(copy);
  expect_unpark_refused(reader, copy + ": cannot open it again");
}

TEST_F(GranuleParking, AVariableWithoutChunkReadsDeclinesAndTheReaderReadsOn) {
  // The granule with a contiguous copy of h_li in every beam: read with H5Dread, not by chunks.
  const std::string copy = (*dir_ / "contiguous.h5").string();
  fs::copy_file(*path_, copy, fs::copy_options::overwrite_existing);
  {
    const H5Handle file(H5Fopen(copy.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
    for (const char* beam : {"gt1l", "gt1r", "gt2l", "gt2r", "gt3l", "gt3r"}) {
      const std::string group = std::string("/") + beam + "/land_ice_segments/";
      const H5Handle chunked(H5Dopen2(file.get(), (group + "h_li").c_str(), H5P_DEFAULT), H5Dclose);
      const H5Handle space(H5Dget_space(chunked.get()), H5Sclose);
      std::vector<float> h(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get())));
      H5Dread(chunked.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, h.data());
      const hsize_t rows = h.size();
      const H5Handle fixed(H5Screate_simple(1, &rows, nullptr), H5Sclose);  // contiguous
      const H5Handle plain(H5Dcreate2(file.get(), (group + "h_plain").c_str(), H5T_IEEE_F32LE,
                                      fixed.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                           H5Dclose);
      ASSERT_GE(plain.get(), 0);
      H5Dwrite(plain.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, h.data());
    }
  }
  PipelineConfig config = *config_;
  ASSERT_EQ(config.variables.at(0).name, "h_li");
  config.variables[0].dataset = "/{group}/land_ice_segments/h_plain";
  const GranuleReader fresh(copy, config, GranuleReader::Columns::values);
  const auto expected = read_all(fresh, 5000);
  GranuleReader reader(copy, config, GranuleReader::Columns::values);
  EXPECT_FALSE(reader.park());
  expect_same(read_all(reader, 5000), expected);  // still open: its HDF5 reads go on
  fs::remove(copy);
}

TEST_F(GranuleParking, AParkedChunkReaderReadsThePlacesItLocated) {
  const H5Handle file(H5Fopen(path_->c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  H5Handle ds(H5Dopen2(file.get(), "/gt1l/land_ice_segments/h_li", H5P_DEFAULT), H5Dclose);
  ChunkReader chunks(ds.get());
  ASSERT_TRUE(chunks.supported());
  H5Handle space(H5Dget_space(ds.get()), H5Sclose);
  hsize_t rows = 0;
  H5Sget_simple_extent_dims(space.get(), &rows, nullptr);
  ASSERT_GT(rows, 10000u);  // two chunks, the second partial
  std::vector<double> expected(rows), got(rows);
  chunks.read(0, rows, expected.data());
  ASSERT_TRUE(chunks.locate_all());
  chunks.park();
  ds.reset();  // the reads below need no HDF5 object
  const int fd = ::open(path_->c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  chunks.read_from(fd);
  chunks.read(0, rows, got.data());
  EXPECT_EQ(got, expected);
  ::close(fd);
  // The same places in a file cut short: the read names the chunk and why.
  const std::string cut = (*dir_ / "cut.h5").string();
  fs::copy_file(*path_, cut, fs::copy_options::overwrite_existing);
  fs::resize_file(cut, 4096);
  const int cut_fd = ::open(cut.c_str(), O_RDONLY);
  ASSERT_GE(cut_fd, 0);
  chunks.park();
  chunks.read_from(cut_fd);
  try {
    chunks.read(rows - 1, 1, got.data());
    FAIL() << "a chunk beyond the end of the file must not read";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot read chunk 1 (rows 10000.."), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("the file ends before it"), std::string::npos) << e.what();
  }
  ::close(cut_fd);
  fs::remove(cut);
}

TEST_F(GranuleParking, ParkedChunkReadersOfTwoDimensionsReadWholeAndSelected) {
  // 25000 x 5 int16 values in chunks of 10000 x 2 (shuffled, deflated): partial edge chunks in
  // both dimensions, three column chunks per row chunk.
  const std::string path = (*dir_ / "two_d.h5").string();
  const hsize_t dims[2] = {25000, 5}, chunk[2] = {10000, 2};
  {
    const H5Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    const H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_chunk(dcpl.get(), 2, chunk);
    H5Pset_shuffle(dcpl.get());
    H5Pset_deflate(dcpl.get(), 4);
    const H5Handle space(H5Screate_simple(2, dims, nullptr), H5Sclose);
    const H5Handle ds(H5Dcreate2(file.get(), "v", H5T_STD_I16LE, space.get(), H5P_DEFAULT,
                                 dcpl.get(), H5P_DEFAULT),
                      H5Dclose);
    std::vector<std::int16_t> v(dims[0] * dims[1]);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::int16_t>(i * 7919 % 30011);
    H5Dwrite(ds.get(), H5T_NATIVE_INT16, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  }
  const H5Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  for (const auto& select : {std::vector<std::int64_t>{}, std::vector<std::int64_t>{-1, 3}}) {
    H5Handle ds(H5Dopen2(file.get(), "v", H5P_DEFAULT), H5Dclose);
    ChunkReader chunks(ds.get(), select);
    ASSERT_TRUE(chunks.supported());
    const std::size_t n = dims[0] * chunks.width();
    std::vector<double> expected(n), got(n, -1);
    chunks.read(0, dims[0], expected.data());
    ASSERT_TRUE(chunks.locate_all());
    chunks.park();
    ds.reset();
    const int fd = ::open(path.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    chunks.read_from(fd);
    chunks.read(0, 12345, got.data());  // across a row chunk's end, then the rest
    chunks.read(12345, dims[0] - 12345, got.data() + 12345 * chunks.width());
    ::close(fd);
    EXPECT_EQ(got, expected) << (select.empty() ? "whole" : "column 3");
    EXPECT_EQ(expected[3 * chunks.width()], select.empty() ? 15 * 7919 % 30011 : 18 * 7919 % 30011);
  }
}

TEST_F(GranuleParking, AFileReplacedBeforeParkingIsRefusedByName) {
  // The path names another file by the time the reader parks: what it parked is the file HDF5
  // holds, which the path no longer names.
  const std::string path = (*dir_ / "replaced.h5").string();
  const std::string other = (*dir_ / "other.h5").string();
  fs::copy_file(*path_, path, fs::copy_options::overwrite_existing);
  fs::copy_file(*path_, other, fs::copy_options::overwrite_existing);
  GranuleReader reader(path, *config_, GranuleReader::Columns::values);
  fs::rename(other, path);
  ASSERT_TRUE(reader.park());
  expect_unpark_refused(reader, path + ": the file changed");
  fs::remove(path);
}

TEST_F(GranuleParking, AFileWithAUserblockIsNotParked) {
  // HDF5 1.10's chunk addresses leave a userblock out (HDFGroup/hdf5#4236): read on with HDF5.
  const std::string path = (*dir_ / "userblock.h5").string();
  {
    const H5Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
    H5Pset_userblock(fcpl.get(), 512);
    const H5Handle out(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT), H5Fclose);
    const H5Handle in(H5Fopen(path_->c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    for (const char* group :
         {"/ancillary_data", "/orbit_info", "/gt1l", "/gt1r", "/gt2l", "/gt2r", "/gt3l", "/gt3r"})
      ASSERT_GE(H5Ocopy(in.get(), group, out.get(), group, H5P_DEFAULT, H5P_DEFAULT), 0) << group;
  }
  const GranuleReader fresh(*path_, *config_, GranuleReader::Columns::values);
  const auto expected = read_all(fresh, 4000);
  GranuleReader reader(path, *config_, GranuleReader::Columns::values);
  EXPECT_FALSE(reader.park());
  expect_same(read_all(reader, 4000), expected);
  fs::remove(path);
}

}  // namespace
}  // namespace healgrid
