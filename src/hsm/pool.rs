//! A pool of pre-generated RSA keys, topped up by one background thread and kept in the key
//! store, so `POST /v1/key` for RSA does not wait for key generation (about 0.6 s for
//! RSA-4096 in a release build, seconds on a busy CI machine).
//!
//! Trade-offs: pooled keys are fresh random keys like on-demand ones, generated ahead of
//! time. The pool costs one thread and, while filling, one core; when full it sleeps until a
//! key is taken. Memory is small (a pooled RSA-4096 key is about 2.4 KB of PKCS#8), and the
//! depth caps it. Keys survive restarts, so a restarted emulator does not start cold. Sizes
//! join the pool when first requested; RSA-4096 (the default size) is there from the start.

use super::RsaKeySupply;
use crate::crypto::rsa;
use crate::domain::RsaBits;
use crate::keystore::KeyStore;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// What the worker and the handle share.
struct Shared {
    store: KeyStore,
    depth: usize,
    state: Mutex<State>,
    wake: Condvar,
}

struct State {
    /// Sizes kept topped up, largest first.
    sizes: Vec<RsaBits>,
    stop: bool,
}

/// The pool: a [`RsaKeySupply`] backed by the key store.
pub struct RsaPool {
    shared: Arc<Shared>,
    worker: Option<JoinHandle<()>>,
}

impl RsaPool {
    /// Starts the worker; `sizes` are topped up from the start (more join when requested).
    pub fn start(store: KeyStore, depth: usize, sizes: &[RsaBits]) -> std::io::Result<Self> {
        let mut sizes = sizes.to_vec();
        sizes.sort_by(|a, b| b.cmp(a));
        sizes.dedup();
        let shared = Arc::new(Shared {
            store,
            depth,
            state: Mutex::new(State { sizes, stop: false }),
            wake: Condvar::new(),
        });
        let worker_shared = Arc::clone(&shared);
        let worker = std::thread::Builder::new()
            .name("rsa-pool".to_owned())
            .spawn(move || fill(&worker_shared))?;
        Ok(Self {
            shared,
            worker: Some(worker),
        })
    }

    /// Pooled keys ready per size, largest size first.
    pub fn ready(&self) -> Vec<(RsaBits, usize)> {
        let sizes = match self.shared.state.lock() {
            Ok(state) => state.sizes.clone(),
            Err(poisoned) => poisoned.into_inner().sizes.clone(),
        };
        sizes
            .into_iter()
            .map(|bits| (bits, self.shared.store.pool_len(bits.bits())))
            .collect()
    }

    /// The depth each size is kept at.
    pub fn depth(&self) -> usize {
        self.shared.depth
    }
}

impl RsaKeySupply for RsaPool {
    fn take(&self, bits: RsaBits) -> Option<rsa::PrivateKey> {
        // RSA-8192 keys take tens of seconds of a core each: a suite that creates one gets it
        // on demand rather than a pool of them generated behind its back.
        if bits == RsaBits::B8192 {
            return None;
        }
        // The std mutex is right here: it is held for a vector push, never across an await.
        if let Ok(mut state) = self.shared.state.lock()
            && !state.sizes.contains(&bits)
        {
            state.sizes.push(bits);
            state.sizes.sort_by(|a, b| b.cmp(a));
        }
        let taken = self.shared.store.pool_take(bits.bits());
        self.shared.wake.notify_one();
        match taken {
            Ok(Some(pkcs8)) => rsa::decode_private(pkcs8.expose()).ok(),
            Ok(None) => None,
            Err(error) => {
                tracing::warn!(%error, "could not take a pooled RSA key; generating one");
                None
            }
        }
    }
}

impl Drop for RsaPool {
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

/// The worker: generate while some size is below depth, otherwise sleep until woken.
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
                    .sizes
                    .iter()
                    .copied()
                    .find(|bits| shared.store.pool_len(bits.bits()) < shared.depth);
                match short {
                    Some(bits) => break bits,
                    None => match shared.wake.wait(state) {
                        Ok(guard) => state = guard,
                        Err(_) => return,
                    },
                }
            }
        };
        let stored = rsa::generate(&mut rng, next)
            .and_then(|key| rsa::encode_private(&key))
            .map_err(|e| e.to_string())
            .and_then(|pkcs8| {
                shared
                    .store
                    .pool_push(next.bits(), &pkcs8)
                    .map_err(|e| e.to_string())
            });
        if let Err(error) = stored {
            tracing::warn!(%error, bits = next.bits(), "RSA pool could not add a key");
            // Do not spin on a failing store (a full disk, say): retry later.
            if let Ok(state) = shared.state.lock() {
                let _ = shared.wake.wait_timeout(state, Duration::from_secs(5));
            }
        }
    }
}
