//! A pool of pre-generated keys of the slow kinds (RSA, and the stateful XMSS and LMS keys),
//! topped up by one background thread and kept in the key store, so `POST /v1/key` does not
//! wait for key generation (about 0.6 s for RSA-4096 and 2.6 to 5.7 s for an XMSS key in a
//! release build, more on a busy CI machine).
//!
//! Trade-offs: pooled keys are fresh random keys like on-demand ones, generated ahead of
//! time by the same functions. The pool costs one thread and, while filling, one core; when
//! full it sleeps until a key is taken. Memory is small (a pooled RSA-4096 key is about 2.4 KB
//! of PKCS#8, an XMSS key with its 1024 leaves about 33 KB), and the depth caps it. Keys survive
//! restarts, so a restarted emulator does not start cold. Kinds join the pool when first
//! requested; RSA-4096 (the default size) is there from the start. A key leaves the pool by
//! compare-and-swap, so it is handed out once; a stateful key leaves it unused, and its
//! one-time index starts at 0 when it becomes a key.

use super::RsaKeySupply;
use crate::crypto::pqc::{lms, xmss};
use crate::crypto::rsa;
use crate::domain::{KeySpec, LmsHeight, RsaBits, SecretBytes, XmssParams};
use crate::keystore::KeyStore;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// A kind of key the pool keeps ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooled {
    /// An RSA key of this size.
    Rsa(RsaBits),
    /// An LMS key with a tree of this height.
    Lms(LmsHeight),
    /// An XMSS key of this parameter set.
    Xmss(XmssParams),
}

impl Pooled {
    /// The kind `spec` asks for, if the pool keeps such keys (RSA-8192 is never pooled: tens
    /// of seconds of a core per key, behind the back of a suite that made one).
    pub fn of(spec: KeySpec) -> Option<Self> {
        match spec {
            KeySpec::Rsa(RsaBits::B8192) => None,
            KeySpec::Rsa(bits) => Some(Self::Rsa(bits)),
            KeySpec::Lms(height) => Some(Self::Lms(height)),
            KeySpec::Xmss(params) => Some(Self::Xmss(params)),
            _ => None,
        }
    }

    /// The key store's pool slot: the size in bits for RSA (as stored before stateful keys
    /// joined, so a warm store stays warm), tagged codes for the others.
    fn slot(self) -> u32 {
        match self {
            Self::Rsa(bits) => bits.bits(),
            Self::Lms(LmsHeight::H5) => 0x4c4d_0005,
            Self::Lms(LmsHeight::H10) => 0x4c4d_000a,
            Self::Xmss(XmssParams::Sha2_10_256) => 0x584d_0001,
            Self::Xmss(XmssParams::Shake256_10_256) => 0x584d_0010,
        }
    }

    /// How the statistics name it.
    fn describe(self) -> String {
        match self {
            Self::Rsa(bits) => format!("RSA-{}", bits.bits()),
            Self::Lms(height) => format!("LMS-H{}", height.height()),
            Self::Xmss(params) => params.name().to_owned(),
        }
    }

    /// A fresh key as the pool stores it: PKCS#8 for RSA; for a stateful key the private key
    /// and the DER SPKI, the first prefixed with its length (the SPKI is slow to recompute).
    fn generate(self, rng: &mut impl rand::CryptoRng) -> Result<SecretBytes, String> {
        let pair = |(private, public): (SecretBytes, Vec<u8>)| {
            let length = u32::try_from(private.expose().len()).map_err(|e| e.to_string())?;
            let mut stored = Vec::with_capacity(4 + private.expose().len() + public.len());
            stored.extend(length.to_be_bytes());
            stored.extend_from_slice(private.expose());
            stored.extend(public);
            Ok(SecretBytes::new(stored))
        };
        match self {
            Self::Rsa(bits) => rsa::generate(rng, bits)
                .and_then(|key| rsa::encode_private(&key))
                .map_err(|e| e.to_string()),
            Self::Lms(height) => pair(lms::generate(height, rng).map_err(|e| e.to_string())?),
            Self::Xmss(params) => pair(xmss::generate(params, rng).map_err(|e| e.to_string())?),
        }
    }
}

/// Splits a stored stateful key into its private key and DER SPKI.
fn split_pair(stored: &SecretBytes) -> Option<(SecretBytes, Vec<u8>)> {
    let (length, rest) = stored.expose().split_first_chunk::<4>()?;
    let length = usize::try_from(u32::from_be_bytes(*length)).ok()?;
    (rest.len() > length).then(|| {
        (
            SecretBytes::new(rest[..length].to_vec()),
            rest[length..].to_vec(),
        )
    })
}

