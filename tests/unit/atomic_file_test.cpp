// Durable files: the final name holds the old contents or the new, never a part; temporaries
// are removed on failure; symlinks are replaced, never written through.
#include "healgrid/io/atomic_file.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "healgrid/util/fault.hpp"

namespace healgrid {
namespace {

namespace fs = std::filesystem;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/healgrid-atomic-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir_), {}));
  }
  fs::path dir_;
};

// A hard stop (a second signal, or the grace period over) removes the temporaries being
// written: a second SIGTERM during a progress file's write left its temporary behind.
using AtomicFileDeathTest = AtomicFileTest;
TEST_F(AtomicFileDeathTest, AHardStopRemovesTemporariesInFlight) {
  const auto path = (dir_ / "result.nc.progress.json").string();
  EXPECT_EXIT(
      {
        install_stop_handlers("");
        io::AtomicFile kept(path);  // two in flight: both are removed
        io::AtomicFile other((dir_ / "p0-9.journal").string());
        kept.write("{}");
        raise(SIGTERM);  // the first asks for a clean stop
        raise(SIGTERM);  // the second stops at once
      },
      ::testing::ExitedWithCode(128 + SIGTERM), "stopping now");
  EXPECT_EQ(entries(), 0u) << "a temporary left in " << dir_;
}

TEST_F(AtomicFileTest, CommittedAndDestroyedFilesLeaveTheirSlots) {
  // More files written one after another than there are slots: each frees its own.
  for (int i = 0; i < 20; ++i) io::write_file_atomically((dir_ / "f.json").string(), "x");
  const int slot = track_temporary((dir_ / "probe").string());
  EXPECT_GE(slot, 0);
  untrack_temporary(slot);
}

TEST_F(AtomicFileTest, ReplacesTheFileInOneStep) {
  const auto path = (dir_ / "progress.json").string();
  io::write_file_atomically(path, "old\n");
  io::AtomicFile file(path);
  file.write("new ");
  EXPECT_EQ(read(path), "old\n") << "the final name changed before commit";
  EXPECT_TRUE(fs::exists(file.temporary_path()));
  EXPECT_EQ(fs::path(file.temporary_path()).parent_path(), dir_) << "temporary not beside it";
  file.write("contents\n");
  file.commit();
  EXPECT_EQ(read(path), "new contents\n");
  EXPECT_EQ(entries(), 1u) << "a temporary was left behind";
}

TEST_F(AtomicFileTest, AbandonedWriteLeavesTheOldFileAndNoTemporary) {
  const auto path = (dir_ / "metrics.json").string();
  io::write_file_atomically(path, "kept");
  {
    io::AtomicFile file(path);
    file.write("never committed");
  }
  EXPECT_EQ(read(path), "kept");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, SymlinkAtTheFinalNameIsReplacedNotFollowed) {
  const auto victim = dir_ / "victim";
  io::write_file_atomically(victim.string(), "untouched");
  const auto path = dir_ / "out.json";
  fs::create_symlink(victim, path);
  io::write_file_atomically(path.string(), "mine");
  EXPECT_EQ(read(victim), "untouched");
  EXPECT_FALSE(fs::is_symlink(path));
  EXPECT_EQ(read(path), "mine");
}

// With MayReplace: a free name is taken without replacing, so a file that appears there while
// the work runs is never overwritten; a file already there only when MayReplace approves.
TEST_F(AtomicFileTest, AFileThatAppearedMeanwhileIsNotReplacedUnlessApproved) {
  const auto path = (dir_ / "metrics.json").string();
  const io::MayReplace ours = [](const std::string& p) { return read(p).rfind("ours", 0) == 0; };
  io::write_file_atomically(path, "ours 1", ours);  // a free name
  EXPECT_EQ(read(path), "ours 1");
  io::write_file_atomically(path, "ours 2", ours);  // an approved file
  EXPECT_EQ(read(path), "ours 2");
  {
    io::AtomicFile file(path);
    file.write("ours 3");
    fs::remove(path);
    std::ofstream(path) << "the user's, written during the work";
    try {
      file.commit(ours);
      ADD_FAILURE() << "a file that appeared meanwhile was replaced";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(path + ": a file healgrid did not write"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_EQ(read(path), "the user's, written during the work");
  EXPECT_EQ(entries(), 1u) << "the temporary was left behind";
  // commit_file (a file another library wrote): the same; the finished file stays where it was.
  fs::remove(path);
  const auto finished = (dir_ / "granule.h5.partial").string();
  std::ofstream(finished) << "ours 4";
  std::ofstream(path) << "a user's granule";
  EXPECT_THROW(io::commit_file(finished, path, [](const std::string&) { return false; }),
               std::runtime_error);
  EXPECT_EQ(read(path), "a user's granule");
  EXPECT_EQ(read(finished), "ours 4");
  fs::remove(path);
  io::commit_file(finished, path, [](const std::string&) { return false; });  // a free name
  EXPECT_EQ(read(path), "ours 4");
  EXPECT_FALSE(fs::exists(finished));
}

TEST_F(AtomicFileTest, TwoWritersGetTheirOwnTemporaries) {
  const auto path = (dir_ / "round").string();
  io::AtomicFile a(path), b(path);
  EXPECT_NE(a.temporary_path(), b.temporary_path());
  a.write("a");
  b.write("b");
  a.commit();
  b.commit();
  EXPECT_EQ(read(path), "b");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, ErrorsNameTheFile) {
  const auto path = (dir_ / "missing-dir" / "file").string();
  try {
    io::write_file_atomically(path, "x");
    FAIL() << "no error for a missing directory";
  } catch (const std::runtime_error& e) {
    // The file and the directory a user has to create, not the temporary's name.
    EXPECT_EQ(std::string(e.what()), path + ": its directory " + (dir_ / "missing-dir").string() +
                                         " is missing: No such file or directory");
  }
}

TEST_F(AtomicFileTest, CommitFileRenamesARegularFileOnly) {
  const auto from = dir_ / "out.nc.partial", to = dir_ / "out.nc";
  io::write_file_atomically(from.string(), "netcdf bytes");
  io::commit_file(from.string(), to.string());
  EXPECT_EQ(read(to), "netcdf bytes");
  EXPECT_FALSE(fs::exists(from));

  const auto link = dir_ / "link.partial";
  fs::create_symlink(to, link);
  EXPECT_THROW(io::commit_file(link.string(), (dir_ / "other").string()), std::runtime_error);
  EXPECT_FALSE(fs::exists(dir_ / "other"));
}

TEST_F(AtomicFileTest, TemporaryNamesAreRecognisedAndNothingElse) {
  const auto path = (dir_ / "out.nc.progress.json").string();
  io::AtomicFile file(path);
  EXPECT_TRUE(io::is_temporary_suffix(file.temporary_path().substr(path.size())))
      << file.temporary_path();
  EXPECT_TRUE(io::is_temporary_suffix(".tmp.12.0.a1b2"));
  for (const char* other :
       {"", ".tmp", ".tmp.", ".tmp.12.0.", ".tmp.12..ab", ".tmp..0.ab", ".tmp.12.0.xyz",
        ".tmp.1a.0.ab", ".tmp.12.0.ab.c", ".old", ".tmp.12.0.0123456789abcdef0", "x.tmp.12.0.ab"})
    EXPECT_FALSE(io::is_temporary_suffix(other)) << "'" << other << "'";
}

}  // namespace
}  // namespace healgrid
