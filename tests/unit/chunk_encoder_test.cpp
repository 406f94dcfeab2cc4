// The output's chunk encoder: its streams must be plain zlib (zlib's own inflate decodes them)
// of HDF5's byte-plane shuffle layout (checked against a transposition written here), and a
// dataset whose chunks are stored as they are (H5Dwrite_chunk, as write/direct_chunk_writer
// does) must read back bitwise through HDF5's own shuffle + deflate filters.
#include "healgrid/write/chunk_encoder.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "healgrid/io/h5_handle.hpp"
#include "scratch_h5_file.hpp"

namespace healgrid {
namespace {

constexpr std::size_t kChunk = 4096;  // the writer's chunk of cells at the default orders

using Bytes = std::vector<unsigned char>;

template <typename T>
Bytes bytes_of(const T* v, std::size_t n) {
  Bytes b(n * sizeof(T));
  std::memcpy(b.data(), v, b.size());
  return b;
}

// Byte k of element i at k * n + i, written out independently of the encoder.
Bytes transposed(const Bytes& in, std::size_t elem) {
  const std::size_t n = in.size() / elem;
  Bytes out(in.size());
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t k = 0; k < elem; ++k) out[k * n + i] = in[i * elem + k];
  return out;
}

Bytes zlib_uncompress(const Bytes& stream, std::size_t expected) {
  Bytes out(expected + 16);  // room to notice a stream that decodes to too many bytes
  uLongf n = out.size();
  EXPECT_EQ(uncompress(out.data(), &n, stream.data(), stream.size()), Z_OK);
  out.resize(n);
  return out;
}

// Smooth heights with NaN gaps, like the output's float statistics.
std::vector<float> heights(std::size_t n) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = i % 37 == 5 ? std::numeric_limits<float>::quiet_NaN()
                       : 1500.0f + 300.0f * std::sin(static_cast<float>(i) * 0.001f);
  return v;
}

TEST(ChunkEncoder, StreamsAreZlibOfTheByteplaneShuffle) {
  const auto f = heights(kChunk);
  std::vector<std::uint64_t> ids(kChunk);
  for (std::size_t i = 0; i < kChunk; ++i) ids[i] = 0x123456789ull * 4096 + i;
  std::vector<std::uint16_t> odd(kChunk);  // a size without a word loop
  for (std::size_t i = 0; i < kChunk; ++i) odd[i] = static_cast<std::uint16_t>(i * 7);
  for (const auto& [in, elem] : {std::pair{bytes_of(f.data(), kChunk), sizeof(float)},
                                 std::pair{bytes_of(ids.data(), kChunk), sizeof(std::uint64_t)},
                                 std::pair{bytes_of(odd.data(), kChunk), sizeof(std::uint16_t)}}) {
    for (const int level : {1, 4, 9}) {
      const Bytes stream = encode_chunk(in.data(), in.size(), elem, level);
      EXPECT_LT(stream.size(), in.size()) << "element size " << elem << " level " << level;
      EXPECT_EQ(zlib_uncompress(stream, in.size()), transposed(in, elem))
          << "element size " << elem << " level " << level;
      // The same input gives the same bytes: outputs are identical across rank counts.
      EXPECT_EQ(encode_chunk(in.data(), in.size(), elem, level), stream);
    }
  }
}

TEST(ChunkEncoder, HigherLevelsAreNotLargerAndRandomBytesStillDecode) {
  const auto f = heights(kChunk);
  const Bytes in = bytes_of(f.data(), kChunk);
  EXPECT_LE(encode_chunk(in.data(), in.size(), 4, 9).size(),
            encode_chunk(in.data(), in.size(), 4, 1).size());
  std::mt19937 rng(20240607);
  std::vector<std::uint32_t> noise(kChunk);
  for (auto& v : noise) v = rng();
  const Bytes raw = bytes_of(noise.data(), kChunk);
  const Bytes stream = encode_chunk(raw.data(), raw.size(), 4, 4);
  EXPECT_EQ(zlib_uncompress(stream, raw.size()), transposed(raw, 4));
}

// A 1-D dataset of `chunks` chunks with HDF5's shuffle + deflate, each chunk stored encoded.
template <typename T>
std::vector<T> store_and_read(ScratchH5File& file, const char* name, hid_t type,
                              const std::vector<T>& data, int level) {
  {
    H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    const hsize_t chunk = kChunk, n = data.size();
    EXPECT_GE(H5Pset_chunk(dcpl.get(), 1, &chunk), 0);
    EXPECT_GE(H5Pset_shuffle(dcpl.get()), 0);
    EXPECT_GE(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(level)), 0);
    H5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    H5Handle ds(
        H5Dcreate2(file.get(), name, type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
        H5Dclose);
    EXPECT_TRUE(ds.valid());
    for (hsize_t at = 0; at < n; at += kChunk) {
      const auto stream = encode_chunk(data.data() + at, kChunk * sizeof(T), sizeof(T), level);
      EXPECT_GE(H5Dwrite_chunk(ds.get(), H5P_DEFAULT, 0, &at, stream.size(), stream.data()), 0);
    }
  }
  file.reopen_read_only();
  H5Handle ds(H5Dopen2(file.get(), name, H5P_DEFAULT), H5Dclose);
  std::vector<T> back(data.size());
  EXPECT_GE(H5Dread(ds.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, back.data()), 0);
  return back;
}

TEST(ChunkEncoder, StoredChunksReadBackThroughHdf5sOwnFilters) {
  h5_quiet_errors();
  ScratchH5File file("healgrid_chunk_encoder_");
  ASSERT_TRUE(file.valid());
  const auto f = heights(3 * kChunk);
  const auto got = store_and_read(file, "h_mean", H5T_NATIVE_FLOAT, f, 4);
  EXPECT_EQ(bytes_of(got.data(), got.size()), bytes_of(f.data(), f.size()));  // NaNs bitwise
  EXPECT_FLOAT_EQ(got[1], f[1]);
  EXPECT_TRUE(std::isnan(got[5]));
}

TEST(ChunkEncoder, CountsAndCellIdsReadBackAtEveryLevel) {
  h5_quiet_errors();
  for (const int level : {1, 6, 9}) {
    const std::string tag = "healgrid_chunk_encoder_" + std::to_string(level);
    std::vector<std::int32_t> count(2 * kChunk, 0);
    for (std::size_t i = 0; i < count.size(); i += 13) count[i] = static_cast<int>(i % 250);
    ScratchH5File counts(tag + "_count_");
    ASSERT_TRUE(counts.valid());
    EXPECT_EQ(store_and_read(counts, "count", H5T_NATIVE_INT32, count, level), count);
    std::vector<unsigned long long> ids(2 * kChunk);
    for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = 0x2000000000ull + i;
    ScratchH5File cells(tag + "_cells_");
    ASSERT_TRUE(cells.valid());
    EXPECT_EQ(store_and_read(cells, "cell_ids", H5T_NATIVE_ULLONG, ids, level), ids);
  }
}

}  // namespace
}  // namespace healgrid
