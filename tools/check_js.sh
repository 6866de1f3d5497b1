#!/usr/bin/env bash
# CI's JavaScript check, self-contained: the browser files committed in explorer/static/ (and the
# generated JS and test fixtures in js/) are exactly what js/ builds to, and the Node tests pass.
# Installs what it needs: Node from Debian if there is none, the pinned esbuild with `npm ci`.
# Usage: bash tools/check_js.sh   (PYTHON: the repo's Python, default `python`)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python}"
start=$(date +%s)

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
echo "node $(node --version), npm $(npm --version)"

"$PYTHON" tools/build_js.py --check
(cd js && node --test test/)
echo "check_js: passed in $(($(date +%s) - start)) s"
