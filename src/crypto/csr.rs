//! PKCS#10 certificate signing requests with the TSB's structure (reference section 11.2).
//!
//! The layout copies a CSR made by a real TSB (`shared/seed/real-tsb-csr.pem`): version 1,
//! the subject of [`super::name`], and one extensionRequest attribute holding extended key
//! usage (critical), key usage (critical) and a subject key identifier, in that order.

use super::signer::X509Signer;
use super::{CryptoError, extensions, name};
use crate::domain::{ExtendedKeyUsage, HashAlgorithm, KeyUsage, SubjectAttributes};
use der::asn1::{BitString, SetOfVec};
use der::{Decode, Encode};
use rand::CryptoRng;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::request::{CertReq, CertReqInfo, ExtensionReq, Version};

/// What goes into a CSR besides the key.
#[derive(Debug, Clone, Copy)]
pub struct CsrParams<'a> {
    /// The subject.
    pub subject: &'a SubjectAttributes,
    /// Requested key usages; none means no key-usage extension.
    pub key_usage: &'a [KeyUsage],
    /// Requested extended key usages; none means no extended-key-usage extension.
    pub extended_key_usage: &'a [ExtendedKeyUsage],
    /// The digest of the signature.
    pub digest: HashAlgorithm,
}

/// Builds and signs a CSR for the key whose DER SPKI is `public_key`; returns its DER.
pub fn build_csr(
    signer: &X509Signer<'_>,
    public_key: &[u8],
    params: CsrParams<'_>,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    let public_key = SubjectPublicKeyInfoOwned::from_der(public_key)?;
    let mut requested = extensions::usages(params.key_usage, params.extended_key_usage)?;
    requested.push(extensions::subject_key_identifier(&public_key)?);
    let mut attributes = SetOfVec::new();
    attributes.insert(ExtensionReq(requested).try_into()?)?;
    let info = CertReqInfo {
        version: Version::V1,
        subject: name::subject_name(params.subject)?,
        public_key,
        attributes,
    };
    let signature = signer.sign(params.digest, &info.to_der()?, rng)?;
    let request = CertReq {
        info,
        algorithm: signer.algorithm_identifier(params.digest)?,
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(request.to_der()?)
}
