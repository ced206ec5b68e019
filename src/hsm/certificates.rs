//! Certificates made with stored keys (reference 11.2 to 11.8): CSRs, self-signed
//! certificates, and the certificate a key carries.

use super::CryptoInput;
use super::gate::{KeyRef, KeyUse};
use super::{Clock, Hsm, HsmError, Inner};
use crate::crypto::signer::X509Signer;
use crate::crypto::{csr, pem, rsa, x509};
use crate::domain::{
    CertSignatureAlgorithm, Curve, ExtendedKeyUsage, HashAlgorithm, KeyAlgorithm, KeyUsage, Label,
    Password, SecretBytes, SubjectAttributes,
};
use crate::keystore::KeyRecord;

/// The days a certificate is valid when a request does not say (CSRs).
pub const DEFAULT_VALIDITY_DAYS: u32 = 365;

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
    /// Validity of the self-signed certificate attached to the key, in days.
    pub validity_days: u32,
    /// The approvals it carries (SKA keys).
    pub approvals: super::Approvals,
}

/// A validated self-sign request (reference 11.4).
#[derive(Debug, Clone)]
pub struct SelfSignRequest {
    /// The key that signs and is certified.
    pub label: Label,
    /// Its password.
    pub password: Option<Password>,
    /// The signature algorithm.
    pub algorithm: CertSignatureAlgorithm,
    /// The subject (and issuer).
    pub subject: SubjectAttributes,
    /// Validity in days.
    pub validity_days: u32,
    /// Adds basic constraints `CA:TRUE`.
    pub certificate_authority: bool,
    /// Key usages.
    pub key_usage: Vec<KeyUsage>,
    /// Extended key usages.
    pub extended_key_usage: Vec<ExtendedKeyUsage>,
    /// The approvals it carries (SKA keys).
    pub approvals: super::Approvals,
}

/// A validated request to issue a certificate from a CSR (reference 11.5).
#[derive(Debug, Clone)]
pub struct IssueRequest {
    /// The CA key that signs; its stored certificate names the issuer.
    pub ca_label: Label,
    /// The CA key's password.
    pub password: Option<Password>,
    /// The signature algorithm.
    pub algorithm: CertSignatureAlgorithm,
    /// The CSR as sent (PEM, base64 or DER).
    pub csr: Vec<u8>,
    /// The subject to certify; `None` takes the CSR's subject.
    pub subject: Option<SubjectAttributes>,
    /// Adds basic constraints `CA:TRUE`.
    pub certificate_authority: bool,
    /// Validity in days.
    pub validity_days: u32,
    /// Key usages.
    pub key_usage: Vec<KeyUsage>,
    /// Extended key usages.
    pub extended_key_usage: Vec<ExtendedKeyUsage>,
    /// The approvals it carries (SKA keys).
    pub approvals: super::Approvals,
}

/// A key's signing material, decoded for X.509 signing.
enum SigningKey {
    Rsa(Box<rsa::PrivateKey>),
    Ecdsa { curve: Curve, pkcs8: SecretBytes },
}

impl SigningKey {
    fn signer(&self) -> X509Signer<'_> {
        match self {
            Self::Rsa(key) => X509Signer::Rsa(key),
            Self::Ecdsa { curve, pkcs8 } => X509Signer::Ecdsa {
                curve: *curve,
                pkcs8: pkcs8.expose(),
            },
        }
    }
}

impl Hsm {
    /// Builds and signs a CSR and, as the TSB does, attaches a self-signed certificate with
    /// the same subject to the key. Returns the CSR PEM-armoured as the TSB writes it.
    pub async fn create_csr(&self, request: CsrRequest) -> Result<String, HsmError> {
        self.blocking(move |inner| {
            let record = inner.use_key_fitting(
                KeyRef::new(&request.label, request.password.as_ref())
                    .approved_by(&request.approvals),
                KeyUse::Certify,
                |record| signing_digest(record, request.algorithm).map(drop),
            )?;
            let (key, digest) = signing_key(&record, request.algorithm)?;
            let public_key = public_key(&record)?;
            let params = csr::CsrParams {
                subject: &request.subject,
                key_usage: &request.key_usage,
                extended_key_usage: &request.extended_key_usage,
                digest,
            };
            let der = csr::build_csr(&key.signer(), public_key, params, &mut inner.entropy.rng())
                .map_err(HsmError::from)?;
            let certificate = self_signed(
                inner,
                &key,
                &record,
                &SelfSignRequest {
                    label: request.label.clone(),
                    password: None,
                    algorithm: request.algorithm,
                    subject: request.subject.clone(),
                    validity_days: request.validity_days,
                    certificate_authority: false,
                    key_usage: request.key_usage.clone(),
                    extended_key_usage: request.extended_key_usage.clone(),
                    approvals: super::Approvals::default(),
                },
                digest,
            )?;
            inner.attach(&request.label, certificate)?;
            Ok(pem::encode(pem::CSR_LABEL, &der))
        })
        .await
    }

