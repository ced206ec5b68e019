#!/usr/bin/env bash
# Property-based API fuzzing with schemathesis against the OpenAPI document the emulator
# serves at /v3/api-docs: every operation gets generated valid and invalid requests, and the
# run fails on any server error (5xx), on any answer that does not match the document, and
# if the server log shows a panic.
#
#   scripts/schemathesis.sh            # CI smoke: a 90-second budget
#   ST_EXAMPLES=200 ST_MAX_TIME=1800 scripts/schemathesis.sh   # the long run
#
# Installs schemathesis (target/schemathesis-venv) and openapi-spec-validator
# (target/openapi-validator-venv, apart: their jsonschema pins differ) from PyPI when missing; the served document is checked with openapi-spec-validator first.
set -euo pipefail
cd "$(dirname "$0")/.."

EXAMPLES=${ST_EXAMPLES:-8}
MAX_TIME=${ST_MAX_TIME:-90}
PORT=${ST_PORT:-18181}
PROFILE=${ST_PROFILE:-debug}
VENV=target/schemathesis-venv
ST_VERSION=4.32.5

OSV_VENV=target/openapi-validator-venv
OSV_VERSION=0.9.0
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "schemathesis==$ST_VERSION"
fi
if [ ! -x "$OSV_VENV/bin/openapi-spec-validator" ]; then
  python3 -m venv "$OSV_VENV"
  "$OSV_VENV/bin/pip" install --quiet "openapi-spec-validator==$OSV_VERSION"
fi

if [ "$PROFILE" = release ]; then
  cargo build --locked --release --bin tsb-emulator
else
  cargo build --locked --bin tsb-emulator
fi
BIN=target/$PROFILE/tsb-emulator

LOG=$(mktemp)
"$BIN" --listen "127.0.0.1:$PORT" --in-memory --rsa-pool 2 >"$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
  sleep 0.1
done

# The served document must be valid OpenAPI (repeated operation ids, dangling references and
# the like break client generators).
curl -sf "http://127.0.0.1:$PORT/v3/api-docs" >"$LOG.openapi.json"
"$OSV_VENV/bin/openapi-spec-validator" "$LOG.openapi.json"
rm -f "$LOG.openapi.json"

# The control API is documented too, but fuzzing it would arm faults and wipe the store
# mid-run, so it stays out. not_a_server_error: no 5xx; status_code_conformance / content_type_conformance /
# response_schema_conformance: the answer is one the document declares.
STATUS=0
"$VENV/bin/schemathesis" run "http://127.0.0.1:$PORT/v3/api-docs" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$EXAMPLES" \
  --max-time "$MAX_TIME" \
  --workers 2 \
  --exclude-path-regex '^/_emulator/' \
  --request-timeout 60 \
  --suppress-health-check all \
  --warnings off || STATUS=$?
if grep -q "panicked" "$LOG"; then
  echo "the server panicked:" >&2
  grep -A5 "panicked" "$LOG" >&2
  exit 1
fi
exit $STATUS
