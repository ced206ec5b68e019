#!/usr/bin/env bash
# The side-by-side benchmark run of issue 8: tsb-emulator over HTTP (wrk), the same work
# in-process, openssl, and a bare axum server, on this machine, in one run. Prints a
# markdown table (also written to target/bench/report.md); compare the ratios, not the
# absolute numbers, across machines.
#
#   scripts/bench.sh                      # about 4 minutes on 2 cores
#   BENCH_SECONDS=3 BENCH_POOL=12 scripts/bench.sh   # a quick look
#   BENCH_PARTS="sign version" scripts/bench.sh      # only some parts (create sign version
#                                                    # startup pqc), e.g. for A/B rounds
#   BENCH_BIN=/path/to/tsb-emulator BENCH_EXAMPLES=/path/to/examples scripts/bench.sh
#                                                    # another build (nothing is built)
#
# Needs wrk and hyperfine (installed from Debian's packages if missing) and openssl.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=${BENCH_SECONDS:-10}
POOL=${BENCH_POOL:-48}          # warm RSA-4096 keys; the latency run takes POOL - 8 of them
KEYS=${BENCH_STORE_KEYS:-10000} # keys in the store for the start-up measurement
PORT=${BENCH_PORT:-18080}
BARE_PORT=$((PORT + 1))
PARTS=" ${BENCH_PARTS:-create sign version startup pqc} "
part() { [[ $PARTS == *" $1 "* ]]; }

for tool in wrk hyperfine; do
  if ! command -v "$tool" >/dev/null; then
    apt-get install -y "$tool" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$tool" >/dev/null; }
  fi
done

if [ -z "${BENCH_BIN:-}" ]; then
  cargo build --release --locked --bin tsb-emulator --examples >&2
fi
BIN=${BENCH_BIN:-target/release/tsb-emulator}
EXAMPLES=${BENCH_EXAMPLES:-target/release/examples}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "bench: $*" >&2; }
field() { sed -n "s/.*RESULT.* $1=\([0-9.]*\).*/\1/p" | tail -1; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
floor() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.0f", 1 / (1 / a + 1 / b); else print "n/a" }'; }
percent() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "n/a" }'; }
wait_for() { # PORT: waits until GET /health or /v1/versionInfo answers
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$1/v1/versionInfo" >/dev/null && return 0
    sleep 0.1
  done
  echo "server on port $1 did not answer" >&2; return 1
}
post() { # PATH BODY: fails loudly unless the answer is 2xx
  local code
  code=$(curl -s -o "$WORK/post.out" -w '%{http_code}' -H 'Content-Type: application/json' -d "$2" "http://127.0.0.1:$PORT$1")
  [[ $code == 2* ]] || { echo "POST $1 answered $code: $(cat "$WORK/post.out")" >&2; return 1; }
}
wrk_post() { # THREADS CONNECTIONS DURATION PATH BODY [MAX]
  WRK_PATH=$4 WRK_BODY=$5 WRK_MAX=${6:-0} wrk -t"$1" -c"$2" -d"$3" --timeout 30s \
    -s scripts/wrk/post.lua "http://127.0.0.1:$PORT" 2>"$WORK/wrk.err"
}

ATTRS='"attributes":{"decrypt":false,"sign":true,"unwrap":false}'

# --- 1. RSA-4096 creation from a warm pool, and the seed example (create + CSR) ----------
if part create; then
log "starting tsb-emulator with an RSA-4096 pool of $POOL; waiting for it to fill"
# (Creation is measured with every core free: the pool's refill works in the background.)
"$BIN" --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" --rsa-pool "$POOL" >"$WORK/server.log" 2>&1 &
SERVER=$!; PIDS+=("$SERVER")
wait_for "$PORT"
for _ in $(seq 1 1200); do
  curl -s "http://127.0.0.1:$PORT/v1/keystore/statistics" | grep -q "RSA-4096 $POOL/$POOL" && break
  sleep 0.5
done
LATENCY_RUNS=$((POOL - 8))
log "RSA-4096 create latency over $LATENCY_RUNS requests (one connection)"
CREATE=$(wrk_post 1 1 120s /v1/key "{\"label\":\"pooled-{n}\",\"algorithm\":\"RSA\",\"keySize\":4096,$ATTRS}" "$LATENCY_RUNS")
CREATE_P50=$(field p50_ms <<<"$CREATE"); CREATE_P99=$(field p99_ms <<<"$CREATE"); CREATE_BAD=$(field bad <<<"$CREATE")
log "seed CSR latency on those keys"
CSR_BODY='{"signKeyName":"pooled-{n}","signatureAlgorithm":"SHA256_WITH_RSA","validity":365,"standardCertificateAttributes":{"commonName":"SUB-Securosys-001","country":"CH","stateOrProvinceName":"Zurich","locality":"Zurich","organizationName":"Securosys SA","organizationUnitName":"Operations"},"keyUsage":["DIGITAL_SIGNATURE"],"extendedKeyUsage":["ANY_EXTENDED_KEY_USAGE"]}'
CSR=$(wrk_post 1 1 120s /v1/certificate/synchronous/request "$CSR_BODY" "$LATENCY_RUNS")
CSR_P50=$(field p50_ms <<<"$CSR"); CSR_P99=$(field p99_ms <<<"$CSR")
SEED_P50=$(awk -v a="$CREATE_P50" -v b="$CSR_P50" 'BEGIN { printf "%.2f", a + b }')

