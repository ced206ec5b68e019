//! Keys in and out in plain form, and password changes (reference 6.10 to 6.12).

use super::gate::{KeyRef, KeyUse};
use super::{Hsm, HsmError, Inner, SignedKeyInfo};
use crate::crypto::{CryptoError, bls, dsa, ec, ed25519, password, rsa, x509};
use crate::domain::{
    AddressFormat, Curve, KeyAlgorithm, KeyAttributes, Label, Password, SecretBytes,
};
use crate::keystore::{KeyOrigin, KeyRecord};

/// The key material of an import, as the rules of reference 6.11 allow it.
#[derive(Debug, Clone)]
pub enum ImportMaterial {
    /// A private key (PKCS#8, or PKCS#1 for RSA), optionally with its public key or
    /// certificate, which must match it.
    Private {
        /// The private key DER.
        private_key: SecretBytes,
        /// Its SPKI, if sent.
        public_key: Option<Vec<u8>>,
        /// Its certificate, if sent.
        certificate: Option<Vec<u8>>,
    },
    /// A lone public key (DER SPKI): verify-only.
    PublicKey(Vec<u8>),
    /// A lone certificate (DER): verify-only, the certificate stored with it.
    Certificate(Vec<u8>),
    /// The raw secret of a symmetric key.
    Secret(SecretBytes),
}

/// A validated `POST /v1/key/import/plain`.
#[derive(Debug, Clone)]
pub struct ImportKey {
    /// The label.
    pub label: Label,
    /// The declared algorithm.
    pub algorithm: KeyAlgorithm,
    /// The material.
    pub material: ImportMaterial,
    /// Attributes with defaults applied.
    pub attributes: KeyAttributes,
    /// The SKA policy as sent.
    pub policy: Option<crate::domain::Policy>,
    /// A password for the key: the TSB's import takes none, fixtures may set one.
    pub password: Option<Password>,
    /// `addressFormat` (reference 6.13).
    pub address_format: Option<AddressFormat>,
}

/// What `POST /v1/key/export/plain` hands out.
#[derive(Debug, Clone)]
pub struct ExportedKey {
    /// PKCS#8 DER.
    pub private_key: Option<SecretBytes>,
    /// DER SPKI.
    pub public_key: Option<Vec<u8>>,
    /// Raw symmetric key.
    pub secret_key: Option<SecretBytes>,
}

/// Whether an import created the key or replaced a public-only one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    /// A new label.
    Created,
    /// A public key or certificate replaced the public key stored under the label.
    Replaced,
}

impl Hsm {
    /// Imports plain key material. A private key never replaces an existing label (608); a
    /// public key or certificate replaces a public-only key of the same label.
    pub async fn import_key(
        &self,
        request: ImportKey,
    ) -> Result<(Imported, SignedKeyInfo), HsmError> {
        super::gate::policy_fits(
            request.policy.as_ref(),
            request.algorithm,
            &request.attributes,
        )?;
        self.blocking(move |inner| {
            let record = imported_record(&request, inner)?;
            let private = record.private_key.is_some();
            let mut replaced = false;
            let stored = inner
                .store
                .modify(&request.label, |current| match current {
                    None => Ok(Some(record.clone())),
                    Some(existing) if !private && existing.private_key.is_none() => {
                        replaced = true;
                        Ok(Some(record.clone()))
                    }
                    Some(_) => Err(HsmError::KeyAlreadyExists(request.label.clone())),
                })??;
            let stored =
                stored.ok_or_else(|| HsmError::Internal("import stored nothing".into()))?;
            tracing::info!(label = %request.label, algorithm = %stored.algorithm, "key imported");
            let outcome = if replaced {
                Imported::Replaced
            } else {
                Imported::Created
            };
            Ok((outcome, inner.signed_info(request.label, &stored)?))
        })
        .await
    }

