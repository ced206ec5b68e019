//! Ed25519 (PureEdDSA, RFC 8032): keys in their RFC 8410 PKCS#8/SPKI encodings, and signatures.

use super::CryptoError;
use crate::domain::SecretBytes;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use rand::CryptoRng;

/// The Ed25519 algorithm OID (RFC 8410), in dotted decimal.
pub const OID: &str = "1.3.101.112";

/// A fresh key: (PKCS#8 DER private key, 44-byte DER SubjectPublicKeyInfo).
pub fn generate(rng: &mut impl CryptoRng) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    Ok(encode(&SigningKey::generate(rng)))
}

/// Our encodings (PKCS#8, SPKI) of the key with the 32-byte secret `seed` (RFC 8032's private
/// key), e.g. a SLIP-10 child.
pub fn from_seed(seed: &[u8; 32]) -> (SecretBytes, Vec<u8>) {
    encode(&SigningKey::from_bytes(seed))
}

/// The 32-byte secret (RFC 8032 private key) of PKCS#8 key material.
pub fn seed_of(pkcs8: &[u8]) -> Result<SecretBytes, CryptoError> {
    Ok(SecretBytes::new(decode_private(pkcs8)?.to_bytes().to_vec()))
}

/// Re-encodes an imported PKCS#8 DER private key (v1, or v2 with the public key, which must then
/// match) as our canonical PKCS#8 DER plus its SPKI.
pub fn normalize_private(der: &[u8]) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    Ok(encode(&decode_private(der)?))
}

/// Whether `spki` is a DER SubjectPublicKeyInfo holding a valid Ed25519 public key.
pub fn is_ed25519_spki(spki: &[u8]) -> bool {
    VerifyingKey::from_public_key_der(spki).is_ok()
}

/// Signs `payload` (the whole message: PureEdDSA hashes it itself); 64 bytes.
pub fn sign(pkcs8: &[u8], payload: &[u8]) -> Result<Vec<u8>, CryptoError> {
    Ok(sign_with_key(&decode_key(pkcs8)?, payload))
}

/// A decoded Ed25519 signing key (its public half computed once): decode once with
/// [`decode_key`], sign many times with [`sign_with_key`].
pub struct Ed25519Key(SigningKey);

impl std::fmt::Debug for Ed25519Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ed25519Key(<redacted>)")
    }
}

/// Decodes a PKCS#8 Ed25519 private key for [`sign_with_key`].
pub fn decode_key(pkcs8: &[u8]) -> Result<Ed25519Key, CryptoError> {
    Ok(Ed25519Key(decode_private(pkcs8)?))
}

/// Signs `payload` with a decoded key; 64 bytes.
pub fn sign_with_key(key: &Ed25519Key, payload: &[u8]) -> Vec<u8> {
    key.0.sign(payload).to_bytes().to_vec()
}

/// Verifies a signature with only the public key (DER SPKI); a wrong signature, or one that is
/// not 64 bytes, is `Ok(false)`.
pub fn verify(spki: &[u8], payload: &[u8], signature: &[u8]) -> Result<bool, CryptoError> {
    let key = VerifyingKey::from_public_key_der(spki)
        .map_err(|e| CryptoError::InvalidKey(format!("not an Ed25519 public key: {e}")))?;
    let Ok(signature) = Signature::from_slice(signature) else {
        return Ok(false);
    };
    Ok(key.verify(payload, &signature).is_ok())
}

/// Decodes PKCS#8 v1 or v2 (checking an embedded public key against the secret).
fn decode_private(der: &[u8]) -> Result<SigningKey, CryptoError> {
    SigningKey::from_pkcs8_der(der)
        .map_err(|e| CryptoError::InvalidKey(format!("not an Ed25519 private key: {e}")))
}

/// Our canonical encodings: PKCS#8 v1 (no embedded public key: RFC 8410's example form, byte for
/// byte what OpenSSL writes, and readable by PKCS#8 parsers that predate v2) and SPKI. Both are a
/// fixed DER prefix and 32 key bytes, so they are assembled directly (ed25519-dalek's encoders
/// need its `alloc` feature, which is off).
fn encode(key: &SigningKey) -> (SecretBytes, Vec<u8>) {
    let mut pkcs8 = Vec::with_capacity(PKCS8_PREFIX.len() + 32);
    pkcs8.extend_from_slice(&PKCS8_PREFIX);
    pkcs8.extend_from_slice(key.as_bytes());
    let mut spki = Vec::with_capacity(SPKI_PREFIX.len() + 32);
    spki.extend_from_slice(&SPKI_PREFIX);
    spki.extend_from_slice(key.verifying_key().as_bytes());
    (SecretBytes::new(pkcs8), spki)
}

