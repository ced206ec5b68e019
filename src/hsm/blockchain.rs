//! Blockchain master and child keys: a master key from a seed (`POST /v1/importedKey`) and a
//! persisted child (`POST /v1/derivedKey`), reference 6.14.

use super::gate::{KeyRef, KeyUse};
use super::{Hsm, HsmError};
use crate::crypto::blockchain::derive::{self, DerivationCurve};
use crate::crypto::{ec, ed25519, password};
use crate::domain::{
    AddressFormat, Curve, DerivationPath, KeyAlgorithm, KeyAttributes, Label, Password,
    SecretBytes, derivation_type,
};
use crate::keystore::{KeyOrigin, KeyRecord, KeyStoreError};

use super::keys::SignedKeyInfo;

/// A validated `POST /v1/importedKey` request.
#[derive(Debug, Clone)]
pub struct ImportSeed {
    /// The master key's label.
    pub label: Label,
    /// Optional key password.
    pub password: Option<Password>,
    /// `EC` on secp256k1 or P-256, or `ED` (Ed25519).
    pub algorithm: KeyAlgorithm,
    /// The EC curve (`None` for Ed25519).
    pub curve: Option<Curve>,
    /// The seed, 16 to 64 bytes.
    pub seed: SecretBytes,
    /// Attributes with defaults applied.
    pub attributes: KeyAttributes,
    /// SKA policy as sent.
    pub policy: Option<crate::domain::Policy>,
    /// `addressFormat`.
    pub address_format: Option<AddressFormat>,
}

/// A validated `POST /v1/derivedKey` request.
#[derive(Debug, Clone)]
pub struct DeriveKey {
    /// The master key.
    pub master: Label,
    /// Its password.
    pub password: Option<Password>,
    /// The path of the child.
    pub path: DerivationPath,
    /// The child's attributes; `None`: the master's.
    pub attributes: Option<KeyAttributes>,
}

impl Hsm {
    /// Creates a master key from a seed (SLIP-10 master key generation; BIP32's on secp256k1).
    pub async fn import_seed(&self, request: ImportSeed) -> Result<SignedKeyInfo, HsmError> {
        if !(16..=64).contains(&request.seed.expose().len()) {
            return Err(HsmError::InvalidInput(format!(
                "The seed must be 128 to 512 bits long, not {} bits.",
                request.seed.expose().len() * 8
            )));
        }
        let curve = match (request.algorithm, request.curve) {
            (KeyAlgorithm::Ec, Some(Curve::Secp256k1)) => DerivationCurve::Secp256k1,
            (KeyAlgorithm::Ec, Some(Curve::P256)) => DerivationCurve::P256,
            (KeyAlgorithm::Ed, None) => DerivationCurve::Ed25519,
            _ => {
                return Err(HsmError::InvalidInput(
                    "Seeded keys are secp256k1, P-256 or Ed25519 keys in tsb-emulator.".into(),
                ));
            }
        };
        super::gate::policy_fits(
            request.policy.as_ref(),
            KeyAlgorithm::Ec,
            &request.attributes,
        )?;
        self.blocking(move |inner| {
            let master = derive::master(curve, request.seed.expose());
            let (private, public) = material(curve, request.curve, master.key.expose())?;
            let record = KeyRecord {
                label: request.label.as_str().to_owned(),
                algorithm: request.algorithm,
                key_size: None,
                curve: request.curve,
                private_key: Some(private),
                public_key: Some(public),
                attributes: request.attributes,
                policy: request.policy,
                password: request
                    .password
                    .as_ref()
                    .map(|p| password::hash(p, &mut inner.entropy.rng())),
                created_at: inner.clock.now().0,
                origin: KeyOrigin::Imported,
                certificate: None,
                next_signature_index: None,
                address_format: request.address_format,
                chain_code: derivation_type(request.algorithm, &request.attributes)
                    .map(|_| master.chain_code.to_vec()),
            };
            insert(inner, &request.label, &record)?;
            tracing::info!(label = %request.label, "master key created from a seed");
            inner.signed_info(request.label, &record)
        })
        .await
    }

    /// Derives the child of a master key along a path and stores it as `master/<path>`.
    pub async fn persist_derived(&self, request: DeriveKey) -> Result<SignedKeyInfo, HsmError> {
        self.blocking(move |inner| {
            let master = KeyRef::derived(
                &request.master,
                Some(&request.path),
                request.password.as_ref(),
            );
            let child = inner.use_key(master, KeyUse::Derive)?;
            let label = Label::derived(&request.master, &request.path);
            let record = KeyRecord {
                label: label.as_str().to_owned(),
                attributes: request.attributes.unwrap_or(child.attributes),
                created_at: inner.clock.now().0,
                ..child
            };
            insert(inner, &label, &record)?;
            tracing::info!(label = %label, "derived key stored");
            inner.signed_info(label, &record)
        })
        .await
    }
}

fn insert(inner: &super::Inner, label: &Label, record: &KeyRecord) -> Result<(), HsmError> {
    match inner.store.insert_new(record) {
        Ok(()) => Ok(()),
        Err(KeyStoreError::AlreadyExists) => Err(HsmError::KeyAlreadyExists(label.clone())),
        Err(other) => Err(other.into()),
    }
}

/// PKCS#8 and SPKI of a derivation key.
pub(super) fn material(
    curve: DerivationCurve,
    ec_curve: Option<Curve>,
    key: &[u8],
) -> Result<(SecretBytes, Vec<u8>), HsmError> {
    Ok(match (curve, ec_curve) {
        (DerivationCurve::Ed25519, _) => {
            let seed: [u8; 32] = key
                .try_into()
                .map_err(|_| HsmError::Internal("a derived Ed25519 key is 32 bytes".into()))?;
            ed25519::from_seed(&seed)
        }
        (_, Some(ec_curve)) => ec::from_scalar(ec_curve, key)?,
        (_, None) => return Err(HsmError::Internal("an EC key without curve".into())),
    })
}
