//! RSA keys: generation, PKCS#8/SPKI encoding, PKCS#1 v1.5 and PSS signatures.

use super::{CryptoError, hash};
use crate::domain::{HashAlgorithm, Hashing, RsaBits, SecretBytes, SignatureScheme};
use der::asn1::AnyRef;
use rand::CryptoRng;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use rsa::{Pkcs1v15Sign, PublicKey, pss::Pss};
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

/// Decodes an imported private key: PKCS#8 DER, or the plain PKCS#1 `RSAPrivateKey` DER the
/// TSB also accepts.
pub fn decode_imported_private(der: &[u8]) -> Result<PrivateKey, CryptoError> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    PrivateKey::from_pkcs8_der(der)
        .or_else(|_| PrivateKey::from_pkcs1_der(der))
        .map_err(|_| {
            CryptoError::InvalidKey("not an RSA private key in PKCS#8 or PKCS#1 DER".into())
        })
}

/// Checks an RSA public key (DER SPKI) and returns its modulus size in bits.
pub fn public_key_bits(spki: &[u8]) -> Result<u32, CryptoError> {
    use rsa::traits::PublicKeyParts;
    let public = PublicKey::from_public_key_der(spki).map_err(|_| {
        CryptoError::InvalidKey("not an RSA public key (DER SubjectPublicKeyInfo)".into())
    })?;
    Ok(public.n().bit_width())
}

/// The public key as DER `SubjectPublicKeyInfo`.
pub fn public_spki_der(key: &PrivateKey) -> Result<Vec<u8>, CryptoError> {
    key.to_public_key()
        .to_public_key_der()
        .map(|document| document.as_bytes().to_vec())
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))
}

/// Runs `$body` with `$D` bound to the digest type of an RSA-capable hash algorithm.
macro_rules! with_digest {
    ($algorithm:expr, $D:ident => $body:expr) => {
        match $algorithm {
            HashAlgorithm::Sha1 => {
                type $D = sha1::Sha1;
                Ok($body)
            }
            HashAlgorithm::Sha224 => {
                type $D = sha2::Sha224;
                Ok($body)
            }
            HashAlgorithm::Sha256 => {
                type $D = sha2::Sha256;
                Ok($body)
            }
            HashAlgorithm::Sha384 => {
                type $D = sha2::Sha384;
                Ok($body)
            }
            HashAlgorithm::Sha512 => {
                type $D = sha2::Sha512;
                Ok($body)
            }
            other => Err(CryptoError::Unsupported(format!(
                "RSA signatures with {other:?} are not supported"
            ))),
        }
    };
}

/// The digest the RSA primitive signs, and the hash that made it (`None`: raw payload).
fn prepare(
    hashing: Hashing,
    pss: bool,
    payload: &[u8],
) -> Result<(Option<HashAlgorithm>, Vec<u8>), CryptoError> {
    match hashing {
        Hashing::Hash(algorithm) => Ok((Some(algorithm), hash::digest(algorithm, payload))),
        Hashing::Prehashed(algorithm) => {
            hash::check_digest_len(algorithm, payload)?;
            Ok((Some(algorithm), payload.to_vec()))
        }
        // NONE_WITH_RSA_PSS: the digest's length tells which hash made it.
        Hashing::None if pss => {
            let algorithm = [
                HashAlgorithm::Sha1,
                HashAlgorithm::Sha224,
                HashAlgorithm::Sha256,
                HashAlgorithm::Sha384,
                HashAlgorithm::Sha512,
            ]
            .into_iter()
            .find(|a| a.output_len() == payload.len())
            .ok_or_else(|| {
                CryptoError::InvalidInput(format!(
                    "The payload of NONE_WITH_RSA_PSS must be a SHA-1 or SHA-2 digest (20, 28, 32, 48 or 64 bytes), not {} bytes.",
                    payload.len()
                ))
            })?;
            Ok((Some(algorithm), payload.to_vec()))
        }
        Hashing::None => Ok((None, payload.to_vec())),
    }
}

