// Length-limited canonical Huffman codes, as deflate's dynamic blocks need them (RFC 1951
// 3.2.2): code lengths from symbol frequencies, then the canonical codes for those lengths.
//
// Contract: with two or more used symbols (frequency > 0) the code is complete (Kraft sum
// exactly 1, which zlib's inflate requires of every code but a lone 1-bit one), no length
// exceeds max_bits, and when max_bits does not bind the lengths are optimal (a Huffman code);
// when it binds, a heuristic fit (measured against the optimum: within 0.2% at 15 bits, up to
// ~11% at 7 bits, which only deflate's small code-length code uses). A lone used symbol gets
// length 1, unused symbols 0. Ties are broken by symbol index, so the lengths depend on the
// frequencies only.
#pragma once

#include <cstdint>

namespace healgrid {

constexpr int kMaxHuffmanSymbols = 288;  // deflate's literal/length alphabet, the largest

// lengths[s] for s < n from freq[s]; n <= kMaxHuffmanSymbols, 1 <= max_bits <= 15, and
// 2^max_bits must be >= the number of used symbols.
void huffman_code_lengths(const std::uint32_t* freq, int n, int max_bits, std::uint8_t* lengths);

// Canonical codes for `lengths` (RFC 1951: shorter codes first, then by symbol), stored
// bit-reversed so that an LSB-first bit writer emits them as deflate expects.
void canonical_codes(const std::uint8_t* lengths, int n, std::uint16_t* codes);

}  // namespace healgrid
