#include "healgrid/write/deflate_filter.hpp"

#include <gtest/gtest.h>
#include <libdeflate.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "healgrid/io/h5_handle.hpp"
#include "healgrid/write/greedy_deflate.hpp"
#include "scratch_h5_file.hpp"

namespace healgrid {
namespace {

constexpr hsize_t kChunk = 4096;  // the writer's chunk of cells

using Bytes = std::vector<unsigned char>;

template <typename T>
Bytes bytes_of(const std::vector<T>& v) {
  Bytes b(v.size() * sizeof(T));
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// What HDF5 hands the deflate filter for chunk `c`: the chunk's bytes, byte-plane shuffled.
Bytes chunk_input(const Bytes& all, std::size_t elem, hsize_t c, bool shuffle) {
  const std::size_t size = kChunk * elem;
  Bytes in(all.begin() + static_cast<std::ptrdiff_t>(c * size),
           all.begin() + static_cast<std::ptrdiff_t>((c + 1) * size));
  if (!shuffle || elem == 1) return in;
  Bytes out(size);
  for (std::size_t i = 0; i < kChunk; ++i)
    for (std::size_t k = 0; k < elem; ++k) out[k * kChunk + i] = in[i * elem + k];
  return out;
}

// zlib's own decoder, independent of the filter under test.
Bytes zlib_uncompress(const Bytes& stream, std::size_t expected) {
  Bytes out(expected + 16);  // room to notice a stream that decodes to too many bytes
  uLongf n = out.size();
  EXPECT_EQ(uncompress(out.data(), &n, stream.data(), stream.size()), Z_OK);
  out.resize(n);
  return out;
}

Bytes libdeflate_stream(const Bytes& in, int level) {
  auto* c = libdeflate_alloc_compressor(level);
  Bytes out(libdeflate_zlib_compress_bound(c, in.size()));
  out.resize(libdeflate_zlib_compress(c, in.data(), in.size(), out.data(), out.size()));
  libdeflate_free_compressor(c);
  return out;
}

Bytes greedy_stream(const Bytes& in) {
  Bytes out(greedy_zlib_bound(in.size()));
  out.resize(greedy_zlib_compress(in.data(), in.size(), out.data()));
  return out;
}

// What the filter writes at `level`: healgrid's greedy encoder for 1..4, libdeflate above
// (and at 0, stored blocks).
Bytes expected_stream(const Bytes& in, int level) {
  return level >= 1 && level <= 4 ? greedy_stream(in) : libdeflate_stream(in, level);
}

class DeflateFilterTest : public testing::Test {
 protected:
  void SetUp() override {
    h5_quiet_errors();
    ASSERT_TRUE(use_fast_hdf5_deflate());
    ASSERT_TRUE(file_.valid());
  }

  // A 1-D dataset of `data` (a whole number of chunks), deflated at `level`.
  template <typename T>
  void write(const char* name, hid_t type, const std::vector<T>& data, bool shuffle, int level) {
    H5Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    ASSERT_GE(H5Pset_chunk(dcpl.get(), 1, &kChunk), 0);
    if (shuffle) {
      ASSERT_GE(H5Pset_shuffle(dcpl.get()), 0);
    }
    ASSERT_GE(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(level)), 0);
    const hsize_t n = data.size();
    H5Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    H5Handle ds(
        H5Dcreate2(file_.get(), name, type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
        H5Dclose);
    ASSERT_TRUE(ds.valid());
    ASSERT_GE(H5Dwrite(ds.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), 0);
  }

  // Closes and reopens the file, so reads decode the stored chunks, not the chunk cache.
  void reopen() {
    file_.reopen_read_only();
    ASSERT_TRUE(file_.valid());
  }

  H5Handle open(const char* name) const {
    return H5Handle(H5Dopen2(file_.get(), name, H5P_DEFAULT), H5Dclose);
  }

  // The stored (filtered) bytes of chunk `c`; the filter mask must say every filter ran.
  Bytes raw_chunk(const char* name, hsize_t c) const {
    auto ds = open(name);
    const hsize_t offset = c * kChunk;
    hsize_t size = 0;
    EXPECT_GE(H5Dget_chunk_storage_size(ds.get(), &offset, &size), 0);
    Bytes raw(size);
    std::uint32_t mask = 0xff;
    EXPECT_GE(H5Dread_chunk(ds.get(), H5P_DEFAULT, &offset, &mask, raw.data()), 0);
    EXPECT_EQ(mask, 0u) << name << " chunk " << c << " was stored unfiltered";
    return raw;
  }

  template <typename T>
  std::vector<T> read_back(const char* name, hid_t type, std::size_t n) {
    reopen();
    auto ds = open(name);
    std::vector<T> out(n);
    EXPECT_GE(H5Dread(ds.get(), type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), 0);
    return out;
  }

  ScratchH5File file_{"healgrid_deflate_filter_"};
};

// Smooth heights with NaN gaps, like the output's float statistics.
std::vector<float> heights(std::size_t n) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = i % 37 == 5 ? std::numeric_limits<float>::quiet_NaN()
                       : 1500.0f + 300.0f * std::sin(static_cast<float>(i) * 0.001f);
  return v;
}

TEST_F(DeflateFilterTest, RegisteringAgainIsHarmlessAndKeepsBothDirections) {
  EXPECT_TRUE(use_fast_hdf5_deflate());
  EXPECT_GT(H5Zfilter_avail(H5Z_FILTER_DEFLATE), 0);
  unsigned info = 0;
  ASSERT_GE(H5Zget_filter_info(H5Z_FILTER_DEFLATE, &info), 0);
  EXPECT_TRUE(info & H5Z_FILTER_CONFIG_ENCODE_ENABLED);
  EXPECT_TRUE(info & H5Z_FILTER_CONFIG_DECODE_ENABLED);
}

TEST_F(DeflateFilterTest, StoredChunksAreTheGreedyEncodersZlibStreamsThatZlibDecodes) {
  const auto data = heights(3 * kChunk);
  const Bytes all = bytes_of(data);
  for (const bool shuffle : {false, true}) {
    const char* name = shuffle ? "shuffled" : "plain";
    write(name, H5T_NATIVE_FLOAT, data, shuffle, 4);
    for (hsize_t c = 0; c < 3; ++c) {
      const Bytes raw = raw_chunk(name, c);
      const Bytes input = chunk_input(all, sizeof(float), c, shuffle);
      EXPECT_LT(raw.size(), input.size()) << name << " chunk " << c << ": not compressed";
      EXPECT_EQ(zlib_uncompress(raw, input.size()), input) << name << " chunk " << c;
      // Byte for byte what the greedy encoder makes: the replacement filter wrote it, not
      // HDF5's zlib one.
      EXPECT_EQ(raw, greedy_stream(input)) << name << " chunk " << c;
    }
  }
}

TEST_F(DeflateFilterTest, H5DreadReturnsTheWrittenValues) {
  const auto data = heights(4 * kChunk);
  write("plain", H5T_NATIVE_FLOAT, data, false, 4);
  write("shuffled", H5T_NATIVE_FLOAT, data, true, 4);
  for (const char* name : {"plain", "shuffled"}) {
    const auto got = read_back<float>(name, H5T_NATIVE_FLOAT, data.size());
    EXPECT_EQ(bytes_of(got), bytes_of(data)) << name;  // bitwise: NaNs included
    EXPECT_FLOAT_EQ(got[1], data[1]);
    EXPECT_TRUE(std::isnan(got[5]));
  }
}

TEST_F(DeflateFilterTest, IncompressibleAndAllNanChunksRoundTrip) {
  std::mt19937 rng(20240607);
  std::vector<std::uint32_t> noise(2 * kChunk);
  for (auto& v : noise) v = rng();
  write("noise", H5T_NATIVE_UINT32, noise, true, 4);
  std::vector<float> nan(2 * kChunk, std::numeric_limits<float>::quiet_NaN());
  write("nan", H5T_NATIVE_FLOAT, nan, true, 4);

  const Bytes noise_bytes = bytes_of(noise), nan_bytes = bytes_of(nan);
  for (hsize_t c = 0; c < 2; ++c) {
    // Random bytes grow a little (stored blocks) but still go through the filter.
    const Bytes raw = raw_chunk("noise", c);
    const Bytes input = chunk_input(noise_bytes, 4, c, true);
    EXPECT_GE(raw.size(), input.size());
    EXPECT_EQ(zlib_uncompress(raw, input.size()), input);
    // NaN chunks shrink over 100x: decoding must grow its first (4x) buffer several times.
    const Bytes nraw = raw_chunk("nan", c);
    EXPECT_LT(nraw.size() * 100, nan_bytes.size() / 2);
    EXPECT_EQ(zlib_uncompress(nraw, kChunk * 4), chunk_input(nan_bytes, 4, c, true));
  }
  EXPECT_EQ(read_back<std::uint32_t>("noise", H5T_NATIVE_UINT32, noise.size()), noise);
  EXPECT_EQ(bytes_of(read_back<float>("nan", H5T_NATIVE_FLOAT, nan.size())), nan_bytes);
}

TEST_F(DeflateFilterTest, LevelsFollowCdValues) {
  const auto data = heights(2 * kChunk);
  const Bytes all = bytes_of(data);
  std::size_t size[10] = {};
  for (const int level : {0, 1, 4, 5, 9}) {
    const std::string name = "level" + std::to_string(level);
    write(name.c_str(), H5T_NATIVE_FLOAT, data, true, level);
    for (hsize_t c = 0; c < 2; ++c) {
      const Bytes raw = raw_chunk(name.c_str(), c);
      const Bytes input = chunk_input(all, 4, c, true);
      EXPECT_EQ(raw, expected_stream(input, level)) << name << " chunk " << c;
      EXPECT_EQ(zlib_uncompress(raw, input.size()), input) << name << " chunk " << c;
      size[level] += raw.size();
    }
  }
  EXPECT_GT(size[0], all.size());  // level 0: stored blocks, a valid stream all the same
  EXPECT_EQ(size[1], size[4]);     // one greedy encoder for 1..4
  EXPECT_LT(size[9], size[5]);
  for (const int level : {0, 1, 4, 5, 9}) {
    const std::string name = "level" + std::to_string(level);
    EXPECT_EQ(bytes_of(read_back<float>(name.c_str(), H5T_NATIVE_FLOAT, data.size())), all) << name;
  }
}

TEST_F(DeflateFilterTest, ReadsChunksThatZlibCompressed) {
  // Files written before (or by any other program) hold zlib's streams: the reverse path
  // must decode them. Written as raw chunks, bypassing the filter.
  const auto data = heights(2 * kChunk);
  write("zlib", H5T_NATIVE_FLOAT, std::vector<float>(data.size(), 0.0f), false, 6);
  const Bytes all = bytes_of(data);
  {
    auto ds = open("zlib");
    for (hsize_t c = 0; c < 2; ++c) {
      const Bytes input = chunk_input(all, 4, c, false);
      Bytes stream(compressBound(input.size()));
      uLongf n = stream.size();
      ASSERT_EQ(compress2(stream.data(), &n, input.data(), input.size(), 6), Z_OK);
      const hsize_t offset = c * kChunk;
      ASSERT_GE(H5Dwrite_chunk(ds.get(), H5P_DEFAULT, 0, &offset, n, stream.data()), 0);
    }
  }
  EXPECT_EQ(bytes_of(read_back<float>("zlib", H5T_NATIVE_FLOAT, data.size())), all);
}

}  // namespace
}  // namespace healgrid
