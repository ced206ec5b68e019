//! X.509 certificates as opaque DER: parsing just enough to reach the public key.

use super::CryptoError;
use der::{Decode, Encode};

/// The DER SubjectPublicKeyInfo inside a DER certificate.
pub fn public_key_of(certificate_der: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let certificate = x509_cert::Certificate::from_der(certificate_der).map_err(|e| {
        CryptoError::InvalidInput(format!(
            "The certificate is not a DER X.509 certificate: {e}."
        ))
    })?;
    Ok(certificate
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()?)
}
