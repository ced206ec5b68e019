//! Stored approvers: the ones the emulator holds a private key for, so that it can approve as
//! them (fixture approvers, scripted from the control API) or hand the key out (approvers the
//! TSB 2.x approver management creates and onboards, reference 14). Kept in the `approvers`
//! tree, keyed by name, so they survive a restart.

use super::KeyStoreError;
use crate::domain::{PasswordHash, SecretBytes};
use serde::{Deserialize, Serialize};

/// Where an approver came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ApproverOrigin {
    /// Made by the emulator for tests: declared in a fixture file (committed key or
    /// `generate: true`) or added through the control API.
    Fixture,
    /// Created by `/v1/approverManagement/create` (reference 14).
    Managed,
}

/// What the emulator decides on its own for an approver's tasks (control API, issue 19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "decision")]
pub enum AutoDecision {
    /// Approve each task once it is `after_ms` old on the emulator's clock.
    Approve {
        /// Milliseconds of the emulator's clock after the task's creation.
        #[serde(default)]
        after_ms: u64,
    },
    /// Reject each task once it is `after_ms` old.
    Reject {
        /// See `Approve`.
        #[serde(default)]
        after_ms: u64,
    },
}

/// One stored approver. `Debug` leaves out the private key.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApproverRecord {
    /// The approver's name (unique; the storage key).
    pub name: String,
    /// Where it came from.
    pub origin: ApproverOrigin,
    /// Its public key, DER SubjectPublicKeyInfo (how requests and tasks name approvers).
    #[serde(with = "super::request::bytes_b64")]
    pub spki: Vec<u8>,
    /// Its certificate (DER), if it has one.
    #[serde(default, with = "super::record::bytes_b64")]
    pub certificate: Option<Vec<u8>>,
    /// Its private key, PKCS#8 DER, when the emulator holds it.
    #[serde(default, with = "super::record::secret_b64")]
    pub private_key: Option<SecretBytes>,
    /// Creation time, seconds since the Unix epoch.
    pub created_at: u64,
    /// The automatic decision for its tasks, if one is set.
    #[serde(default)]
    pub decision: Option<AutoDecision>,
    /// Approver management (reference 14): the salted hash of the one-time code that opens
    /// `/v1/approver/onboard` once; `None` when there is none (used, or never issued). The code
    /// itself is never stored.
    #[serde(default)]
    pub one_time_code: Option<PasswordHash>,
    /// Approver management: whether the approver has onboarded (fetched its PKCS#12) at least
    /// once. Fixture approvers count as onboarded whatever this says.
    #[serde(default)]
    pub onboarded: bool,
    /// Approver management: the approver's backup, its PKCS#12 protected by the backup
    /// password (built at creation, so the password itself is never stored).
    #[serde(default, with = "super::record::bytes_b64")]
    pub pkcs12: Option<Vec<u8>>,
    /// Approver management: the PKCS#12 under a new backup password, waiting for the
    /// forgot-password request (`restoreFromBackup/forgotPassword`) to be approved.
    #[serde(default, with = "super::record::bytes_b64")]
    pub pending_pkcs12: Option<Vec<u8>>,
}

impl ApproverRecord {
    /// Whether policies naming this approver (`onboarded_approver_certificate`) resolve to
    /// its key: fixture approvers always, managed ones once onboarded.
    pub fn is_onboarded(&self) -> bool {
        self.origin == ApproverOrigin::Fixture || self.onboarded
    }
}

impl std::fmt::Debug for ApproverRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApproverRecord")
            .field("name", &self.name)
            .field("origin", &self.origin)
            .field("decision", &self.decision)
            .field("onboarded", &self.onboarded)
            .finish_non_exhaustive()
    }
}

/// The versioned envelope; a new layout gets a new variant and a migration in `decode`.
#[derive(Serialize, Deserialize)]
#[serde(tag = "format")]
enum Stored {
    #[serde(rename = "approver/1")]
    ApproverV1(ApproverRecord),
}

impl ApproverRecord {
    fn encode(&self) -> Result<Vec<u8>, KeyStoreError> {
        serde_json::to_vec(&Stored::ApproverV1(self.clone())).map_err(|e| KeyStoreError::Corrupt {
            name: self.name.clone(),
            reason: e.to_string(),
        })
    }

    fn decode(name: &str, bytes: &[u8]) -> Result<Self, KeyStoreError> {
        match serde_json::from_slice::<Stored>(bytes) {
            Ok(Stored::ApproverV1(record)) => Ok(record),
            Err(e) => Err(KeyStoreError::Corrupt {
                name: name.to_owned(),
                reason: e.to_string(),
            }),
        }
    }
}

impl super::KeyStore {
    /// Stores an approver, replacing any of its name; durable when it returns.
    pub fn approver_put(&self, record: &ApproverRecord) -> Result<(), KeyStoreError> {
        self.check()?;
        let bytes = record.encode()?;
        self.write(|| self.approvers.insert(record.name.as_bytes(), &bytes))?;
        self.write(|| self.db.flush())?;
        Ok(())
    }

