// The output's names exist once: the C++ header and its Python mirror for the tests must agree
// name for name, value for value, in the same order (a drift would let the Python tests check
// names the writer no longer writes).
#include "healgrid/io/output_schema.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace healgrid {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// kWgs84SemiMajorAxis -> WGS84_SEMI_MAJOR_AXIS: an underscore before every capital but the
// first, then upper case.
std::string python_name(const std::string& cpp_name) {
  std::string out;
  for (std::size_t i = 1; i < cpp_name.size(); ++i) {
    const char c = cpp_name[i];
    if (i > 1 && c >= 'A' && c <= 'Z') out += '_';
    out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  }
  return out;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs header_constants(const std::string& text) {
  static const std::regex kConstant(
      R"(inline constexpr (?:char (k\w+)\[\] = ("[^"]*")|double (k\w+) = ([0-9.eE+-]+));)");
  Pairs out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kConstant);
       it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    out.emplace_back(python_name(m[1].matched ? m[1].str() : m[3].str()),
                     m[1].matched ? m[2].str() : m[4].str());
  }
  return out;
}

Pairs python_constants(const std::string& text) {
  static const std::regex kConstant(R"(([A-Z][A-Z0-9_]*) = ("[^"]*"|[0-9.eE+-]+))");
  Pairs out;
  std::istringstream lines(text);
  std::smatch m;
  for (std::string line; std::getline(lines, line);)
    if (std::regex_match(line, m, kConstant)) out.emplace_back(m[1].str(), m[2].str());
  return out;
}

TEST(OutputSchema, PythonMirrorMatches) {
  const std::string root = HEALGRID_SOURCE_DIR;
  const auto header = header_constants(read_text(root + "/include/healgrid/io/output_schema.hpp"));
  const auto python = python_constants(read_text(root + "/tests/reference/output_schema.py"));
  ASSERT_GT(header.size(), 40u) << "the header's constants were not found";
  EXPECT_EQ(python, header) << "tests/reference/output_schema.py differs from "
                               "include/healgrid/io/output_schema.hpp: edit both together";
}

TEST(OutputSchema, PythonNamesFollowTheRule) {
  EXPECT_EQ(python_name("kCellIds"), "CELL_IDS");
  EXPECT_EQ(python_name("kWgs84SemiMajorAxis"), "WGS84_SEMI_MAJOR_AXIS");
  EXPECT_EQ(python_name("kInputsSha256"), "INPUTS_SHA256");
}

TEST(OutputSchema, ValuesTheDecodersNeed) {
  // xdggs decodes grid_name == "healpix"; CF-1.13 names the index by this standard name.
  EXPECT_STREQ(schema::kHealpix, "healpix");
  EXPECT_STREQ(schema::kHealpixIndexStandardName, "healpix_index");
  EXPECT_STREQ(schema::kConventionsValue, "CF-1.13");
  // WGS84 (EPSG:7030): a = 6378137 m, 1/f = 298.257223563.
  EXPECT_EQ(schema::kWgs84SemiMajorAxis, 6378137.0);
  EXPECT_EQ(schema::kWgs84InverseFlattening, 298.257223563);
}

}  // namespace
}  // namespace healgrid
