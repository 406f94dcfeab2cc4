#include "healgrid/write/huffman_code.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <queue>
#include <random>
#include <utility>
#include <vector>

namespace healgrid {
namespace {

using Freqs = std::vector<std::uint32_t>;

std::vector<int> lengths_of(const Freqs& f, int max_bits) {
  std::vector<std::uint8_t> len(f.size(), 99);
  huffman_code_lengths(f.data(), static_cast<int>(f.size()), max_bits, len.data());
  return {len.begin(), len.end()};
}

// Kraft sum in units of 2^-15 (32768 is a complete code).
std::int64_t kraft(const std::vector<int>& len) {
  std::int64_t k = 0;
  for (int l : len)
    if (l) k += std::int64_t{1} << (15 - l);
  return k;
}

std::uint64_t cost(const Freqs& f, const std::vector<int>& len) {
  std::uint64_t c = 0;
  for (std::size_t s = 0; s < f.size(); ++s)
    c += std::uint64_t{f[s]} * static_cast<unsigned>(len[s]);
  return c;
}

// Independent optimum: a Huffman code's cost is the sum of the weights of its merges.
std::uint64_t optimal_cost(const Freqs& f) {
  std::priority_queue<std::uint64_t, std::vector<std::uint64_t>, std::greater<>> q;
  for (auto x : f)
    if (x) q.push(x);
  if (q.size() == 1) return q.top();  // a lone symbol still costs 1 bit per use
  std::uint64_t c = 0;
  while (q.size() > 1) {
    const auto a = q.top();
    q.pop();
    const auto b = q.top();
    q.pop();
    c += a + b;
    q.push(a + b);
  }
  return c;
}

TEST(HuffmanCodeLengths, NoUsedSymbolGivesAllZero) {
  EXPECT_EQ(lengths_of(Freqs(19, 0), 7), std::vector<int>(19, 0));
}

TEST(HuffmanCodeLengths, LoneSymbolGetsOneBit) {
  Freqs f(30, 0);
  f[17] = 5;
  auto len = lengths_of(f, 15);
  EXPECT_EQ(len[17], 1);
  len[17] = 0;
  EXPECT_EQ(len, std::vector<int>(30, 0));
}

TEST(HuffmanCodeLengths, TwoSymbolsGetOneBitEach) {
  Freqs f(286, 0);
  f[0] = 1;
  f[285] = 1000;
  const auto len = lengths_of(f, 15);
  EXPECT_EQ(len[0], 1);
  EXPECT_EQ(len[285], 1);
  EXPECT_EQ(kraft(len), 32768);
}

TEST(HuffmanCodeLengths, EqualFrequenciesGiveTheBalancedCode) {
  const auto len256 = lengths_of(Freqs(256, 7), 15);
  EXPECT_EQ(len256, std::vector<int>(256, 8));
  // 286 symbols: 226 of 8 bits and 60 of 9 (226/256 + 60/512 = 1).
  const auto len286 = lengths_of(Freqs(286, 3), 15);
  EXPECT_EQ(std::count(len286.begin(), len286.end(), 8), 226);
  EXPECT_EQ(std::count(len286.begin(), len286.end(), 9), 60);
  EXPECT_EQ(kraft(len286), 32768);
}

TEST(HuffmanCodeLengths, TiesGoBySymbolIndex) {
  // Three equal weights: the two lowest indices merge first, so symbol 2 gets the short code.
  EXPECT_EQ(lengths_of(Freqs{4, 4, 4}, 15), (std::vector<int>{2, 2, 1}));
}

TEST(HuffmanCodeLengths, RandomFrequenciesGiveOptimalCompleteCodes) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 500; ++trial) {
    const int n = 2 + static_cast<int>(rng() % 285);
    Freqs f(static_cast<std::size_t>(n));
    const int shape = trial % 3;
    for (auto& x : f) {
      const auto r = rng();
      x = shape == 0 ? r % 50 : shape == 1 ? (r % 4 ? 0 : 1 + r % 3000) : 1 + r % 9;
    }
    f[0] = std::max<std::uint32_t>(f[0], 1);  // at least two used symbols
    f[static_cast<std::size_t>(n) - 1] = std::max<std::uint32_t>(f.back(), 1);
    const auto len = lengths_of(f, 15);
    EXPECT_EQ(kraft(len), 32768) << "trial " << trial;
    EXPECT_EQ(cost(f, len), optimal_cost(f)) << "trial " << trial;  // the limit never binds here
    for (std::size_t s = 0; s < f.size(); ++s) EXPECT_EQ(len[s] == 0, f[s] == 0);
  }
}

