// What the CPU running healgrid offers, for the code paths chosen at run time. Builds target
// baseline x86-64; the hot loops (the binning's SIMD cos and four-point cells, the decoding of
// datasets, the aggregator's float checks and quantile keys) are also compiled for AVX2 and
// take that form where the CPU has it. Both forms do the same IEEE operations (no fused
// multiply-adds: CMakeLists.txt), so they give the same values: HEALGRID_SIMD=baseline in the
// environment makes a run take the baseline forms, which tests compare byte for byte.
#pragma once

namespace healgrid {

// Whether the AVX2 forms run: the CPU (and the OS, which must save the wide registers)
// supports AVX2 and HEALGRID_SIMD is not "baseline"; false on other architectures. Decided
// once per process.
bool use_avx2();

// with_simd(body, args...) returns body(args...), the body compiled for AVX2 where use_avx2(),
// else as built: the body is inlined into each form, so its loops vectorise for the form's
// target. The arguments pass by value, as locals of the body: pass what the loops read (a
// capture is read through the lambda object, which a store through a char pointer may alias,
// so the compiler reloads it and rarely vectorises). Mark the lambda HEALGRID_SIMD_BODY:
// with_simd([](const double* x, std::size_t n) HEALGRID_SIMD_BODY { ... }, x, n).
#if defined(__x86_64__) && defined(__GNUC__)
#define HEALGRID_SIMD_BODY __attribute__((always_inline))
template <typename Body, typename... Args>
__attribute__((target("avx2"))) auto run_avx2_form(Body& body, Args... args) {
  return body(args...);
}
template <typename Body, typename... Args>
auto run_baseline_form(Body& body, Args... args) {
  return body(args...);
}
template <typename Body, typename... Args>
auto with_simd(Body&& body, Args... args) {
  if (use_avx2()) return run_avx2_form(body, args...);
  return run_baseline_form(body, args...);
}
#else
#define HEALGRID_SIMD_BODY
template <typename Body, typename... Args>
auto with_simd(Body&& body, Args... args) {
  return body(args...);
}
#endif

}  // namespace healgrid
