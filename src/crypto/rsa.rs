//! RSA keys: generation, PKCS#8/SPKI encoding and PKCS#1 v1.5 signatures.

use super::CryptoError;
use crate::domain::{DigestAlgorithm, RsaBits, SecretBytes};
use der::asn1::AnyRef;
use rand::CryptoRng;
use rsa::Pkcs1v15Sign;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use sha2::Digest;
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier};

pub use rsa::PrivateKey;

/// Generates a fresh RSA key pair with public exponent 65537.
pub fn generate(rng: &mut impl CryptoRng, bits: RsaBits) -> Result<PrivateKey, CryptoError> {
    PrivateKey::new(rng, bits.bits() as usize)
        .map_err(|e| CryptoError::KeyGeneration(e.to_string()))
}

/// Encodes a private key as PKCS#8 DER, the emulator's storage format.
pub fn encode_private(key: &PrivateKey) -> Result<SecretBytes, CryptoError> {
    let document = key
        .to_pkcs8_der()
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))?;
    Ok(SecretBytes::new(document.as_bytes().to_vec()))
}

/// Decodes a PKCS#8 DER (or PEM) private key.
pub fn decode_private(bytes: &[u8]) -> Result<PrivateKey, CryptoError> {
    let key = match std::str::from_utf8(bytes) {
        Ok(text) if text.contains("-----BEGIN") => PrivateKey::from_pkcs8_pem(text),
        _ => PrivateKey::from_pkcs8_der(bytes),
    };
    key.map_err(|e| CryptoError::InvalidKey(e.to_string()))
}

/// The bit length of the key's modulus.
pub fn modulus_bits(key: &PrivateKey) -> u32 {
    use rsa::traits::PublicKeyParts;
    key.n().bit_width()
}

/// The public key as DER `SubjectPublicKeyInfo`.
pub fn public_spki_der(key: &PrivateKey) -> Result<Vec<u8>, CryptoError> {
    key.to_public_key()
        .to_public_key_der()
        .map(|document| document.as_bytes().to_vec())
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))
}

/// Signs `message` with RSASSA-PKCS1-v1_5 over the given digest. The output is deterministic.
pub fn sign_pkcs1v15(
    key: &PrivateKey,
    digest: DigestAlgorithm,
    message: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    let (scheme, hashed) = match digest {
        DigestAlgorithm::Sha224 => (
            Pkcs1v15Sign::new::<sha2::Sha224>(),
            sha2::Sha224::digest(message).to_vec(),
        ),
        DigestAlgorithm::Sha256 => (
            Pkcs1v15Sign::new::<sha2::Sha256>(),
            sha2::Sha256::digest(message).to_vec(),
        ),
        DigestAlgorithm::Sha384 => (
            Pkcs1v15Sign::new::<sha2::Sha384>(),
            sha2::Sha384::digest(message).to_vec(),
        ),
        DigestAlgorithm::Sha512 => (
            Pkcs1v15Sign::new::<sha2::Sha512>(),
            sha2::Sha512::digest(message).to_vec(),
        ),
    };
    key.sign_with_rng(rng, scheme, &hashed)
        .map_err(|e| CryptoError::Signing(e.to_string()))
}

/// The X.509 `AlgorithmIdentifier` of RSASSA-PKCS1-v1_5 with `digest` (NULL parameters).
pub fn pkcs1v15_algorithm_identifier(digest: DigestAlgorithm) -> AlgorithmIdentifierOwned {
    let oid = match digest {
        DigestAlgorithm::Sha224 => ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.14"),
        DigestAlgorithm::Sha256 => ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11"),
        DigestAlgorithm::Sha384 => ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12"),
        DigestAlgorithm::Sha512 => ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13"),
    };
    AlgorithmIdentifierOwned {
        oid,
        parameters: Some(AnyRef::NULL.into()),
    }
}
