// The room checked before the collective part of the write (write/write_headroom.hpp).
#include "healgrid/write/write_headroom.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdint>
#include <string>

namespace healgrid {
namespace {

TEST(WriteHeadroom, BoundAddsEveryPart) {
  EXPECT_EQ(collective_write_bound({}), 256u * 1024);
  EXPECT_EQ(collective_write_bound({2, 0, 0, 0}), 256u * 1024 + 2 * 16384);
  EXPECT_EQ(collective_write_bound({0, 10, 0, 0}), 256u * 1024 + 10 * 512);
  EXPECT_EQ(collective_write_bound({0, 0, 100, 0}), 256u * 1024 + 200);
  EXPECT_EQ(collective_write_bound({0, 0, 0, 7}), 256u * 1024 + 7);
}

// Lowers this process's soft limit for the test and puts it back.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = bytes;
    ok_ = setrlimit(RLIMIT_FSIZE, &lowered) == 0;
  }
  ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &saved_); }
  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

TEST(WriteHeadroom, FileSizeLimitBelowTheBoundIsNamed) {
  FileSizeLimit limit(1 << 20);
  ASSERT_TRUE(limit.ok());
  EXPECT_EQ(file_size_limit_problem("out/x.nc", 1 << 20), "");
  const auto problem = file_size_limit_problem("out/x.nc", (1 << 20) + 1);
  EXPECT_NE(problem.find("out/x.nc"), std::string::npos) << problem;
  EXPECT_NE(problem.find("ulimit -f"), std::string::npos) << problem;
  EXPECT_NE(problem.find("1 MiB"), std::string::npos) << problem;
}

TEST(WriteHeadroom, NoFileSizeLimitFitsAnything) {
  rlimit current{};
  getrlimit(RLIMIT_FSIZE, &current);
  if (current.rlim_cur != RLIM_INFINITY) GTEST_SKIP() << "this shell sets a file-size limit";
  EXPECT_EQ(file_size_limit_problem("x.nc", UINT64_MAX), "");
}

TEST(WriteHeadroom, FreeSpaceNamesTheDirectory) {
  EXPECT_EQ(free_space_problem("./x.nc", 1), "");
  EXPECT_EQ(free_space_problem("x.nc", 1), "");  // the working directory
  const auto problem = free_space_problem("/tmp/x.nc", UINT64_MAX / 2);
  EXPECT_NE(problem.find("/tmp: No space left on device"), std::string::npos) << problem;
  const auto missing = free_space_problem("/no/such/dir/x.nc", 1);
  EXPECT_NE(missing.find("/no/such/dir: cannot read the free space"), std::string::npos) << missing;
}

}  // namespace
}  // namespace healgrid
