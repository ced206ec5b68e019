//! The key store: sled lives here and nowhere else.
//!
//! Records are versioned JSON documents keyed by label. Creation is create-if-absent by
//! compare-and-swap, so two concurrent creates of one label cannot both succeed, and every
//! write is flushed to disk before the call returns, so whatever the API acknowledged survives
//! a crash of the process. All calls block (sled flushes with fsync): call them from a
//! blocking thread, never directly on an async worker. `--in-memory` swaps sled for ordered
//! maps in the process's memory behind the same calls (`tree`), so it writes no file at all.

mod approver;
mod record;
mod request;
mod tree;

pub use approver::{ApproverOrigin, ApproverRecord, AutoDecision};
pub use record::{KeyOrigin, KeyRecord};
pub use request::{RequestKind, RequestRecord, RequestStatus, TaskRecord};

use crate::domain::{Label, SecretBytes};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use tree::{Db, Tree};

/// Most decoded records kept for reads (see `KeyStore::decoded`).
const DECODED_RECORDS: usize = 1024;

/// Tree holding one [`KeyRecord`] per label.
const KEYS_TREE: &str = "keys";
/// Tree holding the emulator's own objects (the attestation key), never listed as keys.
const META_TREE: &str = "meta";
/// Tree holding pre-generated RSA keys, keyed by size (4 bytes) and a sequence number.
const POOL_TREE: &str = "rsa-pool";
/// SKA requests by id (`request::RequestRecord`).
const REQUESTS_TREE: &str = "requests";
/// Approvers the emulator holds keys for, by name (`approver::ApproverRecord`).
const APPROVERS_TREE: &str = "approvers";

/// What can go wrong in the key store.
#[derive(Debug, thiserror::Error)]
pub enum KeyStoreError {
    /// A record with this label exists already.
    #[error("a key with this label exists already")]
    AlreadyExists,
    /// Another process holds the data directory.
    #[error(
        "the data directory {path} is in use by another process (is another tsb-emulator running on it?)"
    )]
    Locked {
        /// The data directory.
        path: PathBuf,
    },
    /// A stored record could not be decoded.
    #[error("stored record '{name}' is unreadable: {reason}")]
    Corrupt {
        /// The record's key.
        name: String,
        /// Why it could not be read.
        reason: String,
    },
    /// sled failed (I/O, corruption).
    #[error("storage failure: {0}")]
    Storage(#[from] sled::Error),
    /// An earlier write failed (e.g. the disk is full) and the store refuses writes until
    /// the process restarts: after a failed write sled's in-memory tree can no longer be
    /// trusted (it was seen to answer "absent" for stored keys), while what it acknowledged
    /// is safe on disk. Reads go on, from the acknowledged state kept in memory.
    #[error(
        "the key store is read-only after a failed write (disk full?); restart the emulator to write again: every acknowledged key is on disk"
    )]
    Failed,
}

/// A cheap-to-clone handle on the store.
#[derive(Clone)]
pub struct KeyStore {
    /// The data directory (`None` for an in-memory store).
    dir: Option<PathBuf>,
    /// Set by the first failed write; from then on writes fail with `Failed` and reads are
    /// answered from `acknowledged`.
    failed: Arc<AtomicBool>,
    /// Every key record as last acknowledged (label -> encoded record), kept in step with
    /// each successful write: what reads fall back to once sled cannot be trusted.
    acknowledged: Arc<RwLock<BTreeMap<String, Vec<u8>>>>,
    /// Records as last decoded, with the bytes they came from: a read whose stored bytes are
    /// the same skips JSON decoding (issue 8: decoding was a tenth of an Ed25519 signature
    /// over HTTP). Keyed by content, so it can never answer with an outdated record.
    decoded: Arc<Mutex<HashMap<String, (sled::IVec, KeyRecord)>>>,
    db: Db,
    keys: Tree,
    meta: Tree,
    pool: Tree,
    requests: Tree,
    approvers: Tree,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore")
            .field("keys", &self.keys.len())
            .finish()
    }
}

impl KeyStore {
    /// Opens (or creates) the store in `dir`. Fails with [`KeyStoreError::Locked`] when
    /// another process has it open.
    ///
    /// The folder is made private (0700) and every file in it 0600, whatever the umask and
    /// whatever an older version left; files sled creates later follow the process umask,
    /// which the binary sets to 077 (see `main.rs`).
    pub fn open(dir: &Path) -> Result<Self, KeyStoreError> {
        create_private_dir(dir)?;
        let db = sled::Config::new().path(dir).open().map_err(|e| match e {
            sled::Error::Io(ref io) if io.to_string().contains("could not acquire lock") => {
                KeyStoreError::Locked {
                    path: dir.to_path_buf(),
                }
            }
            other => KeyStoreError::Storage(other),
        })?;
        restrict_permissions(dir)?;
        Self::from_db(Db::Sled(db), Some(dir.to_path_buf()))
    }

