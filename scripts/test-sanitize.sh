#!/usr/bin/env bash
# The sanitizer stage of CI: builds healgrid with AddressSanitizer + UndefinedBehaviorSanitizer
# (-DHEALGRID_SANITIZE=ON, Debug: the quickest to build) and runs the unit tests plus a subset of
# the MPI end-to-end tests (real granules at 2 ranks, bad input, the bad-granule corpus) under
# it; leak detection is on for the unit tests (tests/sanitize/lsan.supp) and off for the MPI
# jobs (OpenMPI keeps plugin allocations until exit). Any sanitizer report fails the run
# (halt_on_error, abort_on_error: the rank dies, mpirun and the test fail).
#   scripts/test-sanitize.sh [ctest args...]    build dir: $HEALGRID_SANITIZE_BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${HEALGRID_SANITIZE_BUILD_DIR:-build-sanitize}
CMAKE_BUILD_TYPE=Debug scripts/build.sh "$build_dir" -DHEALGRID_SANITIZE=ON
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
# Keep MPI plugins loaded at exit so LeakSanitizer can name (and suppress) their allocations.
export OMPI_MCA_mca_base_component_disable_dlclose=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=1
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitize/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$build_dir"
if [ $# -gt 0 ]; then exec ctest --output-on-failure --timeout 600 "$@"; fi
# The unit tests in one process: the same tests ctest runs one process each, without the
# sanitizer's start-up per test (386 tests: ~20 s against ~240 s on 2 cores).
timeout 1200 tests/healgrid_unit_tests --gtest_brief=1  # ctest gave each test 600 s
# MPI runs (the MPI unit tests and e2e runs): OpenMPI's plugins allocate at init and keep it; their stacks cannot be unwound
# reliably enough to suppress by library, so leak detection is off for the MPI jobs only.
ASAN_OPTIONS=${ASAN_OPTIONS/detect_leaks=1/detect_leaks=0} \
  ctest --output-on-failure --timeout 600 -R '^(mpi_unit_np[123]|real_atl06_np2|bad_input|bad_granules)$'
