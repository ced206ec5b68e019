//! Encryption, decryption and random bytes (reference 8, 12).

use super::CryptoInput;
use super::gate::{KeyRef, KeyUse};
use super::{Hsm, HsmError};
use crate::crypto::cipher::{self, SymmetricCipher};
use crate::crypto::rsa::{self, RsaPadding};
use crate::domain::{CipherAlgorithm, Label, Password};
use crate::keystore::KeyRecord;
use rand::Rng;

/// The most random bytes one request gets.
pub const MAX_RANDOM_BYTES: usize = 65_536;

/// A validated `encryptRequest`.
#[derive(Clone)]
pub struct EncryptRequest {
    /// The key.
    pub label: Label,
    /// Its password.
    pub password: Option<Password>,
    /// The cipher.
    pub algorithm: CipherAlgorithm,
    /// The plaintext.
    pub payload: Vec<u8>,
    /// AAD (AEAD ciphers).
    pub aad: Option<Vec<u8>>,
    /// GCM tag length in bits (0: 128).
    pub tag_bits: u32,
}

/// Payloads are the client's data: `Debug` shows their length only.
impl std::fmt::Debug for EncryptRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptRequest")
            .field("label", &self.label)
            .field("password", &self.password)
            .field("algorithm", &self.algorithm)
            .field(
                "payload",
                &format_args!("<{} bytes redacted>", self.payload.len()),
            )
            .field("aad", &self.aad)
            .field("tag_bits", &self.tag_bits)
            .finish()
    }
}

/// A validated `decryptRequest`.
#[derive(Debug, Clone)]
pub struct DecryptRequest {
    /// The key.
    pub label: Label,
    /// Its password.
    pub password: Option<Password>,
    /// DER SPKIs of the approvers whose approvals this request carries (SKA).
    pub approvals: super::Approvals,
    /// The cipher.
    pub algorithm: CipherAlgorithm,
    /// What `encrypt` returned as `encryptedPayload`.
    pub input: Vec<u8>,
    /// The IV `encrypt` returned.
    pub iv: Option<Vec<u8>>,
    /// AAD (AEAD ciphers).
    pub aad: Option<Vec<u8>>,
    /// GCM tag length in bits (0: 128).
    pub tag_bits: u32,
}

/// The answer to an encryption (reference 8.1).
#[derive(Debug, Clone)]
pub struct Encryption {
    /// The full output (AEAD: ciphertext followed by the tag).
    pub output: Vec<u8>,
    /// AEAD: the ciphertext without the tag.
    pub without_tag: Option<Vec<u8>>,
    /// The generated IV or nonce (none for RSA and ECB).
    pub iv: Option<Vec<u8>>,
    /// AEAD: the tag.
    pub tag: Option<Vec<u8>>,
}

impl Hsm {
    /// Encrypts with a secret key, or with the public part of an RSA key.
    pub async fn encrypt(&self, request: EncryptRequest) -> Result<Encryption, HsmError> {
        self.blocking(move |inner| {
            let key = KeyRef::new(&request.label, request.password.as_ref());
            let record = inner.use_key_fitting(key, KeyUse::Encrypt, |record| {
                fits(record, request.algorithm)
            })?;
            let mut rng = inner.entropy.rng();
            let payload = request.payload.as_slice();
            match symmetric(request.algorithm) {
                Some(mode) => {
                    let secret = secret(&record)?;
                    let aad = request.aad.as_deref();
                    let encrypted =
                        cipher::encrypt(mode, secret, payload, aad, request.tag_bits, &mut rng)
                            .map_err(|e| HsmError::from_crypto(e, CryptoInput::Payload))?;
                    let without_tag = encrypted
                        .tag
                        .as_ref()
                        .map(|tag| encrypted.output[..encrypted.output.len() - tag.len()].to_vec());
                    Ok(Encryption {
                        without_tag,
                        iv: encrypted.iv,
                        tag: encrypted.tag,
                        output: encrypted.output,
                    })
                }
                None => {
                    only_symmetric_options(&request.aad, request.tag_bits)?;
                    let public = record
                        .public_key
                        .as_deref()
                        .ok_or_else(HsmError::not_asymmetric)?;
                    let output =
                        rsa::encrypt(public, rsa_padding(request.algorithm), payload, &mut rng)
                            .map_err(|e| HsmError::from_crypto(e, CryptoInput::Payload))?;
                    Ok(Encryption {
                        output,
                        without_tag: None,
                        iv: None,
                        tag: None,
                    })
                }
            }
        })
        .await
    }