/// Signs `payload` with RSASSA-PKCS1-v1_5 or RSASSA-PSS (MGF1 with the same hash, salt length
/// equal to the hash length) as `scheme` says.
pub fn sign(
    key: &PrivateKey,
    scheme: SignatureScheme,
    payload: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    let signature = match scheme {
        SignatureScheme::RsaPkcs1v15(hashing) => match prepare(hashing, false, payload)? {
            (Some(algorithm), digest) => {
                with_digest!(algorithm, D => key.sign_with_rng(rng, Pkcs1v15Sign::new::<D>(), &digest))?
            }
            (None, raw) => key.sign_with_rng(rng, Pkcs1v15Sign::new_unprefixed(), &raw),
        },
        SignatureScheme::RsaPss(hashing) => match prepare(hashing, true, payload)? {
            (Some(algorithm), digest) => {
                with_digest!(algorithm, D => key.sign_with_rng(rng, Pss::<D>::new(), &digest))?
            }
            (None, _) => return Err(CryptoError::Unsupported("PSS needs a hash".into())),
        },
        other => {
            return Err(CryptoError::Unsupported(format!(
                "{other:?} is not an RSA scheme"
            )));
        }
    };
    // The only failure left for valid keys is a payload too long for the modulus.
    signature.map_err(|e| {
        CryptoError::InvalidInput(format!("The payload can not be signed with this key: {e}."))
    })
}

/// Verifies an RSA signature with only the public key (DER SPKI); a wrong signature is
/// `Ok(false)`.
pub fn verify(
    public_key_der: &[u8],
    scheme: SignatureScheme,
    payload: &[u8],
    signature: &[u8],
) -> Result<bool, CryptoError> {
    let public = PublicKey::from_public_key_der(public_key_der)
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))?;
    let outcome = match scheme {
        SignatureScheme::RsaPkcs1v15(hashing) => match prepare(hashing, false, payload)? {
            (Some(algorithm), digest) => {
                with_digest!(algorithm, D => public.verify(Pkcs1v15Sign::new::<D>(), &digest, signature))?
            }
            (None, raw) => public.verify(Pkcs1v15Sign::new_unprefixed(), &raw, signature),
        },
        SignatureScheme::RsaPss(hashing) => match prepare(hashing, true, payload)? {
            (Some(algorithm), digest) => {
                with_digest!(algorithm, D => public.verify(Pss::<D>::new(), &digest, signature))?
            }
            (None, _) => return Err(CryptoError::Unsupported("PSS needs a hash".into())),
        },
        other => {
            return Err(CryptoError::Unsupported(format!(
                "{other:?} is not an RSA scheme"
            )));
        }
    };
    Ok(outcome.is_ok())
}

/// Signs `message` with RSASSA-PKCS1-v1_5 over `digest` (certificates, attestation).
pub fn sign_pkcs1v15(
    key: &PrivateKey,
    digest: HashAlgorithm,
    message: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    sign(
        key,
        SignatureScheme::RsaPkcs1v15(Hashing::Hash(digest)),
        message,
        rng,
    )
}

/// The X.509 `AlgorithmIdentifier` of RSASSA-PKCS1-v1_5 with `digest` (NULL parameters).
pub fn pkcs1v15_algorithm_identifier(
    digest: HashAlgorithm,
) -> Result<AlgorithmIdentifierOwned, CryptoError> {
    let oid = match digest {
        HashAlgorithm::Sha1 => "1.2.840.113549.1.1.5",
        HashAlgorithm::Sha224 => "1.2.840.113549.1.1.14",
        HashAlgorithm::Sha256 => "1.2.840.113549.1.1.11",
        HashAlgorithm::Sha384 => "1.2.840.113549.1.1.12",
        HashAlgorithm::Sha512 => "1.2.840.113549.1.1.13",
        other => {
            return Err(CryptoError::Unsupported(format!(
                "no X.509 identifier for RSA with {other:?}"
            )));
        }
    };
    Ok(AlgorithmIdentifierOwned {
        oid: ObjectIdentifier::new_unwrap(oid),
        parameters: Some(AnyRef::NULL.into()),
    })
}