/// What the worker and the handle share.
struct Shared {
    store: KeyStore,
    depth: usize,
    state: Mutex<State>,
    wake: Condvar,
}

struct State {
    /// Kinds kept topped up: RSA largest first, then the stateful kinds as they joined.
    kinds: Vec<Pooled>,
    stop: bool,
}

/// The pool: a [`RsaKeySupply`] backed by the key store.
pub struct KeyPool {
    shared: Arc<Shared>,
    worker: Option<JoinHandle<()>>,
}

impl KeyPool {
    /// Starts the worker; RSA `sizes` are topped up from the start (more kinds join when
    /// requested).
    pub fn start(store: KeyStore, depth: usize, sizes: &[RsaBits]) -> std::io::Result<Self> {
        let mut kinds = Vec::new();
        for bits in sizes {
            join(&mut kinds, Pooled::Rsa(*bits));
        }
        let shared = Arc::new(Shared {
            store,
            depth,
            state: Mutex::new(State { kinds, stop: false }),
            wake: Condvar::new(),
        });
        let worker_shared = Arc::clone(&shared);
        let worker = std::thread::Builder::new()
            .name("key-pool".to_owned())
            .spawn(move || fill(&worker_shared))?;
        Ok(Self {
            shared,
            worker: Some(worker),
        })
    }

    /// Pooled RSA keys ready per size, largest size first.
    pub fn ready(&self) -> Vec<(RsaBits, usize)> {
        self.kinds()
            .into_iter()
            .filter_map(|kind| match kind {
                Pooled::Rsa(bits) => Some((bits, self.shared.store.pool_len(kind.slot()))),
                _ => None,
            })
            .collect()
    }

    /// Pooled stateful keys ready per kind, in the order the kinds joined.
    pub fn ready_stateful(&self) -> Vec<(String, usize)> {
        self.kinds()
            .into_iter()
            .filter(|kind| !matches!(kind, Pooled::Rsa(_)))
            .map(|kind| (kind.describe(), self.shared.store.pool_len(kind.slot())))
            .collect()
    }

    /// The depth each kind is kept at.
    pub fn depth(&self) -> usize {
        self.shared.depth
    }

    fn kinds(&self) -> Vec<Pooled> {
        match self.shared.state.lock() {
            Ok(state) => state.kinds.clone(),
            Err(poisoned) => poisoned.into_inner().kinds.clone(),
        }
    }

    /// Takes a pooled key of `kind` (asking for a kind makes it join the pool).
    fn take_stored(&self, kind: Pooled) -> Option<SecretBytes> {
        // The std mutex is right here: it is held for a vector push, never across an await.
        if let Ok(mut state) = self.shared.state.lock() {
            join(&mut state.kinds, kind);
        }
        let taken = self.shared.store.pool_take(kind.slot());
        self.shared.wake.notify_one();
        match taken {
            Ok(taken) => taken,
            Err(error) => {
                tracing::warn!(%error, kind = %kind.describe(), "could not take a pooled key; generating one");
                None
            }
        }
    }
}

/// Adds `kind` to the pool's kinds unless it is there (RSA kept largest first).
fn join(kinds: &mut Vec<Pooled>, kind: Pooled) {
    if kinds.contains(&kind) {
        return;
    }
    let position = match kind {
        Pooled::Rsa(bits) => kinds
            .iter()
            .position(|k| !matches!(k, Pooled::Rsa(other) if *other > bits))
            .unwrap_or(kinds.len()),
        _ => kinds.len(),
    };
    kinds.insert(position, kind);
}

impl RsaKeySupply for KeyPool {
    fn take(&self, bits: RsaBits) -> Option<rsa::PrivateKey> {
        let kind = Pooled::of(KeySpec::Rsa(bits))?;
        let pkcs8 = self.take_stored(kind)?;
        rsa::decode_private(pkcs8.expose()).ok()
    }

    fn take_stateful(&self, spec: KeySpec) -> Option<(SecretBytes, Vec<u8>)> {
        let kind = Pooled::of(spec).filter(|kind| !matches!(kind, Pooled::Rsa(_)))?;
        split_pair(&self.take_stored(kind)?)
    }
}

impl Drop for KeyPool {
    fn drop(&mut self) {
        if let Ok(mut state) = self.shared.state.lock() {
            state.stop = true;
        }
        self.shared.wake.notify_one();
        if let Some(worker) = self.worker.take() {
            // Waits for at most one key generation; the worker holds a store handle, and
            // the store's file lock must be free when the emulator is reopened.
            let _ = worker.join();
        }
    }
}

