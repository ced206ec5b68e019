//! Signatures with stored keys and their verification (reference 7.1, 7.5, 7.8).

use super::CryptoInput;
use super::gate::{KeyRef, KeyUse};
use super::{Hsm, HsmError, Inner};
use crate::crypto::blockchain::{self, TaprootTweak};
use crate::crypto::pqc::{lms, ml_dsa, slh_dsa, xmss};
use crate::crypto::{CryptoError, bls, dsa, ec, ed25519, rsa, symmetric};
use crate::domain::{
    Curve, DerivationPath, KeyAlgorithm, Label, Password, SignatureAlgorithm, SignatureFormat,
    SignatureScheme, XmssParams,
};
use crate::keystore::KeyRecord;

/// A validated `signRequest`.
#[derive(Clone)]
pub struct SignRequest {
    /// The signing key.
    pub label: Label,
    /// A derivation path after the key name: sign with the temporary child (reference 6.14).
    pub path: Option<DerivationPath>,
    /// Its password.
    pub password: Option<Password>,
    /// DER SPKIs of the approvers whose approvals this request carries (SKA).
    pub approvals: super::Approvals,
    /// The algorithm.
    pub algorithm: SignatureAlgorithm,
    /// The output encoding.
    pub format: SignatureFormat,
    /// The payload (already decoded from base64 or hex).
    pub payload: Vec<u8>,
    /// The ML-DSA/SLH-DSA context string (`context`), empty when absent.
    pub context: Vec<u8>,
    /// The BIP-340 extras (reference 7.7); ignored by the other algorithms.
    pub schnorr: SchnorrExtras,
}

/// `auxiliaryRandomData`, `taprootTweakData` and `merkleRootData` of a BIP-340 signature.
#[derive(Debug, Clone, Default)]
pub struct SchnorrExtras {
    /// BIP-340 `aux_rand`; absent: fresh randomness.
    pub aux_rand: Option<[u8; 32]>,
    /// The BIP-341 tweak of the key.
    pub tweak: TaprootTweak,
}

/// Payloads are the client's data: `Debug` shows their length only.
impl std::fmt::Debug for SignRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignRequest")
            .field("label", &self.label)
            .field("password", &self.password)
            .field("algorithm", &self.algorithm)
            .field("format", &self.format)
            .field(
                "payload",
                &format_args!("<{} bytes redacted>", self.payload.len()),
            )
            .field("context", &format_args!("<{} bytes>", self.context.len()))
            .finish()
    }
}

/// A validated `verifySignatureRequest`.
#[derive(Clone)]
pub struct VerifyRequest {
    /// The key whose public part verifies.
    pub label: Label,
    /// A derivation path after the key name: verify with the temporary child.
    pub path: Option<DerivationPath>,
    /// Its password.
    pub password: Option<Password>,
    /// The algorithm the signature was made with.
    pub algorithm: SignatureAlgorithm,
    /// The signed payload.
    pub payload: Vec<u8>,
    /// The signature to check.
    pub signature: Vec<u8>,
    /// The ML-DSA/SLH-DSA context string the signature was made with, empty when absent.
    pub context: Vec<u8>,
}

/// Payloads are the client's data: `Debug` shows their length only.
impl std::fmt::Debug for VerifyRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyRequest")
            .field("label", &self.label)
            .field("password", &self.password)
            .field("algorithm", &self.algorithm)
            .field(
                "payload",
                &format_args!("<{} bytes redacted>", self.payload.len()),
            )
            .field("signature", &self.signature)
            .field("context", &format_args!("<{} bytes>", self.context.len()))
            .finish()
    }
}