    /// Decrypts; the key must have `decrypt`. Any cryptographic failure is the HSM's 701
    /// "Error decrypting payload", revealing nothing.
    pub async fn decrypt(&self, request: DecryptRequest) -> Result<Vec<u8>, HsmError> {
        self.blocking(move |inner| {
            let key = KeyRef::new(&request.label, request.password.as_ref())
                .approved_by(&request.approvals);
            let record = inner.use_key_fitting(key, KeyUse::Decrypt, |record| {
                fits(record, request.algorithm)
            })?;
            if request.tag_bits != 0 && request.iv.is_none() {
                return Err(HsmError::HsmRefused(
                    "Tag length is specified, need initializationVector as well".to_owned(),
                ));
            }
            let secret = record.private_key.as_ref().ok_or_else(|| {
                HsmError::InvalidKeyType(format!(
                    "Key '{}' has no private part and can not decrypt.",
                    request.label
                ))
            })?;
            let plaintext = match symmetric(request.algorithm) {
                Some(mode) => cipher::decrypt(
                    mode,
                    secret.expose(),
                    &request.input,
                    request.iv.as_deref(),
                    request.aad.as_deref(),
                    request.tag_bits,
                ),
                None => {
                    only_symmetric_options(&request.aad, request.tag_bits)?;
                    let key = rsa::decode_private(secret.expose())?;
                    rsa::decrypt(
                        &key,
                        rsa_padding(request.algorithm),
                        &request.input,
                        &mut inner.entropy.rng(),
                    )
                }
            };
            plaintext.map_err(|e| HsmError::from_crypto(e, CryptoInput::Payload))
        })
        .await
    }

    /// `length` bytes from the device's random generator (1 to [`MAX_RANDOM_BYTES`]).
    pub fn random(&self, length: usize) -> Result<Vec<u8>, HsmError> {
        if !(1..=MAX_RANDOM_BYTES).contains(&length) {
            return Err(HsmError::NumberOutOfRange(format!(
                "The length must be between 1 and {MAX_RANDOM_BYTES} bytes, not {length}."
            )));
        }
        let mut bytes = vec![0u8; length];
        self.inner.entropy.rng().fill_bytes(&mut bytes);
        Ok(bytes)
    }
}

/// The cipher must belong to the key's algorithm (607; 613 for an RSA cipher on a secret key).
fn fits(record: &KeyRecord, algorithm: CipherAlgorithm) -> Result<(), HsmError> {
    if algorithm.key_algorithm() == record.algorithm {
        return Ok(());
    }
    Err(HsmError::AlgorithmNotSupportedByKey(format!(
        "The cipher algorithm '{}' is not supported by the {} key '{}'.",
        algorithm.wire_name(),
        record.algorithm,
        record.label
    )))
}

/// AAD and tag lengths belong to the AEAD ciphers.
fn only_symmetric_options(aad: &Option<Vec<u8>>, tag_bits: u32) -> Result<(), HsmError> {
    if aad.is_some() || tag_bits != 0 {
        return Err(HsmError::InvalidInput(
            "additionalAuthenticationData and tagLength apply to AES_GCM and CHACHA20_AEAD only."
                .to_owned(),
        ));
    }
    Ok(())
}

fn secret(record: &KeyRecord) -> Result<&[u8], HsmError> {
    record
        .private_key
        .as_ref()
        .map(|secret| secret.expose())
        .ok_or_else(|| HsmError::Internal(format!("secret key '{}' has no secret", record.label)))
}

fn symmetric(algorithm: CipherAlgorithm) -> Option<SymmetricCipher> {
    Some(match algorithm {
        CipherAlgorithm::AesGcm => SymmetricCipher::AesGcm,
        CipherAlgorithm::AesCtr => SymmetricCipher::AesCtr,
        CipherAlgorithm::AesEcb => SymmetricCipher::AesEcb,
        CipherAlgorithm::AesCbcNoPadding => SymmetricCipher::AesCbcNoPadding,
        CipherAlgorithm::Aes => SymmetricCipher::Aes,
        CipherAlgorithm::ChaCha20 => SymmetricCipher::ChaCha20,
        CipherAlgorithm::ChaCha20Aead => SymmetricCipher::ChaCha20Aead,
        CipherAlgorithm::Camellia => SymmetricCipher::Camellia,
        CipherAlgorithm::CamelliaCbcNoPadding => SymmetricCipher::CamelliaCbcNoPadding,
        CipherAlgorithm::CamelliaEcb => SymmetricCipher::CamelliaEcb,
        CipherAlgorithm::TdeaCbc => SymmetricCipher::TdeaCbc,
        CipherAlgorithm::TdeaEcb => SymmetricCipher::TdeaEcb,
        CipherAlgorithm::TdeaCbcNoPadding => SymmetricCipher::TdeaCbcNoPadding,
        _ => return None,
    })
}

fn rsa_padding(algorithm: CipherAlgorithm) -> RsaPadding {
    match algorithm {
        CipherAlgorithm::RsaNoPadding => RsaPadding::None,
        other => other
            .oaep_hash()
            .map_or(RsaPadding::Pkcs1v15, RsaPadding::Oaep),
    }
}