/// The worker: generate while some kind is below depth, otherwise sleep until woken.
fn fill(shared: &Shared) {
    let mut rng = rand::rng();
    loop {
        let next = {
            let Ok(mut state) = shared.state.lock() else {
                return;
            };
            loop {
                // A stopped store (failed write) takes no more keys: stop generating.
                if state.stop || !shared.store.is_healthy() {
                    return;
                }
                let short = state
                    .kinds
                    .iter()
                    .copied()
                    .find(|kind| shared.store.pool_len(kind.slot()) < shared.depth);
                match short {
                    Some(kind) => break kind,
                    None => match shared.wake.wait(state) {
                        Ok(guard) => state = guard,
                        Err(_) => return,
                    },
                }
            }
        };
        let stored = next.generate(&mut rng).and_then(|key| {
            shared
                .store
                .pool_push(next.slot(), &key)
                .map_err(|e| e.to_string())
        });
        if let Err(error) = stored {
            tracing::warn!(%error, kind = %next.describe(), "the key pool could not add a key");
            // Do not spin on a failing store (a full disk, say): retry later.
            if let Ok(state) = shared.state.lock() {
                let _ = shared.wake.wait_timeout(state, Duration::from_secs(5));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]
    use super::*;

    #[test]
    fn slots_never_collide_and_rsa_keeps_its_old_slots() {
        let kinds = [
            Pooled::Rsa(RsaBits::B1024),
            Pooled::Rsa(RsaBits::B2048),
            Pooled::Rsa(RsaBits::B3072),
            Pooled::Rsa(RsaBits::B4096),
            Pooled::Lms(LmsHeight::H5),
            Pooled::Lms(LmsHeight::H10),
            Pooled::Xmss(XmssParams::Sha2_10_256),
            Pooled::Xmss(XmssParams::Shake256_10_256),
        ];
        let mut slots: Vec<u32> = kinds.iter().map(|k| k.slot()).collect();
        assert_eq!(
            slots[3], 4096,
            "warm RSA-4096 keys of older stores stay usable"
        );
        slots.sort_unstable();
        slots.dedup();
        assert_eq!(slots.len(), kinds.len());
        assert_eq!(Pooled::of(KeySpec::Rsa(RsaBits::B8192)), None);
    }

    #[test]
    fn a_stored_stateful_key_splits_back_into_private_and_public() {
        let stored = Pooled::Lms(LmsHeight::H5)
            .generate(&mut rand::rng())
            .expect("generated");
        let (private, public) = split_pair(&stored).expect("splits");
        assert!(lms::height_of_private(private.expose()).is_some());
        assert_eq!(public.first(), Some(&0x30), "a DER SPKI");
        assert!(split_pair(&SecretBytes::new(vec![0, 0, 0, 9, 1])).is_none());
    }

    #[test]
    fn a_pooled_stateful_key_is_handed_out_once_and_refilled() {
        let store = KeyStore::in_memory().expect("store");
        let pool = KeyPool::start(store.clone(), 1, &[]).expect("starts");
        let spec = KeySpec::Lms(LmsHeight::H5);
        let slot = Pooled::Lms(LmsHeight::H5).slot();
        assert!(
            pool.take_stateful(spec).is_none(),
            "nothing pooled before the first ask"
        );
        let wait_for_one = || {
            for _ in 0..600 {
                if store.pool_len(slot) == 1 {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            panic!("the pool never filled");
        };
        wait_for_one();
        let (first, first_public) = pool.take_stateful(spec).expect("a pooled key");
        wait_for_one();
        let (second, second_public) = pool.take_stateful(spec).expect("another pooled key");
        assert_ne!(first.expose(), second.expose(), "no key twice");
        assert_ne!(first_public, second_public);
        // The pooled key is whole: it signs at index 0 and its own public key verifies that.
        let signature =
            lms::sign(LmsHeight::H5, first.expose(), 0, b"m", &mut rand::rng()).expect("signs");
        assert!(lms::verify(&first_public, b"m", &signature).expect("verifies"));
    }

    #[test]
    fn rsa_kinds_stay_largest_first_and_stateful_kinds_follow() {
        let mut kinds = Vec::new();
        join(&mut kinds, Pooled::Rsa(RsaBits::B2048));
        join(&mut kinds, Pooled::Xmss(XmssParams::Sha2_10_256));
        join(&mut kinds, Pooled::Rsa(RsaBits::B4096));
        join(&mut kinds, Pooled::Rsa(RsaBits::B2048));
        assert_eq!(
            kinds,
            [
                Pooled::Rsa(RsaBits::B4096),
                Pooled::Rsa(RsaBits::B2048),
                Pooled::Xmss(XmssParams::Sha2_10_256)
            ]
        );
    }
}