impl Hsm {
    /// Signs the payload; the key must have `sign` and fit the algorithm.
    pub async fn sign(&self, request: SignRequest) -> Result<Vec<u8>, HsmError> {
        let requested = request.algorithm.scheme();
        let operation = move |inner: &Inner| {
            let key = KeyRef::derived(
                &request.label,
                request.path.as_ref(),
                request.password.as_ref(),
            )
            .approved_by(&request.approvals);
            let record = inner.use_key_fitting(key, KeyUse::Sign, |record| {
                fitting_scheme(record, request.algorithm).map(drop)
            })?;
            let scheme = fitting_scheme(&record, request.algorithm)?;
            check_context(scheme, &request.context)?;
            let private = record.private_key.as_ref().ok_or_else(|| {
                HsmError::InvalidKeyType(format!(
                    "Key '{}' has no private part and can not sign.",
                    request.label
                ))
            })?;
            let (private, payload) = (private.expose(), request.payload.as_slice());
            let mut rng = inner.entropy.rng();
            let signature = match scheme {
                SignatureScheme::RsaPkcs1v15(_) | SignatureScheme::RsaPss(_) => {
                    only_der(request.format, record.algorithm)?;
                    inner
                        .key_cache
                        .with_rsa(private, |key| rsa::sign(key, scheme, payload, &mut rng))
                }
                SignatureScheme::Ecdsa {
                    hashing,
                    deterministic,
                } => {
                    let curve = curve_of(&record)?;
                    inner.key_cache.with_ec_scalar(curve, private, |scalar| {
                        ec::sign_with_scalar(
                            curve,
                            scalar,
                            payload,
                            hashing,
                            deterministic,
                            request.format,
                            &mut rng,
                        )
                    })
                }
                SignatureScheme::EdDsa => {
                    one_encoding(request.format, record.algorithm)?;
                    inner
                        .key_cache
                        .with_ed25519(private, |key| ed25519::sign_with_key(key, payload))
                }
                SignatureScheme::HmacSha256 => {
                    one_encoding(request.format, record.algorithm)?;
                    Ok(symmetric::hmac_sha256(private, payload))
                }
                SignatureScheme::Dsa(hashing) => {
                    dsa::sign(private, payload, hashing, request.format, &mut rng)
                }
                SignatureScheme::Bls => {
                    one_encoding(request.format, record.algorithm)?;
                    bls::sign(private, payload)
                }
                SignatureScheme::MlDsa(prehash) => {
                    one_encoding(request.format, record.algorithm)?;
                    let message = ml_dsa::Message::Data {
                        message: payload,
                        context: &request.context,
                        prehash,
                    };
                    ml_dsa::sign(ml_dsa_params(&record)?, private, message, &mut rng)
                }
                SignatureScheme::MlDsaExternalMu => {
                    one_encoding(request.format, record.algorithm)?;
                    let message = ml_dsa::Message::Mu(payload);
                    ml_dsa::sign(ml_dsa_params(&record)?, private, message, &mut rng)
                }
                SignatureScheme::SlhDsa(prehash) => {
                    one_encoding(request.format, record.algorithm)?;
                    let KeyAlgorithm::SlhDsa(params) = record.algorithm else {
                        return Err(wrong_record(&record));
                    };
                    slh_dsa::sign(
                        params,
                        private,
                        payload,
                        &request.context,
                        prehash,
                        &mut rng,
                    )
                }
                SignatureScheme::Lms => {
                    one_encoding(request.format, record.algorithm)?;
                    let height =
                        lms::height_of_private(private).ok_or_else(|| wrong_record(&record))?;
                    let index = reserve_index(inner, &request.label, height.capacity())?;
                    lms::sign(height, private, index, payload, &mut rng)
                }
                SignatureScheme::Xmss => {
                    one_encoding(request.format, record.algorithm)?;
                    let index = reserve_index(inner, &request.label, xmss::CAPACITY)?;
                    xmss::sign(private, index, payload)
                }
                SignatureScheme::SchnorrBip340 => {
                    only_der(request.format, record.algorithm)?;
                    let extras = &request.schnorr;
                    inner
                        .key_cache
                        .with_ec_scalar(Curve::Secp256k1, private, |scalar| {
                            blockchain::schnorr_sign(
                                scalar,
                                payload,
                                extras.aux_rand,
                                &extras.tweak,
                                &mut rng,
                            )
                        })
                }
            };
            signature.map_err(|e| HsmError::from_crypto(e, CryptoInput::Payload))
        };
        self.signing(requested, operation).await
    }

