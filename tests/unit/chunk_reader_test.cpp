#include "healgrid/read/chunk_reader.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "healgrid/config/dataset_selector.hpp"
#include "healgrid/io/h5_handle.hpp"
#include "healgrid/read/chunk_carry.hpp"
#include "healgrid/read/dataset_column.hpp"
#include "healgrid/util/deflate_codecs.hpp"

namespace healgrid {
namespace {

class ChunkReaderTest : public testing::Test {
 protected:
  void SetUp() override {
    h5_quiet_errors();
    char tmpl[] = "/tmp/healgrid_chunks_XXXXXX";
    const int fd = mkstemp(tmpl);
    close(fd);
    path_ = tmpl;
    file_ = H5Handle(H5Fcreate(tmpl, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  }
  void TearDown() override {
    file_.reset();
    std::remove(path_.c_str());
  }

  // A 1-D dataset of `n` values i * scale + offset of `type`, chunked by `chunk`.
  H5Handle make(const char* name, hid_t type, hsize_t n, hsize_t chunk, bool shuffle, int deflate,
                bool fletcher = false) {
    H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (chunk) H5Pset_chunk(dcpl.get(), 1, &chunk);
    if (fletcher) H5Pset_fletcher32(dcpl.get());
    if (shuffle) H5Pset_shuffle(dcpl.get());
    if (deflate >= 0) H5Pset_deflate(dcpl.get(), deflate);
    const hsize_t maxdim = chunk ? H5S_UNLIMITED : n;
    H5Handle space(H5Screate_simple(1, &n, &maxdim), H5Sclose);
    H5Handle ds(
        H5Dcreate2(file_.get(), name, type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
        H5Dclose);
    std::vector<double> values(n);
    for (hsize_t i = 0; i < n; ++i) values[i] = static_cast<double>(i % 251) * 0.5 - 60;
    if (H5Tget_class(type) == H5T_INTEGER)
      for (auto& v : values) v = static_cast<double>(static_cast<long long>(v) % 120);
    H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    return ds;
  }

  static std::vector<double> h5read(hid_t ds, hsize_t row0, hsize_t n) {
    std::vector<double> out(n);
    H5Handle fs(H5Dget_space(ds), H5Sclose);
    H5Sselect_hyperslab(fs.get(), H5S_SELECT_SET, &row0, nullptr, &n, nullptr);
    H5Handle ms(H5Screate_simple(1, &n, nullptr), H5Sclose);
    H5Dread(ds, H5T_NATIVE_DOUBLE, ms.get(), fs.get(), H5P_DEFAULT, out.data());
    return out;
  }

  std::string path_;
  H5Handle file_;
};

TEST_F(ChunkReaderTest, MatchesH5DreadForEveryTypeAndFilterMix) {
  const hid_t types[] = {H5T_IEEE_F32LE, H5T_IEEE_F64LE, H5T_STD_I8LE,  H5T_STD_U8LE,
                         H5T_STD_I16LE,  H5T_STD_I32LE,  H5T_STD_U32LE, H5T_STD_I64LE};
  int k = 0;
  for (const hid_t type : types) {
    for (const bool shuffle : {false, true}) {
      for (const int level : {-1, 1, 6}) {
        if (!shuffle && level < 0) continue;  // unfiltered chunks: supported too, see below
        const std::string name = "d" + std::to_string(k++);
        // 25003 rows in chunks of 1000: the last chunk is partial.
        auto ds = make(name.c_str(), type, 25003, 1000, shuffle, level);
        ChunkReader reader(ds.get());
        ASSERT_TRUE(reader.supported()) << name;
        for (const auto& [row0, n] : std::vector<std::pair<hsize_t, hsize_t>>{
                 {0, 25003}, {999, 2}, {1000, 1000}, {24990, 13}, {12345, 6789}, {7, 1}}) {
          std::vector<double> got(n);
          reader.read(row0, n, got.data());
          EXPECT_EQ(got, h5read(ds.get(), row0, n)) << name << " rows " << row0 << "+" << n;
        }
      }
    }
  }
}

TEST_F(ChunkReaderTest, UnsupportedLayoutsAreDeclined) {
  auto contiguous = make("c", H5T_IEEE_F64LE, 100, 0, false, -1);
  EXPECT_FALSE(ChunkReader(contiguous.get()).supported());
  auto fletcher = make("f", H5T_IEEE_F64LE, 100, 10, false, 4, true);
  EXPECT_FALSE(ChunkReader(fletcher.get()).supported());
  auto big_endian = make("b", H5T_IEEE_F64BE, 100, 10, false, 4);
  EXPECT_FALSE(ChunkReader(big_endian.get()).supported());
  auto plain = make("p", H5T_IEEE_F32LE, 100, 10, false, -1);
  EXPECT_TRUE(ChunkReader(plain.get()).supported());
}

// Pipelines and types the fast path does not decode: a reduced-precision integer (n bits at a bit
// offset, as HDF5's n-bit filter stores them; the raw bytes are not the values) and a second
// shuffle. Declined, the caller's H5Dread decodes them (h5py reads both exactly).
TEST_F(ChunkReaderTest, ReducedPrecisionIntegersAndDoubleShufflesAreDeclined) {
  for (const std::size_t offset : {0, 2}) {
    H5Handle type(H5Tcopy(H5T_STD_I16LE), H5Tclose);
    ASSERT_GE(H5Tset_precision(type.get(), 12), 0);
    ASSERT_GE(H5Tset_offset(type.get(), offset), 0);
    auto ds = make(("n" + std::to_string(offset)).c_str(), type.get(), 100, 10, false, 4);
    EXPECT_FALSE(ChunkReader(ds.get()).supported()) << "offset " << offset;
    const auto values = h5read(ds.get(), 0, 100);
    EXPECT_EQ(values[3], -58) << "the file holds what was written";  // int(3 * 0.5 - 60) % 120
  }
  H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  const hsize_t n = 100, chunk = 10;
  H5Pset_chunk(dcpl.get(), 1, &chunk);
  H5Pset_filter(dcpl.get(), H5Z_FILTER_SHUFFLE, H5Z_FLAG_OPTIONAL, 0, nullptr);
  H5Pset_filter(dcpl.get(), H5Z_FILTER_SHUFFLE, H5Z_FLAG_OPTIONAL, 0, nullptr);
  H5Pset_deflate(dcpl.get(), 4);
  ASSERT_EQ(H5Pget_nfilters(dcpl.get()), 3);
  H5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5Handle twice(H5Dcreate2(file_.get(), "twice", H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                            dcpl.get(), H5P_DEFAULT),
                 H5Dclose);
  EXPECT_FALSE(ChunkReader(twice.get()).supported());
}

// Chunks never written read as the fill value (set, or the default zero), as H5Dread does.
TEST_F(ChunkReaderTest, UnwrittenChunksReadAsTheFillValue) {
  for (const bool set_fill : {true, false}) {
    const hsize_t n = 5000, chunk = 1000, maxdim = H5S_UNLIMITED;
    H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_chunk(dcpl.get(), 1, &chunk);
    H5Pset_shuffle(dcpl.get());
    H5Pset_deflate(dcpl.get(), 6);
    const float fill = 3.4028235e38f;
    if (set_fill) H5Pset_fill_value(dcpl.get(), H5T_NATIVE_FLOAT, &fill);
    H5Handle space(H5Screate_simple(1, &n, &maxdim), H5Sclose);
    const std::string name = set_fill ? "with_fill" : "default_fill";
    H5Handle ds(H5Dcreate2(file_.get(), name.c_str(), H5T_IEEE_F32LE, space.get(), H5P_DEFAULT,
                           dcpl.get(), H5P_DEFAULT),
                H5Dclose);
    // Write chunks 0 and 3 only (rows 0..999 and 3000..3999).
    std::vector<float> values(chunk);
    for (hsize_t i = 0; i < chunk; ++i) values[i] = 100.0f + static_cast<float>(i);
    for (const hsize_t first : {hsize_t{0}, hsize_t{3000}}) {
      H5Handle fs(H5Dget_space(ds.get()), H5Sclose);
      H5Sselect_hyperslab(fs.get(), H5S_SELECT_SET, &first, nullptr, &chunk, nullptr);
      H5Handle ms(H5Screate_simple(1, &chunk, nullptr), H5Sclose);
      ASSERT_GE(
          H5Dwrite(ds.get(), H5T_NATIVE_FLOAT, ms.get(), fs.get(), H5P_DEFAULT, values.data()), 0);
    }
    H5Fflush(file_.get(), H5F_SCOPE_GLOBAL);
    const hsize_t offset = 1000;
    haddr_t address = 0;
    ASSERT_GE(H5Dget_chunk_info_by_coord(ds.get(), &offset, nullptr, &address, nullptr), 0);
    ASSERT_EQ(address, HADDR_UNDEF) << "chunk 1 must be unallocated for this test";
    ChunkReader reader(ds.get());
    ASSERT_TRUE(reader.supported()) << name;
    std::vector<double> got(n);
    reader.read(0, n, got.data());  // used to throw "chunk 1 is not stored"
    const auto want = h5read(ds.get(), 0, n);
    EXPECT_EQ(got, want) << name;
    EXPECT_EQ(got[1500], set_fill ? static_cast<double>(fill) : 0.0) << name;
    EXPECT_EQ(got[3001], 101.0) << name;
  }
}

TEST_F(ChunkReaderTest, CorruptChunkThrows) {
  auto ds = make("x", H5T_IEEE_F64LE, 100, 50, true, 6);
  // Overwrite chunk 1 with garbage that is not a deflate stream, keeping the filter mask.
  std::vector<unsigned char> junk(64, 0x5a);
  const hsize_t offset = 50;
  ASSERT_GE(H5Dwrite_chunk(ds.get(), H5P_DEFAULT, 0, &offset, junk.size(), junk.data()), 0);
  ChunkReader reader(ds.get());
  std::vector<double> out(100);
  EXPECT_NO_THROW(reader.read(0, 50, out.data()));
  EXPECT_THROW(reader.read(40, 20, out.data()), std::runtime_error);
  EXPECT_THROW(reader.read(90, 20, out.data()), std::runtime_error);  // past the end
}

// A chunk that inflates to too few bytes fails after writing them into the decoded chunk (an
// unshuffled chunk is inflated in place): the chunk decoded before must not be served from
// those bytes afterwards.
TEST_F(ChunkReaderTest, AFailedChunkLeavesNoStaleChunk) {
  auto ds = make("x", H5T_IEEE_F64LE, 150, 50, false, 6);
  const std::vector<unsigned char> short_data(200, 0xff);  // 25 doubles of 50
  std::vector<unsigned char> stream(libdeflate_zlib_compress_bound(nullptr, short_data.size()));
  const auto size = libdeflate_zlib_compress(thread_compressor(6), short_data.data(),
                                             short_data.size(), stream.data(), stream.size());
  ASSERT_GT(size, 0u);
  const hsize_t offset = 50;
  ASSERT_GE(H5Dwrite_chunk(ds.get(), H5P_DEFAULT, 0, &offset, size, stream.data()), 0);
  ChunkReader reader(ds.get());
  ASSERT_TRUE(reader.supported());
  std::vector<double> out(50);
  reader.read(0, 50, out.data());
  EXPECT_EQ(out, h5read(ds.get(), 0, 50));
  EXPECT_THROW(reader.read(50, 10, out.data()), std::runtime_error);
  std::fill(out.begin(), out.end(), 0.0);
  reader.read(0, 50, out.data());  // chunk 0 again: decoded again, not the failed bytes
  EXPECT_EQ(out, h5read(ds.get(), 0, 50));
  reader.read(100, 50, out.data());
  EXPECT_EQ(out, h5read(ds.get(), 100, 50));
}

// HDF5 takes a chunk that inflates to another length: an edge chunk written with only its rows
// inside the dataset (500 of 1000; shuffled as 500 elements), or a chunk with more bytes than
// the chunk (the first chunk's worth used). So does the reader, with H5Dread's values.
TEST_F(ChunkReaderTest, ChunksInflatingToOtherLengthsAreTakenAsHdf5TakesThem) {
  for (const bool shuffle : {false, true}) {
    const std::string name = shuffle ? "s" : "p";
    auto ds = make(name.c_str(), H5T_IEEE_F64LE, 2500, 1000, shuffle, 6);
    auto write_chunk = [&](hsize_t offset, std::size_t elements) {
      std::vector<double> v(elements);
      for (std::size_t i = 0; i < elements; ++i) v[i] = 1000.0 + static_cast<double>(offset + i);
      std::vector<unsigned char> bytes(elements * 8);
      const auto* raw = reinterpret_cast<const unsigned char*>(v.data());
      for (std::size_t i = 0; i < elements; ++i)
        for (std::size_t k = 0; k < 8; ++k)
          bytes[shuffle ? k * elements + i : i * 8 + k] = raw[i * 8 + k];
      std::vector<unsigned char> stream(libdeflate_zlib_compress_bound(nullptr, bytes.size()));
      const auto size = libdeflate_zlib_compress(thread_compressor(6), bytes.data(), bytes.size(),
                                                 stream.data(), stream.size());
      ASSERT_GE(H5Dwrite_chunk(ds.get(), H5P_DEFAULT, 0, &offset, size, stream.data()), 0);
    };
    write_chunk(2000, 500);   // the edge chunk: its 500 rows inside the dataset only
    write_chunk(1000, 1010);  // 10 elements more than the chunk
    ChunkReader reader(ds.get());
    ASSERT_TRUE(reader.supported());
    std::vector<double> got(2500);
    reader.read(0, 2500, got.data());
    const auto want = h5read(ds.get(), 0, 2500);
    EXPECT_EQ(got, want) << name;
    if (!shuffle) {  // HDF5 unshuffles a longer chunk as that many elements: no plain values
      EXPECT_EQ(got[1000], 2000.0);
      EXPECT_EQ(got[1999], 2999.0);
    }
    EXPECT_EQ(got[2000], 3000.0) << name;
    EXPECT_EQ(got[2499], 3499.0) << name;
  }
  // Fewer rows than the dataset holds in the chunk: refused, saying so.
  auto ds = make("short", H5T_IEEE_F64LE, 2500, 1000, false, 6);
  const std::vector<unsigned char> bytes(400 * 8, 0x11);
  std::vector<unsigned char> stream(libdeflate_zlib_compress_bound(nullptr, bytes.size()));
  const auto size = libdeflate_zlib_compress(thread_compressor(6), bytes.data(), bytes.size(),
                                             stream.data(), stream.size());
  const hsize_t offset = 2000;
  ASSERT_GE(H5Dwrite_chunk(ds.get(), H5P_DEFAULT, 0, &offset, size, stream.data()), 0);
  ChunkReader reader(ds.get());
  std::vector<double> got(500);
  try {
    reader.read(2000, 500, got.data());
    ADD_FAILURE() << "a chunk missing rows inside the dataset was read";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("decodes to 3200 bytes, not 500 rows of 8 bytes"),
              std::string::npos)
        << e.what();
  }
}

// With shuffle then deflate, bit 0 of a chunk's filter mask skips the shuffle and bit 1 the
// deflate: a chunk stored deflated but not shuffled (mask 1) and one shuffled but not deflated
// (mask 2) are each decoded by the filter applied to them only, as H5Dread decodes them.
TEST_F(ChunkReaderTest, AChunkThatSkippedOneFilterIsDecodedByTheOtherOnly) {
  auto ds = make("m", H5T_IEEE_F64LE, 200, 100, true, 6);
  std::vector<double> plain(100), shuffled_values(100);
  for (std::size_t i = 0; i < 100; ++i) {
    plain[i] = 0.25 * static_cast<double>(i) - 7;
    shuffled_values[i] = 1000.0 + static_cast<double>(i);
  }
  // Chunk 0: the plain bytes deflated, the shuffle skipped.
  const auto* bytes = reinterpret_cast<const unsigned char*>(plain.data());
  std::vector<unsigned char> stream(libdeflate_zlib_compress_bound(nullptr, 800));
  const auto size =
      libdeflate_zlib_compress(thread_compressor(6), bytes, 800, stream.data(), stream.size());
  ASSERT_GT(size, 0u);
  hsize_t offset = 0;
  ASSERT_GE(H5Dwrite_chunk(ds.get(), H5P_DEFAULT, 1u, &offset, size, stream.data()), 0);
  // Chunk 1: byte k of every element together (shuffled), stored without deflate.
  const auto* raw = reinterpret_cast<const unsigned char*>(shuffled_values.data());
  std::vector<unsigned char> planes(800);
  for (std::size_t i = 0; i < 100; ++i)
    for (std::size_t k = 0; k < 8; ++k) planes[k * 100 + i] = raw[i * 8 + k];
  offset = 100;
  ASSERT_GE(H5Dwrite_chunk(ds.get(), H5P_DEFAULT, 2u, &offset, planes.size(), planes.data()), 0);
  ChunkReader reader(ds.get());
  ASSERT_TRUE(reader.supported());
  std::vector<double> got(200);
  reader.read(0, 200, got.data());
  EXPECT_EQ(got, h5read(ds.get(), 0, 200));
  EXPECT_EQ(std::vector<double>(got.begin(), got.begin() + 100), plain);
  EXPECT_EQ(std::vector<double>(got.begin() + 100, got.end()), shuffled_values);
}

// With H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS the edge chunk is stored unfiltered while its
// filter mask says filtered: declined, H5Dread decodes it.
TEST_F(ChunkReaderTest, UnfilteredPartialEdgeChunksAreDeclined) {
  H5Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V110, H5F_LIBVER_LATEST);
  const std::string path = path_ + ".v110";
  H5Handle file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
  H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  const hsize_t chunk = 1000, n = 2500;
  H5Pset_chunk(dcpl.get(), 1, &chunk);
  H5Pset_shuffle(dcpl.get());
  H5Pset_chunk_opts(dcpl.get(), H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS);
  H5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5Handle ds(H5Dcreate2(file.get(), "x", H5T_IEEE_F64LE, space.get(), H5P_DEFAULT, dcpl.get(),
                         H5P_DEFAULT),
              H5Dclose);
  std::vector<double> v(n);
  for (hsize_t i = 0; i < n; ++i) v[i] = 824.5 + static_cast<double>(i);
  H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  EXPECT_FALSE(ChunkReader(ds.get()).supported());
  EXPECT_EQ(h5read(ds.get(), 0, n), v);
  ds.reset();
  file.reset();
  std::remove(path.c_str());
}

// A chunk read only in part is handed to the carry when the reader leaves it; a chunk read
// whole is not; the next reader of the same dataset serves the carried bytes instead of
// inflating the chunk again (shown with bytes that differ from the file's), under its own key
// only.
TEST_F(ChunkReaderTest, ChunksReadInPartAreCarriedToTheNextReaderOfTheSameDataset) {
  auto ds = make("x", H5T_IEEE_F64LE, 150, 50, true, 6);
  ChunkCarry carry(1 << 20);
  std::vector<double> out(50);
  {
    ChunkReader a(ds.get());
    a.carry_through(&carry, 7, 1, 2);
    a.read(10, 30, out.data());  // part of chunk 0
    a.read(50, 50, out.data());  // all of chunk 1: leaves chunk 0
    EXPECT_EQ(carry.size(), 1u);
    a.release_to_carry();  // chunk 1 was read whole: not carried
    EXPECT_EQ(carry.size(), 1u);
    EXPECT_EQ(carry.bytes(), 50 * sizeof(double));
  }
  ChunkReader b(ds.get());
  b.carry_through(&carry, 7, 1, 2);
  out.resize(10);
  b.read(0, 10, out.data());
  EXPECT_EQ(out, h5read(ds.get(), 0, 10));
  EXPECT_EQ(carry.size(), 0u);  // taken back
  b.read(50, 10, out.data());   // chunk 1, not carried: inflated (chunk 0 carried again)
  EXPECT_EQ(out, h5read(ds.get(), 50, 10));
  std::vector<unsigned char> back;
  ASSERT_TRUE(carry.take({7, 1, 2, 0}, back));

  // Bytes under chunk 2's key are what a reader of that key serves; another key's reader
  // inflates the file's chunk.
  std::vector<unsigned char> fake(50 * sizeof(double));
  for (std::size_t i = 0; i < 50; ++i) {
    const double v = 1.5;
    std::memcpy(fake.data() + i * sizeof v, &v, sizeof v);
  }
  auto again = fake;
  carry.put({7, 1, 2, 2}, fake);
  carry.put({7, 1, 3, 2}, again);
  ChunkReader c(ds.get());
  c.carry_through(&carry, 7, 1, 2);
  c.read(100, 10, out.data());
  EXPECT_EQ(out, std::vector<double>(10, 1.5));
  ChunkReader d(ds.get());
  d.carry_through(&carry, 8, 1, 3);  // another granule: the file's values
  d.read(100, 10, out.data());
  EXPECT_EQ(out, h5read(ds.get(), 100, 10));
  EXPECT_EQ(carry.size(), 1u);
}

// A dataset of `dims` chunked by `chunk` (shuffle + deflate 6), element i holding a value that
// tells it apart (i % 251 / 2 - 60, integers mod 120); only the rows below `written_rows` of
// the first dimension are written (unwritten chunks read as the fill value).
H5Handle make_nd(hid_t file, const char* name, hid_t type, std::vector<hsize_t> dims,
                 std::vector<hsize_t> chunk, hsize_t written_rows = 0) {
  H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
  H5Pset_shuffle(dcpl.get());
  H5Pset_deflate(dcpl.get(), 6);
  const double fill = 77;
  H5Pset_fill_value(dcpl.get(), H5T_NATIVE_DOUBLE, &fill);
  const std::vector<hsize_t> unlimited(dims.size(), H5S_UNLIMITED);  // chunks may exceed dims
  H5Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), unlimited.data()),
                 H5Sclose);
  H5Handle ds(H5Dcreate2(file, name, type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
              H5Dclose);
  if (written_rows == 0) written_rows = dims[0];
  auto count = dims;
  count[0] = written_rows;
  hsize_t n = 1;
  for (auto c : count) n *= c;
  std::vector<double> values(n);
  for (hsize_t i = 0; i < n; ++i) {
    values[i] = static_cast<double>(i % 251) * 0.5 - 60;
    if (H5Tget_class(type) == H5T_INTEGER) values[i] = static_cast<double>((i % 251) % 120);
  }
  H5Handle fs(H5Dget_space(ds.get()), H5Sclose);
  const std::vector<hsize_t> start(dims.size(), 0);
  H5Sselect_hyperslab(fs.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
  H5Handle ms(H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, ms.get(), fs.get(), H5P_DEFAULT, values.data());
  return ds;
}

// H5Dread's values of rows [row0, row0 + n) of the selection (one item per dimension, -1 kept).
std::vector<double> h5read_selected(hid_t ds, const std::vector<std::int64_t>& select, hsize_t row0,
                                    hsize_t n) {
  H5Handle fs(H5Dget_space(ds), H5Sclose);
  std::vector<hsize_t> dims(select.size()), start(select.size()), count(select.size());
  H5Sget_simple_extent_dims(fs.get(), dims.data(), nullptr);
  bool rows = true;
  hsize_t total = 1;
  for (std::size_t d = 0; d < select.size(); ++d) {
    if (select[d] >= 0) {
      start[d] = static_cast<hsize_t>(select[d]);
      count[d] = 1;
    } else {
      start[d] = rows ? row0 : 0;
      count[d] = rows ? n : dims[d];
      rows = false;
    }
    total *= count[d];
  }
  H5Sselect_hyperslab(fs.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr);
  H5Handle ms(H5Screate_simple(1, &total, nullptr), H5Sclose);
  std::vector<double> out(total);
  H5Dread(ds, H5T_NATIVE_DOUBLE, ms.get(), fs.get(), H5P_DEFAULT, out.data());
  return out;
}

// 2-D and 3-D datasets read whole or through a selection (ATL03's signal_conf_ph[:, 3], a swath's
// latitude[0, :, :]) give H5Dread's values: chunks spanning every column or some (edge chunks
// along both dimensions), chunks never written, row ranges across chunk boundaries.
TEST_F(ChunkReaderTest, DatasetsOfMoreDimensionsMatchH5DreadWholeAndSelected) {
  struct Case {
    const char* name;
    hid_t type;
    std::vector<hsize_t> dims, chunk;
    hsize_t written_rows;
    std::vector<std::vector<std::int64_t>> selections;
  };
  const std::vector<Case> cases = {
      {"conf", H5T_STD_I8LE, {2503, 5}, {1000, 5}, 0, {{}, {-1, 0}, {-1, 3}, {-1, 4}}},
      {"narrow", H5T_IEEE_F32LE, {2503, 7}, {300, 3}, 1700, {{}, {-1, 2}, {-1, 6}, {4, -1}}},
      {"column_chunks", H5T_IEEE_F64LE, {1999, 5}, {1000, 1}, 0, {{}, {-1, 1}}},
      {"wide_chunk", H5T_STD_U16LE, {1001, 3}, {100, 8}, 0, {{}, {-1, 2}}},
      {"cube",
       H5T_IEEE_F64LE,
       {3, 1201, 4},
       {2, 500, 3},
       2,
       {{1, -1, -1}, {2, -1, 3}, {-1, 7, -1}}},
  };
  for (const auto& c : cases) {
    auto ds = make_nd(file_.get(), c.name, c.type, c.dims, c.chunk, c.written_rows);
    for (const auto& select : c.selections) {
      ChunkReader reader(ds.get(), select);
      ASSERT_TRUE(reader.supported()) << c.name;
      std::vector<hsize_t> kept;
      for (std::size_t d = 0; d < c.dims.size(); ++d)
        if (select.empty() || select[d] < 0) kept.push_back(c.dims[d]);
      const hsize_t rows = kept[0], width = kept.size() > 1 ? kept[1] : 1;
      ASSERT_EQ(reader.width(), width) << c.name;
      for (const auto& [row0, n] : std::vector<std::pair<hsize_t, hsize_t>>{
               {0, rows}, {299, 2}, {rows - 3, 3}, {rows / 3, rows / 2}, {1, 1}}) {
        if (row0 + n > rows) continue;
        std::vector<double> got(n * width, -1);
        reader.read(row0, n, got.data());
        EXPECT_EQ(got, h5read_selected(
                           ds.get(),
                           select.empty() ? std::vector<std::int64_t>(c.dims.size(), -1) : select,
                           row0, n))
            << c.name << " selection " << testing::PrintToString(select) << " rows " << row0 << "+"
            << n;
      }
    }
  }
}

// Selections the reader does not take: three dimensions kept, none kept, a fixed index out of
// range, one item too few.
TEST_F(ChunkReaderTest, SelectionsKeepingOneOrTwoDimensionsOnlyAreSupported) {
  auto cube = make_nd(file_.get(), "cube", H5T_IEEE_F32LE, {2, 10, 4}, {1, 5, 4});
  EXPECT_FALSE(ChunkReader(cube.get()).supported());
  EXPECT_FALSE(ChunkReader(cube.get(), {1, 3, 2}).supported());
  EXPECT_FALSE(ChunkReader(cube.get(), {2, -1, -1}).supported());
  EXPECT_FALSE(ChunkReader(cube.get(), {-1, -1}).supported());
  EXPECT_TRUE(ChunkReader(cube.get(), {-1, -1, 0}).supported());
}

// A chunk of two dimensions must decode to the whole chunk: its rows are not the dataset's rows,
// so a shorter stream is refused, naming the chunk, where H5Dread would read it.
TEST_F(ChunkReaderTest, AChunkOfTwoDimensionsDecodingShortIsRefused) {
  auto ds = make_nd(file_.get(), "m", H5T_IEEE_F64LE, {100, 4}, {50, 4});
  const std::vector<unsigned char> shorter(50 * 3 * 8, 0x11);
  std::vector<unsigned char> plane(shorter.size());  // shuffled: byte planes of 150 elements
  for (std::size_t i = 0; i < 150; ++i)
    for (std::size_t k = 0; k < 8; ++k) plane[k * 150 + i] = shorter[i * 8 + k];
  std::vector<unsigned char> stream(libdeflate_zlib_compress_bound(nullptr, plane.size()));
  const auto size = libdeflate_zlib_compress(thread_compressor(6), plane.data(), plane.size(),
                                             stream.data(), stream.size());
  const hsize_t offset[2] = {50, 0};
  ASSERT_GE(H5Dwrite_chunk(ds.get(), H5P_DEFAULT, 0, offset, size, stream.data()), 0);
  ChunkReader reader(ds.get(), {-1, 2});
  ASSERT_TRUE(reader.supported());
  std::vector<double> got(50);
  reader.read(0, 50, got.data());
  EXPECT_EQ(got, h5read_selected(ds.get(), {-1, 2}, 0, 50));
  try {
    reader.read(50, 50, got.data());
    ADD_FAILURE() << "a chunk short of its elements was read";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "chunk 1 (rows 50..99) decodes to 1200 bytes, not 200 elements of 8 bytes"),
              std::string::npos)
        << e.what();
  }
}

