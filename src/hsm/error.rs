//! The device's outcomes other than success. Only `api::error` turns them into HTTP.

use crate::crypto::CryptoError;
use crate::domain::Label;
use crate::keystore::KeyStoreError;

/// Why an HSM operation did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum HsmError {
    /// No key has this label (650).
    #[error("A key with the name '{0}' does not exist.")]
    KeyNotFound(Label),
    /// No SKA request has this id (651).
    #[error("The request '{0}' does not exist.")]
    RequestNotFound(String),
    /// No approval task has this id (652).
    #[error("The task '{0}' does not exist.")]
    TaskNotFound(String),
    /// An approver's signature does not verify or does not fit (403, HTTP 400).
    #[error("{0}")]
    InvalidSignature(String),
    /// An approver's timestamp is outside the allowed window (404, HTTP 400).
    #[error("{0}")]
    TimestampOff(String),
    /// An approver key of a type the HSM does not take (601).
    #[error("{0}")]
    UnsupportedApprover(String),
    /// The label is taken (608).
    #[error("A key with the name '{0}' already exists.")]
    KeyAlreadyExists(Label),
    /// The key has no certificate (404).
    #[error("The key '{0}' has no certificate.")]
    CertificateNotFound(Label),
    /// A certificate cannot be parsed (626).
    #[error("{0}")]
    InvalidCertificateEncoding(String),
    /// A CSR cannot be read (628).
    #[error("{0}")]
    InvalidCsr(String),
    /// A CSR's signature does not verify (411).
    #[error("{0}")]
    InvalidCertificateRequest(String),
    /// A certificate does not fit (402), e.g. it certifies another key.
    #[error("{0}")]
    InvalidCertificate(String),
    /// The key password is wrong or missing (620).
    #[error("Key password mismatch for key '{0}'.")]
    PasswordMismatch(Label),
    /// The key's attributes forbid the operation (606).
    #[error("{0}")]
    AttributesForbid(String),
    /// The key has no address: no policy or no `addressFormat` (630).
    #[error("{0}")]
    NoAddress(String),
    /// The operation is not allowed on this key (614), e.g. deleting a non-destroyable key.
    #[error("{0}")]
    OperationForbidden(String),
    /// The operation does not apply to this key (611), e.g. blocking a key without a policy.
    #[error("{0}")]
    Unsupported(String),
    /// The requested algorithm does not fit the key (607).
    #[error("{0}")]
    AlgorithmNotSupportedByKey(String),
    /// The HSM refused the operation (701, answered with status 500 as the TSB does), e.g.
    /// signing with a key whose `sign` attribute is false.
    #[error("{0}")]
    HsmRefused(String),
    /// The payload does not fit the algorithm or key (612).
    #[error("{0}")]
    InvalidPayload(String),
    /// The key is of the wrong kind for the operation (613), e.g. signing with a public key.
    #[error("{0}")]
    InvalidKeyType(String),
    /// A value cannot be encoded or decoded as asked (635).
    #[error("{0}")]
    Encoding(String),
    /// Imported key material cannot be decoded (625).
    #[error("{0}")]
    InvalidKeyEncoding(String),
    /// The key size is not supported (603).
    #[error("{0}")]
    KeySize(String),
    /// A number is outside its allowed range (619).
    #[error("{0}")]
    NumberOutOfRange(String),
    /// A GCM tag length outside the allowed set (624).
    #[error("{0}")]
    InvalidTagLength(String),
    /// No approver has this name (413 `res.error.approver.not.existent`, HTTP 400).
    #[error("An approver with the name '{0}' does not exist.")]
    ApproverNotFound(String),
    /// The approver name is taken (632 `res.error.approver.already.existing`).
    #[error("An approver with the name '{0}' already exists.")]
    ApproverAlreadyExists(String),
    /// The one-time code is wrong or used (412 `res.error.invalid.onetimepassword`).
    #[error("The one-time code for approver '{0}' is invalid or has been used.")]
    InvalidOneTimeCode(String),
    /// The request is well-formed but its values are not acceptable (600).
    #[error("{0}")]
    InvalidInput(String),
    /// The store failed (a technical error, 500).
    #[error(transparent)]
    Storage(#[from] KeyStoreError),
    /// A cryptographic primitive failed (500).
    #[error(transparent)]
    Crypto(CryptoError),
    /// A blocking task died (500).
    #[error("internal error: {0}")]
    Internal(String),
}