    /// A throwaway store in the process's memory only: no file is ever written, so nothing
    /// of it outlives the process, however it ends.
    pub fn in_memory() -> Result<Self, KeyStoreError> {
        Self::from_db(Db::memory(), None)
    }

    fn from_db(db: Db, dir: Option<PathBuf>) -> Result<Self, KeyStoreError> {
        let keys = db.open_tree(KEYS_TREE)?;
        let meta = db.open_tree(META_TREE)?;
        let pool = db.open_tree(POOL_TREE)?;
        let requests = db.open_tree(REQUESTS_TREE)?;
        let approvers = db.open_tree(APPROVERS_TREE)?;
        let mut acknowledged = BTreeMap::new();
        for (key, bytes) in keys.entries()? {
            acknowledged.insert(String::from_utf8_lossy(&key).into_owned(), bytes.to_vec());
        }
        Ok(Self {
            dir,
            failed: Arc::new(AtomicBool::new(false)),
            acknowledged: Arc::new(RwLock::new(acknowledged)),
            decoded: Arc::default(),
            db,
            keys,
            meta,
            pool,
            requests,
            approvers,
        })
    }

    /// Whether the store still serves (no write has failed).
    pub fn is_healthy(&self) -> bool {
        !self.failed.load(Ordering::SeqCst)
    }

