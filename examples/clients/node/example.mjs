// Create an EC P-256 key on the TSB (or the emulator), make a CSR, sign, and verify the
// signature locally with node:crypto. Built-in fetch only (Node 18+), no packages.
// Reads TSB_URL (default http://127.0.0.1:8080).
import { createPublicKey, randomBytes, verify } from "node:crypto";

const TSB_URL = (process.env.TSB_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");

async function call(method, path, body) {
  const resp = await fetch(TSB_URL + path, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await resp.text();
  if (!resp.ok) throw new Error(`${method} ${path}: ${resp.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const label = `example-node-${randomBytes(4).toString("hex")}`;
const info = await call("POST", "/v1/key", {
  label,
  algorithm: "EC",
  curveOid: "1.2.840.10045.3.1.7",
  attributes: { decrypt: false, sign: true, unwrap: false, destroyable: true },
  policy: null,
});
const publicKey = createPublicKey({
  key: Buffer.from(info.json.publicKey, "base64"),
  format: "der",
  type: "spki",
});
console.log(`created ${label}`);

const { certificateSigningRequest: csr } = await call(
  "POST",
  "/v1/certificate/synchronous/request",
  {
    signKeyName: label,
    signatureAlgorithm: "SHA256_WITH_ECDSA",
    validity: 365,
    standardCertificateAttributes: { commonName: label, country: "CH" },
  },
);
// node:crypto has no CSR parser: check the PEM armour here (the Go, Python and curl
// examples verify the CSR's own signature).
if (!/^-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(csr)) throw new Error("not a CSR");
console.log("CSR received");

const message = Buffer.from("Hello TSB");
const { signature } = await call("POST", "/v1/synchronousSign", {
  signRequest: {
    payload: message.toString("base64"),
    payloadType: "UNSPECIFIED",
    signKeyName: label,
    signatureAlgorithm: "SHA256_WITH_ECDSA",
    signatureType: "DER",
  },
});
if (!verify("sha256", message, publicKey, Buffer.from(signature, "base64"))) {
  throw new Error("the signature does not verify");
}
console.log("signature verifies (node:crypto)");

await call("DELETE", `/v1/key/${label}`);
console.log("ok");