    /// Makes a self-signed certificate for the key and stores it with the key; returns it PEM.
    pub async fn self_sign(&self, request: SelfSignRequest) -> Result<String, HsmError> {
        self.blocking(move |inner| {
            let record = inner.use_key_fitting(
                KeyRef::new(&request.label, request.password.as_ref())
                    .approved_by(&request.approvals),
                KeyUse::Certify,
                |record| signing_digest(record, request.algorithm).map(drop),
            )?;
            let (key, digest) = signing_key(&record, request.algorithm)?;
            let certificate = self_signed(inner, &key, &record, &request, digest)?;
            inner.attach(&request.label, certificate.clone())?;
            Ok(pem::encode(pem::CERTIFICATE_LABEL, &certificate))
        })
        .await
    }

    /// Issues a certificate for a CSR, signed by the CA key and naming the CA's stored
    /// certificate subject as issuer; returns it PEM. The certificate is not stored anywhere.
    pub async fn issue_certificate(&self, request: IssueRequest) -> Result<String, HsmError> {
        self.blocking(move |inner| {
            let record = inner.use_key_fitting(KeyRef::new(&request.ca_label, request.password.as_ref()).approved_by(&request.approvals), KeyUse::Certify, |record| {
                signing_digest(record, request.algorithm).map(drop)
            })?;
            let (key, digest) = signing_key(&record, request.algorithm)?;
            let issuer = record.certificate.as_deref().ok_or_else(|| {
                HsmError::InvalidCertificate(format!(
                    "The key '{}' has no certificate to issue from: self-sign it or import its certificate first.",
                    request.ca_label
                ))
            })?;
            let csr = csr::parse_and_verify(&request.csr).map_err(|e| HsmError::from_crypto(e, CryptoInput::Csr))?;
            let subject = match &request.subject {
                Some(attributes) => x509::Subject::Attributes(attributes),
                None => x509::Subject::Der(&csr.subject),
            };
            let params = x509::CertificateParams {
                subject,
                subject_public_key: &csr.public_key,
                issuer_certificate: Some(issuer),
                not_before: start_of_today(&inner.clock),
                validity_days: request.validity_days,
                certificate_authority: request.certificate_authority,
                key_usage: &request.key_usage,
                extended_key_usage: &request.extended_key_usage,
                digest,
            };
            let certificate = x509::build_certificate(&key.signer(), params, &mut inner.entropy.rng())
                .map_err(HsmError::from)?;
            tracing::info!(ca = %request.ca_label, "certificate issued");
            Ok(pem::encode(pem::CERTIFICATE_LABEL, &certificate))
        })
        .await
    }

    /// A DER certificate armoured as PEM, as the certificate endpoints answer it.
    pub fn certificate_pem(&self, der: &[u8]) -> String {
        pem::encode(pem::CERTIFICATE_LABEL, der)
    }

    /// The certificate stored with a key (DER); 404 when the key has none.
    pub async fn certificate(&self, label: Label) -> Result<Vec<u8>, HsmError> {
        self.blocking(move |inner| {
            let record = inner
                .store
                .get(&label)?
                .ok_or_else(|| HsmError::KeyNotFound(label.clone()))?;
            record
                .certificate
                .ok_or(HsmError::CertificateNotFound(label))
        })
        .await
    }

    /// Stores `certificate` (DER) with the key, replacing any; it must certify the key's
    /// public key.
    pub async fn import_certificate(
        &self,
        label: Label,
        certificate: Vec<u8>,
    ) -> Result<(), HsmError> {
        self.blocking(move |inner| {
            let certified = x509::public_key_of(&certificate)
                .map_err(|e| HsmError::InvalidCertificateEncoding(e.to_string()))?;
            let outcome = inner.store.modify(&label, |current| {
                let record = current.ok_or_else(|| HsmError::KeyNotFound(label.clone()))?;
                if record.public_key.as_deref() != Some(certified.as_slice()) {
                    return Err(HsmError::InvalidCertificate(format!(
                        "The certificate does not certify the public key of key '{label}'."
                    )));
                }
                Ok(Some(KeyRecord {
                    certificate: Some(certificate.clone()),
                    ..record.clone()
                }))
            })?;
            outcome.map(|_| ())
        })
        .await
    }