    /// The approver named `name`.
    pub fn approver_get(&self, name: &str) -> Result<Option<ApproverRecord>, KeyStoreError> {
        self.approvers
            .get(name.as_bytes())?
            .map(|bytes| ApproverRecord::decode(name, &bytes))
            .transpose()
    }

    /// Every stored approver, in name order.
    pub fn approvers(&self) -> Result<Vec<ApproverRecord>, KeyStoreError> {
        self.approvers
            .entries()?
            .iter()
            .map(|(name, bytes)| ApproverRecord::decode(&String::from_utf8_lossy(name), bytes))
            .collect()
    }

    /// Deletes the approver named `name`; whether there was one.
    pub fn approver_remove(&self, name: &str) -> Result<bool, KeyStoreError> {
        self.check()?;
        let removed = self.write(|| self.approvers.remove(name.as_bytes()))?;
        self.write(|| self.db.flush())?;
        Ok(removed.is_some())
    }

    /// Atomically replaces the approver named `name` by what `change` makes of it (`None`:
    /// absent / delete), as [`super::KeyStore::modify`] does for keys: `change` may run again
    /// if another writer interferes, its refusal is returned untouched, and the change is
    /// durable when this returns `Ok(Ok(_))` (a failed flush puts the old state back).
    pub fn approver_modify<E>(
        &self,
        name: &str,
        change: impl FnMut(Option<&ApproverRecord>) -> Result<Option<ApproverRecord>, E>,
    ) -> Result<Result<Option<ApproverRecord>, E>, KeyStoreError> {
        self.swap_record(
            &self.approvers,
            name,
            ApproverRecord::decode,
            ApproverRecord::encode,
            change,
            || Ok(()),
        )
    }

    /// Replaces every approver with `records` (a reset to the fixture state).
    pub fn approvers_replace(&self, records: &[ApproverRecord]) -> Result<(), KeyStoreError> {
        self.check()?;
        let mut entries = Vec::with_capacity(records.len());
        for record in records {
            entries.push((record.name.as_bytes().to_vec(), record.encode()?));
        }
        self.write(|| self.approvers.replace_all(entries.clone()))?;
        self.write(|| self.db.flush())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> ApproverRecord {
        ApproverRecord {
            name: "alice".to_owned(),
            origin: ApproverOrigin::Fixture,
            spki: vec![1, 2, 3],
            certificate: None,
            private_key: Some(SecretBytes::new(b"very-secret-key".to_vec())),
            created_at: 7,
            decision: Some(AutoDecision::Approve { after_ms: 250 }),
            one_time_code: None,
            onboarded: false,
            pkcs12: None,
            pending_pkcs12: None,
        }
    }

    #[test]
    fn debug_leaves_out_the_private_key_and_records_round_trip() {
        let text = format!("{:?}", record());
        assert!(!text.contains("very-secret"), "{text}");
        let decoded = ApproverRecord::decode("alice", &record().encode().unwrap()).unwrap();
        assert_eq!(decoded, record());
    }

    #[test]
    fn the_tree_stores_lists_replaces_and_removes() {
        let store = super::super::KeyStore::in_memory().unwrap();
        store.approver_put(&record()).unwrap();
        assert_eq!(store.approver_get("alice").unwrap(), Some(record()));
        assert_eq!(store.approvers().unwrap().len(), 1);
        let bob = ApproverRecord {
            name: "bob".to_owned(),
            ..record()
        };
        store.approvers_replace(std::slice::from_ref(&bob)).unwrap();
        assert_eq!(store.approver_get("alice").unwrap(), None);
        assert!(store.approver_remove("bob").unwrap());
        assert!(!store.approver_remove("bob").unwrap());
        assert!(store.approvers().unwrap().is_empty());
    }

    #[test]
    fn modify_changes_atomically_and_a_refusal_changes_nothing() {
        let store = super::super::KeyStore::in_memory().unwrap();
        store.approver_put(&record()).unwrap();
        let refused: Result<_, &str> = store.approver_modify("alice", |_| Err("no")).unwrap();
        assert_eq!(refused, Err("no"));
        let changed = store
            .approver_modify::<()>("alice", |current| {
                Ok(current.map(|r| ApproverRecord {
                    onboarded: true,
                    ..r.clone()
                }))
            })
            .unwrap()
            .unwrap();
        assert!(changed.unwrap().onboarded);
        assert!(store.approver_get("alice").unwrap().unwrap().onboarded);
        // A record written before these fields existed still reads.
        let old = br#"{"format":"approver/1","name":"old","origin":"managed","spki":"AQID","createdAt":1}"#;
        let decoded = ApproverRecord::decode("old", old).unwrap();
        assert!(!decoded.onboarded && decoded.pkcs12.is_none());
    }
}
