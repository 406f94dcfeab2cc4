#!/usr/bin/env bash
# One command from a fresh clone to a gridded product: installs dependencies, builds, writes a
# small synthetic Antarctic ATL06 campaign with `healgrid synth`, and grids it with
# `mpirun healgrid run` using config/atl06.yaml.
#   scripts/quickstart.sh [RANKS] [GRANULES]      (defaults: all cores, 6 granules)
set -euo pipefail
cd "$(dirname "$0")/.."
ranks=${1:-$(nproc)}
granules=${2:-6}
scripts/build.sh build
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p out/granules
mpirun -np "$ranks" --oversubscribe build/src/healgrid synth --region antarctica \
  --granules "$granules" --cycle 1 --seed 1 --output-dir out/granules
mpirun -np "$ranks" --oversubscribe build/src/healgrid run --config config/atl06.yaml \
  --input out/granules --output out/antarctica.nc
echo "quickstart: wrote out/antarctica.nc (ncdump -h out/antarctica.nc)"
