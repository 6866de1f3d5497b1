#!/usr/bin/env bash
# Build explorer/static/plotly-<version>-explorer.min.js: plotly.js with only the traces the
# explorer draws, shipped in the package and used by the widgets and by save_html alike.
#
# How to rebuild
#   tools/build_plotly.sh            # from the pinned inputs in tools/plotly_bundle/
#   tools/build_plotly.sh --relock   # re-pin first: after the Python plotly package moved to
#                                    # another plotly.js, or to change the esbuild version
# Needs node >= 20, npm, the repo's Python (.venv/bin/python, or $PYTHON) and the npm registry
# (for the download only). Nothing is installed outside a temporary directory.
#
# Which plotly.js: exactly the version the installed Python plotly bundles
#   (plotly.offline.get_plotlyjs_version()), so what plotly.py writes is what the bundle draws.
# Which traces: explorer.plotlyjs.TRACES (bar, heatmap, scatter, treemap), on top of
#   plotly.js/lib/core (layout, axes incl. category axes, shapes, legends, hover, pathbar...).
#   tests/test_plot.py evaluates the bundle in Chromium and checks it registers exactly these,
#   and that every trace type explorer/figures.py and explorer/treemap.py use is among them.
#   To add a trace: add it to TRACES, run this script, run tests/test_plot.py.
# Deterministic: `npm ci` installs exactly the packages of tools/plotly_bundle/package-lock.json
#   (integrity-checked), esbuild is pinned there, and the entry is generated from the sorted
#   trace list; the same inputs give the same bytes (the SHA-256 is printed at the end).
# License: plotly.js is MIT. Its header stays at the top of the bundle, the bundled packages'
#   license notices at the end (esbuild legalComments "eof"), as in plotly.js's own dist.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
INPUTS="$HERE/plotly_bundle"
STATIC="$REPO/explorer/static"
PYTHON="${PYTHON:-$REPO/.venv/bin/python}"
[ -x "$PYTHON" ] || PYTHON=python3
RELOCK=0
case "${1:-}" in
  "") ;;
  --relock) RELOCK=1 ;;
  *) echo "usage: $0 [--relock]" >&2; exit 2 ;;
esac

VERSION="$("$PYTHON" -c 'import plotly.offline as o; print(o.get_plotlyjs_version())')"
TRACES="$(cd "$REPO" && "$PYTHON" -c 'from explorer.plotlyjs import TRACES; print(",".join(TRACES))')"
LOCKED="$(node -p 'require(process.argv[1]).packages["node_modules/plotly.js"].version' \
  "$INPUTS/package-lock.json" 2>/dev/null || echo none)"
if [ "$RELOCK" = 0 ] && [ "$LOCKED" != "$VERSION" ]; then
  echo "the Python plotly package bundles plotly.js $VERSION but the lock pins $LOCKED:" >&2
  echo "run $0 --relock" >&2
  exit 1
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp "$INPUTS/package.json" "$INPUTS/build.mjs" "$WORK/"
cd "$WORK"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
if [ "$RELOCK" = 1 ]; then
  # Exact versions only: plotly.js as the Python package has it, esbuild as given here.
  node -e 'const fs = require("fs"), p = JSON.parse(fs.readFileSync("package.json"));
    p.devDependencies["plotly.js"] = process.argv[1];
    fs.writeFileSync("package.json", JSON.stringify(p, null, 2) + "\n");' "$VERSION"
  npm install --ignore-scripts --save-exact
  cp package.json package-lock.json "$INPUTS/"
else
  cp "$INPUTS/package-lock.json" .
  npm ci --ignore-scripts
fi

OUT="plotly-$VERSION-explorer.min.js"
node build.mjs "$WORK/$OUT" "$TRACES"
mkdir -p "$STATIC"
find "$STATIC" -maxdepth 1 -name 'plotly-*-explorer.min.js' -delete
cp "$WORK/$OUT" "$STATIC/$OUT"
BYTES="$(wc -c < "$STATIC/$OUT")"
echo "wrote explorer/static/$OUT: $BYTES bytes, traces $TRACES"
sha256sum "$STATIC/$OUT"
