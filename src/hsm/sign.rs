//! Signatures with stored keys and their verification (reference 7.1, 7.5, 7.8).

use super::{Hsm, HsmError};
use crate::crypto::{CryptoError, ec, ed25519, rsa};
use crate::domain::{
    Curve, KeyAlgorithm, Label, Password, SignatureAlgorithm, SignatureFormat, SignatureScheme,
};
use crate::keystore::KeyRecord;

/// A validated `signRequest`.
#[derive(Debug, Clone)]
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

/// A validated `verifySignatureRequest`.
#[derive(Debug, Clone)]
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
            let mut rng = rand::rng();
            let signature = match (record.algorithm, scheme) {
                (KeyAlgorithm::Rsa, _) => {
                    only_der(request.format, record.algorithm)?;
                    let key = rsa::decode_private(private.expose())?;
                    rsa::sign(&key, scheme, &request.payload, &mut rng)
                }
                (
                    KeyAlgorithm::Ec,
                    SignatureScheme::Ecdsa {
                        hashing,
                        deterministic,
                    },
                ) => ec::sign(
                    curve_of(&record)?,
                    private.expose(),
                    &request.payload,
                    hashing,
                    deterministic,
                    request.format,
                    &mut rng,
                ),
                (KeyAlgorithm::Ed, _) => {
                    only_der(request.format, record.algorithm)?;
                    ed25519::sign(private.expose(), &request.payload)
                }
                (KeyAlgorithm::Ec, _) => Err(CryptoError::Unsupported(format!(
                    "{} is not supported by tsb-emulator yet.",
                    request.algorithm.wire_name()
                ))),
            };
            signature.map_err(crypto_outcome)
        })
        .await
    }

    /// Verifies a signature with the key's public part: `Ok(false)` for a wrong signature.
    pub async fn verify(&self, request: VerifyRequest) -> Result<bool, HsmError> {
        self.blocking(move |inner| {
            let record = inner.unlocked(&request.label, request.password.as_ref())?;
            let scheme = fitting_scheme(&record, request.algorithm)?;
            let public = record.public_key.as_deref().ok_or_else(|| {
                HsmError::InvalidKeyType(format!("Key '{}' has no public part.", request.label))
            })?;
            let valid = match (record.algorithm, scheme) {
                (KeyAlgorithm::Rsa, _) => {
                    rsa::verify(public, scheme, &request.payload, &request.signature)
                }
                (KeyAlgorithm::Ec, SignatureScheme::Ecdsa { hashing, .. }) => ec::verify(
                    curve_of(&record)?,
                    public,
                    &request.payload,
                    hashing,
                    &request.signature,
                ),
                (KeyAlgorithm::Ed, _) => {
                    ed25519::verify(public, &request.payload, &request.signature)
                }
                (KeyAlgorithm::Ec, _) => Err(CryptoError::Unsupported(format!(
                    "{} is not supported by tsb-emulator yet.",
                    request.algorithm.wire_name()
                ))),
            };
            valid.map_err(crypto_outcome)
        })
        .await
    }
}

/// The algorithm's scheme if it fits the key type (607 otherwise).
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
    };
    if fits {
        Ok(scheme)
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