/// `SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING (32) } }`.
const PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// `SEQUENCE { SEQUENCE { OID 1.3.101.112 }, BIT STRING (32 bytes, no unused bits) }`.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::test_support::openssl;

    // RFC 8032 section 7.1, TEST 1 (the empty message).
    const TEST_1_SECRET: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const TEST_1_PUBLIC: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    const TEST_1_SIGNATURE: &str = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
                                    5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

    fn pkcs8_v1(secret: &[u8]) -> Vec<u8> {
        [&PKCS8_PREFIX[..], secret].concat()
    }

    /// RFC 8410 section 10.3's v2 form: version 1 and `[1] publicKey`.
    fn pkcs8_v2(secret: &[u8], public: &[u8]) -> Vec<u8> {
        let head = hex::decode("3051020101300506032b657004220420").expect("hex");
        [&head[..], secret, &[0x81, 0x21, 0x00], public].concat()
    }

    #[test]
    fn rfc8032_test_1() {
        let secret = hex::decode(TEST_1_SECRET).expect("hex");
        let (pkcs8, spki) = normalize_private(&pkcs8_v1(&secret)).expect("import");
        assert_eq!(pkcs8.expose(), pkcs8_v1(&secret));
        assert_eq!(spki.len(), 44);
        assert_eq!(hex::encode(&spki[12..]), TEST_1_PUBLIC);
        let signature = sign(pkcs8.expose(), b"").expect("sign");
        assert_eq!(hex::encode(&signature), TEST_1_SIGNATURE);
        assert!(verify(&spki, b"", &signature).expect("verify"));
        assert!(!verify(&spki, b"\0", &signature).expect("verify"));
    }

    #[test]
    fn round_trip_and_rejections() {
        let (pkcs8, spki) = generate(&mut rand::rng()).expect("generate");
        assert_eq!((pkcs8.expose().len(), spki.len()), (48, 44));
        assert!(is_ed25519_spki(&spki));
        let signature = sign(pkcs8.expose(), b"payload").expect("sign");
        assert_eq!(signature.len(), 64);
        assert!(verify(&spki, b"payload", &signature).expect("verify"));
        assert!(!verify(&spki, b"payloaD", &signature).expect("verify"));
        let mut changed = signature.clone();
        changed[10] ^= 1;
        assert!(!verify(&spki, b"payload", &changed).expect("verify"));
        for junk in [&[][..], &signature[..63], &[&signature[..], &[0]].concat()] {
            assert!(!verify(&spki, b"payload", junk).expect("verify"));
        }

        let (_, ec_spki) =
            crate::crypto::ec::generate(crate::crypto::ec::Curve::P256, &mut rand::rng())
                .expect("generate");
        for key in [&ec_spki[..], b"junk", &spki[..43]] {
            assert!(!is_ed25519_spki(key));
            assert!(matches!(
                verify(key, b"payload", &signature),
                Err(CryptoError::InvalidKey(_))
            ));
        }
        assert!(matches!(
            sign(b"junk", b"payload"),
            Err(CryptoError::InvalidKey(_))
        ));
    }

    #[test]
    fn pkcs8_v2_is_accepted_when_its_public_key_matches() {
        let secret = hex::decode(TEST_1_SECRET).expect("hex");
        let public = hex::decode(TEST_1_PUBLIC).expect("hex");
        let from_v1 = normalize_private(&pkcs8_v1(&secret)).expect("v1");
        let from_v2 = normalize_private(&pkcs8_v2(&secret, &public)).expect("v2");
        assert_eq!(from_v1, from_v2);
        let mut wrong = public.clone();
        wrong[0] ^= 1;
        assert!(matches!(
            normalize_private(&pkcs8_v2(&secret, &wrong)),
            Err(CryptoError::InvalidKey(_))
        ));
    }

    #[test]
    fn openssl_agrees() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path();
        let write = |name: &str, bytes: &[u8]| std::fs::write(path.join(name), bytes).expect(name);
        let read = |name: &str| std::fs::read(path.join(name)).expect(name);
        let data = b"cross-checked with OpenSSL";
        write("data", data);

        // Our key and signature, checked by OpenSSL.
        let (pkcs8, spki) = generate(&mut rand::rng()).expect("generate");
        write("ours.spki", &spki);
        write("ours.sig", &sign(pkcs8.expose(), data).expect("sign"));
        openssl(
            path,
            "pkeyutl -verify -pubin -inkey ours.spki -keyform DER -rawin -in data -sigfile ours.sig",
        );

        // OpenSSL's key imports unchanged, and both sides make the same (deterministic) signature.
        openssl(path, "genpkey -algorithm ed25519 -outform DER -out key.p8");
        openssl(
            path,
            "pkey -inform DER -in key.p8 -pubout -outform DER -out key.spki",
        );
        openssl(
            path,
            "pkeyutl -sign -inkey key.p8 -keyform DER -rawin -in data -out theirs.sig",
        );
        let (pkcs8, spki) = normalize_private(&read("key.p8")).expect("import");
        assert_eq!(pkcs8.expose(), read("key.p8"));
        assert_eq!(spki, read("key.spki"));
        let theirs = read("theirs.sig");
        assert!(verify(&spki, data, &theirs).expect("verify"));
        assert_eq!(sign(pkcs8.expose(), data).expect("sign"), theirs);
    }
}