// Chunks of two dimensions are carried under their index among the row x column chunks.
TEST_F(ChunkReaderTest, ChunksOfTwoDimensionsReadInPartAreCarried) {
  auto ds = make_nd(file_.get(), "w", H5T_IEEE_F32LE, {100, 6}, {50, 4});
  ChunkCarry carry(1 << 20);
  std::vector<double> out(10 * 6);
  {
    ChunkReader a(ds.get());
    a.carry_through(&carry, 1, 0, 0);
    a.read(60, 10, out.data());  // part of chunks (1, 0) and (1, 1): indices 2 and 3
    a.release_to_carry();
  }
  EXPECT_EQ(carry.size(), 2u);
  std::vector<unsigned char> back;
  EXPECT_TRUE(carry.take({1, 0, 0, 2}, back));
  EXPECT_EQ(back.size(), 50u * 4 * 4);
  EXPECT_TRUE(carry.take({1, 0, 0, 3}, back));
  ChunkReader b(ds.get());
  b.carry_through(&carry, 1, 0, 0);
  out.resize(50 * 6);
  b.read(0, 50, out.data());  // every row of chunks 0 and 1: nothing carried
  b.release_to_carry();
  EXPECT_EQ(carry.size(), 0u);
}

// A row range read in several calls inflates each of its chunks once, also where a row spans
// several column chunks: no chunk read whole is left to the carry, and one read in part is.
TEST_F(ChunkReaderTest, RowsReadInPiecesAcrossColumnChunksLeaveOnlyPartChunks) {
  auto ds = make_nd(file_.get(), "w", H5T_IEEE_F32LE, {100, 6}, {50, 4});
  ChunkCarry carry(1 << 20);
  ChunkReader reader(ds.get());
  reader.carry_through(&carry, 1, 0, 0);
  std::vector<double> out(10 * 6);
  for (hsize_t row0 = 0; row0 < 60; row0 += 10) {
    reader.read(row0, 10, out.data());
    EXPECT_EQ(out, h5read_selected(ds.get(), {-1, -1}, row0, 10)) << row0;
  }
  reader.release_to_carry();
  EXPECT_EQ(carry.size(), 2u) << "only the two chunks of rows 50..99, read in part";
  std::vector<unsigned char> back;
  EXPECT_TRUE(carry.take({1, 0, 0, 2}, back));
  EXPECT_TRUE(carry.take({1, 0, 0, 3}, back));
}

