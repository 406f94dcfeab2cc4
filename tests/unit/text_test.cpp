// util/text.hpp: the helpers messages and the output's attributes are built with.
#include "healgrid/util/text.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace healgrid {
namespace {

// What /bin/sh reads `line` back as, one word per line (printf '%s\n' WORDS).
std::string words_read_back(const std::string& line) {
  std::string out;
  if (FILE* p = popen(("printf '%s\\n' " + line).c_str(), "r")) {
    char buffer[256];
    while (std::fgets(buffer, sizeof buffer, p)) out += buffer;
    pclose(p);
  }
  return out;
}

// The output's `history` is a command line to run again: a word with a space or a quote was
// written bare (--output 'sp ace/o x.nc' read back as the output "sp" and two inputs).
TEST(Text, ShellQuotedWordsReadBackAsThemselves) {
  EXPECT_EQ(shell_quoted("--input"), "--input");
  EXPECT_EQ(shell_quoted("data/ATL06_2019.h5"), "data/ATL06_2019.h5");
  EXPECT_EQ(shell_quoted("output.overviews=3,5"), "output.overviews=3,5");
  EXPECT_EQ(shell_quoted("sp ace/o x.nc"), "'sp ace/o x.nc'");
  EXPECT_EQ(shell_quoted(""), "''");
  const std::string words[] = {"sp ace/o x.nc", "3, 5", "it's", "*.h5", "$HOME", "a\"b", "x;y"};
  std::string line, expected;
  for (const auto& w : words) {
    line += " " + shell_quoted(w);
    expected += w + "\n";
  }
  EXPECT_EQ(words_read_back(line), expected);
}

// A code point's UTF-8 bytes (RFC 3629 section 3), for the reference below.
std::string encoded(std::uint32_t c) {
  std::string s;
  if (c < 0x80) {
    s += static_cast<char>(c);
  } else if (c < 0x800) {
    s += static_cast<char>(0xc0 | c >> 6);
    s += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    s += static_cast<char>(0xe0 | c >> 12);
    s += static_cast<char>(0x80 | (c >> 6 & 0x3f));
    s += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    s += static_cast<char>(0xf0 | c >> 18);
    s += static_cast<char>(0x80 | (c >> 12 & 0x3f));
    s += static_cast<char>(0x80 | (c >> 6 & 0x3f));
    s += static_cast<char>(0x80 | (c & 0x3f));
  }
  return s;
}

// Well-formed UTF-8 is exactly the encodings of the scalar values (code points but the
// surrogates D800-DFFF): a sequence is valid iff it is some scalar value's encoding.
bool reference_utf8(const std::string& s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t len = b(i) < 0x80 ? 1 : b(i) >= 0xf0 ? 4 : b(i) >= 0xe0 ? 3 : 2;
    if (i + len > s.size()) return false;
    std::uint32_t c = len == 1 ? b(i) : b(i) & (0x7f >> len);
    for (std::size_t k = 1; k < len; ++k) c = c << 6 | (b(i + k) & 0x3f);
    const bool scalar = c <= 0x10ffff && (c < 0xd800 || c > 0xdfff);
    if (!scalar || encoded(c) != s.substr(i, len)) return false;
    i += len;
  }
  return true;
}

TEST(Text, Utf8KnownSequences) {
  for (const char* ok :
       {"", "ATL06_20190101_00010110_006_01.h5", "\xc3\xa9t\xc3\xa9", "\xe2\x82\xac",
        "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbd", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf"})
    EXPECT_TRUE(is_utf8(ok)) << ok;
  for (const char* bad : {"\xe9t\xe9",                         // Latin-1
                          "\xc0\xaf", "\xe0\x80\xaf",          // overlong "/"
                          "\xf0\x80\x80\xaf", "\xed\xa0\x80",  // surrogate D800
                          "\xf4\x90\x80\x80",                  // above U+10FFFF
                          "\x80", "\xbf", "\xc3", "a\xe2\x82", "\xf5\x80\x80\x80", "\xfe", "\xff"})
    EXPECT_FALSE(is_utf8(bad)) << bad;
}

// Every sequence of one to three bytes, and every lead and second byte of four-byte ones,
// against the reference.
TEST(Text, Utf8MatchesTheEncodingsOfEveryScalarValue) {
  std::size_t disagree = 0;
  for (std::uint32_t v = 0; v < (1u << 24); ++v)
    for (std::size_t len = 1; len <= 3; ++len) {
      if (len < 3 && v >= (1u << (8 * len))) continue;
      std::string s;
      for (std::size_t k = 0; k < len; ++k) s += static_cast<char>(v >> (8 * (len - 1 - k)) & 0xff);
      disagree += is_utf8(s) != reference_utf8(s);
    }
  for (unsigned lead = 0xf0; lead <= 0xff; ++lead)
    for (unsigned second = 0; second < 256; ++second)
      for (const unsigned tail : {0x80u, 0xbfu, 0x7fu, 0xc0u}) {
        const std::string s{static_cast<char>(lead), static_cast<char>(second),
                            static_cast<char>(tail), static_cast<char>(0x80)};
        disagree += is_utf8(s) != reference_utf8(s);
      }
  EXPECT_EQ(disagree, 0u);
  for (std::uint32_t c = 0; c <= 0x10ffff; ++c)
    if (c < 0xd800 || c > 0xdfff) {
      ASSERT_TRUE(is_utf8(encoded(c))) << c;
    }
}

}  // namespace
}  // namespace healgrid