/// What a failing cryptographic call was reading: the same failure is a different TSB error
/// depending on it (a malformed payload is the client's 612, a malformed CSR 628, a broken
/// stored key the device's 500).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptoInput {
    /// Stored key material, or nothing the client sent: failures are the device's (500).
    Key,
    /// The payload, signature or ciphertext of the request.
    Payload,
    /// A CSR to certify.
    Csr,
    /// A derivation path or its chain.
    DerivationPath,
}

impl HsmError {
    /// The one table from cryptographic failures to device errors. `From<CryptoError>` is
    /// this table with [`CryptoInput::Key`].
    pub fn from_crypto(error: CryptoError, input: CryptoInput) -> Self {
        use CryptoInput as On;
        match (error, input) {
            (CryptoError::DecryptionFailed, _) => {
                Self::HsmRefused(CryptoError::DecryptionFailed.to_string())
            }
            (error @ CryptoError::UnsupportedTagLength, _) => {
                Self::InvalidTagLength(error.to_string())
            }
            // Only subject attributes fail this way; the client chose them (600).
            (CryptoError::InvalidSubject(message), _) => Self::InvalidInput(message),
            (CryptoError::BadSignature(message), On::Csr) => {
                Self::InvalidCertificateRequest(message)
            }
            (error, On::Csr) => Self::InvalidCsr(error.to_string()),
            (CryptoError::InvalidInput(message), On::Payload) => Self::InvalidPayload(message),
            (CryptoError::Unsupported(message), On::Payload) => {
                Self::AlgorithmNotSupportedByKey(message)
            }
            (CryptoError::InvalidInput(message), On::DerivationPath) => Self::InvalidInput(message),
            (error, _) => Self::Crypto(error),
        }
    }

    /// The TSB's answer to a private-key operation on a secret key (613).
    pub fn not_asymmetric() -> Self {
        Self::InvalidKeyType(
            "Private key can not be loaded as the referenced key is not an asymmetric key."
                .to_owned(),
        )
    }
}

impl From<CryptoError> for HsmError {
    fn from(error: CryptoError) -> Self {
        Self::from_crypto(error, CryptoInput::Key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_crypto_table_reads_the_input_the_call_was_reading() {
        let bad = || CryptoError::InvalidInput("bad".to_owned());
        let cases = [
            (
                HsmError::from_crypto(bad(), CryptoInput::Payload),
                "InvalidPayload",
            ),
            (HsmError::from_crypto(bad(), CryptoInput::Csr), "InvalidCsr"),
            (
                HsmError::from_crypto(bad(), CryptoInput::DerivationPath),
                "InvalidInput",
            ),
            (HsmError::from(bad()), "Crypto"),
            (
                HsmError::from_crypto(CryptoError::BadSignature("x".into()), CryptoInput::Csr),
                "InvalidCertificateRequest",
            ),
            (HsmError::from(CryptoError::DecryptionFailed), "HsmRefused"),
            (
                HsmError::from(CryptoError::UnsupportedTagLength),
                "InvalidTagLength",
            ),
            (
                HsmError::from(CryptoError::InvalidSubject("cn".into())),
                "InvalidInput",
            ),
            (
                HsmError::from_crypto(CryptoError::Unsupported("eth".into()), CryptoInput::Payload),
                "AlgorithmNotSupportedByKey",
            ),
            (
                HsmError::from(CryptoError::Unsupported("x".into())),
                "Crypto",
            ),
        ];
        for (error, variant) in cases {
            let debug = format!("{error:?}");
            assert!(debug.starts_with(variant), "{debug} is not {variant}");
        }
    }
}
