#!/usr/bin/env bash
# Installs the Debian packages healgrid needs to build, test and benchmark.
# Idempotent: does nothing when every package is already installed.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --check  only report what is missing (exit 1 if any)
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  openmpi-bin libopenmpi-dev
  libhdf5-openmpi-dev hdf5-tools
  libnetcdf-mpi-dev netcdf-bin
  libhealpix-cxx-dev
  libboost-program-options-dev
  libyaml-cpp-dev
  libmuparser-dev  # config expressions (derived variables, expression filters), bulk-evaluated
  libudunits2-dev  # whether the granules' units of a dataset name one unit
  libgtest-dev
  # catalog stage: HTTP client, JSON, digests
  libcurl4-openssl-dev nlohmann-json3-dev libssl-dev
  libdeflate-dev zlib1g-dev  # zlib: Adler-32 checksums; the tests and microbenchmarks compare against it
  libcpp-httplib-dev  # the HTTP server of healgrid view
  libbenchmark-dev
  # render stage: projections (PROJ), PNG images, cairo with a Debian font, GSHHG coastlines
  libproj-dev libpng-dev libcairo2-dev fonts-dejavu-core gmt-gshhg-low
  # test-side reference tools: independent numpy/healpy calculation and the xarray read check
  python3 python3-numpy python3-h5py python3-healpy python3-xarray python3-netcdf4 python3-yaml
  python3-pyproj python3-pil
  # browser viewer tests (viewer/): Debian's chromium, driven by playwright-core from npm
  chromium chromium-driver
  # cluster operation (jobs/, campaigns): a real single-node Slurm in the tests
  slurm-wlm munge
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${1:-}" = "--check" ]; then
  if [ ${#missing[@]} -eq 0 ]; then echo "all dependencies present"; exit 0; fi
  echo "missing: ${missing[*]}"; exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
