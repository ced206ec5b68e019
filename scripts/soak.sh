#!/usr/bin/env bash
# Soak test: a release server on a fresh data folder, `examples/soak.rs` against it with
# 64 keep-alive connections of mixed create/sign/verify/list for a minute; prints
# throughput, p50/p99 per operation and the server's RSS over time. Fails on any error or
# steadily growing memory. `SOAK_SECONDS=5 scripts/soak.sh` is the CI smoke version.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${SOAK_SECONDS:-60}"
CONNECTIONS="${SOAK_CONNECTIONS:-64}"
PROFILE="${SOAK_PROFILE:-release}"
flag=(); [ "$PROFILE" = release ] && flag=(--release)
cargo build --locked "${flag[@]}" --bin tsb-emulator --example soak
data="$(mktemp -d)"
log="$data.log"
"target/$PROFILE/tsb-emulator" --listen 127.0.0.1:0 --data-dir "$data/store" --rsa-pool 0 --log warn,tsb_emulator=info >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data" "$log"' EXIT
address=""
for _ in $(seq 1 300); do
  address="$(grep -o 'listening on http://[0-9.:]*' "$log" | head -1 | sed 's|listening on http://||')" || true
  [ -n "$address" ] && break
  sleep 0.1
done
[ -n "$address" ] || { echo "server did not start:"; cat "$log"; exit 1; }
"target/$PROFILE/examples/soak" --address "$address" --pid "$server" \
  --connections "$CONNECTIONS" --seconds "$SECONDS_TO_RUN"
if grep -q "panicked" "$log"; then echo "the server panicked:"; grep panicked "$log"; exit 1; fi
