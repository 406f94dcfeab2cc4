// One run per output (io/output_lock.hpp) and the run's own temporary name (io/run_partial.hpp),
// on real files: flock locks are per open file, so two locks in one process conflict as two
// runs do.
#include "healgrid/io/output_lock.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "healgrid/io/run_partial.hpp"

namespace healgrid::io {
namespace {

std::string scratch_dir(const char* name) {
  const auto dir = ::testing::TempDir() + "healgrid_lock_" + std::to_string(::getpid()) + name;
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

TEST(OutputLock, SecondHolderIsRefusedNamingTheFirstAndTheFileGoesWithTheLock) {
  const auto out = scratch_dir("a") + "/out.nc";
  {
    OutputLock first(out);
    ASSERT_TRUE(first.held());
    try {
      OutputLock second(out);
      FAIL() << "a second lock on the same output was granted";
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("another healgrid run is writing this output"), std::string::npos);
      EXPECT_NE(what.find("pid " + std::to_string(::getpid())), std::string::npos) << what;
      EXPECT_NE(what.find(lock_path(out)), std::string::npos) << what;
    }
  }
  EXPECT_FALSE(exists(lock_path(out)));
  {
    OutputLock again(out);  // released: the next run takes it
    EXPECT_TRUE(again.held());
  }
  std::filesystem::remove_all(scratch_dir("a"));
}

TEST(OutputLock, SymlinkAtTheLockIsNeverFollowed) {
  const auto dir = scratch_dir("b");
  const auto out = dir + "/out.nc", victim = dir + "/victim.txt";
  std::ofstream(victim) << "precious\n";
  ASSERT_EQ(::symlink(victim.c_str(), lock_path(out).c_str()), 0);
  EXPECT_THROW(OutputLock lock(out), std::runtime_error);
  std::ifstream in(victim);
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, "precious");
  std::filesystem::remove_all(dir);
}

TEST(OutputLock, DeviceOrDirectoryOutputIsRefusedBeforeAnythingIsCreated) {
  EXPECT_THROW(OutputLock lock("/dev/null"), std::runtime_error);
  EXPECT_FALSE(exists("/dev/null.lock"));
  const auto dir = scratch_dir("c");
  EXPECT_THROW(OutputLock lock(dir), std::runtime_error);
  EXPECT_FALSE(exists(lock_path(dir)));
  std::filesystem::remove_all(dir);
}

// Only an empty file or exactly one holder line is a lock a killed run left: taken over (and
// removed with the lock). A file that merely starts like one, or whose first bytes are NULs or
// newlines, is someone's: refused, untouched.
TEST(OutputLock, OnlyAKilledRunsLockIsTakenOverOtherFilesStay) {
  const auto dir = scratch_dir("d");
  const auto out = dir + "/out.nc";
  auto read_all = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  for (const std::string& stale :
       {std::string(), std::string("host node17 pid 4242 since 2026-11-30T08:15:00Z\n")}) {
    std::ofstream(lock_path(out), std::ios::binary) << stale;
    {
      OutputLock lock(out);
      EXPECT_TRUE(lock.held()) << stale;
    }
    EXPECT_FALSE(exists(lock_path(out))) << stale;
  }
  const std::string theirs[] = {
      std::string(300, '\0') + "my precious data\n",
      "host list for the cluster:\nnode1 10.0.0.1\n",
      "\n\n\nnotes\n",
      "host node17 pid 4242 since 2026-11-30T08:15:00Z\nand more\n",
  };
  for (const auto& text : theirs) {
    std::ofstream(lock_path(out), std::ios::binary) << text;
    try {
      OutputLock lock(out);
      ADD_FAILURE() << "taken over: " << text;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("a file healgrid did not write"), std::string::npos)
          << e.what();
    }
    EXPECT_EQ(read_all(lock_path(out)), text);
    ::unlink(lock_path(out).c_str());
  }
  std::filesystem::remove_all(dir);
}

TEST(RunPartial, StaleTemporariesOfKilledRunsGoOtherFilesStay) {
  const auto out = scratch_dir("d") + "/out.nc";
  set_run_tag("123.0000abcd");
  EXPECT_EQ(run_partial_path(out), out + ".partial.123.0000abcd");
  // With OpenMPI's shared-file-pointer sidecars of the killed run's and of this run's file.
  for (const auto* name : {".partial.123.0000abcd", ".partial.999.deadbeef", ".partial.notes",
                           ".partial.1.xyz", ".partial", ".partial.999.deadbeef.data.0",
                           ".partial.999.deadbeef.metadata.1", ".partial.123.0000abcd.data.0",
                           ".partial.999.deadbeef.data.x", ".partial.999.deadbeef.old"})
    std::ofstream(out + name) << "x";
  // A killed run's temporary output is HDF5 (or empty, killed at its creation); a user's text
  // under such a name stays (it was removed by its name alone).
  std::ofstream(out + ".partial.999.deadbeef") << "\x89HDF\r\n\x1a\n and the rest";
  std::ofstream(out + ".partial.77.0000beef");
  std::ofstream(out + ".partial.78.0000beef") << "my notes, not HDF5";
  // The output directory's probe (zeros, killed before its removal, maybe part-written); zeros
  // beyond the probe's size, or zeros then text, are no probe.
  std::ofstream(out + ".partial.79.0000beef") << std::string(kOutputProbeBytes, '\0');
  std::ofstream(out + ".partial.80.0000beef") << std::string(4096, '\0');
  std::ofstream(out + ".partial.81.0000beef") << std::string(kOutputProbeBytes + 1, '\0');
  std::ofstream(out + ".partial.82.0000beef") << std::string(4096, '\0') << "notes";
  auto removed = remove_stale_partials(out);
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed,
            (std::vector<std::string>{out + ".partial.77.0000beef", out + ".partial.79.0000beef",
                                      out + ".partial.80.0000beef", out + ".partial.999.deadbeef",
                                      out + ".partial.999.deadbeef.data.0",
                                      out + ".partial.999.deadbeef.metadata.1"}));
  for (const auto* kept :
       {".partial.123.0000abcd", ".partial.123.0000abcd.data.0", ".partial.notes", ".partial.1.xyz",
        ".partial", ".partial.999.deadbeef.data.x", ".partial.999.deadbeef.old",
        ".partial.78.0000beef", ".partial.81.0000beef", ".partial.82.0000beef"})
    EXPECT_TRUE(exists(out + kept)) << kept;  // this run's own, and what no run of it makes
  set_run_tag("");
  std::filesystem::remove_all(scratch_dir("d"));
}

TEST(RunPartial, TemporariesOfAKilledProgressWriteGoOtherFilesStay) {
  const auto progress = scratch_dir("e") + "/out.nc.progress.json";
  for (const auto* name : {"", ".tmp.4242.3.1f2e3d4c5b6a7988", ".tmp.4242.3", ".tmp.notes", ".bak"})
    std::ofstream(progress + name) << "x";
  std::filesystem::create_directory(progress + ".tmp.1.2.ab");  // not a regular file
  const auto removed = remove_stale_temporaries(progress);
  EXPECT_EQ(removed, (std::vector<std::string>{progress + ".tmp.4242.3.1f2e3d4c5b6a7988"}));
  for (const auto* kept : {"", ".tmp.4242.3", ".tmp.notes", ".bak", ".tmp.1.2.ab"})
    EXPECT_TRUE(exists(progress + kept)) << kept;
  std::filesystem::remove_all(scratch_dir("e"));
}

}  // namespace
}  // namespace healgrid::io
