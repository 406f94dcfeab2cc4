#include "healgrid/write/greedy_deflate.hpp"

#include <gtest/gtest.h>
#include <libdeflate.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace healgrid {
namespace {

using Bytes = std::vector<unsigned char>;

Bytes compress(const Bytes& in) {
  Bytes out(greedy_zlib_bound(in.size()), 0xEE);
  const std::size_t n = greedy_zlib_compress(in.data(), in.size(), out.data());
  EXPECT_LE(n, greedy_zlib_bound(in.size()));
  out.resize(n);
  return out;
}

// Decodes with zlib and with libdeflate (both independent of the encoder) and checks both
// give `in` back exactly, the Adler-32 trailer included.
void expect_round_trip(const Bytes& in, const std::string& what) {
  const Bytes z = compress(in);
  Bytes out(in.size() + 64);
  uLongf n = out.size();
  ASSERT_EQ(uncompress(out.data(), &n, z.data(), z.size()), Z_OK) << what;
  ASSERT_EQ(n, in.size()) << what;
  EXPECT_TRUE(std::equal(in.begin(), in.end(), out.begin())) << what;

  auto* d = libdeflate_alloc_decompressor();
  std::size_t produced = 0;
  const auto rc =
      libdeflate_zlib_decompress(d, z.data(), z.size(), out.data(), out.size(), &produced);
  libdeflate_free_decompressor(d);
  ASSERT_EQ(rc, LIBDEFLATE_SUCCESS) << what;
  ASSERT_EQ(produced, in.size()) << what;
  EXPECT_TRUE(std::equal(in.begin(), in.end(), out.begin())) << what;
}

std::size_t zlib_size(const Bytes& in, int level) {
  Bytes out(compressBound(in.size()));
  uLongf n = out.size();
  EXPECT_EQ(compress2(out.data(), &n, in.data(), in.size(), level), Z_OK);
  return n;
}

Bytes random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<unsigned char>(rng());
  return b;
}

// Byte planes of `elements` of `size` bytes each, as HDF5's shuffle filter lays a chunk out.
Bytes shuffled(const Bytes& raw, std::size_t size) {
  const std::size_t elements = raw.size() / size;
  Bytes out(raw.size());
  for (std::size_t i = 0; i < elements; ++i)
    for (std::size_t k = 0; k < size; ++k) out[k * elements + i] = raw[i * size + k];
  return out;
}

// A chunk of 4096 float heights, `percent` % of them along tracks, NaN elsewhere, shuffled.
Bytes output_chunk(int percent, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> v(4096, std::numeric_limits<float>::quiet_NaN());
  for (std::size_t i = 0; i < v.size();) {
    const std::size_t run = 1 + rng() % 24;
    const bool data = static_cast<int>(rng() % 100) < percent;
    for (std::size_t k = 0; k < run && i < v.size(); ++k, ++i)
      if (data) v[i] = 1500.0f + static_cast<float>(rng() % 100000) * 1e-3f;
  }
  Bytes raw(v.size() * 4);
  std::memcpy(raw.data(), v.data(), raw.size());
  return shuffled(raw, 4);
}

TEST(GreedyDeflate, EmptyAndTinyInputs) {
  expect_round_trip({}, "empty");
  expect_round_trip({42}, "one byte");
  expect_round_trip({1, 2, 3}, "three bytes");
  expect_round_trip({7, 7, 7, 7}, "four equal bytes");
  expect_round_trip({7, 7, 7, 7, 7, 7, 7, 7, 7}, "a run after a literal");
  expect_round_trip({1, 2, 3, 4, 1, 2, 3, 4, 1, 2}, "a repeat ending short of a match");
}

TEST(GreedyDeflate, LongRunsShrinkToAFewBytesPerKilobyte) {
  for (const std::size_t n : {std::size_t{258}, std::size_t{259}, std::size_t{262},
                              std::size_t{4096}, std::size_t{1} << 20}) {
    const Bytes zeros(n, 0);
    expect_round_trip(zeros, "zeros " + std::to_string(n));
    // The wrapper and block header take ~20 bytes; each 258-byte match then costs 2 bits.
    EXPECT_LT(compress(zeros).size(), 24 + n / 512) << n;
  }
}

TEST(GreedyDeflate, IncompressibleInputIsStoredWithBoundedOverhead) {
  for (const std::size_t n :
       {std::size_t{1000}, std::size_t{65535}, std::size_t{65536}, std::size_t{200000}}) {
    const Bytes noise = random_bytes(n, static_cast<std::uint32_t>(n));
    expect_round_trip(noise, "noise " + std::to_string(n));
    // Stored blocks: 5 bytes per 65535 (plus block ends) and the 6 of the zlib wrapper.
    const std::size_t size = compress(noise).size();
    EXPECT_GE(size, n + 11);
    EXPECT_LE(size, n + 6 + 6 * (n / 65535 + n / 32768 + 2)) << n;
  }
}

