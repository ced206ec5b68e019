//! Key transport: wrapping a key under another and unwrapping it into a new key
//! (reference 9).
//!
//! What is wrapped: a secret key's raw bytes, or a private key's PKCS#8 DER (the Primus HSM's
//! own blob format is undocumented; these blobs are only self-consistent). RFC 3394 needs a
//! multiple of 8 bytes, so a PKCS#8 document is zero-padded before `AES_WRAP_<TYPE>`; DER is
//! self-delimiting, so unwrapping drops the padding again.

use super::CryptoInput;
use super::gate::{KeyRef, KeyUse};
use super::transfer::{decode_private, describe_public};
use super::{Hsm, HsmError, SignedKeyInfo};
use crate::crypto::cipher;
use crate::crypto::pqc::ml_kem;
use crate::crypto::rsa::{self, RsaPadding};
use crate::domain::{
    Curve, HashAlgorithm, KeyAlgorithm, KeyAttributes, Label, Password, SecretBytes, Timestamp,
    WrapMethod,
};
use crate::keystore::{KeyOrigin, KeyRecord};

/// The OAEP hash of `RSA_WRAP_OAEP` (label and MGF1); the TSB's is unknown.
const RSA_WRAP_OAEP_HASH: HashAlgorithm = HashAlgorithm::Sha256;

/// A validated `wrapKeyRequest`.
#[derive(Debug, Clone)]
pub struct WrapRequest {
    /// The key to export (must be extractable).
    pub key_to_be_wrapped: Label,
    /// Its password.
    pub key_to_be_wrapped_password: Option<Password>,
    /// The wrapping key (must have `wrap`).
    pub wrap_key: Label,
    /// Its password.
    pub wrap_key_password: Option<Password>,
    /// The method.
    pub method: WrapMethod,
}

/// A validated `unwrapKeyRequest`.
#[derive(Debug, Clone)]
pub struct UnwrapRequest {
    /// The wrapped key.
    pub wrapped: Vec<u8>,
    /// The new key's label.
    pub label: Label,
    /// The new key's attributes.
    pub attributes: KeyAttributes,
    /// The unwrapping key (must have `unwrap`).
    pub unwrap_key: Label,
    /// Its password.
    pub unwrap_key_password: Option<Password>,
    /// The method.
    pub method: WrapMethod,
    /// The algorithm of an unwrapped secret key (an emulator extension; AES by default,
    /// since a wrapped secret carries no type).
    pub secret_algorithm: KeyAlgorithm,
    /// The SKA policy for the new key (asymmetric keys only).
    pub policy: Option<crate::domain::Policy>,
    /// The approvals it carries (an SKA unwrapping key).
    pub approvals: super::Approvals,
}

