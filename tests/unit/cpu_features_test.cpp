// use_avx2 and with_simd: the forms chosen (HEALGRID_SIMD=baseline honoured) and the body's
// result, arguments and effects the same in each. ctest runs this binary twice: as built, and
// whole under HEALGRID_SIMD=baseline (unit_baseline_simd), so every test of a hot loop checks
// both of its forms on a CPU with AVX2.
#include "healgrid/util/cpu_features.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace healgrid {
namespace {

TEST(CpuFeatures, UsesAvx2WhereTheCpuHasItUnlessTheBaselineIsAsked) {
  const char* simd = std::getenv("HEALGRID_SIMD");
  const bool baseline = simd != nullptr && std::strcmp(simd, "baseline") == 0;
#if defined(__x86_64__)
  __builtin_cpu_init();
  const bool has = __builtin_cpu_supports("avx2") != 0;
#else
  const bool has = false;
#endif
  EXPECT_EQ(use_avx2(), has && !baseline) << "HEALGRID_SIMD=" << (simd ? simd : "(unset)");
  std::printf("the %s forms run here\n", use_avx2() ? "avx2" : "baseline");
}

TEST(CpuFeatures, WithSimdReturnsTheBodysResultOverItsArguments) {
  std::vector<double> x(1001);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.5 * static_cast<double>(i) - 7;
  std::vector<double> out(x.size(), -1);
  const double sum = with_simd(
      [](const double* in, double* to, std::size_t n, double scale) HEALGRID_SIMD_BODY {
        double s = 0;
        for (std::size_t i = 0; i < n; ++i) {
          to[i] = in[i] * scale;
          s += to[i];
        }
        return s;
      },
      x.data(), out.data(), x.size() - 1, 2.0);
  double want = 0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    EXPECT_EQ(out[i], 2 * x[i]) << i;
    want += 2 * x[i];
  }
  EXPECT_EQ(out.back(), -1);  // n elements, no more
  EXPECT_EQ(sum, want);
  int calls = 0;
  with_simd([&calls]() HEALGRID_SIMD_BODY { ++calls; });  // void bodies, captures
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace healgrid
