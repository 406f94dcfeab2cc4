// wait_until_read (util/stderr_drain.hpp): a failing rank's stderr is read before it exits.
#include "healgrid/util/stderr_drain.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

namespace healgrid {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() { EXPECT_EQ(pipe(fd), 0); }
  ~Pipe() {
    for (int f : fd)
      if (f >= 0) close(f);
  }
  void put(const std::string& text) const {
    ASSERT_EQ(write(fd[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
};

TEST(StderrDrain, AnEmptyPipeReturnsAtOnce) {
  const Pipe p;
  const auto t0 = Clock::now();
  EXPECT_TRUE(wait_until_read(p.fd[1], 2000));
  EXPECT_LT(seconds_since(t0), 1.0);
}

TEST(StderrDrain, WaitsUntilTheReaderTookEverything) {
  const Pipe p;
  p.put("healgrid run: error: stopped by SIGTERM\n");
  std::string got;
  std::thread reader([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    char buf[256];
    const ssize_t n = read(p.fd[0], buf, sizeof buf);
    if (n > 0) got.assign(buf, static_cast<std::size_t>(n));
  });
  const auto t0 = Clock::now();
  const bool read_all = wait_until_read(p.fd[1], 5000);
  const double waited = seconds_since(t0);
  reader.join();
  EXPECT_TRUE(read_all);
  EXPECT_GE(waited, 0.1) << "returned before the reader took the message";
  EXPECT_LT(waited, 4.0) << "kept waiting after the message was read";
  EXPECT_EQ(got, "healgrid run: error: stopped by SIGTERM\n");
}

TEST(StderrDrain, AReaderThatNeverReadsHoldsTheExitBackAtMostTheLimit) {
  const Pipe p;
  p.put("unread\n");
  const auto t0 = Clock::now();
  EXPECT_FALSE(wait_until_read(p.fd[1], 100));
  const double waited = seconds_since(t0);
  EXPECT_GE(waited, 0.09);
  EXPECT_LT(waited, 2.0);
}

TEST(StderrDrain, APipeWhoseReaderClosedItIsNotWaitedFor) {  // `2>&1 | head -1`
  Pipe p;
  p.put("never read\n");
  close(p.fd[0]);
  p.fd[0] = -1;
  const auto t0 = Clock::now();
  EXPECT_FALSE(wait_until_read(p.fd[1], 5000));
  EXPECT_LT(seconds_since(t0), 1.0);
}

TEST(StderrDrain, AFileOrAClosedDescriptorIsNotWaitedFor) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  std::fputs("kept by the file\n", file);
  std::fflush(file);
  EXPECT_TRUE(wait_until_read(fileno(file), 2000));
  std::fclose(file);
  const Pipe p;
  const int closed = dup(p.fd[1]);
  close(closed);
  EXPECT_TRUE(wait_until_read(closed, 2000));
}

}  // namespace
}  // namespace healgrid