impl Hsm {
    /// Wraps `key_to_be_wrapped` under `wrap_key`.
    pub async fn wrap(&self, request: WrapRequest) -> Result<Vec<u8>, HsmError> {
        self.blocking(move |inner| {
            let wrapping_key = KeyRef::new(&request.wrap_key, request.wrap_key_password.as_ref());
            let wrapping = inner.use_key_fitting(wrapping_key, KeyUse::Wrap, |key| {
                check_wrapping_key(key, request.method)
            })?;
            let wrapped_key = KeyRef::new(
                &request.key_to_be_wrapped,
                request.key_to_be_wrapped_password.as_ref(),
            );
            let wrapped = inner.use_key(wrapped_key, KeyUse::BeWrapped)?;
            if inner.strict_key_protection {
                check_trusted_for_sensitive(&wrapping, &wrapped, &request)?;
            }
            let expected = request.method.private_key_type();
            let fits = match expected {
                Some(algorithm) => wrapped.algorithm == algorithm,
                None => wrapped.algorithm.is_symmetric(),
            };
            if !fits {
                return Err(HsmError::AlgorithmNotSupportedByKey(format!(
                    "The wrap method '{}' can not wrap the {} key '{}'.",
                    request.method.wire_name(),
                    wrapped.algorithm,
                    request.key_to_be_wrapped
                )));
            }
            let material = wrapped.private_key.as_ref().ok_or_else(|| {
                HsmError::InvalidKeyType(format!(
                    "Key '{}' has no private part to wrap.",
                    request.key_to_be_wrapped
                ))
            })?;
            let mut plaintext = material.expose().to_vec();
            if expected.is_some() && !request.method.padded() {
                plaintext.resize(plaintext.len().div_ceil(8) * 8, 0);
            }
            let plaintext = zeroize::Zeroizing::new(plaintext);
            let result = match request.method {
                WrapMethod::RsaWrapPad | WrapMethod::RsaWrapOaep => {
                    let public = wrapping
                        .public_key
                        .as_deref()
                        .ok_or_else(HsmError::not_asymmetric)?;
                    rsa::encrypt(
                        public,
                        rsa_padding(request.method),
                        &plaintext,
                        &mut inner.entropy.rng(),
                    )
                }
                WrapMethod::MlKem512 | WrapMethod::MlKem768 | WrapMethod::MlKem1024 => {
                    let public = wrapping
                        .public_key
                        .as_deref()
                        .ok_or_else(HsmError::not_asymmetric)?;
                    ml_kem::wrap(
                        ml_kem_params(&wrapping)?,
                        public,
                        &plaintext,
                        &mut inner.entropy.rng(),
                    )
                }
                method => {
                    let kek = wrapping
                        .private_key
                        .as_ref()
                        .ok_or_else(HsmError::not_asymmetric)?;
                    cipher::aes_wrap(kek.expose(), &plaintext, method.padded())
                }
            };
            result.map_err(|e| HsmError::from_crypto(e, CryptoInput::Payload))
        })
        .await
    }

    /// Unwraps into a new key (refused if the label exists: the HSM's 701, as the TSB answers).
    pub async fn unwrap(&self, request: UnwrapRequest) -> Result<SignedKeyInfo, HsmError> {
        let failed = || HsmError::HsmRefused("Error unwrapping key".to_owned());
        self.blocking(move |inner| {
            let unwrapping_key =
                KeyRef::new(&request.unwrap_key, request.unwrap_key_password.as_ref())
                    .approved_by(&request.approvals);
            let unwrapping = inner.use_key_fitting(unwrapping_key, KeyUse::Unwrap, |key| {
                check_wrapping_key(key, request.method)
            })?;
            if inner.strict_key_protection && !request.attributes.sensitive {
                // The blob says nothing about the key it came from: a sensitive key wrapped and
                // unwrapped as non-sensitive could then be exported in plain (Clulow's attack).
                // The TSB allows it, so only strict mode refuses.
                return Err(HsmError::AttributesForbid(
                    "An unwrapped key is always sensitive: 'sensitive' can not be false.".to_owned(),
                ));
            }
            let secret = unwrapping.private_key.as_ref().ok_or_else(HsmError::not_asymmetric)?;
            let plaintext = match request.method {
                WrapMethod::RsaWrapPad | WrapMethod::RsaWrapOaep => {
                    let key = rsa::decode_private(secret.expose())?;
                    rsa::decrypt(&key, rsa_padding(request.method), &request.wrapped, &mut inner.entropy.rng())
                }
                WrapMethod::MlKem512 | WrapMethod::MlKem768 | WrapMethod::MlKem1024 => {
                    ml_kem::unwrap(ml_kem_params(&unwrapping)?, secret.expose(), &request.wrapped)
                }
                method => cipher::aes_unwrap(secret.expose(), &request.wrapped, method.padded()),
            }
            .map_err(|_| failed())?;
            let plaintext = SecretBytes::new(plaintext);
            let record = match request.method.private_key_type() {
                Some(algorithm) => {
                    super::gate::policy_fits(request.policy.as_ref(), algorithm, &request.attributes)?;
                    let der = der_document(plaintext.expose()).ok_or_else(failed)?;
                    let (private, public) = decode_private(algorithm, der).map_err(|_| failed())?;
                    let (key_size, curve) = describe_public(algorithm, &public)?;
                    KeyRecord {
                        key_size,
                        curve,
                        private_key: Some(private),
                        public_key: Some(public),
                        policy: request.policy.clone(),
                        ..unwrapped_record(&request, algorithm, inner.clock.now())
                    }
                }
                None => {
                    if request.policy.is_some() {
                        return Err(failed());
                    }
                    let algorithm = request.secret_algorithm;
                    let bits = u32::try_from(plaintext.expose().len() * 8).unwrap_or(u32::MAX);
                    let allowed = algorithm.secret_sizes().map(|(sizes, _)| sizes).unwrap_or(&[]);
                    if !allowed.contains(&bits) {
                        return Err(HsmError::KeySize(format!(
                            "The unwrapped {bits}-bit secret is no valid {algorithm} key (supported: {allowed:?})."
                        )));
                    }
                    KeyRecord {
                        key_size: Some(bits),
                        private_key: Some(plaintext),
                        ..unwrapped_record(&request, algorithm, inner.clock.now())
                    }
                }
            };
            match inner.store.insert_new(&record) {
                Ok(()) => {}
                Err(crate::keystore::KeyStoreError::AlreadyExists) => return Err(failed()),
                Err(other) => return Err(other.into()),
            }
            tracing::info!(label = %request.label, algorithm = %record.algorithm, "key unwrapped");
            inner.signed_info(request.label.clone(), &record)
        })
        .await
    }
}

