//! Key passwords: secrets that never reach logs, errors or `Debug` output.

use std::fmt;
use zeroize::Zeroizing;

/// A key password as the client sent it (a JSON string or an array of one-character strings,
/// already joined). An empty password means "no password".
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a password; `None` for an empty one, which the TSB treats as absent.
    pub fn new(secret: String) -> Option<Self> {
        let secret = Zeroizing::new(secret);
        (!secret.is_empty()).then_some(Self(secret))
    }

    /// The secret bytes, for hashing and comparison only.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A salted SHA-256 of a key password, as stored (the emulator is a test double, not a
/// vault: see `docs/decisions.md`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PasswordHash {
    /// Random salt.
    pub salt: [u8; 16],
    /// SHA-256(salt || password).
    pub hash: [u8; 32],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_secret() {
        let password = Password::new("hunter2".into()).expect("non-empty");
        assert!(!format!("{password:?}").contains("hunter2"));
    }

    #[test]
    fn an_empty_password_is_no_password() {
        assert!(Password::new(String::new()).is_none());
    }
}
