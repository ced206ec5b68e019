#!/usr/bin/env python3
"""Create an EC P-256 key on the TSB (or the emulator), make a CSR, sign, verify locally.

Standard library only for HTTP (urllib); the signature is verified with `cryptography`
when it is installed, else with the openssl command line. Reads TSB_URL
(default http://127.0.0.1:8080).
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import uuid

TSB_URL = os.environ.get("TSB_URL", "http://127.0.0.1:8080").rstrip("/")


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(TSB_URL + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as err:
        sys.exit(f"{method} {path}: {err.code} {err.read().decode(errors='replace')}")
    return json.loads(raw) if raw else None


def verify(spki_der, message, signature_der):
    try:
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
    except ImportError:
        with tempfile.TemporaryDirectory() as tmp:
            paths = {n: os.path.join(tmp, n) for n in ("pub.der", "msg", "sig")}
            for name, content in zip(paths, (spki_der, message, signature_der)):
                with open(paths[name], "wb") as f:
                    f.write(content)
            subprocess.run(
                ["openssl", "dgst", "-sha256", "-keyform", "DER", "-verify", paths["pub.der"],
                 "-signature", paths["sig"], paths["msg"]],
                check=True, stdout=subprocess.DEVNULL)
        return "openssl"
    key = serialization.load_der_public_key(spki_der)
    key.verify(signature_der, message, ec.ECDSA(hashes.SHA256()))  # raises on a bad signature
    return "cryptography"


def main():
    label = f"example-python-{uuid.uuid4().hex[:8]}"
    info = call("POST", "/v1/key", {
        "label": label,
        "algorithm": "EC",
        "curveOid": "1.2.840.10045.3.1.7",
        "attributes": {"decrypt": False, "sign": True, "unwrap": False, "destroyable": True},
        "policy": None,
    })
    spki_der = base64.b64decode(info["json"]["publicKey"])
    print(f"created {label}")

    csr = call("POST", "/v1/certificate/synchronous/request", {
        "signKeyName": label,
        "signatureAlgorithm": "SHA256_WITH_ECDSA",
        "validity": 365,
        "standardCertificateAttributes": {"commonName": label, "country": "CH"},
    })["certificateSigningRequest"]
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization
        parsed = x509.load_pem_x509_csr(csr.encode())
        assert parsed.is_signature_valid, "the CSR's signature does not verify"
        spki = parsed.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        assert spki == spki_der, "the CSR holds another public key"
    except ImportError:
        subprocess.run(["openssl", "req", "-verify", "-noout"], input=csr.encode(), check=True,
                       stderr=subprocess.DEVNULL)
    print("CSR verifies")

    message = b"Hello TSB"
    signature = base64.b64decode(call("POST", "/v1/synchronousSign", {"signRequest": {
        "payload": base64.b64encode(message).decode(),
        "payloadType": "UNSPECIFIED",
        "signKeyName": label,
        "signatureAlgorithm": "SHA256_WITH_ECDSA",
        "signatureType": "DER",
    }})["signature"])
    by = verify(spki_der, message, signature)
    print(f"signature verifies ({by})")

    call("DELETE", f"/v1/key/{label}")
    print("ok")


if __name__ == "__main__":
    main()
