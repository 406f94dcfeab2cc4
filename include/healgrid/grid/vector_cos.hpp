// cos of many arguments at once, for a fast path whose result is checked, never trusted
// blindly: glibc's SIMD libmvec where the build found it (documented error at most 4 ulp),
// std::cos elsewhere. Either way |vector_cos(x) - std::cos(x)| <= kVectorCosError.
#pragma once

#include <cstddef>

namespace healgrid {

// A bound on |vector_cos(x) - std::cos(x)| (both within a few ulp of cos(x), |cos| <= 1),
// with 2^7 of slack; tests/unit/vector_cos_test.cpp measures the real distance against it.
constexpr double kVectorCosError = 0x1p-44;

// out[i] = cos(x[i]) for i < n, within kVectorCosError of std::cos(x[i]). x and out may be
// the same array. REQUIRES: finite x[i] (any others give NaN).
void vector_cos(const double* x, double* out, std::size_t n);

// Whether vector_cos uses libmvec (else std::cos, exactly).
bool vector_cos_is_simd();

}  // namespace healgrid
