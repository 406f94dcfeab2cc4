#include "healgrid/write/huffman_code.hpp"

#include <algorithm>

namespace healgrid {

void huffman_code_lengths(const std::uint32_t* freq, int n, int max_bits, std::uint8_t* lengths) {
  // Used symbols by ascending frequency, then index, as keys (freq << 16 | symbol): a stable
  // counting sort on the frequency, the frequencies from kBuckets - 1 up (few: runs, common
  // bytes) sharing the last bucket and sorted there. A chunk's block builds three codes, so
  // this is per-chunk cost that a general sort would make a third of the encoder's time.
  constexpr int kBuckets = 256;
  int start[kBuckets + 1] = {};
  int m = 0;
  for (int s = 0; s < n; ++s) {
    lengths[s] = 0;
    if (freq[s]) ++start[std::min<std::uint32_t>(freq[s], kBuckets - 1) + 1], ++m;
  }
  if (m == 0) return;
  for (int b = 0; b < kBuckets; ++b) start[b + 1] += start[b];
  std::uint64_t keys[kMaxHuffmanSymbols];
  for (int s = 0; s < n; ++s)
    if (freq[s])
      keys[start[std::min<std::uint32_t>(freq[s], kBuckets - 1)]++] =
          static_cast<std::uint64_t>(freq[s]) << 16 | static_cast<unsigned>(s);
  std::sort(keys + start[kBuckets - 2], keys + m);
  if (m == 1) {
    lengths[keys[0] & 0xFFFF] = 1;
    return;
  }
  auto symbol = [&](int i) { return static_cast<int>(keys[i] & 0xFFFF); };

  // Huffman's tree with two queues: leaves 0..m-1 in frequency order, internal nodes m.. in
  // the order they are made (their weights never decrease). The root is node 2m-2.
  std::uint64_t weight[2 * kMaxHuffmanSymbols];
  int parent[2 * kMaxHuffmanSymbols];
  for (int i = 0; i < m; ++i) weight[i] = keys[i] >> 16;
  int leaf = 0, node = m;
  auto lightest = [&](int made) {
    if (leaf < m && (node >= made || weight[leaf] <= weight[node])) return leaf++;
    return node++;
  };
  for (int made = m; made < 2 * m - 1; ++made) {
    const int a = lightest(made);
    const int b = lightest(made);
    weight[made] = weight[a] + weight[b];
    parent[a] = parent[b] = made;
  }
  int depth[2 * kMaxHuffmanSymbols];
  depth[2 * m - 2] = 0;
  for (int i = 2 * m - 3; i >= 0; --i) depth[i] = depth[parent[i]] + 1;

  // Clamp to max_bits, then restore the Kraft sum (in units of 2^-max_bits, `full` is 1):
  // lengthen the longest codes below the limit while the sum is over, shorten the longest
  // codes that fit the gap while it is under.
  int len[kMaxHuffmanSymbols];
  const std::int64_t full = std::int64_t{1} << max_bits;
  std::int64_t kraft = 0;
  for (int i = 0; i < m; ++i) {
    len[i] = std::min(depth[i], max_bits);
    kraft += full >> len[i];
  }
  while (kraft > full) {
    int pick = -1;
    for (int i = 0; i < m; ++i)  // rarest first: the longest among them
      if (len[i] < max_bits && (pick < 0 || len[i] > len[pick])) pick = i;
    kraft -= full >> (len[pick] + 1);
    ++len[pick];
  }
  while (kraft < full) {
    const std::int64_t gap = full - kraft;
    int pick = -1;
    for (int i = m - 1; i >= 0; --i)  // most frequent first: the longest that fits the gap
      if (len[i] >= 2 && (full >> len[i]) <= gap && (pick < 0 || len[i] > len[pick])) pick = i;
    kraft += full >> len[pick];
    --len[pick];
  }
  for (int i = 0; i < m; ++i) lengths[symbol(i)] = static_cast<std::uint8_t>(len[i]);
}

namespace {

struct ByteReversal {
  std::uint8_t of[256] = {};
};
constexpr ByteReversal make_byte_reversal() {
  ByteReversal t;
  for (int b = 0; b < 256; ++b)
    for (int k = 0; k < 8; ++k)
      if (b & (1 << k)) t.of[b] = static_cast<std::uint8_t>(t.of[b] | (0x80 >> k));
  return t;
}
constexpr ByteReversal kByteReversal = make_byte_reversal();

}  // namespace

void canonical_codes(const std::uint8_t* lengths, int n, std::uint16_t* codes) {
  int count[16] = {};
  for (int s = 0; s < n; ++s) ++count[lengths[s]];
  count[0] = 0;
  unsigned next[16] = {};
  unsigned code = 0;
  for (int bits = 1; bits < 16; ++bits) {
    code = (code + static_cast<unsigned>(count[bits - 1])) << 1;
    next[bits] = code;
  }
  for (int s = 0; s < n; ++s) {
    const int bits = lengths[s];
    codes[s] = 0;
    if (!bits) continue;
    const unsigned c = next[bits]++;
    const unsigned reversed16 = kByteReversal.of[c & 0xFF] << 8 | kByteReversal.of[c >> 8];
    codes[s] = static_cast<std::uint16_t>(reversed16 >> (16 - bits));
  }
}

}  // namespace healgrid
