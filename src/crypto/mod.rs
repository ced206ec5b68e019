//! Pure, synchronous cryptography on RustCrypto crates: key generation, signatures, CSRs, PEM.
//!
//! No tokio, no sled, no axum. Randomness is always passed in (`&mut impl CryptoRng`), so
//! callers decide between the operating system's generator and a seeded one.

pub mod approval;
pub mod blockchain;
pub mod bls;
pub mod cipher;
pub mod csr;
pub mod dsa;
pub mod ec;
pub mod ed25519;
mod extensions;
pub mod hash;
pub mod jwt;
mod name;
pub mod onboarding;
pub mod password;
pub mod pem;
pub mod pqc;
pub mod rsa;
pub mod signer;
pub mod symmetric;
#[cfg(test)]
mod test_support;
pub mod tls;
pub mod x509;

/// What can go wrong in a cryptographic operation. Messages never contain key material.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// Key generation failed.
    #[error("key generation failed: {0}")]
    KeyGeneration(String),
    /// Stored or supplied key material could not be decoded.
    #[error("invalid key material: {0}")]
    InvalidKey(String),
    /// The signature primitive failed.
    #[error("signing failed: {0}")]
    Signing(String),
    /// A value could not be DER-encoded (e.g. a subject value not allowed in its string type).
    #[error("encoding failed: {0}")]
    Encoding(#[from] der::Error),
    /// A subject attribute value is not acceptable (message names the attribute).
    #[error("{0}")]
    InvalidSubject(String),
    /// The payload or signature does not fit the algorithm (wrong digest length, too long
    /// for the key, malformed signature); the message says what is wrong.
    #[error("{0}")]
    InvalidInput(String),
    /// A GCM tag length outside 64, 96, 104, 112, 120, 128 bits.
    #[error("Error specified tagLength not supported.")]
    UnsupportedTagLength,
    /// Decryption failed (wrong key, IV, tag, AAD or padding); deliberately says nothing more.
    #[error("Error decrypting payload")]
    DecryptionFailed,
    /// A signature that should verify (a CSR's) does not.
    #[error("{0}")]
    BadSignature(String),
    /// The key cannot do what was asked (e.g. an `ETH` signature with a non-secp256k1 key).
    #[error("{0}")]
    Unsupported(String),
}
