// The granule fingerprint of the journal's reuse decision (pipeline/input_fingerprint.hpp), on
// real files: what the sample sees and what only the full hash sees.
#include "healgrid/pipeline/input_fingerprint.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "healgrid/catalog/checksum.hpp"
#include "healgrid/util/file_identity.hpp"

namespace healgrid {
namespace {

std::string temp_file(const char* name, std::size_t bytes) {
  const auto path = ::testing::TempDir() + "healgrid_fp_" + std::to_string(::getpid()) + name;
  std::string data(bytes, '\0');
  for (std::size_t i = 0; i < bytes; ++i) data[i] = static_cast<char>((i * 2654435761u) >> 13);
  std::ofstream(path, std::ios::binary).write(data.data(), static_cast<std::streamsize>(bytes));
  return path;
}

// Overwrites one byte in place and puts the modification time back, as `touch -r` would.
void poke_keeping_mtime(const std::string& path, std::size_t at) {
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(at));
  const char c = static_cast<char>(f.get() ^ 0x5a);
  f.seekp(static_cast<std::streamoff>(at));
  f.put(c);
  f.close();
  const struct timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

TEST(InputFingerprint, SampledRangesCoverEndsAndSpreadBlocks) {
  EXPECT_EQ(sampled_ranges(1000),
            (std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 1000}}));
  const std::uint64_t size = 100 * kSampleBlockBytes + 123;
  const auto r = sampled_ranges(size);
  ASSERT_EQ(r.size(), static_cast<std::size_t>(kSpreadBlocks + 2));
  EXPECT_EQ(r.front(), std::make_pair(std::uint64_t{0}, kSampleBlockBytes));
  EXPECT_EQ(r.back(), std::make_pair(size - kSampleBlockBytes, kSampleBlockBytes));
  for (std::size_t i = 1; i < r.size(); ++i)
    EXPECT_GE(r[i].first, r[i - 1].first + r[i - 1].second);
}

TEST(InputFingerprint, SampleSeesSampledBytesFullSeesEveryByte) {
  const std::size_t size = 40 * kSampleBlockBytes;
  const auto path = temp_file("a.h5", size);
  const auto sample0 = granule_fingerprint(path, InputVerification::sample);
  const auto full0 = granule_fingerprint(path, InputVerification::full);
  EXPECT_NE(full0.find("full_sha256=" + file_digest_hex(path)), std::string::npos);
  // A byte in the first block, mtime restored: the sample sees it.
  poke_keeping_mtime(path, 10);
  const auto sample1 = granule_fingerprint(path, InputVerification::sample);
  EXPECT_NE(sample1, sample0);
  // A byte between the spread blocks, mtime restored: the sample's digest cannot see it, the
  // full hash does, and so does the change time (a rerun reused stale rounds before it).
  const auto ranges = sampled_ranges(size);
  const auto gap = ranges[1].first + ranges[1].second + 7;
  ASSERT_LT(gap, ranges[2].first);
  const auto digest = [](const std::string& f) { return f.substr(f.find("sample_sha256=")); };
  const auto ctime = [](const std::string& f) {
    const auto at = f.find("ctime_ns=");
    return f.substr(at, f.find(' ', at) - at);
  };
  ::usleep(20000);  // a change time the file system can tell apart
  poke_keeping_mtime(path, gap);
  const auto sample2 = granule_fingerprint(path, InputVerification::sample);
  EXPECT_EQ(digest(sample2), digest(sample1));
  EXPECT_NE(ctime(sample2), ctime(sample1));
  EXPECT_NE(sample2, sample1);
  EXPECT_NE(granule_fingerprint(path, InputVerification::full), full0);
  std::remove(path.c_str());
}

// A byte changed outside the sampled blocks, as a rewrite in place leaves it (new mtime): the
// sample cannot see the byte, the modification time in the key does; so does an inode change
// (a new file renamed over the old, the way most tools replace a file).
TEST(InputFingerprint, ModificationTimeAndInodeAreInTheKey) {
  const std::size_t size = 40 * kSampleBlockBytes;
  const auto path = temp_file("m.h5", size);
  const auto before = granule_fingerprint(path, InputVerification::sample);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  struct timespec later[2] = {st.st_atim, st.st_mtim};
  later[1].tv_sec += 10;  // the byte below is left as it was: only the time differs
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), later, 0), 0);
  EXPECT_NE(granule_fingerprint(path, InputVerification::sample), before);
  const auto retimed = granule_fingerprint(path, InputVerification::sample);
  const auto copy = temp_file("m2.h5", size);  // the same bytes, another inode
  ASSERT_EQ(::utimensat(AT_FDCWD, copy.c_str(), later, 0), 0);
  ASSERT_EQ(::rename(copy.c_str(), path.c_str()), 0);
  EXPECT_NE(granule_fingerprint(path, InputVerification::sample), retimed);
  std::remove(path.c_str());
}

// Unreadable or missing: a fingerprint all the same (the index pass reports the granule under
// --on-bad-granule), and a different one once it becomes readable.
// The key's identity part names each field with its own value (util/file_identity.hpp).
TEST(InputFingerprint, IdentityTextHoldsEveryFieldsValue) {
  struct stat st {};
  st.st_dev = 7;
  st.st_ino = 11;
  st.st_size = 13;
  st.st_mtim = {17, 19};
  st.st_ctim = {23, 29};
  const auto id = FileIdentity::of(st);
  EXPECT_EQ(id.text(), "size=13 mtime_ns=17000000019 ctime_ns=23000000029 dev=7 ino=11");
  auto other = id;
  other.mtime_ns += 1;
  EXPECT_NE(other, id);
  other = id;
  other.ctime_ns += 1;
  EXPECT_NE(other, id);
}

TEST(InputFingerprint, UnreadableFileGetsAFingerprintNotAnError) {
  const auto missing = granule_fingerprint("/nonexistent/G.h5", InputVerification::sample);
  EXPECT_NE(missing.find("unreadable="), std::string::npos) << missing;
  const auto path = temp_file("u.h5", 1000);
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  const bool root_reads_anyway = ::access(path.c_str(), R_OK) == 0;
  const auto locked = granule_fingerprint(path, InputVerification::full);
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  if (!root_reads_anyway) {
    EXPECT_NE(locked.find("unreadable="), std::string::npos) << locked;
  }
  EXPECT_NE(granule_fingerprint(path, InputVerification::full).find("full_sha256="),
            std::string::npos);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace healgrid
