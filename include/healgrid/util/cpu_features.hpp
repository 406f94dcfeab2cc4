// What the CPU running healgrid offers, for the code paths chosen at run time (the binning's
// SIMD cos and four-point cells). Builds target baseline x86-64; these paths are compiled
// for AVX2 and taken only where it is there.
#pragma once

namespace healgrid {

// Whether the CPU (and the OS, which must save the wide registers) supports AVX2; false on
// other architectures. Probed once.
bool cpu_has_avx2();

}  // namespace healgrid
