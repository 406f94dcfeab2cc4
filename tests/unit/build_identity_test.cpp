// The running program's build identity: its GNU build ID, as binutils' readelf reads it from
// the executable's file.
#include "healgrid/util/build_identity.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace healgrid {
namespace {

TEST(BuildIdentity, IsTheExecutablesGnuBuildIdAsReadelfReadsIt) {
  std::string readelf;
  char self[4096] = {};  // this test binary (popen's /proc/self would be the shell)
  const auto len = ::readlink("/proc/self/exe", self, sizeof self - 1);
  ASSERT_GT(len, 0);
  const std::string cmd = std::string("readelf -n '") + self + "' 2>/dev/null";
  if (std::FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) readelf.append(buf, n);
    ::pclose(p);
  }
  const auto at = readelf.find("Build ID: ");
  if (at == std::string::npos) GTEST_SKIP() << "readelf (binutils) found no build ID";
  const auto end = readelf.find('\n', at);
  const std::string id = readelf.substr(at + 10, end - at - 10);
  EXPECT_EQ(build_identity(), "build-id " + id);
  EXPECT_EQ(build_identity(), build_identity());  // computed once
}

}  // namespace
}  // namespace healgrid