    /// Exports a key in plain form: only extractable, non-sensitive keys without a policy.
    pub async fn export_key(
        &self,
        label: Label,
        password: Option<Password>,
    ) -> Result<ExportedKey, HsmError> {
        self.blocking(move |inner| {
            let record = inner.use_key(KeyRef::new(&label, password.as_ref()), KeyUse::Export)?;
            if record.algorithm.is_stateful() {
                // A copy of a stateful key outside the device could reuse one-time indices.
                return Err(HsmError::OperationForbidden(format!(
                    "The stateful {} key '{label}' can not be exported: a copy could reuse one-time signatures.",
                    record.algorithm
                )));
            }
            if record.algorithm.is_post_quantum() {
                return Err(HsmError::OperationForbidden(format!(
                    "Exporting {} keys is not supported by tsb-emulator.",
                    record.algorithm
                )));
            }
            Ok(if record.algorithm.is_symmetric() {
                ExportedKey {
                    private_key: None,
                    public_key: None,
                    secret_key: record.private_key,
                }
            } else {
                ExportedKey {
                    private_key: record.private_key,
                    public_key: record.public_key,
                    secret_key: None,
                }
            })
        })
        .await
    }

    /// Replaces a key's password; the key must be modifiable.
    pub async fn change_password(
        &self,
        label: Label,
        old: Option<Password>,
        new: Option<Password>,
    ) -> Result<(), HsmError> {
        self.blocking(move |inner| {
            let new_hash = new
                .as_ref()
                .map(|p| password::hash(p, &mut inner.entropy.rng()));
            let outcome = inner.store.modify(&label, |current| {
                let record = current.ok_or_else(|| HsmError::KeyNotFound(label.clone()))?;
                inner.admit(record, &label, old.as_ref(), KeyUse::ChangePassword)?;
                Ok(Some(KeyRecord {
                    password: new_hash.clone(),
                    ..record.clone()
                }))
            })?;
            outcome.map(|_| tracing::info!(label = %label, "key password changed"))
        })
        .await
    }
}

/// Checks the material against the declared algorithm and builds the record.
pub(super) fn imported_record(request: &ImportKey, inner: &Inner) -> Result<KeyRecord, HsmError> {
    if let Some((allowed, _)) = request.algorithm.secret_sizes() {
        let ImportMaterial::Secret(secret) = &request.material else {
            return Err(HsmError::InvalidInput(format!(
                "A {} key is imported as a 'secretKey' only.",
                request.algorithm
            )));
        };
        let bits = u32::try_from(secret.expose().len() * 8).unwrap_or(u32::MAX);
        if !allowed.contains(&bits) {
            return Err(HsmError::KeySize(format!(
                "A {bits}-bit {} key can not be imported (supported: {allowed:?}).",
                request.algorithm
            )));
        }
        return Ok(KeyRecord {
            key_size: Some(bits),
            curve: None,
            private_key: Some(secret.clone()),
            public_key: None,
            certificate: None,
            ..new_imported(request, inner)
        });
    }
    let invalid = |e: CryptoError| HsmError::InvalidKeyEncoding(e.to_string());
    let (private_key, public_key, certificate) = match &request.material {
        ImportMaterial::Private {
            private_key,
            public_key,
            certificate: cert,
        } => {
            let (canonical, derived) =
                decode_private(request.algorithm, private_key.expose()).map_err(invalid)?;
            let claimed = match (public_key, cert) {
                (Some(public), _) => Some(public.clone()),
                (None, Some(cert)) => Some(x509::public_key_of(cert).map_err(invalid)?),
                (None, None) => None,
            };
            if claimed.is_some_and(|claimed| claimed != derived) {
                return Err(HsmError::InvalidInput(
                    "The public key or certificate does not belong to the private key.".into(),
                ));
            }
            (Some(canonical), derived, cert.clone())
        }
        ImportMaterial::PublicKey(public) => (None, public.clone(), None),
        ImportMaterial::Certificate(cert) => (
            None,
            x509::public_key_of(cert).map_err(invalid)?,
            Some(cert.clone()),
        ),
        ImportMaterial::Secret(_) => {
            return Err(HsmError::InvalidInput(format!(
                "A 'secretKey' can only be imported for a symmetric key, not for {}.",
                request.algorithm
            )));
        }
    };
    let (key_size, curve) = describe_public(request.algorithm, &public_key)?;
    Ok(KeyRecord {
        key_size,
        curve,
        private_key,
        public_key: Some(public_key),
        certificate,
        ..new_imported(request, inner)
    })
}

