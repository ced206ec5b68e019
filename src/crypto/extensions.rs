//! X.509 extensions as the TSB writes them: key usage, extended key usage, key identifiers,
//! basic constraints.

use super::CryptoError;
use crate::domain::{ExtendedKeyUsage, KeyUsage};
use der::Encode;
use der::asn1::{BitString, OctetString};
use sha1::{Digest, Sha1};
use spki::{ObjectIdentifier, SubjectPublicKeyInfoOwned};
use x509_cert::ext::Extension;

const ID_CE_SUBJECT_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const ID_CE_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const ID_CE_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const ID_CE_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const ID_CE_AUTHORITY_KEY_IDENTIFIER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");

/// Extended key usage (critical) then key usage (critical), each only when requested.
pub fn usages(
    key_usage: &[KeyUsage],
    extended_key_usage: &[ExtendedKeyUsage],
) -> Result<Vec<Extension>, CryptoError> {
    let mut extensions = Vec::with_capacity(2);
    if !extended_key_usage.is_empty() {
        extensions.push(extension(
            ID_CE_EXT_KEY_USAGE,
            true,
            extended_key_usage_der(extended_key_usage)?,
        )?);
    }
    if !key_usage.is_empty() {
        extensions.push(extension(ID_CE_KEY_USAGE, true, key_usage_der(key_usage)?)?);
    }
    Ok(extensions)
}

/// The subject key identifier of `public_key` (non-critical).
pub fn subject_key_identifier(
    public_key: &SubjectPublicKeyInfoOwned,
) -> Result<Extension, CryptoError> {
    let value = OctetString::new(key_identifier(public_key))?.to_der()?;
    extension(ID_CE_SUBJECT_KEY_IDENTIFIER, false, value)
}

/// An authority key identifier holding `key_id` (non-critical).
pub fn authority_key_identifier(key_id: &[u8]) -> Result<Extension, CryptoError> {
    // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING }
    let inner = OctetString::new(key_id)?.to_der()?;
    let mut body = vec![0x80];
    body.extend_from_slice(&inner[1..]);
    let mut value = vec![0x30];
    value.extend(der::Length::try_from(body.len())?.to_der()?);
    value.extend(body);
    extension(ID_CE_AUTHORITY_KEY_IDENTIFIER, false, value)
}

/// Basic constraints `CA:TRUE` (non-critical, as the TSB's self-signed certificates have it).
pub fn certificate_authority() -> Result<Extension, CryptoError> {
    extension(
        ID_CE_BASIC_CONSTRAINTS,
        false,
        vec![0x30, 0x03, 0x01, 0x01, 0xFF],
    )
}

fn extension(
    extn_id: ObjectIdentifier,
    critical: bool,
    value: Vec<u8>,
) -> Result<Extension, CryptoError> {
    Ok(Extension {
        extn_id,
        critical,
        extn_value: OctetString::new(value)?,
    })
}

/// RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits.
pub fn key_identifier(public_key: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
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
