#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for a while (default 30 s each; first argument
# overrides). libFuzzer needs nightly compiler flags: RUSTC_BOOTSTRAP=1 lets the stable
# toolchain accept them. Installs cargo-fuzz if missing. A crash leaves its input under
# fuzz/artifacts/<target>/ and fails the script; turn it into a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-30}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
for target in $(cargo fuzz list); do
  echo "== $target (${SECONDS_EACH}s)"
  mkdir -p "fuzz/corpus/$target"
  cargo fuzz run -O "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$SECONDS_EACH" -max_len=4096 -print_final_stats=0 2>&1 | tail -n 2
done