/// The wrapping key must be of the method's kind (607).
fn check_wrapping_key(key: &KeyRecord, method: WrapMethod) -> Result<(), HsmError> {
    if key.algorithm == method.wrapping_key() {
        Ok(())
    } else {
        Err(HsmError::AlgorithmNotSupportedByKey(format!(
            "The wrap method '{}' needs an {} key, and '{}' is {}.",
            method.wire_name(),
            method.wrapping_key(),
            key.label,
            key.algorithm
        )))
    }
}

/// The parameter set of an ML-KEM wrapping key (checked to fit the method before).
fn ml_kem_params(key: &KeyRecord) -> Result<crate::domain::MlKemParams, HsmError> {
    match key.algorithm {
        KeyAlgorithm::MlKem(params) => Ok(params),
        other => Err(HsmError::Internal(format!(
            "the ML-KEM wrap checked an {other} key"
        ))),
    }
}

/// `--strict-key-protection` only (the TSB shows none of these rules): the PKCS#11
/// key-extraction defences for wrapping a **sensitive** key (a non-sensitive extractable key
/// can be exported in plain anyway). The wrapping key must not be able to decrypt (else
/// `/v1/synchronousDecrypt` turns the blob into plaintext: the wrap/decrypt attack; with AES,
/// ECB decryption computes RFC 3394 unwrapping), must have been generated here (an imported
/// key's value may be known to the caller), must itself be sensitive and never extractable
/// (else it is exported in plain, or wrapped under a known key, and the blob opened offline),
/// and must be as strong as the key it protects or at least 128 bits (no wrapping an AES-128
/// key under RSA-2048).
fn check_trusted_for_sensitive(
    wrapping: &KeyRecord,
    wrapped: &KeyRecord,
    request: &WrapRequest,
) -> Result<(), HsmError> {
    if !wrapped.attributes.sensitive {
        return Ok(());
    }
    let refuse = |why: &str| {
        Err(HsmError::AttributesForbid(format!(
            "The sensitive key '{}' can not be wrapped under '{}': {why}.",
            request.key_to_be_wrapped, request.wrap_key
        )))
    };
    // ML-KEM keys have no decrypt operation (`/v1/synchronousDecrypt` has no ML-KEM cipher),
    // so their `decrypt` attribute opens no way round the wrap.
    if wrapping.attributes.decrypt && !matches!(wrapping.algorithm, KeyAlgorithm::MlKem(_)) {
        return refuse("a wrapping key that can decrypt could reveal it");
    }
    if wrapping.origin != KeyOrigin::Generated {
        return refuse("the wrapping key was imported, its value may be known");
    }
    // Attributes never change after creation here, so `extractable: false` means "never
    // extractable" and `sensitive: true` "always sensitive".
    if wrapping.attributes.extractable || !wrapping.attributes.sensitive {
        return refuse("the wrapping key is extractable or not sensitive, its value may be known");
    }
    // 128 bits is enough for any key (an RSA-4096 key may wrap an AES-256 key, as the TSB
    // documentation's own samples do); below that the wrapping key must match the key.
    let (protects, needs) = (strength_bits(wrapping), strength_bits(wrapped).min(128));
    if protects < needs {
        return refuse(&format!(
            "the wrapping key's {protects}-bit strength is below the key's {needs} bits"
        ));
    }
    Ok(())
}