// The granule reader's columns take the fast path through their selectors: a column of a 2-D
// dataset and a 2-D slice of a 3-D one, values as H5Dread gives them.
TEST_F(ChunkReaderTest, DatasetColumnsReadSelectedDimensionsThroughTheChunkReader) {
  auto conf = make_nd(file_.get(), "conf", H5T_STD_I8LE, {2503, 5}, {1000, 5});
  auto cube = make_nd(file_.get(), "cube", H5T_IEEE_F64LE, {3, 1201, 4}, {2, 500, 3});
  struct Case {
    const char* selector;
    PointShape points;
    std::vector<std::int64_t> select;
  };
  for (const auto& c : std::vector<Case>{{"/conf[:, 3]", {2503, 1, "", ""}, {-1, 3}},
                                         {"/cube[1, :, :]", {1201, 4, "", ""}, {1, -1, -1}}}) {
    DatasetColumn column(file_.get(), path_, "filters.x", parse_dataset_selector(c.selector), {},
                         true);
    ASSERT_NE(column.chunk_reader(), nullptr) << c.selector;
    column.bind(c.points, false);
    const auto width = c.points.cols;
    std::vector<double> got;
    std::vector<std::uint8_t> valid(600 * width, 1);
    column.read(500 * width, 600 * width, got, valid.data());  // rows 500..1099
    EXPECT_EQ(got,
              h5read_selected(c.select.size() == 2 ? conf.get() : cube.get(), c.select, 500, 600))
        << c.selector;
  }
}

