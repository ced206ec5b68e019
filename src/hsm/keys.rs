//! Key management: create, describe, list and delete keys (reference 6.5 to 6.9).

use super::CryptoInput;
use super::attestation;
use super::gate::{KeyRef, KeyUse};
use super::{Hsm, HsmError, Inner, rsa_key};
use crate::crypto::blockchain::{self, derive, derive::DerivationCurve};
use crate::crypto::pqc::{lms, ml_dsa, ml_kem, slh_dsa, xmss};
use crate::crypto::{bls, dsa, ec, ed25519, password, pem, rsa, symmetric};
use crate::domain::{
    AddressFormat, Curve, DerivationPath, KeyAlgorithm, KeyAttributes, KeySpec, Label, Password,
    SecretBytes, Timestamp, derivation_type,
};
use crate::keystore::{KeyOrigin, KeyRecord, KeyStoreError};
use rand::Rng;

/// A validated `POST /v1/key` request.
#[derive(Debug, Clone)]
pub struct CreateKey {
    /// The new key's label.
    pub label: Label,
    /// Optional key password.
    pub password: Option<Password>,
    /// Algorithm and size.
    pub spec: KeySpec,
    /// Attributes with defaults applied.
    pub attributes: KeyAttributes,
    /// The SKA policy as sent (stored and reported, not enforced yet).
    pub policy: Option<crate::domain::Policy>,
    /// `addressFormat` (reference 6.13).
    pub address_format: Option<AddressFormat>,
}

/// What the TSB reports about a key (the `json` part of key info).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyInfo {
    /// Label.
    pub label: Label,
    /// Algorithm.
    pub algorithm: KeyAlgorithm,
    /// `keySize`.
    pub key_size: Option<u32>,
    /// The named curve of an EC key.
    pub curve: Option<Curve>,
    /// Public key, DER SPKI.
    pub public_key: Option<Vec<u8>>,
    /// Attributes.
    pub attributes: KeyAttributes,
    /// SKA policy, as stored.
    pub policy: Option<crate::domain::Policy>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Generated here or imported.
    pub imported: bool,
    /// `keyUsageCount`: for a stateful (LMS, XMSS) key, the one-time signatures used so far.
    pub usage_count: u64,
    /// `addressTruncated`: the key's address base in its format, when it can be computed.
    pub address: Option<(AddressFormat, Vec<u8>)>,
    /// `derivedAttributes`: the derivation type and the chain code.
    pub derivation: Option<(&'static str, Vec<u8>)>,
}

/// Key info with its attestation: the full envelope of reference 6.6.
#[derive(Debug, Clone)]
pub struct SignedKeyInfo {
    /// The key's description.
    pub info: KeyInfo,
    /// When the attestation was made (now).
    pub attested_at: Timestamp,
    /// The attestation XML.
    pub xml: String,
    /// The attestation key's signature over `xml` (SHA256withRSA).
    pub xml_signature: Vec<u8>,
    /// The attestation key's name.
    pub attestation_key_name: String,
}

/// What `POST /v1/key/keyAttestation` bundles (reference 6.15).
#[derive(Debug, Clone)]
pub struct AttestationBundle {
    /// The attested key.
    pub label: Label,
    /// The attestation XML.
    pub xml: String,
    /// The attestation key's SHA256withRSA signature over `xml`.
    pub signature: Vec<u8>,
    /// The attestation public key, PEM.
    pub attestation_public_key_pem: String,
    /// The attestation certificate chain, PEM (attestation certificate, then root CA).
    pub chain_pem: String,
}

impl Hsm {
    /// The signed attestation of a key with everything needed to check it.
    pub async fn key_attestation(
        &self,
        label: Label,
        password: Option<Password>,
    ) -> Result<AttestationBundle, HsmError> {
        let signed = self.key_info(label.clone(), password).await?;
        let (_, public_key) = self.attestation_public_key();
        let chain_pem = self
            .attestation_chain()
            .iter()
            .map(|der| pem::encode(pem::CERTIFICATE_LABEL, der))
            .collect();
        Ok(AttestationBundle {
            label,
            xml: signed.xml,
            signature: signed.xml_signature,
            attestation_public_key_pem: pem::encode(pem::PUBLIC_KEY_LABEL, public_key),
            chain_pem,
        })
    }

