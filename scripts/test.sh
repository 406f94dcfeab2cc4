#!/usr/bin/env bash
# The test command: installs dependencies, builds, and runs every test under ctest (unit tests
# and end-to-end MPI runs at 1, 2 and 3 ranks on real and synthetic granules).
#   scripts/test.sh [ctest args...]      e.g. scripts/test.sh -L unit
# Real-data tests read ../shared/data (or $HEALGRID_SHARED_DIR) and skip when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${HEALGRID_BUILD_DIR:-build}
scripts/build.sh "$build_dir"
scripts/viewer-setup.sh  # browser viewer: npm ci + npm run build (viewer/dist)
# mpirun refuses root and more ranks than cores unless told; tests run as root in containers.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
cd "$build_dir"
# Tests run side by side on every core, each counted by its PROCESSORS (tests/CMakeLists.txt);
# HEALGRID_TEST_JOBS=1 runs them one at a time.
ctest --output-on-failure --timeout 900 -j"${HEALGRID_TEST_JOBS:-$(nproc)}" "$@"