TEST(HuffmanCodeLengths, FibonacciFrequenciesAreLimitedToMaxBits) {
  // Weights 1, 1, 2, 3, 5, ... make an unlimited Huffman code as deep as there are symbols.
  Freqs f(30);
  f[0] = f[1] = 1;
  for (std::size_t s = 2; s < f.size(); ++s) f[s] = f[s - 1] + f[s - 2];
  const auto len = lengths_of(f, 15);
  EXPECT_EQ(*std::max_element(len.begin(), len.end()), 15);
  EXPECT_EQ(kraft(len), 32768);
  // Dearer than the unlimited optimum, but by little (0.1%): the rarest symbols take the
  // extra bits.
  EXPECT_GT(cost(f, len), optimal_cost(f));
  EXPECT_LT(static_cast<double>(cost(f, len)), 1.005 * static_cast<double>(optimal_cost(f)));
}

TEST(HuffmanCodeLengths, SevenBitLimitOfTheCodeLengthAlphabet) {
  Freqs f(19);
  std::uint32_t w = 1;
  for (auto& x : f) x = w, w = w * 2 + 1;  // powers of two: unlimited depth 18
  const auto len = lengths_of(f, 7);
  EXPECT_EQ(*std::max_element(len.begin(), len.end()), 7);
  std::int64_t k = 0;
  for (int l : len) k += std::int64_t{1} << (7 - l);
  EXPECT_EQ(k, 128);  // complete in units of 2^-7
}

TEST(HuffmanCodeLengths, LimitBindingOnRandomSkewedFrequenciesStaysComplete) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 200; ++trial) {
    Freqs f(286);
    for (auto& x : f) x = 1u << (rng() % 20);  // weights spread over 2^0..2^19
    const auto len = lengths_of(f, 15);
    EXPECT_LE(*std::max_element(len.begin(), len.end()), 15);
    EXPECT_EQ(kraft(len), 32768) << "trial " << trial;
    EXPECT_GE(cost(f, len), optimal_cost(f));
  }
}

TEST(CanonicalCodes, Rfc1951Example) {
  // RFC 1951 3.2.2: lengths (3,3,3,3,3,2,4,4) give 010 011 100 101 110 00 1110 1111,
  // stored here bit-reversed for an LSB-first writer.
  const std::uint8_t len[8] = {3, 3, 3, 3, 3, 2, 4, 4};
  std::uint16_t codes[8];
  canonical_codes(len, 8, codes);
  const std::uint16_t msb_first[8] = {0b010, 0b011, 0b100, 0b101, 0b110, 0b00, 0b1110, 0b1111};
  for (int s = 0; s < 8; ++s) {
    unsigned reversed = 0;
    for (int b = 0; b < len[s]; ++b) reversed |= ((msb_first[s] >> b) & 1u) << (len[s] - 1 - b);
    EXPECT_EQ(codes[s], reversed) << "symbol " << s;
  }
}

TEST(CanonicalCodes, UnusedSymbolsGetNoCodeAndFifteenBitCodesReverse) {
  std::uint8_t len[4] = {0, 1, 15, 15};
  std::uint16_t codes[4];
  canonical_codes(len, 4, codes);
  EXPECT_EQ(codes[0], 0);
  EXPECT_EQ(codes[1], 0);                  // "0"
  EXPECT_EQ(codes[2], 0b000000000000001);  // "100000000000000" reversed
  EXPECT_EQ(codes[3], 0b100000000000001);  // "100000000000001" reversed
}

}  // namespace
}  // namespace healgrid