log "openssl genpkey RSA-4096 + openssl req (hyperfine, 10 runs)"
hyperfine --runs 10 --export-json "$WORK/openssl.json" \
  "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out $WORK/k.pem 2>/dev/null && openssl req -new -key $WORK/k.pem -subj /CN=bench -out $WORK/r.pem" >/dev/null 2>&1
OPENSSL_MS=$(python3 -c "import json,sys; r=json.load(open('$WORK/openssl.json'))['results'][0]; print(f\"{r['median']*1000:.1f}\")")
OPENSSL_P99=$(python3 -c "import json; t=sorted(json.load(open('$WORK/openssl.json'))['results'][0]['times']); print(f'{t[-1]*1000:.1f}')")
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
fi

# --- 2. Signing over HTTP against the same calls in-process and openssl speed -------------
# The server and every baseline get the same core (the last one), the load generator the
# others: without pinning, wrk takes CPU from the server but not from the in-process runs,
# and the ratio would measure wrk as much as the server. BENCH_PIN=0 shares all cores.
LAST=$(( $(nproc) - 1 ))
if [ "${BENCH_PIN:-1}" = 1 ] && [ "$LAST" -ge 1 ] && command -v taskset >/dev/null; then
  LOAD_CORES=$([ "$LAST" -eq 1 ] && echo 0 || echo "0-$((LAST - 1))")
  ON_SERVER_CORE=(taskset -c "$LAST"); ON_LOAD_CORES=(taskset -c "$LOAD_CORES")
  WRK_THREADS=$LAST; SPEED_MULTI=1
  PLACEMENT="server and baselines pinned to core $LAST, wrk to core(s) $LOAD_CORES"
else
  ON_SERVER_CORE=(); ON_LOAD_CORES=(); WRK_THREADS=2; SPEED_MULTI=$(nproc)
  PLACEMENT="server, baselines and wrk share all $(nproc) cores"
