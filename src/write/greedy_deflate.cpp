#include "healgrid/write/greedy_deflate.hpp"

#include <libdeflate.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "healgrid/write/huffman_code.hpp"

namespace healgrid {
namespace {

constexpr std::size_t kWindow = 32768;
constexpr std::size_t kMinMatch = 4;  // what the hash covers
constexpr std::size_t kMaxMatch = 258;
constexpr int kHashBits = 12;
constexpr std::uint32_t kNoPosition = 0xFFFFFFFF;
constexpr std::size_t kBlockTokens = std::size_t{1} << 15;  // tokens per deflate block
constexpr std::size_t kMaxStep = 32;       // extra literals taken per probe, at most
constexpr std::size_t kMaxStored = 65535;  // bytes per stored block
constexpr int kLitLenSymbols = 286, kDistSymbols = 30, kCodeLengthSymbols = 19;
constexpr int kEndOfBlock = 256;

// RFC 1951 3.2.5: the length and distance codes' bases and extra bits.
constexpr std::uint16_t kLengthBase[29] = {3,  4,  5,  6,   7,   8,   9,   10,  11, 13,
                                           15, 17, 19, 23,  27,  31,  35,  43,  51, 59,
                                           67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr std::uint8_t kLengthExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                           2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr std::uint16_t kDistBase[30] = {
    1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr std::uint8_t kDistExtra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                         6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
// RFC 1951 3.2.7: the order in which the code length code's lengths are stored.
constexpr std::uint8_t kCodeLengthOrder[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                               11, 4,  12, 3, 13, 2, 14, 1, 15};

struct LengthCodes {
  std::uint8_t index[kMaxMatch + 1] = {};  // match length -> index into kLengthBase
};
constexpr LengthCodes make_length_codes() {
  LengthCodes t;
  for (int k = 0; k < 29; ++k)
    for (int len = kLengthBase[k]; len <= static_cast<int>(kMaxMatch); ++len)
      t.index[len] = static_cast<std::uint8_t>(k);
  return t;
}
constexpr LengthCodes kLengthCodes = make_length_codes();

int distance_symbol(unsigned d) {
  if (d <= 4) return static_cast<int>(d) - 1;
  const unsigned v = d - 1;
  const int top = 31 - __builtin_clz(v);
  return 2 * top + static_cast<int>((v >> (top - 1)) & 1);
}

std::uint32_t load32(const unsigned char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
std::uint64_t load64(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Bytes equal at a and b, up to max (b may overlap a, as runs do).
std::size_t match_length(const unsigned char* a, const unsigned char* b, std::size_t max) {
  std::size_t len = 0;
  for (; len + 8 <= max; len += 8) {
    const std::uint64_t diff = load64(a + len) ^ load64(b + len);
    if (diff) return len + static_cast<std::size_t>(__builtin_ctzll(diff) >> 3);
  }
  while (len < max && a[len] == b[len]) ++len;
  return len;
}

unsigned hash4(const unsigned char* p) { return (load32(p) * 2654435761u) >> (32 - kHashBits); }

// LSB-first bit output (deflate's order); at most 32 bits per put.
class BitWriter {
 public:
  explicit BitWriter(unsigned char* out) : out_(out) {}
  void put(std::uint32_t bits, int count) {
    buf_ |= static_cast<std::uint64_t>(bits) << fill_;
    fill_ += count;
    if (fill_ >= 32) {
      for (int k = 0; k < 4; ++k) *out_++ = static_cast<unsigned char>(buf_ >> (8 * k));
      buf_ >>= 32;
      fill_ -= 32;
    }
  }
  // Pads the last byte with zero bits.
  void align() {
    for (; fill_ > 0; fill_ -= 8, buf_ >>= 8) *out_++ = static_cast<unsigned char>(buf_);
    fill_ = 0;
    buf_ = 0;
  }
  void raw(const unsigned char* p, std::size_t n) {  // only when aligned
    if (n) std::memcpy(out_, p, n);                  // p may be null when n is 0
    out_ += n;
  }
  unsigned char* position() const { return out_; }

 private:
  unsigned char* out_;
  std::uint64_t buf_ = 0;
  int fill_ = 0;
};

// A token is a literal byte (< 256) or length << 16 | distance.
bool is_literal(std::uint32_t token) { return token < 256; }

// Code lengths for `freq` (at most max_bits), counting unused symbols as used until two are,
// so that every code is complete (see huffman_code.hpp); the extra ones are never written.
template <int N>
void complete_code_lengths(const std::uint32_t (&freq)[N], int max_bits,
                           std::uint8_t (&lengths)[N]) {
  std::uint32_t f[N];
  int used = 0;
  for (int s = 0; s < N; ++s) used += (f[s] = freq[s]) != 0;
  for (int s = 0; s < N && used < 2; ++s)
    if (!f[s]) f[s] = 1, ++used;
  huffman_code_lengths(f, N, max_bits, lengths);
}

// One deflate block for tokens[0..ntokens), which encode bytes[0..nbytes): dynamic Huffman
// codes, or stored when that is no larger.
void write_block(BitWriter& w, const unsigned char* bytes, std::size_t nbytes,
                 const std::uint32_t* tokens, std::size_t ntokens, bool final) {
  std::uint32_t lfreq[kLitLenSymbols] = {}, dfreq[kDistSymbols] = {};
  for (std::size_t t = 0; t < ntokens; ++t) {
    const std::uint32_t tok = tokens[t];
    if (is_literal(tok)) {
      ++lfreq[tok];
    } else {
      ++lfreq[257 + kLengthCodes.index[tok >> 16]];
      ++dfreq[distance_symbol(tok & 0xFFFF)];
    }
  }
  lfreq[kEndOfBlock] = 1;

  std::uint8_t llen[kLitLenSymbols], dlen[kDistSymbols];
  complete_code_lengths(lfreq, 15, llen);
  complete_code_lengths(dfreq, 15, dlen);
  int hlit = kLitLenSymbols, hdist = kDistSymbols;
  while (llen[hlit - 1] == 0) --hlit;
  while (dlen[hdist - 1] == 0) --hdist;

  // The code lengths as one sequence, run-length coded (16: repeat the previous 3-6 times,
  // 17: 3-10 zeros, 18: 11-138 zeros).
  std::uint8_t seq[kLitLenSymbols + kDistSymbols];
  std::copy(llen, llen + hlit, seq);
  std::copy(dlen, dlen + hdist, seq + hlit);
  const int nseq = hlit + hdist;
  std::uint8_t cl_sym[kLitLenSymbols + kDistSymbols], cl_extra[kLitLenSymbols + kDistSymbols];
  int ncl = 0;
  std::uint32_t clfreq[kCodeLengthSymbols] = {};
  auto emit = [&](int sym, int extra) {
    cl_sym[ncl] = static_cast<std::uint8_t>(sym);
    cl_extra[ncl++] = static_cast<std::uint8_t>(extra);
    ++clfreq[sym];
  };
  for (int i = 0; i < nseq;) {
    const int v = seq[i];
    int run = 1;
    while (i + run < nseq && seq[i + run] == v) ++run;
    i += run;
    if (v == 0) {
      for (; run >= 11; run -= std::min(run, 138)) emit(18, std::min(run, 138) - 11);
      if (run >= 3) emit(17, run - 3), run = 0;
    } else {
      emit(v, 0);
      --run;
      for (; run >= 3; run -= std::min(run, 6)) emit(16, std::min(run, 6) - 3);
    }
    for (; run > 0; --run) emit(v, 0);
  }
  std::uint8_t cllen[kCodeLengthSymbols];
  complete_code_lengths(clfreq, 7, cllen);
  int hclen = kCodeLengthSymbols;
  while (hclen > 4 && cllen[kCodeLengthOrder[hclen - 1]] == 0) --hclen;

  auto cl_extra_bits = [](int sym) { return sym == 16 ? 2 : sym == 17 ? 3 : sym == 18 ? 7 : 0; };
  std::uint64_t dynamic_bits = 3 + 5 + 5 + 4 + 3 * static_cast<std::uint64_t>(hclen);
  for (int s = 0; s < kCodeLengthSymbols; ++s)
    dynamic_bits += std::uint64_t{clfreq[s]} * (cllen[s] + cl_extra_bits(s));
  for (int s = 0; s < kLitLenSymbols; ++s)
    dynamic_bits += std::uint64_t{lfreq[s]} * (llen[s] + (s > 256 ? kLengthExtra[s - 257] : 0));
  for (int s = 0; s < kDistSymbols; ++s)
    dynamic_bits += std::uint64_t{dfreq[s]} * (dlen[s] + kDistExtra[s]);
  const std::uint64_t pieces = std::max<std::uint64_t>(1, (nbytes + kMaxStored - 1) / kMaxStored);
  const std::uint64_t stored_bits = pieces * (3 + 7 + 32) + 8 * std::uint64_t{nbytes};

  if (dynamic_bits > stored_bits) {
    std::size_t off = 0;
    do {
      const std::size_t piece = std::min(kMaxStored, nbytes - off);
      w.put(final && off + piece == nbytes ? 1 : 0, 3);  // BFINAL, BTYPE 00
      w.align();
      const auto len = static_cast<std::uint32_t>(piece);
      w.put(len | (~len & 0xFFFF) << 16, 32);
      w.raw(bytes + off, piece);
      off += piece;
    } while (off < nbytes);
    return;
  }

  std::uint16_t lcode[kLitLenSymbols], dcode[kDistSymbols], clcode[kCodeLengthSymbols];
  canonical_codes(llen, kLitLenSymbols, lcode);
  canonical_codes(dlen, kDistSymbols, dcode);
  canonical_codes(cllen, kCodeLengthSymbols, clcode);
  w.put(final ? 1 : 0, 1);
  w.put(2, 2);  // BTYPE 10: dynamic Huffman codes
  w.put(static_cast<std::uint32_t>(hlit - 257), 5);
  w.put(static_cast<std::uint32_t>(hdist - 1), 5);
  w.put(static_cast<std::uint32_t>(hclen - 4), 4);
  for (int k = 0; k < hclen; ++k) w.put(cllen[kCodeLengthOrder[k]], 3);
  for (int k = 0; k < ncl; ++k) {
    const int sym = cl_sym[k];
    w.put(clcode[sym], cllen[sym]);
    if (const int extra = cl_extra_bits(sym)) w.put(cl_extra[k], extra);
  }
  for (std::size_t t = 0; t < ntokens; ++t) {
    const std::uint32_t tok = tokens[t];
    if (is_literal(tok)) {
      w.put(lcode[tok], llen[tok]);
      continue;
    }
    const unsigned len = tok >> 16, dist = tok & 0xFFFF;
    const int k = kLengthCodes.index[len], sym = 257 + k;
    w.put(lcode[sym] | (len - kLengthBase[k]) << llen[sym], llen[sym] + kLengthExtra[k]);
    const int ds = distance_symbol(dist);
    w.put(dcode[ds] | (dist - kDistBase[ds]) << dlen[ds], dlen[ds] + kDistExtra[ds]);
  }
  w.put(lcode[kEndOfBlock], llen[kEndOfBlock]);
}

struct Scratch {
  std::vector<std::uint32_t> tokens = std::vector<std::uint32_t>(kBlockTokens + kMaxStep + 1);
  std::uint32_t head[1u << kHashBits];
};

}  // namespace

std::size_t greedy_zlib_bound(std::size_t n) { return n + n / 2048 + 64; }

std::size_t greedy_zlib_compress(const unsigned char* in, std::size_t n, unsigned char* out) {
  thread_local Scratch scratch;
  std::uint32_t* const tokens = scratch.tokens.data();
  std::uint32_t* const head = scratch.head;
  std::fill(head, head + (1u << kHashBits), kNoPosition);  // nothing from earlier calls

  out[0] = 0x78;  // zlib header: deflate, 32 KiB window, "fast" level, check bits
  out[1] = 0x5E;
  BitWriter w(out + 2);
  std::size_t i = 0;
  for (bool final = false; !final;) {
    const std::size_t block_start = i;
    std::size_t t = 0, misses = 0;
    while (t < kBlockTokens && i < n) {
      if (i + kMinMatch > n) {  // too short to match: the last bytes
        tokens[t++] = in[i++];
        continue;
      }
      const std::size_t max = std::min(kMaxMatch, n - i);
      // A run (the next 4 bytes equal the one before): the common case in fill.
      if (i > 0 && load32(in + i) == load32(in + i - 1)) {
        const std::size_t len = kMinMatch + match_length(in + i + 4, in + i + 3, max - 4);
        tokens[t++] = static_cast<std::uint32_t>(len << 16 | 1);
        i += len;
        misses = 0;
        continue;
      }
      std::uint32_t& slot = head[hash4(in + i)];
      const std::uint32_t candidate = slot;
      slot = static_cast<std::uint32_t>(i);
      if (candidate != kNoPosition && i - candidate <= kWindow &&
          load32(in + candidate) == load32(in + i)) {
        const std::size_t len = kMinMatch + match_length(in + i + 4, in + candidate + 4, max - 4);
        tokens[t++] = static_cast<std::uint32_t>(len << 16 | (i - candidate));
        i += len;
        misses = 0;
        continue;
      }
      // Literals; after a stretch without matches (float mantissas), several per probe.
      const std::size_t step = std::min(n - i, 1 + std::min<std::size_t>(misses++ >> 5, kMaxStep));
      for (std::size_t k = 0; k < step; ++k) tokens[t++] = in[i++];
    }
    final = i == n;
    write_block(w, in + block_start, i - block_start, tokens, t, final);
  }
  w.align();
  unsigned char* p = w.position();
  const std::uint32_t adler = libdeflate_adler32(1, in, n);
  for (int k = 3; k >= 0; --k) *p++ = static_cast<unsigned char>(adler >> (8 * k));
  return static_cast<std::size_t>(p - out);
}

}  // namespace healgrid
