//! Certificate signing requests made with a stored key (reference 11.2).

use super::{Hsm, HsmError};
use crate::crypto::{csr, pem, rsa};
use crate::domain::{
    CertSignatureAlgorithm, ExtendedKeyUsage, KeyAlgorithm, KeyUsage, Label, Password,
    SubjectAttributes,
};

/// A validated CSR request.
#[derive(Debug, Clone)]
pub struct CsrRequest {
    /// The key that signs (and whose public key goes in) the CSR.
    pub label: Label,
    /// The key's password.
    pub password: Option<Password>,
    /// The signature algorithm.
    pub algorithm: CertSignatureAlgorithm,
    /// The subject.
    pub subject: SubjectAttributes,
    /// Requested key usages.
    pub key_usage: Vec<KeyUsage>,
    /// Requested extended key usages.
    pub extended_key_usage: Vec<ExtendedKeyUsage>,
}

impl Hsm {
    /// Builds and signs a CSR; returns it PEM-armoured as the TSB does.
    pub async fn create_csr(&self, request: CsrRequest) -> Result<String, HsmError> {
        self.blocking(move |inner| {
            let record = inner.unlocked(&request.label, request.password.as_ref())?;
            if !record.attributes.sign {
                return Err(HsmError::HsmRefused(format!(
                    "Error creating signature: the sign attribute of key '{}' is set to false.",
                    request.label
                )));
            }
            if record.algorithm.is_symmetric() {
                return Err(HsmError::not_asymmetric());
            }
            let digest = match record.algorithm {
                KeyAlgorithm::Rsa => request.algorithm.rsa_digest(),
                _ => None,
            };
            let digest = digest.ok_or_else(|| {
                HsmError::AlgorithmNotSupportedByKey(format!(
                    "The signature algorithm '{}' can not be used with the {} key '{}'.",
                    request.algorithm.wire_name(),
                    record.algorithm,
                    request.label
                ))
            })?;
            let private = record.private_key.as_ref().ok_or_else(|| {
                HsmError::OperationForbidden(format!(
                    "Key '{}' has no private part and can not sign.",
                    request.label
                ))
            })?;
            let key = rsa::decode_private(private.expose())?;
            let params = csr::CsrParams {
                subject: &request.subject,
                key_usage: &request.key_usage,
                extended_key_usage: &request.extended_key_usage,
                digest,
            };
            let der = csr::build_rsa_csr(&key, params, &mut rand::rng()).map_err(|e| match e {
                crate::crypto::CryptoError::InvalidSubject(message) => {
                    HsmError::InvalidInput(message)
                }
                other => other.into(),
            })?;
            Ok(pem::encode(pem::CSR_LABEL, &der))
        })
        .await
    }
}
