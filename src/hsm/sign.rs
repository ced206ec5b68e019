//! Signatures with stored keys and their verification (reference 7.1, 7.5, 7.8).

use super::{Hsm, HsmError};
use crate::crypto::{CryptoError, bls, dsa, ec, ed25519, rsa, symmetric};
use crate::domain::{
    Curve, KeyAlgorithm, Label, Password, SignatureAlgorithm, SignatureFormat, SignatureScheme,
};
use crate::keystore::KeyRecord;

/// A validated `signRequest`.
#[derive(Clone)]
pub struct SignRequest {
    /// The signing key.
    pub label: Label,
    /// Its password.
    pub password: Option<Password>,
    /// The algorithm.
    pub algorithm: SignatureAlgorithm,
    /// The output encoding.
    pub format: SignatureFormat,
    /// The payload (already decoded from base64 or hex).
    pub payload: Vec<u8>,
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
            .finish()
    }
}

/// A validated `verifySignatureRequest`.
#[derive(Clone)]
pub struct VerifyRequest {
    /// The key whose public part verifies.
    pub label: Label,
    /// Its password.
    pub password: Option<Password>,
    /// The algorithm the signature was made with.
    pub algorithm: SignatureAlgorithm,
    /// The signed payload.
    pub payload: Vec<u8>,
    /// The signature to check.
    pub signature: Vec<u8>,
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
            .finish()
    }
}

impl Hsm {
    /// Signs the payload; the key must have `sign` and fit the algorithm.
    pub async fn sign(&self, request: SignRequest) -> Result<Vec<u8>, HsmError> {
        self.blocking(move |inner| {
            let record = inner.unlocked(&request.label, request.password.as_ref())?;
            let scheme = fitting_scheme(&record, request.algorithm)?;
            if !record.attributes.sign {
                return Err(HsmError::HsmRefused(format!(
                    "Error creating signature: the sign attribute of key '{}' is set to false.",
                    request.label
                )));
            }
            let private = record.private_key.as_ref().ok_or_else(|| {
                HsmError::InvalidKeyType(format!(
                    "Key '{}' has no private part and can not sign.",
                    request.label
                ))
            })?;
            let (private, payload) = (private.expose(), request.payload.as_slice());
            let mut rng = rand::rng();
            let signature = match scheme {
                SignatureScheme::RsaPkcs1v15(_) | SignatureScheme::RsaPss(_) => {
                    only_der(request.format, record.algorithm)?;
                    rsa::sign(&rsa::decode_private(private)?, scheme, payload, &mut rng)
                }
                SignatureScheme::Ecdsa {
                    hashing,
                    deterministic,
                } => {
                    let curve = curve_of(&record)?;
                    ec::sign(
                        curve,
                        private,
                        payload,
                        hashing,
                        deterministic,
                        request.format,
                        &mut rng,
                    )
                }
                SignatureScheme::EdDsa => {
                    only_der(request.format, record.algorithm)?;
                    ed25519::sign(private, payload)
                }
                SignatureScheme::HmacSha256 => {
                    only_der(request.format, record.algorithm)?;
                    Ok(symmetric::hmac_sha256(private, payload))
                }
                SignatureScheme::Dsa(hashing) => {
                    dsa::sign(private, payload, hashing, request.format, &mut rng)
                }
                SignatureScheme::Bls => {
                    only_der(request.format, record.algorithm)?;
                    bls::sign(private, payload)
                }
                SignatureScheme::SchnorrBip340 => Err(not_yet(request.algorithm)),
            };
            signature.map_err(crypto_outcome)
        })
        .await
    }

    /// Verifies a signature (with the public part of an asymmetric key, or the secret of an
    /// HMAC key): `Ok(false)` for a wrong signature.
    pub async fn verify(&self, request: VerifyRequest) -> Result<bool, HsmError> {
        self.blocking(move |inner| {
            let record = inner.unlocked(&request.label, request.password.as_ref())?;
            let scheme = fitting_scheme(&record, request.algorithm)?;
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
                SignatureScheme::HmacSha256 | SignatureScheme::SchnorrBip340 => {
                    Err(not_yet(request.algorithm))
                }
            };
            valid.map_err(crypto_outcome)
        })
        .await
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
        KeyAlgorithm::Ec => matches!(
            scheme,
            SignatureScheme::Ecdsa { .. } | SignatureScheme::SchnorrBip340
        ),
        KeyAlgorithm::Ed => scheme == SignatureScheme::EdDsa,
        KeyAlgorithm::Dsa => matches!(scheme, SignatureScheme::Dsa(_)),
        KeyAlgorithm::Bls => scheme == SignatureScheme::Bls,
        KeyAlgorithm::HmacSha256 => scheme == SignatureScheme::HmacSha256,
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

/// The curve of an EC key (always stored with it).
fn curve_of(record: &KeyRecord) -> Result<Curve, HsmError> {
    record
        .curve
        .ok_or_else(|| HsmError::Internal(format!("EC key '{}' has no curve", record.label)))
}

/// RSA and EdDSA signatures have one encoding; `RAW`/`ETH` are an encoding error (635), as
/// in the TSB's own server logic.
fn only_der(format: SignatureFormat, algorithm: KeyAlgorithm) -> Result<(), HsmError> {
    match format {
        SignatureFormat::Der => Ok(()),
        other => Err(HsmError::Encoding(format!(
            "The signature type {other:?} can not be used with {algorithm} keys; use DER."
        ))),
    }
}

/// Crypto failures that are the request's fault become client errors; the rest stay 500s.
fn crypto_outcome(error: CryptoError) -> HsmError {
    match error {
        CryptoError::InvalidInput(message) => HsmError::InvalidPayload(message),
        CryptoError::Unsupported(message) => HsmError::AlgorithmNotSupportedByKey(message),
        other => HsmError::Crypto(other),
    }
}
