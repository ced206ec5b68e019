//! PKCS#10 certificate signing requests with the TSB's structure (reference section 11.2).
//!
//! The layout copies a CSR made by a real TSB (`shared/seed/real-tsb-csr.pem`): version 1,
//! the subject of [`super::name`], and one extensionRequest attribute holding extended key
//! usage (critical), key usage (critical) and a subject key identifier, in that order.

use super::{CryptoError, name, rsa};
use crate::domain::{ExtendedKeyUsage, HashAlgorithm, KeyUsage, SubjectAttributes};
use der::asn1::{BitString, OctetString, SetOfVec};
use der::{Decode, Encode};
use rand::CryptoRng;
use sha1::{Digest, Sha1};
use spki::{ObjectIdentifier, SubjectPublicKeyInfoOwned};
use x509_cert::ext::Extension;
use x509_cert::request::{CertReq, CertReqInfo, ExtensionReq, Version};

const ID_CE_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const ID_CE_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const ID_CE_SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");

/// What goes into a CSR besides the key.
#[derive(Debug, Clone, Copy)]
pub struct CsrParams<'a> {
    /// The subject.
    pub subject: &'a SubjectAttributes,
    /// Requested key usages; none means no key-usage extension.
    pub key_usage: &'a [KeyUsage],
    /// Requested extended key usages; none means no extended-key-usage extension.
    pub extended_key_usage: &'a [ExtendedKeyUsage],
    /// The digest of the RSASSA-PKCS1-v1_5 signature.
    pub digest: HashAlgorithm,
}

/// Builds and signs a CSR with an RSA key; returns its DER encoding.
pub fn build_rsa_csr(
    key: &rsa::PrivateKey,
    params: CsrParams<'_>,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    let public_key = SubjectPublicKeyInfoOwned::from_der(&rsa::public_spki_der(key)?)?;
    let extensions = requested_extensions(&public_key, params)?;
    let mut attributes = SetOfVec::new();
    attributes.insert(ExtensionReq(extensions).try_into()?)?;
    let info = CertReqInfo {
        version: Version::V1,
        subject: name::subject_name(params.subject)?,
        public_key,
        attributes,
    };
    let signature = rsa::sign_pkcs1v15(key, params.digest, &info.to_der()?, rng)?;
    let request = CertReq {
        info,
        algorithm: rsa::pkcs1v15_algorithm_identifier(params.digest)?,
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(request.to_der()?)
}

/// The extensionRequest contents, in the TSB's order.
fn requested_extensions(
    public_key: &SubjectPublicKeyInfoOwned,
    params: CsrParams<'_>,
) -> Result<Vec<Extension>, CryptoError> {
    let mut extensions = Vec::with_capacity(3);
    if !params.extended_key_usage.is_empty() {
        extensions.push(Extension {
            extn_id: ID_CE_EXT_KEY_USAGE,
            critical: true,
            extn_value: OctetString::new(extended_key_usage_der(params.extended_key_usage)?)?,
        });
    }
    if !params.key_usage.is_empty() {
        extensions.push(Extension {
            extn_id: ID_CE_KEY_USAGE,
            critical: true,
            extn_value: OctetString::new(key_usage_der(params.key_usage)?)?,
        });
    }
    extensions.push(Extension {
        extn_id: ID_CE_SUBJECT_KEY_IDENTIFIER,
        critical: false,
        extn_value: OctetString::new(
            OctetString::new(subject_key_identifier(public_key))?.to_der()?,
        )?,
    });
    Ok(extensions)
}

/// RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits.
pub fn subject_key_identifier(public_key: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    Sha1::digest(public_key.subject_public_key.raw_bytes()).to_vec()
}

/// The DER `KeyUsage` BIT STRING: named bits, MSB first, trailing zero bits dropped.
fn key_usage_der(usages: &[KeyUsage]) -> Result<Vec<u8>, CryptoError> {
    let mut bits: u16 = 0;
    for usage in usages {
        let position = match usage {
            KeyUsage::DigitalSignature => 0,
            KeyUsage::ContentCommitment => 1,
            KeyUsage::KeyEncipherment => 2,
            KeyUsage::DataEncipherment => 3,
            KeyUsage::KeyAgreement => 4,
            KeyUsage::KeyCertSign => 5,
            KeyUsage::CrlSign => 6,
            KeyUsage::EncipherOnly => 7,
            KeyUsage::DecipherOnly => 8,
        };
        bits |= 0x8000 >> position;
    }
    let [high, low] = bits.to_be_bytes();
    let bytes: Vec<u8> = if low == 0 {
        vec![high]
    } else {
        vec![high, low]
    };
    let last = bytes.last().copied().unwrap_or_default();
    // `usages` is never empty here, so the last byte has a set bit and fewer than 8 are unused.
    let unused = u8::try_from(last.trailing_zeros().min(7)).unwrap_or(0);
    Ok(BitString::new(unused, bytes)?.to_der()?)
}

/// The DER `ExtKeyUsageSyntax`: purposes in request order, duplicates dropped.
fn extended_key_usage_der(usages: &[ExtendedKeyUsage]) -> Result<Vec<u8>, CryptoError> {
    let mut oids: Vec<ObjectIdentifier> = Vec::with_capacity(usages.len());
    for usage in usages {
        let oid = ObjectIdentifier::new_unwrap(match usage {
            ExtendedKeyUsage::AnyExtendedKeyUsage => "2.5.29.37.0",
            ExtendedKeyUsage::ServerAuth => "1.3.6.1.5.5.7.3.1",
            ExtendedKeyUsage::ClientAuth => "1.3.6.1.5.5.7.3.2",
            ExtendedKeyUsage::CodeSigning => "1.3.6.1.5.5.7.3.3",
            ExtendedKeyUsage::EmailProtection => "1.3.6.1.5.5.7.3.4",
            ExtendedKeyUsage::TimeStamping => "1.3.6.1.5.5.7.3.8",
            ExtendedKeyUsage::OcspSigning => "1.3.6.1.5.5.7.3.9",
        });
        if !oids.contains(&oid) {
            oids.push(oid);
        }
    }
    Ok(oids.to_der()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_usage_encodes_like_the_real_tsb() {
        // The real CSR's digitalSignature: 03 02 07 80.
        assert_eq!(
            key_usage_der(&[KeyUsage::DigitalSignature]).ok(),
            Some(vec![3, 2, 7, 0x80])
        );
        // decipherOnly needs a second byte with seven unused bits.
        assert_eq!(
            key_usage_der(&[KeyUsage::DigitalSignature, KeyUsage::DecipherOnly]).ok(),
            Some(vec![3, 3, 7, 0x80, 0x80])
        );
        // keyCertSign + cRLSign: 0000 0110 -> one unused bit.
        assert_eq!(
            key_usage_der(&[KeyUsage::KeyCertSign, KeyUsage::CrlSign]).ok(),
            Some(vec![3, 2, 1, 0x06])
        );
    }

    #[test]
    fn extended_key_usage_encodes_like_the_real_tsb() {
        // The real CSR's anyExtendedKeyUsage: 30 06 06 04 55 1D 25 00.
        assert_eq!(
            extended_key_usage_der(&[ExtendedKeyUsage::AnyExtendedKeyUsage]).ok(),
            Some(vec![0x30, 6, 6, 4, 0x55, 0x1d, 0x25, 0])
        );
    }
}
