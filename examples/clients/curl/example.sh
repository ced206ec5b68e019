#!/usr/bin/env bash
# Create an EC P-256 key on the TSB (or the emulator), make a CSR, sign, and verify the
# CSR and the signature locally with openssl. Needs curl, openssl and python3 (to read JSON).
# Reads TSB_URL (default http://127.0.0.1:8080).
set -euo pipefail
TSB_URL=${TSB_URL:-http://127.0.0.1:8080}
LABEL="example-curl-$$-$RANDOM"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1, end='')"; }
post() { curl -sS --fail-with-body -X POST -H 'Content-Type: application/json' "$TSB_URL$1" -d "$2"; }

post /v1/key '{
  "label": "'"$LABEL"'",
  "algorithm": "EC",
  "curveOid": "1.2.840.10045.3.1.7",
  "attributes": {"decrypt": false, "sign": true, "unwrap": false, "destroyable": true},
  "policy": null
}' | json 'd["json"]["publicKey"]' | base64 -d >"$TMP/pub.der"
echo "created $LABEL"

post /v1/certificate/synchronous/request '{
  "signKeyName": "'"$LABEL"'",
  "signatureAlgorithm": "SHA256_WITH_ECDSA",
  "validity": 365,
  "standardCertificateAttributes": {"commonName": "'"$LABEL"'", "country": "CH"}
}' | json 'd["certificateSigningRequest"]' >"$TMP/csr.pem"
openssl req -in "$TMP/csr.pem" -verify -noout 2>/dev/null
# The CSR holds the key's public key.
cmp <(openssl req -in "$TMP/csr.pem" -pubkey -noout | openssl pkey -pubin -outform DER) "$TMP/pub.der"
echo "CSR verifies"

printf 'Hello TSB' >"$TMP/msg"
post /v1/synchronousSign '{"signRequest": {
  "payload": "'"$(base64 -w0 <"$TMP/msg")"'",
  "payloadType": "UNSPECIFIED",
  "signKeyName": "'"$LABEL"'",
  "signatureAlgorithm": "SHA256_WITH_ECDSA",
  "signatureType": "DER"
}}' | json 'd["signature"]' | base64 -d >"$TMP/sig"
openssl dgst -sha256 -keyform DER -verify "$TMP/pub.der" -signature "$TMP/sig" "$TMP/msg" >/dev/null
echo "signature verifies (openssl)"

curl -sS --fail-with-body -X DELETE "$TSB_URL/v1/key/$LABEL" >/dev/null
echo ok
