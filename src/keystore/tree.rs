//! The store's two backends behind one small interface: sled trees on disk, or ordered maps
//! in the process's memory for `--in-memory`. sled's own "temporary" mode is not used for
//! the latter: it keeps its files under `/dev/shm` or the temp folder and removes them only
//! on a clean exit, so a `kill -9` left key material in a file (issue 22).

use sled::{CompareAndSwapError, IVec};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

/// The database: a sled database, or nothing but an id counter in memory.
#[derive(Clone)]
pub(super) enum Db {
    Sled(sled::Db),
    Memory(Arc<AtomicU64>),
}

/// One named tree of a [`Db`].
#[derive(Clone)]
pub(super) enum Tree {
    Sled(sled::Tree),
    Memory(Arc<RwLock<BTreeMap<Vec<u8>, IVec>>>),
}

impl Db {
    /// A database whose trees live in memory only.
    pub(super) fn memory() -> Self {
        Self::Memory(Arc::default())
    }

    pub(super) fn open_tree(&self, name: &str) -> sled::Result<Tree> {
        match self {
            Self::Sled(db) => db.open_tree(name).map(Tree::Sled),
            Self::Memory(_) => Ok(Tree::Memory(Arc::default())),
        }
    }

    /// Makes every write durable (nothing to do in memory: nothing is ever on disk).
    pub(super) fn flush(&self) -> sled::Result<()> {
        match self {
            Self::Sled(db) => db.flush().map(|_| ()),
            Self::Memory(_) => Ok(()),
        }
    }

    pub(super) fn generate_id(&self) -> sled::Result<u64> {
        match self {
            Self::Sled(db) => db.generate_id(),
            Self::Memory(next) => Ok(next.fetch_add(1, Ordering::SeqCst)),
        }
    }

    pub(super) fn size_on_disk(&self) -> sled::Result<u64> {
        match self {
            Self::Sled(db) => db.size_on_disk(),
            Self::Memory(_) => Ok(0),
        }
    }
}

type Map = BTreeMap<Vec<u8>, IVec>;

impl Tree {
    fn read(map: &RwLock<Map>) -> std::sync::RwLockReadGuard<'_, Map> {
        // Every change replaces whole entries, so a panic elsewhere leaves none half-written.
        map.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(map: &RwLock<Map>) -> std::sync::RwLockWriteGuard<'_, Map> {
        map.write().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn get(&self, key: impl AsRef<[u8]>) -> sled::Result<Option<IVec>> {
        match self {
            Self::Sled(tree) => tree.get(key),
            Self::Memory(map) => Ok(Self::read(map).get(key.as_ref()).cloned()),
        }
    }

    /// Sets `key` to `new` (`None`: removes it) if it is `old` now, atomically.
    pub(super) fn compare_and_swap(
        &self,
        key: impl AsRef<[u8]>,
        old: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> sled::Result<Result<(), CompareAndSwapError>> {
        match self {
            Self::Sled(tree) => tree.compare_and_swap(key, old, new),
            Self::Memory(map) => {
                let mut map = Self::write(map);
                let key = key.as_ref();
                let current = map.get(key);
                if current.map(|value| value.as_ref()) != old {
                    return Ok(Err(CompareAndSwapError {
                        current: current.cloned(),
                        proposed: new.map(IVec::from),
                    }));
                }
                match new {
                    Some(value) => map.insert(key.to_vec(), IVec::from(value)),
                    None => map.remove(key),
                };
                Ok(Ok(()))
            }
        }
    }

    pub(super) fn insert(&self, key: impl AsRef<[u8]>, value: &[u8]) -> sled::Result<()> {
        match self {
            Self::Sled(tree) => tree.insert(key, value).map(|_| ()),
            Self::Memory(map) => {
                Self::write(map).insert(key.as_ref().to_vec(), IVec::from(value));
                Ok(())
            }
        }
    }

    /// Removes `key`; the value it had.
    pub(super) fn remove(&self, key: impl AsRef<[u8]>) -> sled::Result<Option<IVec>> {
        match self {
            Self::Sled(tree) => tree.remove(key),
            Self::Memory(map) => Ok(Self::write(map).remove(key.as_ref())),
        }
    }

    /// Every entry, in key order.
    pub(super) fn entries(&self) -> sled::Result<Vec<(IVec, IVec)>> {
        self.scan_prefix([])
    }

    /// The entries whose key starts with `prefix`, in key order.
    pub(super) fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> sled::Result<Vec<(IVec, IVec)>> {
        let prefix = prefix.as_ref();
        match self {
            Self::Sled(tree) => tree.scan_prefix(prefix).collect(),
            Self::Memory(map) => Ok(Self::read(map)
                .range(prefix.to_vec()..)
                .take_while(|(key, _)| key.starts_with(prefix))
                .map(|(key, value)| (IVec::from(key.as_slice()), value.clone()))
                .collect()),
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Self::Sled(tree) => tree.len(),
            Self::Memory(map) => Self::read(map).len(),
        }
    }

    /// Replaces every entry by `entries` atomically (sled: one batch, applied entirely or
    /// not at all).
    pub(super) fn replace_all(&self, entries: Vec<(Vec<u8>, Vec<u8>)>) -> sled::Result<()> {
        match self {
            Self::Sled(tree) => {
                let mut batch = sled::Batch::default();
                for key in tree.iter().keys() {
                    batch.remove(key?);
                }
                for (key, value) in entries {
                    batch.insert(key, value);
                }
                tree.apply_batch(batch)
            }
            Self::Memory(map) => {
                *Self::write(map) = entries
                    .into_iter()
                    .map(|(key, value)| (key, IVec::from(value)))
                    .collect();
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_tree_swaps_only_from_the_expected_value() {
        let tree = Db::memory().open_tree("keys").expect("tree");
        assert!(
            tree.compare_and_swap(b"a", None, Some(b"1"))
                .expect("cas")
                .is_ok()
        );
        let clash = tree
            .compare_and_swap(b"a", None, Some(b"2"))
            .expect("cas")
            .expect_err("a exists");
        assert_eq!(clash.current.as_deref(), Some(&b"1"[..]));
        assert!(
            tree.compare_and_swap(b"a", Some(b"1"), None)
                .expect("cas")
                .is_ok()
        );
        assert_eq!(tree.get(b"a").expect("get"), None);
    }

    #[test]
    fn the_memory_tree_scans_prefixes_in_order_and_replaces_all_at_once() {
        let tree = Db::memory().open_tree("pool").expect("tree");
        for key in [&b"b2"[..], b"a1", b"b1", b"c1"] {
            tree.insert(key, b"v").expect("insert");
        }
        let keys: Vec<IVec> = tree
            .scan_prefix(b"b")
            .expect("scan")
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        assert_eq!(keys, [IVec::from(&b"b1"[..]), IVec::from(&b"b2"[..])]);
        tree.replace_all(vec![(b"z".to_vec(), b"w".to_vec())])
            .expect("replace");
        assert_eq!(tree.len(), 1);
        assert_eq!(tree.entries().expect("entries")[0].1, IVec::from(&b"w"[..]));
    }
}