/// Security strength in bits (NIST SP 800-57 part 1, table 2), capped at 256.
fn strength_bits(key: &KeyRecord) -> u32 {
    let bits = key.key_size.unwrap_or(0);
    match key.algorithm {
        KeyAlgorithm::Aes | KeyAlgorithm::Camellia | KeyAlgorithm::HmacSha256 => bits.min(256),
        KeyAlgorithm::ChaCha20 => 256,
        KeyAlgorithm::Tdea => 112,
        KeyAlgorithm::Rsa | KeyAlgorithm::Dsa => match bits {
            0..2048 => 80,
            2048..3072 => 112,
            3072..7680 => 128,
            7680..15360 => 192,
            _ => 256,
        },
        KeyAlgorithm::Ec => key.curve.map_or(128, |curve| match curve {
            Curve::P384 | Curve::BrainpoolP384r1 => 192,
            Curve::P521 => 256,
            _ => 128,
        }),
        KeyAlgorithm::Ed | KeyAlgorithm::Bls => 128,
        // NIST PQC categories 1, 3 and 5 (FIPS 203/204/205); the hash-based keys use
        // 256-bit hashes.
        KeyAlgorithm::MlKem(params) => match params.name() {
            "ML-KEM-512" => 128,
            "ML-KEM-768" => 192,
            _ => 256,
        },
        KeyAlgorithm::MlDsa(params) => match params.name() {
            "ML-DSA-44" => 128,
            "ML-DSA-65" => 192,
            _ => 256,
        },
        KeyAlgorithm::SlhDsa(params) => match params.name() {
            name if name.contains("-128") => 128,
            name if name.contains("-192") => 192,
            _ => 256,
        },
        KeyAlgorithm::Lms | KeyAlgorithm::Xmss(_) => 256,
    }
}

fn rsa_padding(method: WrapMethod) -> RsaPadding {
    match method {
        WrapMethod::RsaWrapOaep => RsaPadding::Oaep(RSA_WRAP_OAEP_HASH),
        _ => RsaPadding::Pkcs1v15,
    }
}

/// The DER document at the start of `bytes` (dropping RFC 3394 zero padding).
fn der_document(bytes: &[u8]) -> Option<&[u8]> {
    use der::Encode;
    let header = der::Header::peek(&der::SliceReader::new(bytes).ok()?).ok()?;
    let total = usize::try_from(header.encoded_len().ok()?)
        .ok()?
        .checked_add(usize::try_from(header.length()).ok()?)?;
    bytes.get(..total)
}

fn unwrapped_record(request: &UnwrapRequest, algorithm: KeyAlgorithm, now: Timestamp) -> KeyRecord {
    KeyRecord {
        label: request.label.as_str().to_owned(),
        algorithm,
        key_size: None,
        curve: None,
        private_key: None,
        public_key: None,
        attributes: request.attributes,
        policy: None,
        password: None,
        created_at: now.0,
        origin: KeyOrigin::Imported,
        certificate: None,
        next_signature_index: None,
        address_format: None,
        chain_code: None,
    }
}