    /// Verifies a signature (with the public part of an asymmetric key, or the secret of an
    /// HMAC key): `Ok(false)` for a wrong signature.
    pub async fn verify(&self, request: VerifyRequest) -> Result<bool, HsmError> {
        let requested = request.algorithm.scheme();
        let operation = move |inner: &Inner| {
            let key = KeyRef::derived(
                &request.label,
                request.path.as_ref(),
                request.password.as_ref(),
            );
            let record = inner.use_key(key, KeyUse::Verify)?;
            let scheme = fitting_scheme(&record, request.algorithm)?;
            check_context(scheme, &request.context)?;
            let (payload, signature) = (request.payload.as_slice(), request.signature.as_slice());
            if scheme == SignatureScheme::HmacSha256 {
                let secret = record
                    .private_key
                    .as_ref()
                    .ok_or_else(HsmError::not_asymmetric)?;
                return Ok(symmetric::verify_hmac_sha256(
                    secret.expose(),
                    payload,
                    signature,
                ));
            }
            let public = record.public_key.as_deref().ok_or_else(|| {
                HsmError::InvalidKeyType(format!("Key '{}' has no public part.", request.label))
            })?;
            let valid = match scheme {
                SignatureScheme::RsaPkcs1v15(_) | SignatureScheme::RsaPss(_) => {
                    rsa::verify(public, scheme, payload, signature)
                }
                SignatureScheme::Ecdsa { hashing, .. } => {
                    ec::verify(curve_of(&record)?, public, payload, hashing, signature)
                }
                SignatureScheme::EdDsa => ed25519::verify(public, payload, signature),
                SignatureScheme::Dsa(hashing) => dsa::verify(public, payload, hashing, signature),
                SignatureScheme::Bls => bls::verify(public, payload, signature),
                SignatureScheme::MlDsa(prehash) => {
                    let message = ml_dsa::Message::Data {
                        message: payload,
                        context: &request.context,
                        prehash,
                    };
                    ml_dsa::verify(ml_dsa_params(&record)?, public, message, signature)
                }
                SignatureScheme::MlDsaExternalMu => {
                    let message = ml_dsa::Message::Mu(payload);
                    ml_dsa::verify(ml_dsa_params(&record)?, public, message, signature)
                }
                SignatureScheme::SlhDsa(prehash) => {
                    let KeyAlgorithm::SlhDsa(params) = record.algorithm else {
                        return Err(wrong_record(&record));
                    };
                    slh_dsa::verify(
                        params,
                        public,
                        payload,
                        &request.context,
                        prehash,
                        signature,
                    )
                }
                SignatureScheme::Lms => lms::verify(public, payload, signature),
                SignatureScheme::Xmss => {
                    let KeyAlgorithm::Xmss(params) = record.algorithm else {
                        return Err(wrong_record(&record));
                    };
                    xmss::verify(params, public, payload, signature)
                }
                SignatureScheme::SchnorrBip340 => {
                    blockchain::schnorr_verify(public, payload, signature)
                }
                SignatureScheme::HmacSha256 => Err(not_yet(request.algorithm)),
            };
            valid.map_err(|e| HsmError::from_crypto(e, CryptoInput::Payload))
        };
        self.signing(requested, operation).await
    }
}

fn not_yet(algorithm: SignatureAlgorithm) -> CryptoError {
    CryptoError::Unsupported(format!(
        "{} is not supported by tsb-emulator yet.",
        algorithm.wire_name()
    ))
}

/// The algorithm's scheme if it fits the key type: 607 otherwise, or 613 when an asymmetric
/// algorithm meets a secret key.
fn fitting_scheme(
    record: &KeyRecord,
    algorithm: SignatureAlgorithm,
) -> Result<SignatureScheme, HsmError> {
    let scheme = algorithm.scheme();
    let fits = match record.algorithm {
        KeyAlgorithm::Rsa => matches!(
            scheme,
            SignatureScheme::RsaPkcs1v15(_) | SignatureScheme::RsaPss(_)
        ),
        KeyAlgorithm::Ec => match scheme {
            SignatureScheme::Ecdsa { .. } => true,
            // BIP-340 is defined on secp256k1 only.
            SignatureScheme::SchnorrBip340 => record.curve == Some(Curve::Secp256k1),
            _ => false,
        },
        KeyAlgorithm::Ed => scheme == SignatureScheme::EdDsa,
        KeyAlgorithm::Dsa => matches!(scheme, SignatureScheme::Dsa(_)),
        KeyAlgorithm::Bls => scheme == SignatureScheme::Bls,
        KeyAlgorithm::HmacSha256 => scheme == SignatureScheme::HmacSha256,
        KeyAlgorithm::MlDsa(_) => matches!(
            scheme,
            SignatureScheme::MlDsa(_) | SignatureScheme::MlDsaExternalMu
        ),
        KeyAlgorithm::SlhDsa(_) => matches!(scheme, SignatureScheme::SlhDsa(_)),
        KeyAlgorithm::Lms => scheme == SignatureScheme::Lms,
        // The generic name `XMSS` fits both sets; a set's own name only its keys.
        KeyAlgorithm::Xmss(params) => match algorithm {
            SignatureAlgorithm::XmssSha256_10_256 => params == XmssParams::Sha2_10_256,
            SignatureAlgorithm::XmssShake256_10_256 => params == XmssParams::Shake256_10_256,
            _ => scheme == SignatureScheme::Xmss,
        },
        KeyAlgorithm::MlKem(_) => false,
        KeyAlgorithm::Aes
        | KeyAlgorithm::ChaCha20
        | KeyAlgorithm::Camellia
        | KeyAlgorithm::Tdea => false,
    };
    if fits {
        Ok(scheme)
    } else if record.algorithm.is_symmetric() && scheme != SignatureScheme::HmacSha256 {
        Err(HsmError::not_asymmetric())
    } else {
        Err(HsmError::AlgorithmNotSupportedByKey(format!(
            "The signature algorithm '{}' is not supported by the {} key '{}'.",
            algorithm.wire_name(),
            record.algorithm,
            record.label
        )))
    }
}

