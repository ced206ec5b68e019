#!/usr/bin/env bash
# Issue 24's side-by-side benchmark: tsb-emulator's SLH-DSA (all twelve sets), ML-DSA and
# ML-KEM in-process against fips203/204/205 and PQClean (pqcrypto-*, AVX2 where the CPU has
# it), in one run with interleaved rounds; prints a markdown table with the ratios
# (also written to target/bench/pqc-compare.md). Then the PQC suite over HTTP
# (scripts/pqc_suite.py) against a release server with warm pools.
#
#   scripts/pqc-compare.sh                       # about 4 minutes on 2 cores
#   PQC_COMPARE_ROUNDS=1 scripts/pqc-compare.sh  # a quick look
#
# benches/pqc-compare is a package of its own so that the C code it compares against is never
# built by `cargo test`; it shares this repository's target directory and release build.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PQC_PORT:-18095}

cargo build --release --locked --bin tsb-emulator >&2
cargo build --release --locked --manifest-path benches/pqc-compare/Cargo.toml --target-dir target >&2
mkdir -p target/bench
target/release/tsb-pqc-compare | tee target/bench/pqc-compare.md

WORK=$(mktemp -d)
target/release/tsb-emulator --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" --rsa-pool 2 --log warn >/dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
  sleep 0.1
done
echo
echo "PQC suite over HTTP (one client, warm pools):"
python3 scripts/pqc_suite.py "http://127.0.0.1:$PORT" | tee -a target/bench/pqc-compare.md