std::vector<unsigned char> bytes(std::size_t n, unsigned char v) {
  return std::vector<unsigned char>(n, v);
}

TEST(ChunkCarry, HandsAChunkBackOnceUnderItsKeyOnly) {
  ChunkCarry carry(100);
  auto a = bytes(10, 1);
  carry.put({1, 2, 3, 4}, a);
  EXPECT_TRUE(a.empty());  // moved in
  std::vector<unsigned char> got;
  EXPECT_FALSE(carry.take({1, 2, 3, 5}, got));
  EXPECT_FALSE(carry.take({1, 2, 4, 4}, got));
  EXPECT_FALSE(carry.take({1, 3, 3, 4}, got));
  EXPECT_FALSE(carry.take({2, 2, 3, 4}, got));
  ASSERT_TRUE(carry.take({1, 2, 3, 4}, got));
  EXPECT_EQ(got, bytes(10, 1));
  EXPECT_FALSE(carry.take({1, 2, 3, 4}, got));
  EXPECT_EQ(carry.bytes(), 0u);
  auto b = bytes(10, 2), c = bytes(12, 3);  // a key put again holds its latest chunk
  carry.put({1, 2, 3, 4}, b);
  carry.put({1, 2, 3, 4}, c);
  EXPECT_EQ(carry.size(), 1u);
  EXPECT_EQ(carry.bytes(), 12u);
  ASSERT_TRUE(carry.take({1, 2, 3, 4}, got));
  EXPECT_EQ(got, bytes(12, 3));
}