/// A `context` is only meaningful for ML-DSA and SLH-DSA (612 elsewhere, and when longer
/// than FIPS 204/205 allow).
fn check_context(scheme: SignatureScheme, context: &[u8]) -> Result<(), HsmError> {
    if context.is_empty() {
        return Ok(());
    }
    if !scheme.takes_context() {
        return Err(HsmError::InvalidPayload(
            "A context can only be given with ML-DSA and SLH-DSA signature algorithms.".to_owned(),
        ));
    }
    crate::crypto::pqc::check_context(context)
        .map(|_| ())
        .map_err(|e| HsmError::from_crypto(e, CryptoInput::Payload))
}

/// The parameter set of an ML-DSA key.
fn ml_dsa_params(record: &KeyRecord) -> Result<crate::domain::MlDsaParams, HsmError> {
    match record.algorithm {
        KeyAlgorithm::MlDsa(params) => Ok(params),
        _ => Err(wrong_record(record)),
    }
}

/// A record whose stored material does not fit its algorithm (a corrupt store).
fn wrong_record(record: &KeyRecord) -> HsmError {
    HsmError::Internal(format!(
        "the stored material of key '{}' does not fit its algorithm {}",
        record.label, record.algorithm
    ))
}

/// Reserves the next one-time signature index of a stateful key: the incremented index is
/// compared-and-swapped into the store and flushed before the signature is computed, so a
/// crash can skip an index but never reuse one, and concurrent signers get distinct ones.
fn reserve_index(inner: &Inner, label: &Label, capacity: u64) -> Result<u64, HsmError> {
    // A reset must not rewind an index between this reservation and its signature.
    let _reservation = inner
        .stateful_guard
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let outcome = inner.store.modify(label, |current| {
        let record = current.ok_or_else(|| HsmError::KeyNotFound(label.clone()))?;
        let next = record.next_signature_index.unwrap_or(0);
        if next >= capacity {
            return Err(HsmError::HsmRefused(format!(
                "Error creating signature: the stateful key '{label}' has used all {capacity} of its one-time signatures."
            )));
        }
        let mut updated = record.clone();
        updated.next_signature_index = Some(next + 1);
        Ok(Some(updated))
    })?;
    let record = outcome?.ok_or_else(|| HsmError::KeyNotFound(label.clone()))?;
    let reserved = record
        .next_signature_index
        .and_then(|next| next.checked_sub(1))
        .ok_or_else(|| wrong_record(&record))?;
    tracing::info!(label = %label, index = reserved, "one-time signature index reserved");
    Ok(reserved)
}

/// The curve of an EC key (always stored with it).
fn curve_of(record: &KeyRecord) -> Result<Curve, HsmError> {
    record
        .curve
        .ok_or_else(|| HsmError::Internal(format!("EC key '{}' has no curve", record.label)))
}

/// RSA signatures have one encoding; `RAW`/`ETH` are an encoding error (635), as in the
/// TSB's own server logic.
fn only_der(format: SignatureFormat, algorithm: KeyAlgorithm) -> Result<(), HsmError> {
    match format {
        SignatureFormat::Der => Ok(()),
        other => Err(HsmError::Encoding(format!(
            "The signature type {other:?} can not be used with {algorithm} keys; use DER."
        ))),
    }
}

/// EdDSA, HMAC, BLS and the post-quantum signatures are raw byte strings with no DER form:
/// `DER` (the default) and `RAW` both name that one encoding (the Go client's README signs
/// Ed25519 with `RAW`); `ETH` is an encoding error (635).
fn one_encoding(format: SignatureFormat, algorithm: KeyAlgorithm) -> Result<(), HsmError> {
    match format {
        SignatureFormat::Der | SignatureFormat::Raw => Ok(()),
        other => Err(HsmError::Encoding(format!(
            "The signature type {other:?} can not be used with {algorithm} keys; use DER or RAW."
        ))),
    }
}