    /// Creates a key; the answer is sent only once the key is on disk.
    pub async fn create_key(&self, request: CreateKey) -> Result<SignedKeyInfo, HsmError> {
        super::gate::policy_fits(
            request.policy.as_ref(),
            request.spec.algorithm(),
            &request.attributes,
        )?;
        self.blocking(move |inner| {
            // Refuse a taken label before spending a second on key generation; the
            // compare-and-swap below still decides races.
            if inner.store.get(&request.label)?.is_some() {
                return Err(HsmError::KeyAlreadyExists(request.label));
            }
            let (private_key, public_key) = generate(inner, request.spec)?;
            // A master key gets a random chain code, as a generated BIP32 root would.
            let chain_code =
                derivation_type(request.spec.algorithm(), &request.attributes).map(|_| {
                    let mut code = vec![0; 32];
                    inner.entropy.rng().fill_bytes(&mut code);
                    code
                });
            let record = KeyRecord {
                label: request.label.as_str().to_owned(),
                algorithm: request.spec.algorithm(),
                key_size: request.spec.key_size(),
                curve: request.spec.curve(),
                public_key,
                private_key: Some(private_key),
                attributes: request.attributes,
                policy: request.policy,
                password: request
                    .password
                    .as_ref()
                    .map(|p| password::hash(p, &mut inner.entropy.rng())),
                created_at: inner.clock.now().0,
                origin: KeyOrigin::Generated,
                certificate: None,
                next_signature_index: request.spec.algorithm().is_stateful().then_some(0),
                address_format: request.address_format,
                chain_code,
            };
            match inner.store.insert_new(&record) {
                Ok(()) => {}
                Err(KeyStoreError::AlreadyExists) => {
                    return Err(HsmError::KeyAlreadyExists(request.label));
                }
                Err(other) => return Err(other.into()),
            }
            tracing::info!(label = %request.label, algorithm = %record.algorithm, "key created");
            inner.signed_info(request.label, &record)
        })
        .await
    }

    /// Describes a key (`POST /v1/key/attributes`, `GET /v1/key/{keyName}/attributes`).
    pub async fn key_info(
        &self,
        label: Label,
        password: Option<Password>,
    ) -> Result<SignedKeyInfo, HsmError> {
        self.derived_key_info(label, None, password).await
    }

    /// Describes a key, or with a derivation path its temporary child (reference 6.14).
    pub async fn derived_key_info(
        &self,
        label: Label,
        path: Option<DerivationPath>,
        password: Option<Password>,
    ) -> Result<SignedKeyInfo, HsmError> {
        self.blocking(move |inner| {
            let key = KeyRef::derived(&label, path.as_ref(), password.as_ref());
            let record = inner.use_key(key, KeyUse::Read)?;
            inner.signed_info(label, &record)
        })
        .await
    }

    /// The address base of a key or of its temporary child (`POST /v1/key/address`, reference
    /// 6.13): 630 when the key has no policy or no `addressFormat`.
    pub async fn key_address(
        &self,
        label: Label,
        path: Option<DerivationPath>,
        password: Option<Password>,
    ) -> Result<Vec<u8>, HsmError> {
        self.blocking(move |inner| {
            let key = KeyRef::derived(&label, path.as_ref(), password.as_ref());
            let record = inner.use_key(key, KeyUse::Read)?;
            let (Some(format), Some(_)) = (record.address_format, record.policy.as_ref()) else {
                return Err(HsmError::NoAddress(format!(
                    "The key '{label}' has no address: it needs a policy and an addressFormat."
                )));
            };
            let public = record
                .public_key
                .as_deref()
                .ok_or_else(HsmError::not_asymmetric)?;
            blockchain::address(public, format).map_err(|e| HsmError::NoAddress(e.to_string()))
        })
        .await
    }

    /// Every key label (`GET /v1/key`).
    pub async fn list_keys(&self) -> Result<Vec<String>, HsmError> {
        self.blocking(|inner| Ok(inner.store.labels()?)).await
    }

    /// Deletes a key if its password matches and it is destroyable.
    pub async fn delete_key(
        &self,
        label: Label,
        password: Option<Password>,
    ) -> Result<(), HsmError> {
        self.blocking(move |inner| {
            let outcome = inner.store.remove_if(&label, |record| {
                inner.admit(record, &label, password.as_ref(), KeyUse::Delete)?;
                // Idempotent, so harmless if the compare-and-swap retries.
                if let Some(private) = &record.private_key {
                    inner.key_cache.forget(private.expose());
                }
                Ok(())
            })?;
            match outcome {
                None => Err(HsmError::KeyNotFound(label)),
                Some(Err(refusal)) => Err(refusal),
                Some(Ok(())) => {
                    inner.cancel_requests_of(&label)?;
                    tracing::info!(label = %label, "key deleted");
                    Ok(())
                }
            }
        })
        .await
    }
}

/// Fresh key material for `spec`: the private key (PKCS#8 DER, or the raw secret of a
/// symmetric key) and the DER SPKI of an asymmetric key.
pub(super) fn generate(
    inner: &Inner,
    spec: KeySpec,
) -> Result<(SecretBytes, Option<Vec<u8>>), HsmError> {
    let mut rng = inner.entropy.rng();
    let (private, public) = match spec {
        KeySpec::Rsa(bits) => {
            let key = rsa_key(inner.rsa_supply.as_deref(), bits, &mut rng)?;
            (rsa::encode_private(&key)?, rsa::public_spki_der(&key)?)
        }
        KeySpec::Ec(curve) => ec::generate(curve, &mut rng)?,
        KeySpec::Ed25519 => ed25519::generate(&mut rng)?,
        KeySpec::Dsa(bits) => dsa::generate(bits, &mut rng)?,
        KeySpec::Bls => bls::generate(&mut rng)?,
        KeySpec::MlDsa(params) => ml_dsa::generate(params, &mut rng)?,
        KeySpec::SlhDsa(params) => slh_dsa::generate(params, &mut rng)?,
        KeySpec::MlKem(params) => ml_kem::generate(params, &mut rng)?,
        // Stateful keys come from the pool when one is ready: never used, index 0.
        KeySpec::Lms(height) => match stateful_from_supply(inner, spec) {
            Some(pair) => pair,
            None => lms::generate(height, &mut rng)?,
        },
        KeySpec::Xmss(params) => match stateful_from_supply(inner, spec) {
            Some(pair) => pair,
            None => xmss::generate(params, &mut rng)?,
        },
        KeySpec::Secret { algorithm, bits } => {
            return Ok((symmetric::generate(algorithm, bits, &mut rng), None));
        }
    };
    Ok((private, Some(public)))
}

