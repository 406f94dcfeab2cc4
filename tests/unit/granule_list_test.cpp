#include "healgrid/catalog/granule_list.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

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

TEST_F(GranuleListTest, PatternsExpandMatchedDirectoriesAndExistingNamesAreThemselves) {
  touch("2019.04.16/ATL06_5.h5", 7);  // NSIDC's date folders
  touch("2019.04.17/ATL06_6.h5", 8);
  touch("2019.05.01/ATL06_7.h5", 9);
  const auto dated = resolve_inputs({dir_ + "/2019.04.*"});
  ASSERT_EQ(dated.size(), 2u);
  EXPECT_EQ(dated[0].name, "ATL06_5.h5");
  EXPECT_EQ(dated[1].name, "ATL06_6.h5");
  // A file whose name holds pattern characters is named by itself, not matched as a pattern.
  touch("odd/gran[1].h5", 4);
  const auto odd = resolve_inputs({dir_ + "/odd/gran[1].h5"});
  ASSERT_EQ(odd.size(), 1u);
  EXPECT_EQ(odd[0].name, "gran[1].h5");
}

TEST_F(GranuleListTest, DuplicatesDropped) {
  const auto g = resolve_inputs({dir_ + "/b", dir_ + "/b/ATL06_1.h5"});
  EXPECT_EQ(g.size(), 2u);
}

TEST_F(GranuleListTest, SameFileAnySpellingIsUsedOnce) {
  ASSERT_EQ(symlink((dir_ + "/b/ATL06_1.h5").c_str(), (dir_ + "/a/link_to_1.h5").c_str()), 0);
  ASSERT_EQ(link((dir_ + "/b/ATL06_2.h5").c_str(), (dir_ + "/a/hard_2.h5").c_str()), 0);
  testing::internal::CaptureStderr();
  const auto g = resolve_inputs({dir_ + "/b/ATL06_1.h5", dir_ + "/b/./ATL06_1.h5",
                                 dir_ + "//b/../b/ATL06_1.h5", dir_ + "/a", dir_ + "/b"});
  const std::string err = testing::internal::GetCapturedStderr();
  // b/ATL06_1.h5 is given twice (alone and in b/): one path, used once without a word; each
  // other spelling of the file is named once.
  const std::string line = dir_ + "/b/ATL06_1.h5 is the same file as";
  const auto first = err.find(line);
  EXPECT_NE(first, std::string::npos) << err;
  EXPECT_EQ(err.find(line, first + 1), std::string::npos) << err;
  std::vector<std::string> names;
  for (const auto& x : g) names.push_back(x.name);
  // a/: ATL06_3.h5, hard_2.h5 (= b/ATL06_2.h5), link_to_1.h5 (= b/ATL06_1.h5), x.hdf5.
  EXPECT_EQ(names, (std::vector<std::string>{"ATL06_1.h5", "ATL06_2.h5", "ATL06_3.h5", "x.hdf5"}));
}

TEST_F(GranuleListTest, SameNameInTwoDirectories) {
  touch("c/ATL06_1.h5", 20);  // same name and bytes as b/ATL06_1.h5: a copy, used once
  auto g = resolve_inputs({dir_ + "/b", dir_ + "/c"});
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0].path, dir_ + "/b/ATL06_1.h5");
  std::ofstream(dir_ + "/c/ATL06_1.h5") << std::string(19, 'x') << 'y';  // same size, new bytes
  try {
    resolve_inputs({dir_ + "/c", dir_ + "/b"});
    FAIL() << "two different granules of one name were accepted";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("granule ATL06_1.h5 is given twice with different content: " + dir_ +
                       "/b/ATL06_1.h5 and " + dir_ + "/c/ATL06_1.h5"),
              std::string::npos)
        << msg;
  }
}

TEST_F(GranuleListTest, TheSameBytesUnderAnotherNameAreUsedOnce) {
  touch("c/ATL06_9.h5", 20);  // the bytes of b/ATL06_1.h5 under another name: counted once
  touch("c/ATL06_8.h5", 10);
  std::ofstream(dir_ + "/c/ATL06_8.h5") << std::string(9, 'x') << 'y';  // ATL06_2's size only
  testing::internal::CaptureStderr();
  const auto g = resolve_inputs({dir_ + "/b", dir_ + "/c"});
  const std::string err = testing::internal::GetCapturedStderr();
  std::vector<std::string> names;
  for (const auto& x : g) names.push_back(x.name);
  EXPECT_EQ(names, (std::vector<std::string>{"ATL06_1.h5", "ATL06_2.h5", "ATL06_8.h5"}));
  EXPECT_NE(err.find(dir_ + "/c/ATL06_9.h5 holds the same bytes as " + dir_ +
                     "/b/ATL06_1.h5 (another name): used once"),
            std::string::npos)
      << err;
}