TEST(ChunkCarry, DropsTheOldestPastItsCapacity) {
  ChunkCarry carry(30);
  for (std::uint64_t k = 0; k < 3; ++k) {
    auto v = bytes(10, static_cast<unsigned char>(k));
    carry.put({0, 0, 0, k}, v);
  }
  std::vector<unsigned char> got;
  ASSERT_TRUE(carry.take({0, 0, 0, 0}, got));  // taken: its slot in the order is stale now
  auto again = bytes(10, 9);
  carry.put({0, 0, 0, 0}, again);  // the newest now
  auto next = bytes(10, 3);
  carry.put({0, 0, 0, 3}, next);  // over capacity: the oldest live one (1) goes, not 0
  EXPECT_EQ(carry.bytes(), 30u);
  EXPECT_FALSE(carry.take({0, 0, 0, 1}, got));
  ASSERT_TRUE(carry.take({0, 0, 0, 0}, got));
  EXPECT_EQ(got, bytes(10, 9));
  EXPECT_TRUE(carry.take({0, 0, 0, 2}, got));
  EXPECT_TRUE(carry.take({0, 0, 0, 3}, got));
  auto huge = bytes(31, 1);  // larger than the capacity: dropped
  carry.put({0, 0, 0, 4}, huge);
  EXPECT_EQ(carry.size(), 0u);
  EXPECT_EQ(carry.bytes(), 0u);
}

}  // namespace
}  // namespace healgrid
