// StopSignalsHeld (util/fault.hpp): a stop signal sent while held waits for its end.
#include <gtest/gtest.h>
#include <signal.h>

#include "healgrid/util/fault.hpp"

namespace healgrid {
namespace {

volatile sig_atomic_t g_seen = 0;

TEST(StopSignalsHeld, ASignalSentMeanwhileIsHandledWhenItEnds) {
  struct sigaction sa {
  }, previous{};
  sa.sa_handler = [](int) { g_seen = g_seen + 1; };
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR2, &sa, &previous), 0);
  g_seen = 0;
  {
    const StopSignalsHeld held;
    ASSERT_EQ(raise(SIGUSR2), 0);
    EXPECT_EQ(g_seen, 0) << "handled while held";
  }
  EXPECT_EQ(g_seen, 1) << "not handled when released";
  ASSERT_EQ(raise(SIGUSR2), 0);  // and the mask is as it was
  EXPECT_EQ(g_seen, 2);
  sigaction(SIGUSR2, &previous, nullptr);
}

}  // namespace
}  // namespace healgrid
