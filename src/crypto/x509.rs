//! X.509 v3 certificates with the TSB's profile (reference 11.4, 11.5): self-signed or issued
//! by a CA certificate, with basic constraints, usages and key identifiers.

use super::signer::X509Signer;
use super::{CryptoError, extensions, name};
use crate::domain::{ExtendedKeyUsage, HashAlgorithm, KeyUsage, SubjectAttributes};
use der::asn1::BitString;
use der::{DateTime, Decode, Encode, Sequence};
use rand::CryptoRng;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use std::time::Duration;
use x509_cert::Certificate;
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

/// Where a certificate's subject comes from.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// Attributes from the request, encoded as the TSB encodes names.
    Attributes(&'a SubjectAttributes),
    /// A DER `Name` taken as it is (a CSR's subject).
    Der(&'a [u8]),
}

/// What goes into a certificate besides the signing key.
#[derive(Debug, Clone, Copy)]
pub struct CertificateParams<'a> {
    /// The subject.
    pub subject: Subject<'a>,
    /// The certified public key (DER SPKI).
    pub subject_public_key: &'a [u8],
    /// The issuing CA's certificate (DER); `None` makes the certificate self-signed.
    pub issuer_certificate: Option<&'a [u8]>,
    /// Start of validity, seconds since the Unix epoch (the TSB uses today, 00:00:00 UTC).
    pub not_before: u64,
    /// Validity in days (at least 1).
    pub validity_days: u32,
    /// Adds basic constraints `CA:TRUE`.
    pub certificate_authority: bool,
    /// Key usages (critical extension when not empty).
    pub key_usage: &'a [KeyUsage],
    /// Extended key usages (critical extension when not empty).
    pub extended_key_usage: &'a [ExtendedKeyUsage],
    /// The signature's digest.
    pub digest: HashAlgorithm,
}

/// `Validity` without a profile parameter.
#[derive(Clone, Debug, Sequence)]
struct Validity {
    not_before: Time,
    not_after: Time,
}

/// `TBSCertificate` as RFC 5280 4.1 defines it, v3, without unique identifiers.
#[derive(Clone, Debug, Sequence)]
struct TbsCertificate {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: u8,
    serial_number: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: Validity,
    subject: Name,
    subject_public_key_info: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT")]
    extensions: Vec<Extension>,
}

#[derive(Clone, Debug, Sequence)]
struct SignedCertificate {
    tbs_certificate: TbsCertificate,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// Builds and signs a certificate; returns its DER encoding.
pub fn build_certificate(
    signer: &X509Signer<'_>,
    params: CertificateParams<'_>,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    build_certificate_with(signer, params, Vec::new(), rng)
}

/// As [`build_certificate`], with `extra` extensions appended (e.g. subject alternative
/// names for a TLS server certificate).
pub fn build_certificate_with(
    signer: &X509Signer<'_>,
    params: CertificateParams<'_>,
    extra: Vec<Extension>,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    let subject_public_key_info = SubjectPublicKeyInfoOwned::from_der(params.subject_public_key)?;
    let subject = match params.subject {
        Subject::Attributes(attributes) => name::subject_name(attributes)?,
        Subject::Der(der) => {
            let name = Name::from_der(der)?;
            name::check_name(&name)?;
            name
        }
    };
    let (issuer, authority_key_id) = match params.issuer_certificate {
        None => (subject.clone(), None),
        Some(der) => {
            let ca = Certificate::from_der(der)?;
            let tbs = ca.tbs_certificate();
            let key_id = extensions::key_identifier(tbs.subject_public_key_info());
            (tbs.subject().clone(), Some(key_id))
        }
    };
    let mut extension_list = Vec::with_capacity(5);
    if params.certificate_authority {
        extension_list.push(extensions::certificate_authority()?);
    }
    extension_list.extend(extensions::usages(
        params.key_usage,
        params.extended_key_usage,
    )?);
    extension_list.push(extensions::subject_key_identifier(
        &subject_public_key_info,
    )?);
    if let Some(key_id) = authority_key_id {
        extension_list.push(extensions::authority_key_identifier(&key_id)?);
    }
    extension_list.extend(extra);
    let not_after = params
        .not_before
        .saturating_add(u64::from(params.validity_days.max(1)) * 86_400);
    let tbs_certificate = TbsCertificate {
        version: 2,
        serial_number: serial(rng)?,
        signature: signer.algorithm_identifier(params.digest)?,
        issuer,
        validity: Validity {
            not_before: time(params.not_before)?,
            not_after: time(not_after)?,
        },
        subject,
        subject_public_key_info,
        extensions: extension_list,
    };
    let signature = signer.sign(params.digest, &tbs_certificate.to_der()?, rng)?;
    let certificate = SignedCertificate {
        signature_algorithm: tbs_certificate.signature.clone(),
        tbs_certificate,
        signature: BitString::from_bytes(&signature)?,
    };
    Ok(certificate.to_der()?)
}

/// A random positive 64-bit serial number (RFC 5280 wants unique, positive serials).
fn serial(rng: &mut impl CryptoRng) -> Result<SerialNumber, CryptoError> {
    let mut bytes = [0u8; 8];
    rng.fill_bytes(&mut bytes);
    bytes[0] = (bytes[0] & 0x7F) | 0x01;
    Ok(SerialNumber::new(&bytes)?)
}

/// UTCTime until 2049, GeneralizedTime after, as RFC 5280 4.1.2.5 requires.
fn time(unix_seconds: u64) -> Result<Time, CryptoError> {
    Ok(Time::from(DateTime::from_unix_duration(
        Duration::from_secs(unix_seconds),
    )?))
}

/// The DER public key (SPKI) a DER certificate certifies.
pub fn public_key_of(certificate_der: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let certificate = Certificate::from_der(certificate_der).map_err(|e| {
        CryptoError::InvalidInput(format!(
            "The certificate is not a DER X.509 certificate: {e}."
        ))
    })?;
    Ok(certificate
        .tbs_certificate()
        .subject_public_key_info()
        .to_der()?)
}
