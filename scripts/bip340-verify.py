"""Independent checks with libsecp256k1 (coincurve) for tests/api/blockchain.rs.

Usage: bip340-verify.py schnorr <x-only key hex> <message hex> <signature hex>
       bip340-verify.py recover <message hash hex> <65-byte r||s||v hex>   (prints the key)
Exits non-zero when a check fails.
"""
import sys

from coincurve import PublicKey, PublicKeyXOnly

if sys.argv[1] == "schnorr":
    key, message, signature = (bytes.fromhex(a) for a in sys.argv[2:5])
    sys.exit(0 if PublicKeyXOnly(key).verify(signature, message) else 1)
if sys.argv[1] == "recover":
    digest, signature = (bytes.fromhex(a) for a in sys.argv[2:4])
    recoverable = signature[:64] + bytes([signature[64] - 27])
    key = PublicKey.from_signature_and_message(recoverable, digest, hasher=None)
    print(key.format(compressed=False).hex())
    sys.exit(0)
sys.exit(2)
