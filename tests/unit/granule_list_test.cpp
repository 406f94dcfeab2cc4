#include "healgrid/catalog/granule_list.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace healgrid {
namespace {

class GranuleListTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/healgrid_list_XXXXXX";
    dir_ = mkdtemp(tmpl);
    touch("b/ATL06_2.h5", 10);
    touch("b/ATL06_1.h5", 20);
    touch("b/notes.txt", 1);
    touch("a/ATL06_3.h5", 30);
    touch("a/x.hdf5", 5);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  void touch(const std::string& rel, int bytes) {
    const auto path = dir_ + "/" + rel;
    mkdir(path.substr(0, path.find_last_of('/')).c_str(), 0755);
    std::ofstream(path) << std::string(bytes, 'x');
  }
  std::string dir_;
};

TEST_F(GranuleListTest, DirectoriesFilesAndGlobsSortedByName) {
  const auto g = resolve_inputs({dir_ + "/b", dir_ + "/a/ATL06_3.h5"});
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].name, "ATL06_1.h5");
  EXPECT_EQ(g[0].bytes, 20);
  EXPECT_EQ(g[1].name, "ATL06_2.h5");
  EXPECT_EQ(g[2].name, "ATL06_3.h5");
  EXPECT_EQ(g[2].path, dir_ + "/a/ATL06_3.h5");

  const auto globbed = resolve_inputs({dir_ + "/*/ATL06_*.h5"});
  EXPECT_EQ(globbed.size(), 3u);
  const auto with_hdf5 = resolve_inputs({dir_ + "/a/"});
  ASSERT_EQ(with_hdf5.size(), 2u);
  EXPECT_EQ(with_hdf5[1].name, "x.hdf5");
}

TEST_F(GranuleListTest, DuplicatesDropped) {
  const auto g = resolve_inputs({dir_ + "/b", dir_ + "/b/ATL06_1.h5"});
  EXPECT_EQ(g.size(), 2u);
}

TEST_F(GranuleListTest, ErrorsNameThePath) {
  try {
    resolve_inputs({dir_ + "/missing"});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(dir_ + "/missing: cannot access input"),
              std::string::npos);
  }
  try {
    resolve_inputs({dir_ + "/*.nothing"});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("pattern matches no file"), std::string::npos);
  }
  EXPECT_THROW(resolve_inputs({}), InputError);
  if (geteuid() != 0) {  // root reads any directory
    chmod((dir_ + "/a").c_str(), 0);
    EXPECT_THROW(resolve_inputs({dir_ + "/a"}), InputError);
    chmod((dir_ + "/a").c_str(), 0755);
  }
}

}  // namespace
}  // namespace healgrid
