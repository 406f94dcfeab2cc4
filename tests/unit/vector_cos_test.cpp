// vector_cos against std::cos: within the bound certain_cell's callers rely on, over the whole
// argument range binning uses ([0, pi]: pi/2 - latitude) and beyond, at every tail length.
#include "healgrid/grid/vector_cos.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace healgrid {
namespace {

TEST(VectorCos, StaysWithinItsBoundOfStdCos) {
  const std::size_t n = 2000003;  // no multiple of 4 or 2: every tail runs
  std::vector<double> x(n), out(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = -1.0 + 5.5 * static_cast<double>(i) / (n - 1);
  x[0] = 0.0, x[1] = 3.14159265358979323846 / 2, x[2] = 3.14159265358979323846;
  vector_cos(x.data(), out.data(), n);
  double worst = 0;
  for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, std::fabs(out[i] - std::cos(x[i])));
  // libmvec's documented error is 4 ulp (< 2^-51 here); the bound has 2^7 of slack over that.
  EXPECT_LE(worst, kVectorCosError / 64) << "simd " << vector_cos_is_simd();
  if (!vector_cos_is_simd()) {
    EXPECT_EQ(worst, 0.0);
  }
  // In place, and short arrays (all tail).
  for (std::size_t m = 0; m < 9; ++m) {
    std::vector<double> y(x.begin() + 100, x.begin() + 100 + static_cast<long>(m));
    vector_cos(y.data(), y.data(), m);
    for (std::size_t i = 0; i < m; ++i)
      EXPECT_NEAR(y[i], std::cos(x[100 + i]), kVectorCosError / 64) << m;
  }
}

}  // namespace
}  // namespace healgrid