/// A ready stateful key of `spec` from the pool, if there is one.
fn stateful_from_supply(inner: &Inner, spec: KeySpec) -> Option<(SecretBytes, Vec<u8>)> {
    inner.rsa_supply.as_deref()?.take_stateful(spec)
}

impl KeyInfo {
    /// What the TSB reports about the key stored as `record` under `label`.
    pub(super) fn of(label: Label, record: &KeyRecord) -> Self {
        Self {
            label,
            algorithm: record.algorithm,
            key_size: record.key_size,
            curve: record.curve,
            public_key: record.public_key.clone(),
            attributes: record.attributes,
            policy: record.policy.clone(),
            created_at: Timestamp(record.created_at),
            imported: record.origin == KeyOrigin::Imported,
            usage_count: record.next_signature_index.unwrap_or(0),
            address: record.address_format.and_then(|format| {
                let public = record.public_key.as_deref()?;
                Some((format, blockchain::address(public, format).ok()?))
            }),
            derivation: derivation_type(record.algorithm, &record.attributes)
                .zip(record.chain_code.clone()),
        }
    }
}

impl Inner {
    /// The temporary child of `record` (the key `label`) along `path` (reference 6.14): its
    /// material and chain code in a copy of the master's record. The gate
    /// (`Inner::use_key`) calls it once the master is unlocked.
    pub(super) fn temporary_child(
        &self,
        record: KeyRecord,
        label: &Label,
        path: &DerivationPath,
    ) -> Result<KeyRecord, HsmError> {
        let refused = |why: &str| {
            HsmError::OperationForbidden(format!(
                "The key '{label}' can not derive '{path}': {why}."
            ))
        };
        let kind = derivation_type(record.algorithm, &record.attributes)
            .ok_or_else(|| refused("its derive, bip32 and slip10 attributes do not allow it"))?;
        let (curve, chain_code, private) = match (
            record.curve,
            kind,
            record.chain_code.as_deref(),
            record.private_key.as_ref(),
        ) {
            (Some(Curve::Secp256k1), _, Some(code), Some(private)) => {
                (DerivationCurve::Secp256k1, code, private)
            }
            (Some(Curve::P256), _, Some(code), Some(private)) => {
                (DerivationCurve::P256, code, private)
            }
            (None, "ADA/SLIP-10", Some(code), Some(private)) => {
                (DerivationCurve::Ed25519, code, private)
            }
            _ => {
                return Err(refused(
                    "tsb-emulator derives secp256k1, P-256 and SLIP-10 Ed25519 keys only",
                ));
            }
        };
        let key = match curve {
            DerivationCurve::Ed25519 => ed25519::seed_of(private.expose())?,
            _ => ec::private_scalar(record.curve.unwrap_or(Curve::Secp256k1), private.expose())?,
        };
        let master = derive::ExtendedKey {
            key,
            chain_code: chain_code
                .try_into()
                .map_err(|_| refused("its chain code is damaged"))?,
        };
        let child = derive::derive_path(curve, &master, path)
            .map_err(|e| HsmError::from_crypto(e, CryptoInput::DerivationPath))?;
        let (private, public) = match curve {
            DerivationCurve::Ed25519 => {
                let seed: [u8; 32] = child
                    .key
                    .expose()
                    .try_into()
                    .map_err(|_| refused("bad child"))?;
                ed25519::from_seed(&seed)
            }
            _ => ec::from_scalar(record.curve.unwrap_or(Curve::Secp256k1), child.key.expose())?,
        };
        Ok(KeyRecord {
            private_key: Some(private),
            public_key: Some(public),
            chain_code: Some(child.chain_code.to_vec()),
            certificate: None,
            ..record
        })
    }

    pub(super) fn signed_info(
        &self,
        label: Label,
        record: &KeyRecord,
    ) -> Result<SignedKeyInfo, HsmError> {
        let info = KeyInfo::of(label, record);
        let attested_at = self.clock.now();
        let xml = attestation::xml(&info, attested_at);
        let xml_signature = self.attestation.sign(&xml, &mut self.entropy.rng())?;
        Ok(SignedKeyInfo {
            info,
            attested_at,
            xml,
            xml_signature,
            attestation_key_name: self.attestation.name.clone(),
        })
    }
}