/// The record fields every import shares.
fn new_imported(request: &ImportKey, inner: &Inner) -> KeyRecord {
    KeyRecord {
        label: request.label.as_str().to_owned(),
        algorithm: request.algorithm,
        key_size: None,
        curve: None,
        private_key: None,
        public_key: None,
        attributes: request.attributes,
        policy: request.policy.clone(),
        password: request
            .password
            .as_ref()
            .map(|p| password::hash(p, &mut inner.entropy.rng())),
        created_at: inner.clock.now().0,
        origin: KeyOrigin::Imported,
        certificate: None,
        next_signature_index: None,
        address_format: request.address_format,
        chain_code: None,
    }
}

/// Checks a public key (DER SPKI) against `algorithm`: its reported key size and curve.
pub(super) fn describe_public(
    algorithm: KeyAlgorithm,
    public_key: &[u8],
) -> Result<(Option<u32>, Option<Curve>), HsmError> {
    let invalid = |e: CryptoError| HsmError::InvalidKeyEncoding(e.to_string());
    Ok(match algorithm {
        KeyAlgorithm::Rsa => {
            let bits = rsa::public_key_bits(public_key).map_err(invalid)?;
            if !(1024..=8192).contains(&bits) {
                return Err(HsmError::KeySize(format!(
                    "RSA keys of {bits} bits can not be imported (1024 to 8192)."
                )));
            }
            (Some(bits), None)
        }
        KeyAlgorithm::Ec => (None, Some(ec::curve_of_spki(public_key).map_err(invalid)?)),
        KeyAlgorithm::Ed if ed25519::is_ed25519_spki(public_key) => (None, None),
        KeyAlgorithm::Ed => {
            return Err(HsmError::InvalidKeyEncoding(
                "The public key is not an Ed25519 key.".into(),
            ));
        }
        KeyAlgorithm::Dsa => (
            Some(dsa::public_key_bits(public_key).map_err(invalid)?),
            None,
        ),
        KeyAlgorithm::Bls if bls::is_bls_spki(public_key) => (None, None),
        KeyAlgorithm::Bls => {
            return Err(HsmError::InvalidKeyEncoding(
                "The public key is not a BLS12-381 key.".into(),
            ));
        }
        secret => {
            return Err(HsmError::Internal(format!(
                "{secret} keys have no public key"
            )));
        }
    })
}

/// Decodes an imported private key of `algorithm` into our canonical PKCS#8 and its SPKI.
pub(super) fn decode_private(
    algorithm: KeyAlgorithm,
    der: &[u8],
) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    match algorithm {
        KeyAlgorithm::Rsa => {
            let key = rsa::decode_imported_private(der)?;
            Ok((rsa::encode_private(&key)?, rsa::public_spki_der(&key)?))
        }
        KeyAlgorithm::Ec => match ec::curve_of_pkcs8(der) {
            Ok(curve) => ec::normalize_private(curve, der),
            // SEC1 "EC PRIVATE KEY" DER: the curve that accepts it is the one.
            Err(_) => Curve::ALL
                .into_iter()
                .find_map(|curve| ec::normalize_private(curve, der).ok())
                .ok_or_else(|| {
                    CryptoError::InvalidKey(
                        "not an EC private key (PKCS#8 or SEC1 DER) on a supported curve".into(),
                    )
                }),
        },
        KeyAlgorithm::Ed => ed25519::normalize_private(der),
        KeyAlgorithm::Dsa => {
            dsa::normalize_private(der).map(|(private, public, _)| (private, public))
        }
        KeyAlgorithm::Bls => bls::normalize_private(der),
        secret => Err(CryptoError::Unsupported(format!(
            "{secret} keys have no private key"
        ))),
    }
}
