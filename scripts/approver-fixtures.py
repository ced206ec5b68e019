#!/usr/bin/env python3
"""Regenerates fixtures/approvers/: SKA approver test keys and signatures made by python
`cryptography` (an implementation independent of the emulator's RustCrypto code), checked by
the unit tests of src/crypto/approval/ (verify_approver).

Keys are kept if present (PKCS#8 PEM, test-only), so re-running only re-signs. Each line of
signatures.txt: `<key> <digest name> <base64 message> <base64 signature>`; the messages are
the documentation's approvalToBeSigned sample and a timestamp string, signed as JDK
`Signature` would (RSA PKCS#1 v1.5, ECDSA/DSA DER, Ed25519 pure over the raw message).

Usage: python3 scripts/approver-fixtures.py   (needs `pip install cryptography`)
"""
import base64
import pathlib

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, ed448, padding, rsa

OUT = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "approvers"

# The step-by-step signature-request page's approvalToBeSigned, and a docs-style timestamp.
APPROVAL = base64.b64decode(
    "4AAAADsABAABAAAAAhASAFRTQl9UVVRPUklBTF8xLVJTQQAAVBBAADwAAABXEBYAQXBwcm92ZVNpZ25UYXNrUGF5bG9h"
    "ZAAABwEIANcU814AAAAAAhANAHRpbWVzdGFtcC1rZXkAAABWEFkAMFcwDAYIKoZIzj0EAwIFAANHADBEAiADPniQDGEL"
    "MUTqJCJ17kW3bUInXIf8dy9mwsseJ7voJAIgK3Kh4JjkR+RDugYKlp4x3M6UQIXkyQ5OuavkL0V5b5sAAABXEBYAQXBw"
    "cm92ZVNpZ25UYXNrUGF5bG9hZAAA"
)
TIMESTAMP = b"2023-10-30T17:30:24+00:00"

KEYS = {
    "rsa-2048": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "ec-p256": lambda: ec.generate_private_key(ec.SECP256R1()),
    "ec-p384": lambda: ec.generate_private_key(ec.SECP384R1()),
    "ec-p521": lambda: ec.generate_private_key(ec.SECP521R1()),
    "ec-secp256k1": lambda: ec.generate_private_key(ec.SECP256K1()),
    "ed25519": ed25519.Ed25519PrivateKey.generate,
    "dsa-2048": lambda: dsa.generate_private_key(key_size=2048),
    # Not a supported approver type: only its public key is used (an unsupported-type test).
    "ed448": ed448.Ed448PrivateKey.generate,
}

DIGESTS = {
    "SHA-224": hashes.SHA224, "SHA-256": hashes.SHA256, "SHA-384": hashes.SHA384,
    "SHA-512": hashes.SHA512, "SHA3-224": hashes.SHA3_224, "SHA3-256": hashes.SHA3_256,
    "SHA3-384": hashes.SHA3_384, "SHA3-512": hashes.SHA3_512,
}

# (key, digest) pairs to sign with; every digest name appears at least once.
PLAN = [
    ("rsa-2048", d) for d in DIGESTS
] + [
    ("ec-p256", "SHA-256"), ("ec-p256", "SHA3-256"), ("ec-p384", "SHA-256"),
    ("ec-p384", "SHA-384"), ("ec-p521", "SHA-512"), ("ec-secp256k1", "SHA-256"),
    ("dsa-2048", "SHA-256"), ("dsa-2048", "SHA-224"), ("dsa-2048", "SHA3-256"),
    ("ed25519", "EdDSA"),
]


def load_or_make(name):
    path = OUT / f"{name}.pem"
    if path.exists():
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    key = KEYS[name]()
    path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return key


def sign(key, digest, message):
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(message)
    algorithm = DIGESTS[digest]()
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(message, padding.PKCS1v15(), algorithm)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(message, ec.ECDSA(algorithm))
    return key.sign(message, algorithm)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    keys = {name: load_or_make(name) for name in KEYS}
    for name, key in keys.items():
        spki = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        (OUT / f"{name}.spki.b64").write_text(base64.b64encode(spki).decode() + "\n")
    lines = []
    for name, digest in PLAN:
        for message in (APPROVAL, TIMESTAMP):
            signature = sign(keys[name], digest, message)
            lines.append(" ".join([name, digest, base64.b64encode(message).decode(),
                                   base64.b64encode(signature).decode()]))
    (OUT / "signatures.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
