#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-14, ASan + UBSan, -DHEALGRID_FUZZ=ON) and runs each for a
# bounded time on seed corpora made from the real files in ../shared/data (or
# $HEALGRID_SHARED_DIR/data): the pipeline configs, the recorded CMR/STAC JSON responses and
# small granules cut from the real ATL06 files (tests/fuzz/make_seeds.py).
#   scripts/fuzz.sh [SECONDS_PER_TARGET (default 60)] [TARGET...]
# Findings (crash-*, leak-*, timeout-*) land in $build/fuzz-findings/<target>/; each one becomes
# a regression test. Not part of .ci/run (a fuzz build is a second full build); run it by hand
# or in a nightly job.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_config fuzz_catalog_json fuzz_granule_structured fuzz_granule_bytes)
build=${HEALGRID_FUZZ_BUILD_DIR:-build-fuzz}
shared=${HEALGRID_SHARED_DIR:-$PWD/../shared}
scripts/install-deps.sh
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DHEALGRID_FUZZ=ON -DHEALGRID_SANITIZE=ON -DHEALGRID_BUILD_TESTS=OFF -DHEALGRID_BUILD_BENCH=OFF \
  >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"
/usr/bin/python3 tests/fuzz/make_seeds.py "$shared" "$build/fuzz-seeds"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export LSAN_OPTIONS="suppressions=$PWD/tests/sanitize/lsan.supp"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
status=0
for t in "${targets[@]}"; do
  corpus="$build/fuzz-corpus/$t" findings="$build/fuzz-findings/$t"
  mkdir -p "$corpus" "$findings"
  seeds="$build/fuzz-seeds/${t#fuzz_}"
  echo "== $t: ${seconds} s"
  if ! "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=262144 -artifact_prefix="$findings/" -print_final_stats=1 "$corpus" "$seeds" \
      2>"$build/fuzz-$t.log"; then
    status=1
    echo "$t: FINDING (see $build/fuzz-$t.log and $findings/)"
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ +DONE" "$build/fuzz-$t.log" || true
done
exit $status
