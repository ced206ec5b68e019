//! A bounded in-memory cache of decoded signing keys, so a signature does not pay for parsing
//! and checking the stored PKCS#8 key every time.
//!
//! Profiled with `cargo bench --bench crypto -- sign_path`: decoding is about 65% of a P-256
//! signature (the embedded public key is checked with a scalar multiplication, and another
//! computes the verifying key), about 45% of an Ed25519 signature, and about 5% of an RSA-2048
//! one. Entries are keyed by SHA-256 of the stored key material, so a changed or re-imported
//! key can never hit a stale entry; deleting a key drops its entry. Decoded keys zeroize their
//! secrets when dropped (evicted or forgotten).

use crate::crypto::{CryptoError, ec, ed25519, rsa};
use crate::domain::{Curve, SecretBytes};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

/// Entries kept; the oldest goes first when full. A decoded RSA-4096 key is a few KiB.
pub(super) const CAPACITY: usize = 1024;

/// A key decoded and checked once, ready to sign.
pub(super) enum DecodedKey {
    /// An RSA key with its CRT values.
    Rsa(rsa::PrivateKey),
    /// An EC private scalar (see `crypto::ec::private_scalar`).
    EcScalar(SecretBytes),
    /// An Ed25519 key with its public half.
    Ed25519(ed25519::Ed25519Key),
}

type Fingerprint = [u8; 32];

/// The cache; cheap to share.
pub(super) struct KeyCache {
    state: Mutex<State>,
    capacity: usize,
}

#[derive(Default)]
struct State {
    entries: HashMap<Fingerprint, Arc<DecodedKey>>,
    order: VecDeque<Fingerprint>,
}

impl KeyCache {
    /// An empty cache holding at most `capacity` keys (0: cache nothing).
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            state: Mutex::new(State::default()),
            capacity,
        }
    }

    /// The decoded form of `material`, decoding it with `decode` on a miss. A failed decode
    /// is not cached.
    pub(super) fn get_or_decode(
        &self,
        material: &[u8],
        decode: impl FnOnce(&[u8]) -> Result<DecodedKey, CryptoError>,
    ) -> Result<Arc<DecodedKey>, CryptoError> {
        let fingerprint = fingerprint(material);
        if let Some(hit) = self.lock().entries.get(&fingerprint) {
            return Ok(Arc::clone(hit));
        }
        // Decode outside the lock: other signatures go on meanwhile. Two racing misses both
        // decode; the second insert finds the first and keeps it.
        let decoded = Arc::new(decode(material)?);
        if self.capacity == 0 {
            return Ok(decoded);
        }
        let mut state = self.lock();
        if let Some(existing) = state.entries.get(&fingerprint) {
            return Ok(Arc::clone(existing));
        }
        while state.entries.len() >= self.capacity {
            match state.order.pop_front() {
                Some(oldest) => {
                    state.entries.remove(&oldest);
                }
                None => break,
            }
        }
        state.entries.insert(fingerprint, Arc::clone(&decoded));
        state.order.push_back(fingerprint);
        Ok(decoded)
    }

    /// Runs `sign` with the RSA key stored as `material` (PKCS#8 DER).
    pub(super) fn with_rsa<T>(
        &self,
        material: &[u8],
        sign: impl FnOnce(&rsa::PrivateKey) -> Result<T, CryptoError>,
    ) -> Result<T, CryptoError> {
        match &*self.get_or_decode(material, |m| Ok(DecodedKey::Rsa(rsa::decode_private(m)?)))? {
            DecodedKey::Rsa(key) => sign(key),
            _ => Err(mismatch()),
        }
    }

    /// Runs `sign` with the private scalar of the EC key on `curve` stored as `material`.
    pub(super) fn with_ec_scalar<T>(
        &self,
        curve: Curve,
        material: &[u8],
        sign: impl FnOnce(&[u8]) -> Result<T, CryptoError>,
    ) -> Result<T, CryptoError> {
        let decoded = self.get_or_decode(material, |m| {
            Ok(DecodedKey::EcScalar(ec::private_scalar(curve, m)?))
        })?;
        match &*decoded {
            DecodedKey::EcScalar(scalar) => sign(scalar.expose()),
            _ => Err(mismatch()),
        }
    }

    /// Runs `sign` with the Ed25519 key stored as `material`.
    pub(super) fn with_ed25519<T>(
        &self,
        material: &[u8],
        sign: impl FnOnce(&ed25519::Ed25519Key) -> T,
    ) -> Result<T, CryptoError> {
        let decoded = self.get_or_decode(material, |m| {
            Ok(DecodedKey::Ed25519(ed25519::decode_key(m)?))
        })?;
        match &*decoded {
            DecodedKey::Ed25519(key) => Ok(sign(key)),
            _ => Err(mismatch()),
        }
    }

    /// Drops the entry of `material` (its key was deleted).
    pub(super) fn forget(&self, material: &[u8]) {
        let fingerprint = fingerprint(material);
        let mut state = self.lock();
        if state.entries.remove(&fingerprint).is_some() {
            state.order.retain(|entry| *entry != fingerprint);
        }
    }

    /// Keys held now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().entries.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent between statements, so a panic elsewhere cannot leave
        // it half-updated.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The same bytes decoded as another key type: cannot happen for valid keys (the PKCS#8
/// names its algorithm), so it is an invalid key.
fn mismatch() -> CryptoError {
    CryptoError::InvalidKey("the stored key does not match its algorithm".into())
}

fn fingerprint(material: &[u8]) -> Fingerprint {
    Sha256::digest(material).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(byte: u8) -> Result<DecodedKey, CryptoError> {
        Ok(DecodedKey::EcScalar(SecretBytes::new(vec![byte; 32])))
    }

    #[test]
    fn a_hit_does_not_decode_again() {
        let cache = KeyCache::new(4);
        cache
            .get_or_decode(b"key-a", |_| scalar(1))
            .expect("decoded");
        let hit = cache
            .get_or_decode(b"key-a", |_| panic!("decoded twice"))
            .expect("hit");
        assert!(matches!(&*hit, DecodedKey::EcScalar(s) if s.expose() == [1; 32]));
    }

    #[test]
    fn the_oldest_entry_goes_when_full_and_failures_are_not_kept() {
        let cache = KeyCache::new(2);
        for (material, byte) in [(&b"a"[..], 1), (b"b", 2), (b"c", 3)] {
            cache
                .get_or_decode(material, |_| scalar(byte))
                .expect("decoded");
        }
        assert_eq!(cache.len(), 2);
        let mut decoded_again = false;
        cache
            .get_or_decode(b"a", |_| {
                decoded_again = true;
                scalar(1)
            })
            .expect("decoded");
        assert!(decoded_again, "the oldest entry was evicted");
        assert!(
            cache
                .get_or_decode(b"bad", |_| Err(CryptoError::InvalidKey("bad".into())))
                .is_err()
        );
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn forgetting_a_key_drops_its_entry() {
        let cache = KeyCache::new(4);
        cache
            .get_or_decode(b"gone", |_| scalar(9))
            .expect("decoded");
        cache.forget(b"gone");
        assert_eq!(cache.len(), 0);
    }
}