TEST(GreedyDeflate, RepeatsAtLongDistancesWithinTheWindow) {
  // A random block repeated: matches at the block's distance, which must stay <= 32 KiB.
  for (const std::size_t period :
       {std::size_t{256}, std::size_t{1000}, std::size_t{4000}, std::size_t{20000},
        std::size_t{32768}, std::size_t{32769}, std::size_t{40000}}) {
    const Bytes block = random_bytes(period, 3);
    Bytes in;
    for (int k = 0; k < 3; ++k) in.insert(in.end(), block.begin(), block.end());
    expect_round_trip(in, "period " + std::to_string(period));
    const std::size_t size = compress(in).size();
    if (period <= 4000) {
      EXPECT_LT(size, period + period / 10 + 64) << period;  // the copies cost next to nothing
    } else if (period > 32768) {
      EXPECT_GT(size, 3 * period) << period;  // out of the window: nothing to match
    }
    // Between, after thousands of literals the encoder probes only every 33rd byte (see the
    // header), so it finds part of the copies: valid streams, no size promised.
  }
}

TEST(GreedyDeflate, ShuffledCellIdsCompressLikeZlib) {
  // The cell_ids chunk: consecutive 64-bit ids. Their low byte plane is a ramp that repeats
  // every 256 bytes (matches at distance 256), the others are runs.
  std::vector<std::uint64_t> ids(4096);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = 123456789ull * 4096 + i;
  Bytes raw(ids.size() * 8);
  std::memcpy(raw.data(), ids.data(), raw.size());
  const Bytes in = shuffled(raw, 8);
  expect_round_trip(in, "cell ids");
  EXPECT_LT(compress(in).size(), in.size() / 50);
  EXPECT_LT(compress(in).size(), 2 * zlib_size(in, 4));
}

TEST(GreedyDeflate, OutputChunksStayWithinAFewPercentOfZlib) {
  for (const int percent : {0, 1, 7, 30, 100}) {
    std::size_t ours = 0, theirs = 0;
    for (std::uint32_t seed = 0; seed < 20; ++seed) {
      const Bytes in = output_chunk(percent, seed);
      expect_round_trip(in, "chunk " + std::to_string(percent) + "% seed " + std::to_string(seed));
      ours += compress(in).size();
      theirs += zlib_size(in, 4);
    }
    EXPECT_LT(static_cast<double>(ours), 1.06 * static_cast<double>(theirs)) << percent << "%";
  }
}

TEST(GreedyDeflate, ManyBlocksOfMixedContent) {
  // Over 2^15 tokens per block: literals, runs and copies across block boundaries.
  std::mt19937 rng(99);
  Bytes in;
  while (in.size() < (std::size_t{3} << 20)) {
    const auto kind = rng() % 3;
    const std::size_t len = 1 + rng() % 3000;
    if (kind == 0) {
      const Bytes r = random_bytes(len, rng());
      in.insert(in.end(), r.begin(), r.end());
    } else if (kind == 1) {
      in.insert(in.end(), len, static_cast<unsigned char>(rng()));
    } else if (in.size() > 100) {
      const std::size_t from = in.size() - 1 - rng() % std::min<std::size_t>(in.size() - 1, 40000);
      for (std::size_t k = 0; k < len; ++k) in.push_back(in[from + k]);
    }
  }
  expect_round_trip(in, "mixed 3 MiB");
}

TEST(GreedyDeflate, FuzzedInputsRoundTrip) {
  std::mt19937 rng(2026);
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t n = rng() % 70000;
    Bytes in(n);
    const unsigned alphabet = 1 + rng() % 256;  // small alphabets: skewed codes, short runs
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 8 && rng() % 4 == 0) {
        in[i] = in[i - 1 - rng() % 8];
      } else {
        in[i] = static_cast<unsigned char>(rng() % alphabet);
      }
    }
    expect_round_trip(in, "trial " + std::to_string(trial));
    if (HasFatalFailure()) return;
  }
}

TEST(GreedyDeflate, OutputDependsOnTheInputOnly) {
  const Bytes a = output_chunk(7, 1), b = random_bytes(50000, 8);
  const Bytes first = compress(a);
  compress(b);  // leaves its positions in the hash table
  EXPECT_EQ(compress(a), first);
  Bytes other_thread;
  std::thread t([&] { other_thread = compress(a); });
  t.join();
  EXPECT_EQ(other_thread, first);
}

}  // namespace
}  // namespace healgrid
