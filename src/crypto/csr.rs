//! PKCS#10 certificate signing requests with the TSB's structure (reference section 11.2).
//!
//! The layout copies a CSR made by a real TSB (`shared/seed/real-tsb-csr.pem`): version 1,
//! the subject of `crypto::name`, and one extensionRequest attribute holding extended key
//! usage (critical), key usage (critical) and a subject key identifier, in that order.

use super::signer::X509Signer;
use super::{CryptoError, extensions, name};
use crate::domain::{
    ExtendedKeyUsage, HashAlgorithm, Hashing, KeyUsage, SignatureScheme, SubjectAttributes,
};
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

/// What a verified CSR offers for a certificate.
#[derive(Debug, Clone)]
pub struct VerifiedCsr {
    /// The requested key (DER SPKI).
    pub public_key: Vec<u8>,
    /// The requested subject (DER `Name`).
    pub subject: Vec<u8>,
}

/// Parses a CSR given as PEM (`CERTIFICATE REQUEST` or `NEW CERTIFICATE REQUEST`), bare
/// base64 or DER, and checks its self-signature (RSA PKCS#1 v1.5, ECDSA or Ed25519).
/// `InvalidInput` if it cannot be read, `BadSignature` if its signature does not verify.
pub fn parse_and_verify(input: &[u8]) -> Result<VerifiedCsr, CryptoError> {
    let der = decode_text(input)?;
    let request = CertReq::from_der(&der).map_err(|e| {
        CryptoError::InvalidInput(format!("The CSR is not a PKCS#10 request: {e}."))
    })?;
    let public_key = request.info.public_key.to_der()?;
    let signed = request.info.to_der()?;
    let signature = request.signature.raw_bytes();
    let oid = request.algorithm.oid.to_string();
    let valid = match oid.as_str() {
        "1.2.840.113549.1.1.5"
        | "1.2.840.113549.1.1.14"
        | "1.2.840.113549.1.1.11"
        | "1.2.840.113549.1.1.12"
        | "1.2.840.113549.1.1.13" => {
            let hash = match oid.as_str() {
                "1.2.840.113549.1.1.5" => HashAlgorithm::Sha1,
                "1.2.840.113549.1.1.14" => HashAlgorithm::Sha224,
                "1.2.840.113549.1.1.11" => HashAlgorithm::Sha256,
                "1.2.840.113549.1.1.12" => HashAlgorithm::Sha384,
                _ => HashAlgorithm::Sha512,
            };
            let scheme = SignatureScheme::RsaPkcs1v15(Hashing::Hash(hash));
            super::rsa::verify(&public_key, scheme, &signed, signature)?
        }
        "1.2.840.10045.4.3.1"
        | "1.2.840.10045.4.3.2"
        | "1.2.840.10045.4.3.3"
        | "1.2.840.10045.4.3.4" => {
            let hash = match oid.as_str() {
                "1.2.840.10045.4.3.1" => HashAlgorithm::Sha224,
                "1.2.840.10045.4.3.2" => HashAlgorithm::Sha256,
                "1.2.840.10045.4.3.3" => HashAlgorithm::Sha384,
                _ => HashAlgorithm::Sha512,
            };
            let curve = super::ec::curve_of_spki(&public_key)?;
            super::ec::verify(curve, &public_key, &signed, Hashing::Hash(hash), signature)?
        }
        "1.3.101.112" => super::ed25519::verify(&public_key, &signed, signature)?,
        other => {
            return Err(CryptoError::Unsupported(format!(
                "CSRs signed with algorithm {other} are not supported."
            )));
        }
    };
    if !valid {
        return Err(CryptoError::BadSignature(
            "The CSR's signature does not verify.".into(),
        ));
    }
    Ok(VerifiedCsr {
        public_key,
        subject: request.info.subject.to_der()?,
    })
}

/// DER from PEM armour (any label), bare base64 (line breaks allowed) or DER itself.
fn decode_text(input: &[u8]) -> Result<Vec<u8>, CryptoError> {
    use base64::Engine;
    if input.first() == Some(&0x30) {
        return Ok(input.to_vec());
    }
    let text = std::str::from_utf8(input)
        .map_err(|_| CryptoError::InvalidInput("The CSR is neither PEM, base64 nor DER.".into()))?;
    if text.contains("-----BEGIN") {
        return ::pem::parse(text)
            .map(::pem::Pem::into_contents)
            .map_err(|e| CryptoError::InvalidInput(format!("The CSR's PEM is malformed: {e}.")));
    }
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .map_err(|_| CryptoError::InvalidInput("The CSR is neither PEM, base64 nor DER.".into()))
}