/// The padding of an RSA encryption (`cipherAlgorithm` values of RSA keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsaPadding {
    /// PKCS#1 v1.5 (`RSA`, the JCE provider default, and `RSA_PADDING_PKCS`).
    Pkcs1v15,
    /// OAEP with this hash for the label and for MGF1 (`RSA_PADDING_OAEP` is SHA-1, the JCE
    /// default parameters).
    Oaep(HashAlgorithm),
    /// Raw RSA (`RSA_NO_PADDING`): the payload is the integer, right-aligned in a
    /// modulus-length block.
    None,
}

/// Encrypts with the public key (DER SPKI); a payload too long for the key and padding is
/// `InvalidInput`.
pub fn encrypt(
    public_key_der: &[u8],
    padding: RsaPadding,
    payload: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    let public = PublicKey::from_public_key_der(public_key_der)
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))?;
    let too_long = || {
        CryptoError::InvalidInput(
            "The payload can not be encrypted as the key is too small for mode and given payload size."
                .into(),
        )
    };
    match padding {
        RsaPadding::Pkcs1v15 => public
            .encrypt(rng, rsa::Pkcs1v15Encrypt, payload)
            .map_err(|_| too_long()),
        RsaPadding::Oaep(hash) => {
            with_digest!(hash, D => public.encrypt(rng, rsa::Oaep::<D>::new(), payload))?
                .map_err(|_| too_long())
        }
        RsaPadding::None => {
            use rsa::traits::PublicKeyParts;
            let size = public.size();
            if payload.len() > size {
                return Err(too_long());
            }
            let message = block(payload, size, public.n().bits_precision())?;
            if message >= *public.n().as_ref() {
                return Err(too_long());
            }
            let cipher = rsa::hazmat::rsa_encrypt(&public, &message)
                .map_err(|e| CryptoError::InvalidInput(e.to_string()))?;
            Ok(trailing(&cipher.to_be_bytes(), size))
        }
    }
}

/// Decrypts with the private key; any failure is `DecryptionFailed` and reveals nothing.
pub fn decrypt(
    key: &PrivateKey,
    padding: RsaPadding,
    ciphertext: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    use rsa::traits::PublicKeyParts;
    let failed = |_| CryptoError::DecryptionFailed;
    match padding {
        RsaPadding::Pkcs1v15 => key
            .decrypt_blinded(rng, rsa::Pkcs1v15Encrypt, ciphertext)
            .map_err(failed),
        RsaPadding::Oaep(hash) => {
            with_digest!(hash, D => key.decrypt_blinded(rng, rsa::Oaep::<D>::new(), ciphertext))?
                .map_err(failed)
        }
        RsaPadding::None => {
            let size = key.size();
            if ciphertext.len() != size {
                return Err(CryptoError::DecryptionFailed);
            }
            let cipher = block(ciphertext, size, key.n().bits_precision())?;
            if cipher >= *key.n().as_ref() {
                return Err(CryptoError::DecryptionFailed);
            }
            let message = rsa::hazmat::rsa_decrypt_and_check(key, Some(rng), &cipher)
                .map_err(|_| CryptoError::DecryptionFailed)?;
            Ok(trailing(&message.to_be_bytes(), size))
        }
    }
}

/// `bytes` as an integer of `precision` bits (left-padded into a `size`-byte block).
fn block(bytes: &[u8], size: usize, precision: u32) -> Result<rsa::BoxedUint, CryptoError> {
    let mut padded = vec![0u8; size - bytes.len()];
    padded.extend_from_slice(bytes);
    rsa::BoxedUint::from_be_slice(&padded, precision)
        .map_err(|e| CryptoError::InvalidInput(format!("not an RSA block: {e:?}")))
}

/// The last `size` bytes of a big-endian number's encoding.
fn trailing(bytes: &[u8], size: usize) -> Vec<u8> {
    bytes[bytes.len().saturating_sub(size)..].to_vec()
}