// Two empty files (failed downloads) are two bad granules, not one granule given twice: both
// stay, so each is named and recorded when skipped.
TEST_F(GranuleListTest, EmptyFilesAreNeverCopiesOfEachOther) {
  touch("e/ATL06_20190101000000_00010101_006_01.h5", 0);
  touch("e/ATL06_20190102000000_00020101_006_01.h5", 0);
  testing::internal::CaptureStderr();
  const auto g = resolve_inputs({dir_ + "/e"});
  const std::string err = testing::internal::GetCapturedStderr();
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(err.find("same bytes"), std::string::npos) << err;
}

TEST_F(GranuleListTest, FilesOfOneSizeAndSampleAreComparedWhole) {
  // 2 MiB files: f1 and f3 identical; f2 differs from them at byte 100 000 only, which no
  // sampled block holds (blocks of 64 KiB at 0, ~226 kB, ...): compared whole, it is kept.
  std::string bytes(2 << 20, 'a');
  for (std::size_t i = 0; i < bytes.size(); i += 4097) bytes[i] = static_cast<char>('b' + i % 7);
  mkdir((dir_ + "/f").c_str(), 0755);
  std::ofstream(dir_ + "/f/G1.h5", std::ios::binary) << bytes;
  std::ofstream(dir_ + "/f/G3.h5", std::ios::binary) << bytes;
  bytes[100000] = 'z';
  std::ofstream(dir_ + "/f/G2.h5", std::ios::binary) << bytes;
  testing::internal::CaptureStderr();
  const auto g = resolve_inputs({dir_ + "/f"});
  testing::internal::GetCapturedStderr();
  std::vector<std::string> names;
  for (const auto& x : g) names.push_back(x.name);
  EXPECT_EQ(names, (std::vector<std::string>{"G1.h5", "G2.h5"}));
}

TEST_F(GranuleListTest, TwoFilesOfOneGranuleAreWarnedAbout) {
  // One ATL06 granule (start time, RGT, cycle, region) as version 002 and as a subset of 003.
  touch("d/ATL06_20190621191922_12910305_002_01.h5", 40);
  touch("d/processed_ATL06_20190621191922_12910305_003_01.h5", 41);
  touch("d/ATL06_20190621191922_12910306_002_01.h5", 42);  // another region: another granule
  touch("d/GEDI02_A_2019108080338_O01964_T05337_02_001_01.h5", 43);
  touch("d/GEDI02_A_2019108080338_O01964_T05337_02_001_01_sub.h5", 44);
  touch("d/atl08_20190621191922_12910305_006_01.h5", 45);  // renamed lower case: still ATL08's
  touch("d/ATL08_20190621191922_12910305_006_02.h5", 46);
  testing::internal::CaptureStderr();
  const auto g = resolve_inputs({dir_ + "/d"});
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(g.size(), 7u);  // different bytes: all used, the user decides
  EXPECT_NE(err.find("processed_ATL06_20190621191922_12910305_003_01.h5 and " + dir_ +
                     "/d/ATL06_20190621191922_12910305_002_01.h5 name the same granule (ATL06 "
                     "20190621191922 12910305)"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("name the same granule (GEDI02_A 2019108080338 O01964)"), std::string::npos)
      << err;
  EXPECT_NE(err.find("name the same granule (ATL08 20190621191922 12910305)"), std::string::npos)
      << err;
  EXPECT_EQ(err.find("12910306"), std::string::npos) << err;
}

TEST_F(GranuleListTest, ADirectoryWithoutGranulesIsWarnedAbout) {
  touch("e/ATL06_1.H5", 3);  // another case: not a granule suffix
  testing::internal::CaptureStderr();
  const auto g = resolve_inputs({dir_ + "/b", dir_ + "/e"});
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(g.size(), 2u);
  EXPECT_NE(err.find(dir_ + "/e: no file ending in .h5 .hdf5 .he5 .nc .nc4"), std::string::npos)
      << err;
  EXPECT_EQ(err.find(dir_ + "/b:"), std::string::npos) << err;
}

TEST_F(GranuleListTest, CredentialsInAnInputAreNotShown) {
  try {
    resolve_inputs({"https://alice:s3cret@data.example/ATL06_1.h5"});
    FAIL();
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find("s3cret"), std::string::npos) << msg;
    EXPECT_NE(msg.find("https://***@data.example/ATL06_1.h5"), std::string::npos) << msg;
  }
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
