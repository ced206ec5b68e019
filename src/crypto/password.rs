//! Key-password hashing and constant-time comparison.

use crate::domain::{Password, PasswordHash};
use rand::CryptoRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Hashes a new key password with a fresh random salt.
pub fn hash(password: &Password, rng: &mut impl CryptoRng) -> PasswordHash {
    let mut salt = [0u8; 16];
    rng.fill_bytes(&mut salt);
    PasswordHash {
        salt,
        hash: digest(&salt, password),
    }
}

/// Whether `given` unlocks a key protected by `stored`. A key without a password accepts only
/// "no password"; a key with one accepts only the right one.
pub fn matches(stored: Option<&PasswordHash>, given: Option<&Password>) -> bool {
    match (stored, given) {
        (None, None) => true,
        (Some(stored), Some(given)) => bool::from(digest(&stored.salt, given).ct_eq(&stored.hash)),
        _ => false,
    }
}

fn digest(salt: &[u8; 16], password: &Password) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(password.expose());
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(text: &str) -> Option<Password> {
        Password::new(text.to_owned())
    }

    #[test]
    fn only_the_right_password_matches() {
        let right = password("secret");
        let stored = hash(right.as_ref().expect("non-empty"), &mut rand::rng());
        assert!(matches(Some(&stored), right.as_ref()));
        assert!(!matches(Some(&stored), password("Secret").as_ref()));
        assert!(!matches(Some(&stored), None));
        assert!(matches(None, None));
        assert!(!matches(None, right.as_ref()));
    }
}