    /// Removes the certificate stored with a key; 404 when the key has none.
    pub async fn delete_certificate(&self, label: Label) -> Result<(), HsmError> {
        self.blocking(move |inner| {
            let outcome = inner.store.modify(&label, |current| {
                let record = current.ok_or_else(|| HsmError::KeyNotFound(label.clone()))?;
                if record.certificate.is_none() {
                    return Err(HsmError::CertificateNotFound(label.clone()));
                }
                Ok(Some(KeyRecord {
                    certificate: None,
                    ..record.clone()
                }))
            })?;
            outcome.map(|_| ())
        })
        .await
    }
}

impl Inner {
    /// Stores `certificate` with the key under `label`.
    fn attach(&self, label: &Label, certificate: Vec<u8>) -> Result<(), HsmError> {
        let outcome = self.store.modify(label, |current| {
            let record = current.ok_or_else(|| HsmError::KeyNotFound(label.clone()))?;
            Ok(Some(KeyRecord {
                certificate: Some(certificate.clone()),
                ..record.clone()
            }))
        })?;
        outcome.map(|_| ())
    }
}

/// A self-signed certificate of `record`'s key, valid from today 00:00:00 UTC.
fn self_signed(
    inner: &Inner,
    key: &SigningKey,
    record: &KeyRecord,
    request: &SelfSignRequest,
    digest: HashAlgorithm,
) -> Result<Vec<u8>, HsmError> {
    let params = x509::CertificateParams {
        subject: x509::Subject::Attributes(&request.subject),
        subject_public_key: public_key(record)?,
        issuer_certificate: None,
        not_before: start_of_today(&inner.clock),
        validity_days: request.validity_days,
        certificate_authority: request.certificate_authority,
        key_usage: &request.key_usage,
        extended_key_usage: &request.extended_key_usage,
        digest,
    };
    x509::build_certificate(&key.signer(), params, &mut inner.entropy.rng()).map_err(HsmError::from)
}

/// Today at 00:00:00 UTC, as the TSB starts certificate validity.
fn start_of_today(clock: &Clock) -> u64 {
    let now = clock.now().0;
    now - now % 86_400
}

/// The digest `algorithm` signs with if the key can sign certificates with it (the gate's
/// fit check).
fn signing_digest(
    record: &KeyRecord,
    algorithm: CertSignatureAlgorithm,
) -> Result<HashAlgorithm, HsmError> {
    if record.algorithm.is_symmetric() {
        return Err(HsmError::not_asymmetric());
    }
    let digest = match record.algorithm {
        KeyAlgorithm::Rsa => algorithm.rsa_digest(),
        KeyAlgorithm::Ec => algorithm.ecdsa_digest(),
        _ => None,
    };
    digest.ok_or_else(|| {
        HsmError::AlgorithmNotSupportedByKey(format!(
            "The signature algorithm '{}' can not be used with the {} key '{}'.",
            algorithm.wire_name(),
            record.algorithm,
            record.label
        ))
    })
}

/// The key's signing material if it may sign certificates with `algorithm`.
fn signing_key(
    record: &KeyRecord,
    algorithm: CertSignatureAlgorithm,
) -> Result<(SigningKey, HashAlgorithm), HsmError> {
    let digest = signing_digest(record, algorithm)?;
    let private = record.private_key.as_ref().ok_or_else(|| {
        HsmError::InvalidKeyType(format!(
            "Key '{}' has no private part and can not sign.",
            record.label
        ))
    })?;
    let key = match (record.algorithm, record.curve) {
        (KeyAlgorithm::Ec, Some(curve)) => SigningKey::Ecdsa {
            curve,
            pkcs8: private.clone(),
        },
        _ => SigningKey::Rsa(Box::new(rsa::decode_private(private.expose())?)),
    };
    Ok((key, digest))
}

fn public_key(record: &KeyRecord) -> Result<&[u8], HsmError> {
    record
        .public_key
        .as_deref()
        .ok_or_else(|| HsmError::Internal(format!("key '{}' has no public key", record.label)))
}