    /// The acknowledged records, for reads once the store is read-only.
    fn acknowledged(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Vec<u8>>> {
        // Updates replace whole entries, so a panic elsewhere cannot leave one half-written.
        self.acknowledged
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Records that `key` is durably stored as sled now has it (after a flushed write). Read
    /// under the lock, so concurrent writers of one label leave the latest value.
    fn acknowledge(&self, key: &str) -> Result<(), KeyStoreError> {
        let mut acknowledged = self
            .acknowledged
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        match self.keys.get(key)? {
            Some(bytes) => acknowledged.insert(key.to_owned(), bytes.to_vec()),
            None => acknowledged.remove(key),
        };
        Ok(())
    }

    /// Fails with [`KeyStoreError::Failed`] once a write has failed.
    fn check(&self) -> Result<(), KeyStoreError> {
        if self.is_healthy() {
            Ok(())
        } else {
            Err(KeyStoreError::Failed)
        }
    }

    /// Runs a write; a storage failure stops the store (see [`KeyStoreError::Failed`]).
    fn write<T>(&self, write: impl FnOnce() -> Result<T, sled::Error>) -> Result<T, KeyStoreError> {
        self.check()?;
        write().map_err(|e| {
            self.failed.store(true, Ordering::SeqCst);
            tracing::error!("key store write failed, refusing service until restarted: {e}");
            KeyStoreError::Storage(e)
        })
    }

    /// Stores a new key; [`KeyStoreError::AlreadyExists`] if the label is taken. Durable when
    /// it returns `Ok`.
    pub fn insert_new(&self, record: &KeyRecord) -> Result<(), KeyStoreError> {
        let label = Label::parse_stored(&record.label).map_err(|e| KeyStoreError::Corrupt {
            name: record.label.clone(),
            reason: e.to_string(),
        })?;
        self.modify(&label, |current| match current {
            None => Ok(Some(record.clone())),
            Some(_) => Err(KeyStoreError::AlreadyExists),
        })?
        .map(|_| ())
    }

    /// Reads the key stored under `label`.
    pub fn get(&self, label: &Label) -> Result<Option<KeyRecord>, KeyStoreError> {
        if !self.is_healthy() {
            return self
                .acknowledged()
                .get(label.as_str())
                .map(|bytes| KeyRecord::decode(label.as_str(), bytes))
                .transpose();
        }
        let Some(bytes) = self.keys.get(label.as_str())? else {
            return Ok(None);
        };
        let lock = || self.decoded.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((known, record)) = lock().get(label.as_str())
            && *known == bytes
        {
            return Ok(Some(record.clone()));
        }
        let record = KeyRecord::decode(label.as_str(), &bytes)?;
        let mut decoded = lock();
        if decoded.len() >= DECODED_RECORDS && !decoded.contains_key(label.as_str()) {
            // Full: start over rather than track use; a miss costs one decode.
            decoded.clear();
        }
        decoded.insert(label.as_str().to_owned(), (bytes, record.clone()));
        Ok(Some(record))
    }

    /// Deletes the key under `label` if `check` accepts it. Returns `None` when there is no
    /// such key.
    pub fn remove_if<E>(
        &self,
        label: &Label,
        check: impl Fn(&KeyRecord) -> Result<(), E>,
    ) -> Result<Option<Result<(), E>>, KeyStoreError> {
        let mut existed = true;
        let outcome = self.modify(label, |current| match current {
            None => {
                existed = false;
                Ok(None)
            }
            Some(record) => check(record).map(|()| None),
        })?;
        Ok(existed.then(|| outcome.map(|_| ())))
    }

    /// Atomically replaces what is stored under `label` by what `change` makes of it (`None`:
    /// absent / delete). `change` may run more than once if another writer interferes, and
    /// its refusal is returned untouched. Durable when it returns `Ok(Ok(_))`; if the flush
    /// fails the old state is put back, so a failed request leaves nothing behind.
    pub fn modify<E>(
        &self,
        label: &Label,
        change: impl FnMut(Option<&KeyRecord>) -> Result<Option<KeyRecord>, E>,
    ) -> Result<Result<Option<KeyRecord>, E>, KeyStoreError> {
        let key = label.as_str();
        self.swap_record(
            &self.keys,
            key,
            KeyRecord::decode,
            KeyRecord::encode,
            change,
            || self.acknowledge(key),
        )
    }

    /// The compare-and-swap loop behind [`Self::modify`] for any tree of records: `change`
    /// reruns when another writer interferes, its refusal is returned untouched, the swap is
    /// flushed (and undone if the flush fails), then `written` runs.
    fn swap_record<T, E>(
        &self,
        tree: &Tree,
        key: &str,
        decode: fn(&str, &[u8]) -> Result<T, KeyStoreError>,
        encode: fn(&T) -> Result<Vec<u8>, KeyStoreError>,
        mut change: impl FnMut(Option<&T>) -> Result<Option<T>, E>,
        written: impl FnOnce() -> Result<(), KeyStoreError>,
    ) -> Result<Result<Option<T>, E>, KeyStoreError> {
        loop {
            self.check()?;
            let current_bytes = tree.get(key)?;
            let current = current_bytes
                .as_ref()
                .map(|bytes| decode(key, bytes))
                .transpose()?;
            let next = match change(current.as_ref()) {
                Ok(next) => next,
                Err(refusal) => return Ok(Err(refusal)),
            };
            if next.is_none() && current.is_none() {
                return Ok(Ok(None));
            }
            let next_bytes = next.as_ref().map(encode).transpose()?;
            let swapped = self.write(|| {
                tree.compare_and_swap(key, current_bytes.as_deref(), next_bytes.as_deref())
            })?;
            if swapped.is_err() {
                continue;
            }
            if let Err(e) = self.write(|| self.db.flush()) {
                let _ = tree.compare_and_swap(key, next_bytes.as_deref(), current_bytes.as_deref());
                return Err(e);
            }
            written()?;
            return Ok(Ok(next));
        }
    }

    /// Every key record, in label order.
    pub fn records(&self) -> Result<Vec<KeyRecord>, KeyStoreError> {
        if !self.is_healthy() {
            return self
                .acknowledged()
                .iter()
                .map(|(key, bytes)| KeyRecord::decode(key, bytes))
                .collect();
        }
        self.keys
            .entries()?
            .into_iter()
            .map(|(key, bytes)| KeyRecord::decode(&String::from_utf8_lossy(&key), &bytes))
            .collect()
    }

    /// Replaces every key by `records` in one atomic batch (sled applies a batch entirely or
    /// not at all), then flushes. Other trees (attestation key, RSA pool) are untouched.
    pub fn replace_all(&self, records: &[KeyRecord]) -> Result<(), KeyStoreError> {
        self.check()?;
        let mut entries = Vec::with_capacity(records.len());
        let mut replacement = BTreeMap::new();
        for record in records {
            let bytes = record.encode()?;
            entries.push((record.label.as_bytes().to_vec(), bytes.clone()));
            replacement.insert(record.label.clone(), bytes);
        }
        self.write(|| self.keys.replace_all(entries))?;
        self.write(|| self.db.flush())?;
        *self
            .acknowledged
            .write()
            .unwrap_or_else(PoisonError::into_inner) = replacement;
        Ok(())
    }

    /// Every key label, in byte order.
    pub fn labels(&self) -> Result<Vec<String>, KeyStoreError> {
        if !self.is_healthy() {
            return Ok(self.acknowledged().keys().cloned().collect());
        }
        Ok(self
            .keys
            .entries()?
            .into_iter()
            .map(|(key, _)| String::from_utf8_lossy(&key).into_owned())
            .collect())
    }

    /// The number of keys stored.
    ///
    /// From the acknowledged records once the store is read-only: iterating sled's tree after
    /// a failed write was seen to never return.
    pub fn key_count(&self) -> Result<usize, KeyStoreError> {
        if !self.is_healthy() {
            return Ok(self.acknowledged().len());
        }
        Ok(self.keys.len())
    }

    /// Bytes the store occupies on disk.
    ///
    /// Sums the files of the data directory rather than asking sled: after a failed write
    /// (disk full) sled's own figure blocks forever.
    pub fn size_on_disk(&self) -> Result<u64, KeyStoreError> {
        let Some(dir) = &self.dir else {
            return Ok(self.db.size_on_disk()?);
        };
        let io = |e: std::io::Error| KeyStoreError::Storage(sled::Error::Io(e));
        let mut total = 0;
        let mut pending = vec![dir.clone()];
        while let Some(folder) = pending.pop() {
            for entry in std::fs::read_dir(&folder).map_err(io)? {
                let entry = entry.map_err(io)?;
                let metadata = entry.metadata().map_err(io)?;
                if metadata.is_dir() {
                    pending.push(entry.path());
                } else {
                    total += metadata.len();
                }
            }
        }
        Ok(total)
    }

    /// Reads one of the emulator's own objects.
    pub fn meta(&self, name: &str) -> Result<Option<Vec<u8>>, KeyStoreError> {
        self.check()?;
        Ok(self.meta.get(name)?.map(|bytes| bytes.to_vec()))
    }

    /// Stores one of the emulator's own objects unless it exists; returns the stored value
    /// (the existing one if another writer won). Durable when it returns.
    pub fn meta_insert_if_absent(
        &self,
        name: &str,
        value: &[u8],
    ) -> Result<Vec<u8>, KeyStoreError> {
        let stored =
            match self.write(|| self.meta.compare_and_swap(name, None::<&[u8]>, Some(value)))? {
                Ok(()) => value.to_vec(),
                Err(clash) => clash
                    .current
                    .map(|v| v.to_vec())
                    .unwrap_or_else(|| value.to_vec()),
            };
        self.write(|| self.db.flush())?;
        Ok(stored)
    }

    /// Adds a pre-generated RSA key (PKCS#8 DER) of `bits` to the pool; durable when it returns.
    pub fn pool_push(&self, bits: u32, pkcs8: &SecretBytes) -> Result<(), KeyStoreError> {
        let mut id = bits.to_be_bytes().to_vec();
        id.extend(self.write(|| self.db.generate_id())?.to_be_bytes());
        self.write(|| self.pool.insert(id, pkcs8.expose()))?;
        self.write(|| self.db.flush())?;
        Ok(())
    }

    /// Takes one pooled key of `bits` out of the pool. The removal is a compare-and-swap, so a
    /// key is handed out once even to concurrent callers; the caller's next flushed write
    /// makes the removal durable.
    pub fn pool_take(&self, bits: u32) -> Result<Option<SecretBytes>, KeyStoreError> {
        self.check()?;
        for (id, pkcs8) in self.pool.scan_prefix(bits.to_be_bytes())? {
            if self
                .write(|| self.pool.compare_and_swap(&id, Some(&pkcs8), None::<&[u8]>))?
                .is_ok()
            {
                return Ok(Some(SecretBytes::new(pkcs8.to_vec())));
            }
        }
        Ok(None)
    }

    /// How many pooled keys of `bits` are ready.
    pub fn pool_len(&self, bits: u32) -> usize {
        if !self.is_healthy() {
            return 0;
        }
        self.pool
            .scan_prefix(bits.to_be_bytes())
            .map_or(0, |entries| entries.len())
    }

    /// Writes everything to disk (on shutdown; every write already flushes itself).
    pub fn flush(&self) -> Result<(), KeyStoreError> {
        self.write(|| self.db.flush())?;
        Ok(())
    }
}

/// Creates `dir` (and missing parents) with mode 0700 on Unix.
fn create_private_dir(dir: &Path) -> Result<(), KeyStoreError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| KeyStoreError::Storage(sled::Error::Io(e)))
}

/// Sets the store folder, its subfolders (0700) and files (0600) private on Unix.
fn restrict_permissions(dir: &Path) -> Result<(), KeyStoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let io = |e: std::io::Error| KeyStoreError::Storage(sled::Error::Io(e));
        let mut pending = vec![dir.to_path_buf()];
        while let Some(folder) = pending.pop() {
            std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700))
                .map_err(io)?;
            for entry in std::fs::read_dir(&folder).map_err(io)? {
                let entry = entry.map_err(io)?;
                let kind = entry.file_type().map_err(io)?;
                if kind.is_dir() {
                    pending.push(entry.path());
                } else if kind.is_file() {
                    std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o600))
                        .map_err(io)?;
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
