// util/text.hpp: the helpers messages and the output's attributes are built with.
#include "healgrid/util/text.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace healgrid
