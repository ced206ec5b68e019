//! Keys provisioned at start from a fixture manifest, and reset to that state.
//!
//! Fixture keys go through the same `create_key` and `import_key` operations as
//! `POST /v1/key` and `POST /v1/key/import/plain`, so they pass the same checks. After loading,
//! the device remembers the fixture keys' records (material included): a reset puts exactly
//! those records back, so a key the manifest says to "generate" keeps its material across
//! resets and a test that runs after a reset sees the same keys as the first one.

use super::{CreateKey, Hsm, HsmError, ImportKey, KeyInfo, transfer};
use crate::crypto::CryptoError;
use crate::domain::{KeyAlgorithm, Label};
use crate::keystore::KeyRecord;

/// One fixture key, as a device operation.
#[derive(Debug, Clone)]
pub enum Provision {
    /// Generate the key (`"generate"` in the manifest).
    Create(CreateKey),
    /// Import the given material.
    Import(ImportKey),
}

impl Provision {
    /// The key's label.
    pub fn label(&self) -> &Label {
        match self {
            Self::Create(create) => &create.label,
            Self::Import(import) => &import.label,
        }
    }
}

/// What loading fixtures did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixtureReport {
    /// Labels created (generated or imported) now.
    pub created: Vec<String>,
    /// Labels that existed already and were kept as they were.
    pub kept: Vec<String>,
}

/// A fixture key the device refused.
#[derive(Debug, thiserror::Error)]
#[error("key '{label}': {error}")]
pub struct ProvisionError {
    /// The refused key.
    pub label: String,
    /// Why.
    pub error: HsmError,
}

/// A stored key as the control API lists it.
#[derive(Debug, Clone)]
pub struct StoredKey {
    /// What key info reports.
    pub info: KeyInfo,
    /// Whether it holds a private key (asymmetric keys) or its secret (symmetric keys).
    pub has_private_key: bool,
    /// Whether a password protects it.
    pub has_password: bool,
    /// Whether a certificate is stored with it.
    pub has_certificate: bool,
}

impl Hsm {
    /// Creates every fixture key whose label is free and keeps the ones that exist (so loading
    /// twice is harmless); then remembers the fixture keys' records as the reset state.
    pub async fn load_fixtures(
        &self,
        keys: Vec<Provision>,
    ) -> Result<FixtureReport, ProvisionError> {
        let mut report = FixtureReport::default();
        let mut labels = Vec::with_capacity(keys.len());
        for key in keys {
            let label = key.label().clone();
            let refused = |error| ProvisionError {
                label: label.as_str().to_owned(),
                error,
            };
            let outcome = match key {
                Provision::Create(create) => self.create_key(create).await.map(|_| ()),
                Provision::Import(import) => self.import_key(import).await.map(|_| ()),
            };
            match outcome {
                Ok(()) => report.created.push(label.as_str().to_owned()),
                Err(HsmError::KeyAlreadyExists(_)) => report.kept.push(label.as_str().to_owned()),
                Err(error) => return Err(refused(error)),
            }
            labels.push(label);
        }
        let snapshot = self
            .blocking(move |inner| {
                let mut records = Vec::with_capacity(labels.len());
                for label in &labels {
                    records.extend(inner.store.get(label)?);
                }
                Ok(records)
            })
            .await
            .map_err(|error| ProvisionError {
                label: String::new(),
                error,
            })?;
        *self.fixture_state() = snapshot;
        self.inner.entropy.begin_session();
        Ok(report)
    }

    /// Deletes every key and puts the fixture keys back as they were after loading, in one
    /// atomic storage batch: either the reset happened entirely or the store is unchanged.
    pub async fn reset(&self) -> Result<usize, HsmError> {
        let mut records = self.fixture_state().clone();
        let approvers = self.fixture_approvers().clone();
        self.blocking(move |inner| {
            // Stateful keys (LMS, XMSS) never go back to a used one-time index: a fixture key
            // that still has its material keeps its current index. Signers reserve indices
            // under the read side of this lock, so none slips in between.
            let _no_reservations = inner
                .stateful_guard
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for record in records.iter_mut() {
                let Some(fixture_index) = record.next_signature_index else {
                    continue;
                };
                let Ok(label) = Label::parse(&record.label) else {
                    continue;
                };
                if let Some(current) = inner.store.get(&label)?
                    && current.private_key == record.private_key
                {
                    let used = current.next_signature_index.unwrap_or(0);
                    record.next_signature_index = Some(fixture_index.max(used));
                }
            }
            inner.store.replace_all(&records)?;
            inner.store.requests_clear()?;
            inner.store.approvers_replace(&approvers)?;
            inner.clock.reset();
            inner.entropy.begin_session();
            tracing::info!(keys = records.len(), "key store reset to the fixture state");
            Ok(records.len())
        })
        .await
    }

    /// Every stored key with its metadata (never its material), in label order.
    pub async fn stored_keys(&self) -> Result<Vec<StoredKey>, HsmError> {
        self.blocking(|inner| {
            Ok(inner
                .store
                .records()?
                .into_iter()
                .filter_map(|record| stored_key(&record))
                .collect())
        })
        .await
    }

    fn fixture_state(&self) -> std::sync::MutexGuard<'_, Vec<KeyRecord>> {
        // A poisoned lock only means a panic elsewhere while swapping a Vec; the data is whole.
        self.inner
            .fixture_state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn stored_key(record: &KeyRecord) -> Option<StoredKey> {
    Some(StoredKey {
        info: KeyInfo::of(Label::parse(&record.label).ok()?, record),
        has_private_key: record.private_key.is_some(),
        has_password: record.password.is_some(),
        has_certificate: record.certificate.is_some(),
    })
}

/// The public key (DER SPKI) of a private key of `algorithm` (PKCS#8, or PKCS#1/SEC1 DER), so a
/// fixture can name a private key alone where the TSB's import also wants the public key.
pub fn public_key_of(algorithm: KeyAlgorithm, private_der: &[u8]) -> Result<Vec<u8>, CryptoError> {
    transfer::decode_private(algorithm, private_der).map(|(_, public)| public)
}

impl Hsm {
    /// Every stored record, material included, for `GET /_emulator/snapshot` (the control
    /// API's explicit export of the whole store).
    pub async fn key_records(&self) -> Result<Vec<KeyRecord>, HsmError> {
        self.blocking(|inner| Ok(inner.store.records()?)).await
    }

    /// Replaces every key by `imports` in one atomic storage batch: all records are built
    /// (and checked, as `POST /v1/key/import/plain` checks them) first, so a refused key or a
    /// storage error leaves the store as it was. The fixture (reset) state is unchanged.
    pub async fn restore(&self, imports: Vec<super::ImportKey>) -> Result<usize, HsmError> {
        self.blocking(move |inner| {
            let records = imports
                .iter()
                .map(|import| transfer::imported_record(import, inner))
                .collect::<Result<Vec<_>, _>>()?;
            // As for a reset: no stateful signer reserves an index while the store is swapped.
            let _no_reservations = inner
                .stateful_guard
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            inner.store.replace_all(&records)?;
            tracing::info!(keys = records.len(), "key store restored from a manifest");
            Ok(records.len())
        })
        .await
    }
}
