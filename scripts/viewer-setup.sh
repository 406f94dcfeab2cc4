#!/usr/bin/env bash
# Prepares the browser viewer (viewer/): Node.js and npm if missing (Debian packages), the npm
# dependencies from the committed lock file (npm ci), and the static build in viewer/dist that
# `healgrid view` serves. Chromium for the browser tests comes with scripts/install-deps.sh.
# Idempotent: skips npm ci when node_modules matches the lock file, and rebuilds only when a
# source is newer than the build.
set -euo pipefail
cd "$(dirname "$0")/../viewer"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
# npm ci leaves node_modules/.package-lock.json identical to the lock file's packages.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -f dist/app.js ] || [ -n "$(find src index.html style.css package-lock.json scripts -newer dist/app.js -print -quit)" ]; then
  npm run build --silent
fi
echo "viewer-setup: viewer/dist ready"