fi
start_pinned() { # DATA_DIR EXTRA_FLAGS...: a pool-less server on the server core; sets SERVER
  local dir=$1; shift
  "${ON_SERVER_CORE[@]}" "$BIN" --listen "127.0.0.1:$PORT" --data-dir "$dir" --rsa-pool 0 "$@" >"$WORK/server.log" 2>&1 &
  SERVER=$!; PIDS+=("$SERVER")
  wait_for "$PORT"
}
declare -A HTTP_RPS INPROC_RPS OPENSSL_RPS HTTP_P99
if part sign; then
start_pinned "$WORK/sign"
IDLE_RSS=$(rss_kib "$SERVER")
log "importing the signing keys ($PLACEMENT)"
fixture() { # the PEM as a JSON string, then ,"publicKey":"<base64 DER SPKI>"
  python3 -c "import json; print(json.dumps(open('fixtures/keys/$1.pem').read()))"
  printf ',"publicKey":"%s"' "$(openssl pkey -in "fixtures/keys/$1.pem" -pubout -outform DER | base64 -w0)"
}
post /v1/key/import/plain "{\"label\":\"rsa-2048\",\"algorithm\":\"RSA\",\"privateKey\":$(fixture rsa-2048-1),$ATTRS}"
post /v1/key/import/plain "{\"label\":\"rsa-4096\",\"algorithm\":\"RSA\",\"privateKey\":$(fixture rsa-4096-1),$ATTRS}"
post /v1/key "{\"label\":\"p-256\",\"algorithm\":\"EC\",\"curveOid\":\"1.2.840.10045.3.1.7\",$ATTRS}"
post /v1/key "{\"label\":\"ed25519\",\"algorithm\":\"ED\",\"curveOid\":\"1.3.101.112\",$ATTRS}"
for key in rsa-2048:SHA256_WITH_RSA rsa-4096:SHA256_WITH_RSA p-256:SHA256_WITH_ECDSA ed25519:EDDSA; do
  label=${key%%:*}; algorithm=${key#*:}
  log "HTTP sign $label, 16 connections, ${SECONDS_PER_RUN}s"
  out=$("${ON_LOAD_CORES[@]}" env WRK_PATH=/v1/synchronousSign WRK_BODY="{\"signRequest\":{\"payload\":\"VGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZw==\",\"signKeyName\":\"$label\",\"signatureAlgorithm\":\"$algorithm\",\"signatureType\":\"DER\"}}" \
    wrk -t"$WRK_THREADS" -c16 -d"${SECONDS_PER_RUN}s" --timeout 30s -s scripts/wrk/post.lua "http://127.0.0.1:$PORT" 2>"$WORK/wrk.err")
  HTTP_RPS[$label]=$(field rps <<<"$out"); HTTP_P99[$label]=$(field p99_ms <<<"$out")
  [ "$(field bad <<<"$out")" = "0" ] || { echo "errors while signing with $label: $out" >&2; cat "$WORK/wrk.err" >&2; exit 1; }
done
LOAD_RSS=$(hwm_kib "$SERVER")
log "in-process sign (Hsm::sign, 16 tasks)"
while read -r label rate; do INPROC_RPS[$label]=$rate; done < <("${ON_SERVER_CORE[@]}" "$EXAMPLES/inproc_sign" "$SECONDS_PER_RUN" 16)
log "openssl speed -multi $SPEED_MULTI"
SPEED=$("${ON_SERVER_CORE[@]}" openssl speed -seconds 3 -multi "$SPEED_MULTI" rsa2048 rsa4096 ecdsap256 ed25519 2>/dev/null)
OPENSSL_RPS[rsa-2048]=$(awk '/^rsa 2048 bits/ {print $6}' <<<"$SPEED")
OPENSSL_RPS[rsa-4096]=$(awk '/^rsa 4096 bits/ {print $6}' <<<"$SPEED")
OPENSSL_RPS[p-256]=$(awk '/ecdsa \(nistp256\)/ {print $7}' <<<"$SPEED")
OPENSSL_RPS[ed25519]=$(awk '/EdDSA \(Ed25519\)/ {print $7}' <<<"$SPEED")
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
fi

# --- 3. A cheap endpoint against a bare axum hello-world --------------------------------
# Alternating short runs (emulator, bare axum, emulator with --log warn) three times and
# taking each one's median keeps a burst of noise from deciding the ratio.
version_rps() { # PORT: one run of GET /v1/versionInfo, 64 connections
  "${ON_LOAD_CORES[@]}" env WRK_PATH=/v1/versionInfo wrk -t"$WRK_THREADS" -c64 -d"$ROUND_SECONDS"s -s scripts/wrk/post.lua "http://127.0.0.1:$1" | field rps
}
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
ROUND_SECONDS=$(( SECONDS_PER_RUN / 2 > 2 ? SECONDS_PER_RUN / 2 : 2 ))
BARE_RPS=0
if part version; then
start_pinned "$WORK/version"
EMULATOR=$SERVER
"${ON_SERVER_CORE[@]}" "$EXAMPLES/bare_axum" "127.0.0.1:$BARE_PORT" >/dev/null 2>&1 &
BARE=$!; PIDS+=("$BARE")
wait_for "$BARE_PORT"
QUIET_PORT=$((PORT + 2))
"${ON_SERVER_CORE[@]}" "$BIN" --listen "127.0.0.1:$QUIET_PORT" --data-dir "$WORK/quiet" --rsa-pool 0 --log warn >/dev/null 2>&1 &
QUIET=$!; PIDS+=("$QUIET")
wait_for "$QUIET_PORT"
V=(); B=(); Q=()
for round in 1 2 3; do
  log "GET /v1/versionInfo, 64 connections, round $round of 3: emulator, bare axum, emulator --log warn"
  V+=("$(version_rps "$PORT")"); B+=("$(version_rps "$BARE_PORT")"); Q+=("$(version_rps "$QUIET_PORT")")
done
kill "$EMULATOR" "$BARE" "$QUIET"; wait "$EMULATOR" "$BARE" "$QUIET" 2>/dev/null || true
VERSION_RPS=$(median3 "${V[@]}"); BARE_RPS=$(median3 "${B[@]}"); QUIET_RPS=$(median3 "${Q[@]}")
fi

# --- 4. Start-up with a large store ------------------------------------------------------
if part startup; then
log "filling a store with $KEYS keys"
"$EXAMPLES/populate" "$WORK/big" "$KEYS" >&2
STARTS=()
for _ in 1 2 3 4 5; do
  STARTS+=("$("$EXAMPLES/startup_probe" "$BIN" "$PORT" --data-dir "$WORK/big" --rsa-pool 0)")
done
STARTUP_MS=$(printf '%s\n' "${STARTS[@]}" | sort -n | sed -n 3p)
STARTS_EMPTY=()
for _ in 1 2 3 4 5; do
  STARTS_EMPTY+=("$("$EXAMPLES/startup_probe" "$BIN" "$PORT" --data-dir "$WORK/data" --rsa-pool 0)")
done
STARTUP_EMPTY_MS=$(printf '%s\n' "${STARTS_EMPTY[@]}" | sort -n | sed -n 3p)
fi

# --- 5. The PQC suite (issue 24): one key of every PQC set, one signature each, warm pools ---
if part pqc; then
log "PQC suite: one client, every PQC algorithm and set, warm pools"
PQC_PORT=$((PORT + 3))
"$BIN" --listen "127.0.0.1:$PQC_PORT" --data-dir "$WORK/pqc" --rsa-pool 2 --log warn >/dev/null 2>&1 &
PQC_SERVER=$!; PIDS+=("$PQC_SERVER")
wait_for "$PQC_PORT"
python3 scripts/pqc_suite.py "http://127.0.0.1:$PQC_PORT" >"$WORK/pqc.out"
cat "$WORK/pqc.out" >&2
PQC_TOTAL=$(field total_s <"$WORK/pqc.out")
PQC_SLOWEST=$(grep -v RESULT "$WORK/pqc.out" | awk '{print $3 + $5, $1}' | sort -rn | head -3 | awk '{printf "%s%s %.2f s", sep, $2, $1; sep=", "}')
kill "$PQC_SERVER"; wait "$PQC_SERVER" 2>/dev/null || true
fi

# --- Report ---------------------------------------------------------------------------------
mkdir -p target/bench
{
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores; \`scripts/bench.sh\` (${SECONDS_PER_RUN}s per load run). Signing and versionInfo: $PLACEMENT."
  echo
  echo "| What | tsb-emulator | Baseline | Ratio | Target |"
  echo "|---|---|---|---|---|"
  if part create; then
  echo "| \`POST /v1/key\` RSA-4096, warm pool (p50 / p99, $LATENCY_RUNS requests) | ${CREATE_P50} / ${CREATE_P99} ms | openssl genpkey + req: ${OPENSSL_MS} ms median, ${OPENSSL_P99} ms max | $(ratio "$OPENSSL_MS" "$CREATE_P50")x faster | ≥ 30x |"
  echo "| Seed example: create RSA-4096 + CSR (p50 sum) | ${SEED_P50} ms (CSR p50 ${CSR_P50}, p99 ${CSR_P99} ms) | openssl: ${OPENSSL_MS} ms | $(ratio "$OPENSSL_MS" "$SEED_P50")x faster | |"
  fi
  part sign && for label in rsa-2048 rsa-4096 p-256 ed25519; do
    echo "| Sign $label over HTTP, 16 connections (sig/s; p99 ${HTTP_P99[$label]} ms) | ${HTTP_RPS[$label]} | in-process: ${INPROC_RPS[$label]}; openssl speed -multi $SPEED_MULTI: ${OPENSSL_RPS[$label]}; floor $(floor "${INPROC_RPS[$label]}" "$BARE_RPS") | $(percent "${HTTP_RPS[$label]}" "${INPROC_RPS[$label]}") of in-process (floor $(percent "$(floor "${INPROC_RPS[$label]}" "$BARE_RPS")" "${INPROC_RPS[$label]}")); $(percent "${HTTP_RPS[$label]}" "${OPENSSL_RPS[$label]}") of openssl | overhead < 15% |"
  done
  if part version; then
  echo "| \`GET /v1/versionInfo\`, 64 connections (req/s, median of 3) | ${VERSION_RPS} | bare axum: ${BARE_RPS} | $(percent "$VERSION_RPS" "$BARE_RPS") | ≥ 70% |"
  echo "| The same with \`--log warn\` (no request log line) | ${QUIET_RPS} | bare axum: ${BARE_RPS} | $(percent "$QUIET_RPS" "$BARE_RPS") | |"
  fi
  part startup && echo "| Start-up to first answer, $KEYS keys in the store (median of 5) | ${STARTUP_MS} ms | empty store: ${STARTUP_EMPTY_MS} ms | | < 200 ms |"
  part pqc && echo "| PQC suite: create one key of every PQC set (21) and sign once with each signature key, one client, warm pools (\`scripts/pqc_suite.py\`) | ${PQC_TOTAL} s (slowest: ${PQC_SLOWEST}) | | | < 8 s |"
  part sign && echo "| Resident memory: idle after start / peak under the sign load | $((IDLE_RSS / 1024)) MiB / $((LOAD_RSS / 1024)) MiB | | | |"
  echo
  echo "Failed requests: create ${CREATE_BAD:-not run}, everything else checked to be 0."
  echo
  echo "Floor: the rate of a server that adds nothing but bare axum's cost per request to the"
  echo "in-process cost of a signature, 1 / (1/in-process + 1/bare axum); no HTTP/1.1 server on"
  echo "axum can beat it, so a signature cheaper than about 6 times bare axum's cost per request"
  echo "cannot meet the 15% overhead target here."
} | tee target/bench/report.md
