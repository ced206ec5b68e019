//! Approver keys as the policy sees them: the key type an SPKI names, and the SPKI and CN of a
//! certificate. DER structure only; whether a signature verifies is `crypto::approval`'s.

use super::PolicyError;
use crate::domain::Curve;
use der::asn1::{ObjectIdentifier, UintRef};
use der::{Decode, Encode};
use spki::SubjectPublicKeyInfoRef;

/// rsaEncryption.
const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-ecPublicKey.
const EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// id-Ed25519.
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
/// id-dsa.
const DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");

/// The approver key types the emulator verifies (reference 13.2's scheme table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApproverKeyType {
    /// RSA: PKCS#1 v1.5 signatures.
    Rsa,
    /// ECDSA on a named curve (P-256, P-384, P-521, secp256k1; the brainpool curves the
    /// emulator knows are EC keys too and are accepted): DER signatures.
    Ec(Curve),
    /// Ed25519: pure EdDSA over the raw message.
    Ed25519,
    /// DSA: DER signatures.
    Dsa,
}

/// RSAPublicKey (PKCS#1).
#[derive(der::Sequence)]
struct RsaPublicKey<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

/// Dss-Parms (RFC 3279).
#[derive(der::Sequence)]
struct DsaParameters<'a> {
    p: UintRef<'a>,
    q: UintRef<'a>,
    g: UintRef<'a>,
}

/// The type of the approver key `spki` (DER SubjectPublicKeyInfo), after checking that its
/// structure is that of such a key (RSA modulus and exponent, an EC point of the curve's size,
/// 32 Ed25519 bytes, DSA domain parameters and an integer).
///
/// Errors: [`PolicyError::Invalid`] if the bytes are not such a structure;
/// [`PolicyError::UnsupportedApproverKeyType`] for any other algorithm (BLS, Ed448, RSA-PSS
/// SPKIs, EC keys on curves the emulator does not know).
pub fn approver_key_type(spki: &[u8]) -> Result<ApproverKeyType, PolicyError> {
    let invalid = |what: &str| PolicyError::Invalid(format!("The approver key is {what}."));
    let info = SubjectPublicKeyInfoRef::from_der(spki)
        .map_err(|_| invalid("not a DER SubjectPublicKeyInfo"))?;
    let key = info
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| invalid("not a whole number of bytes"))?;
    let algorithm = info.algorithm.oid;
    let unsupported = |what: String| {
        PolicyError::UnsupportedApproverKeyType(format!(
            "The approver key type is not supported: {what}."
        ))
    };
    if algorithm == RSA {
        RsaPublicKey::from_der(key).map_err(|_| invalid("not an RSA public key"))?;
        Ok(ApproverKeyType::Rsa)
    } else if algorithm == EC {
        let curve_oid = info
            .algorithm
            .parameters_oid()
            .map_err(|_| invalid("an EC key without a named curve"))?;
        let curve = Curve::from_oid(&curve_oid.to_string())
            .ok_or_else(|| unsupported(format!("EC curve {curve_oid}")))?;
        let n = curve.field_bytes();
        let point_fits = match key.first() {
            Some(0x04) => key.len() == 1 + 2 * n,
            Some(0x02 | 0x03) => key.len() == 1 + n,
            _ => false,
        };
        if !point_fits {
            return Err(invalid("not an EC point of its curve's size"));
        }
        Ok(ApproverKeyType::Ec(curve))
    } else if algorithm == ED25519 {
        if key.len() != 32 {
            return Err(invalid("not a 32-byte Ed25519 key"));
        }
        Ok(ApproverKeyType::Ed25519)
    } else if algorithm == DSA {
        let parameters = info
            .algorithm
            .parameters
            .ok_or_else(|| invalid("a DSA key without domain parameters"))?;
        let parameters = parameters
            .to_der()
            .map_err(|_| invalid("a DSA key with unreadable domain parameters"))?;
        DsaParameters::from_der(&parameters)
            .map_err(|_| invalid("a DSA key with unreadable domain parameters"))?;
        UintRef::from_der(key).map_err(|_| invalid("not a DSA public key"))?;
        Ok(ApproverKeyType::Dsa)
    } else {
        Err(unsupported(format!("algorithm {algorithm}")))
    }
}

/// The DER SubjectPublicKeyInfo a DER X.509 certificate certifies; the message says why a
/// certificate does not parse.
pub(super) fn certificate_spki(certificate: &[u8]) -> Result<Vec<u8>, String> {
    let certificate = x509_cert::Certificate::from_der(certificate)
        .map_err(|e| format!("not a DER X.509 certificate ({e})"))?;
    certificate
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .map_err(|e| format!("an unreadable public key ({e})"))
}

/// The subject CN of a DER certificate, if it has one that reads as text.
pub(super) fn certificate_common_name(certificate: &[u8]) -> Option<String> {
    let certificate = x509_cert::Certificate::from_der(certificate).ok()?;
    let name = certificate
        .tbs_certificate()
        .subject()
        .common_name()
        .ok()??;
    Some(name.value().into_owned())
}
