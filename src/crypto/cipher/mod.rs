//! Symmetric encryption with secret keys for the TSB's `cipherAlgorithm` values (reference 8.3),
//! and AES key wrap (RFC 3394, RFC 5649; reference 9.3). Pure functions on raw key bytes: which
//! key may use which cipher, and the TSB's error codes, are the caller's business.
//!
//! The TSB documents few details of its modes; the table below is what the emulator does. The
//! server always generates the IV (there is no IV in an encrypt request), from the `rng` passed in.
//!
//! | `cipherAlgorithm` | Key bytes | IV generated | Mode |
//! |---|---|---|---|
//! | `AES_GCM` | 16, 24, 32 | 12 | GCM, the tag appended; AAD |
//! | `AES_CTR` | 16, 24, 32 | 16, the whole initial counter block | CTR, 128-bit big-endian counter (wrapping, as OpenSSL's) |
//! | `AES_CBC_NO_PADDING` | 16, 24, 32 | 16 | CBC, payload a multiple of 16 bytes |
//! | `AES` | 16, 24, 32 | 16 | CBC with PKCS#7 padding (the provider default; unknown in the TSB) |
//! | `AES_ECB` | 16, 24, 32 | none | ECB with PKCS#7 padding |
//! | `CHACHA20` | 32 | 12, the nonce | ChaCha20 (RFC 8439, 32-bit block counter starting at 0) |
//! | `CHACHA20_AEAD` | 32 | 12, the nonce | ChaCha20-Poly1305 (RFC 8439), the 16-byte tag appended; AAD |
//! | `CAMELLIA` | 16, 24, 32 | 16 | CBC with PKCS#7 padding (the provider default; unknown in the TSB) |
//! | `CAMELLIA_CBC_NO_PADDING` | 16, 24, 32 | 16 | CBC, payload a multiple of 16 bytes |
//! | `CAMELLIA_ECB` | 16, 24, 32 | none | ECB with PKCS#7 padding |
//! | `TDEA_CBC` | 24 | 8 | three-key triple DES (EDE) CBC with PKCS#5 (PKCS#7) padding |
//! | `TDEA_CBC_NO_PADDING` | 24 | 8 | three-key triple DES CBC, payload a multiple of 8 bytes |
//! | `TDEA_ECB` | 24 | none | three-key triple DES ECB with PKCS#5 padding |
//!
//! Rules, all failures being [`CryptoError::InvalidInput`]:
//! * `tagLength` (`tag_bits`) applies to `AES_GCM` only: 64, 96, 104, 112, 120 or 128, and 0
//!   means 128 (the value go-kms-wrapping decrypts with). A GCM tag of `t` bits is the first `t`
//!   bits of the full tag (NIST SP 800-38D); aes-gcm has 64-bit tags only behind its `hazmat`
//!   feature, so those are built from the full tag (see `aead`). Any other value, or a non-zero
//!   value for another cipher, is "Error specified tagLength not supported.".
//! * AAD applies to `AES_GCM` and `CHACHA20_AEAD` only. An empty AAD or IV counts as absent,
//!   because clients send JSON `null` or `""` alike for "none".
//! * Decrypt needs the IV of the size above for every mode but ECB, and refuses one for ECB.
//! * A failed tag check, bad padding, or an AEAD input shorter than its tag is
//!   "Error decrypting payload", and says nothing more (no padding oracle beyond that).
//! * No-padding modes refuse a payload that is not a multiple of the block size, naming it.
//! * Keys must have the sizes above. TDEA keys are used as given: parity bits are ignored, as DES
//!   does, and degenerate keys (equal thirds) are not refused.

use super::CryptoError;
use rand::CryptoRng;

/// `match $value`, running `$body` with `$T` bound to the matching arm's type. No match (which
/// the size checks rule out) is an error rather than a panic.
macro_rules! dispatch {
    ($value:expr, $T:ident => $body:expr; $($pattern:pat => $type:ty,)+) => {
        match $value {
            $($pattern => {
                type $T = $type;
                $body
            })+
            _ => Err($crate::crypto::cipher::no_implementation()),
        }
    };
}

/// Runs `$body` with `$A` bound to the AES variant for a key of `$len` bytes.
macro_rules! with_aes {
    ($len:expr, $A:ident => $body:expr) => {
        dispatch!($len, $A => $body;
            16 => aes::Aes128,
            24 => aes::Aes192,
            32 => aes::Aes256,
        )
    };
}

// After the macros, which they use.
mod aead;
mod modes;
mod wrap;

pub use wrap::{aes_unwrap, aes_wrap};

/// The symmetric `cipherAlgorithm` values of the TSB (reference 8.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymmetricCipher {
    /// `AES_GCM`.
    AesGcm,
    /// `AES_CTR`.
    AesCtr,
    /// `AES_ECB`.
    AesEcb,
    /// `AES_CBC_NO_PADDING`.
    AesCbcNoPadding,
    /// `AES`: CBC with PKCS#7 padding here.
    Aes,
    /// `CHACHA20`.
    ChaCha20,
    /// `CHACHA20_AEAD`: ChaCha20-Poly1305.
    ChaCha20Aead,
    /// `CAMELLIA`: CBC with PKCS#7 padding here.
    Camellia,
    /// `CAMELLIA_CBC_NO_PADDING`.
    CamelliaCbcNoPadding,
    /// `CAMELLIA_ECB`.
    CamelliaEcb,
    /// `TDEA_CBC`: CBC with PKCS#5 padding.
    TdeaCbc,
    /// `TDEA_ECB`.
    TdeaEcb,
    /// `TDEA_CBC_NO_PADDING`.
    TdeaCbcNoPadding,
}

/// The block cipher (or stream cipher) under a [`SymmetricCipher`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Aes,
    Camellia,
    Tdea,
    ChaCha20,
}

/// How a [`SymmetricCipher`] uses its [`Family`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// CBC, with PKCS#7 padding when `padded`.
    Cbc {
        padded: bool,
    },
    /// ECB with PKCS#7 padding.
    Ecb,
    /// CTR with a 128-bit big-endian counter.
    Ctr,
    Gcm,
    ChaCha20,
    ChaCha20Poly1305,
}

impl SymmetricCipher {
    /// Every cipher.
    pub const ALL: [SymmetricCipher; 13] = [
        Self::AesGcm,
        Self::AesCtr,
        Self::AesEcb,
        Self::AesCbcNoPadding,
        Self::Aes,
        Self::ChaCha20,
        Self::ChaCha20Aead,
        Self::Camellia,
        Self::CamelliaCbcNoPadding,
        Self::CamelliaEcb,
        Self::TdeaCbc,
        Self::TdeaEcb,
        Self::TdeaCbcNoPadding,
    ];

    /// The TSB's name (the `cipherAlgorithm` value).
    pub fn tsb_name(self) -> &'static str {
        match self {
            Self::AesGcm => "AES_GCM",
            Self::AesCtr => "AES_CTR",
            Self::AesEcb => "AES_ECB",
            Self::AesCbcNoPadding => "AES_CBC_NO_PADDING",
            Self::Aes => "AES",
            Self::ChaCha20 => "CHACHA20",
            Self::ChaCha20Aead => "CHACHA20_AEAD",
            Self::Camellia => "CAMELLIA",
            Self::CamelliaCbcNoPadding => "CAMELLIA_CBC_NO_PADDING",
            Self::CamelliaEcb => "CAMELLIA_ECB",
            Self::TdeaCbc => "TDEA_CBC",
            Self::TdeaEcb => "TDEA_ECB",
            Self::TdeaCbcNoPadding => "TDEA_CBC_NO_PADDING",
        }
    }

    /// The size in bytes of the IV [`encrypt`] generates and [`decrypt`] needs; `None` for ECB.
    pub fn iv_len(self) -> Option<usize> {
        match self.scheme() {
            (_, Mode::Ecb) => None,
            (Family::Tdea, _) => Some(8),
            (_, Mode::Gcm | Mode::ChaCha20 | Mode::ChaCha20Poly1305) => Some(12),
            _ => Some(16),
        }
    }

    /// Whether the cipher authenticates (AES-GCM, ChaCha20-Poly1305): it takes AAD and
    /// appends a tag.
    pub fn is_aead(self) -> bool {
        matches!(self, Self::AesGcm | Self::ChaCha20Aead)
    }

    /// The key sizes in bytes the cipher accepts.
    pub fn key_sizes(self) -> &'static [usize] {
        match self.scheme().0 {
            Family::Aes | Family::Camellia => &[16, 24, 32],
            Family::Tdea => &[24],
            Family::ChaCha20 => &[32],
        }
    }

    /// The cipher's building blocks, from which the rest of this module works.
    fn scheme(self) -> (Family, Mode) {
        match self {
            Self::AesGcm => (Family::Aes, Mode::Gcm),
            Self::AesCtr => (Family::Aes, Mode::Ctr),
            Self::AesEcb => (Family::Aes, Mode::Ecb),
            Self::AesCbcNoPadding => (Family::Aes, Mode::Cbc { padded: false }),
            Self::Aes => (Family::Aes, Mode::Cbc { padded: true }),
            Self::ChaCha20 => (Family::ChaCha20, Mode::ChaCha20),
            Self::ChaCha20Aead => (Family::ChaCha20, Mode::ChaCha20Poly1305),
            Self::Camellia => (Family::Camellia, Mode::Cbc { padded: true }),
            Self::CamelliaCbcNoPadding => (Family::Camellia, Mode::Cbc { padded: false }),
            Self::CamelliaEcb => (Family::Camellia, Mode::Ecb),
            Self::TdeaCbc => (Family::Tdea, Mode::Cbc { padded: true }),
            Self::TdeaEcb => (Family::Tdea, Mode::Ecb),
            Self::TdeaCbcNoPadding => (Family::Tdea, Mode::Cbc { padded: false }),
        }
    }
}

/// The result of an encryption: the full output, and for AEAD modes the split parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encrypted {
    /// Everything the cipher produced; for AEAD modes ciphertext ‖ tag.
    pub output: Vec<u8>,
    /// The IV (nonce, initial counter block) generated; `None` for ECB.
    pub iv: Option<Vec<u8>>,
    /// The tag of AEAD modes (the last bytes of `output`); `None` otherwise.
    pub tag: Option<Vec<u8>>,
}

/// Encrypts with a raw secret key. `tag_bits`: AES_GCM only (64, 96, 104, 112, 120, 128;
/// 0 = 128); AAD: AES_GCM and CHACHA20_AEAD only. The IV comes from `rng`.
pub fn encrypt(
    cipher: SymmetricCipher,
    key: &[u8],
    plaintext: &[u8],
    aad: Option<&[u8]>,
    tag_bits: u32,
    rng: &mut impl CryptoRng,
) -> Result<Encrypted, CryptoError> {
    let iv = cipher.iv_len().map(|len| {
        let mut iv = vec![0u8; len];
        rng.fill_bytes(&mut iv);
        iv
    });
    encrypt_with_iv(cipher, key, plaintext, iv, aad, tag_bits)
}

/// [`encrypt`] with a given IV (`None` for ECB): its deterministic part, which the
/// known-answer tests drive.
fn encrypt_with_iv(
    cipher: SymmetricCipher,
    key: &[u8],
    plaintext: &[u8],
    iv: Option<Vec<u8>>,
    aad: Option<&[u8]>,
    tag_bits: u32,
) -> Result<Encrypted, CryptoError> {
    check_key(cipher, key)?;
    let tag_len = tag_len(cipher, tag_bits)?;
    let aad = check_aad(cipher, aad)?;
    let iv_bytes = check_iv(cipher, iv.as_deref())?;
    let (mut output, tag) = match cipher.scheme().1 {
        Mode::Cbc { .. } | Mode::Ecb => (
            modes::block_encrypt(cipher, key, iv_bytes, plaintext)?,
            None,
        ),
        Mode::Ctr | Mode::ChaCha20 => (modes::keystream(cipher, key, iv_bytes, plaintext)?, None),
        Mode::Gcm | Mode::ChaCha20Poly1305 => {
            let (ciphertext, tag) = aead::seal(cipher, key, iv_bytes, aad, plaintext, tag_len)?;
            (ciphertext, Some(tag))
        }
    };
    if let Some(tag) = &tag {
        output.extend_from_slice(tag);
    }
    Ok(Encrypted { output, iv, tag })
}

/// Decrypts; `input` is what [`encrypt`] returned as `output` (for AEAD: ciphertext ‖ tag), with
/// the same IV, AAD and `tag_bits`.
pub fn decrypt(
    cipher: SymmetricCipher,
    key: &[u8],
    input: &[u8],
    iv: Option<&[u8]>,
    aad: Option<&[u8]>,
    tag_bits: u32,
) -> Result<Vec<u8>, CryptoError> {
    check_key(cipher, key)?;
    let tag_len = tag_len(cipher, tag_bits)?;
    let aad = check_aad(cipher, aad)?;
    let iv = check_iv(cipher, iv)?;
    match cipher.scheme().1 {
        Mode::Cbc { .. } | Mode::Ecb => modes::block_decrypt(cipher, key, iv, input),
        Mode::Ctr | Mode::ChaCha20 => modes::keystream(cipher, key, iv, input),
        Mode::Gcm | Mode::ChaCha20Poly1305 => aead::open(cipher, key, iv, aad, input, tag_len),
    }
}

fn check_key(cipher: SymmetricCipher, key: &[u8]) -> Result<(), CryptoError> {
    let sizes = cipher.key_sizes();
    if sizes.contains(&key.len()) {
        return Ok(());
    }
    let sizes = match sizes {
        [one] => one.to_string(),
        _ => "16, 24 or 32".into(),
    };
    Err(invalid(format!(
        "{} needs a key of {sizes} bytes, not {}",
        cipher.tsb_name(),
        key.len()
    )))
}

/// The tag length in bytes: GCM's from `tag_bits`, ChaCha20-Poly1305's 16, 0 otherwise.
fn tag_len(cipher: SymmetricCipher, tag_bits: u32) -> Result<usize, CryptoError> {
    match (cipher, tag_bits) {
        (SymmetricCipher::AesGcm, 0 | 128) => Ok(16),
        (SymmetricCipher::AesGcm, 64 | 96 | 104 | 112 | 120) => Ok(tag_bits as usize / 8),
        (SymmetricCipher::ChaCha20Aead, 0) => Ok(16),
        (_, 0) if !cipher.is_aead() => Ok(0),
        _ => Err(tag_unsupported()),
    }
}

fn check_aad(cipher: SymmetricCipher, aad: Option<&[u8]>) -> Result<&[u8], CryptoError> {
    match aad.unwrap_or_default() {
        aad if aad.is_empty() || cipher.is_aead() => Ok(aad),
        _ => Err(invalid(format!(
            "{} takes no additional authentication data",
            cipher.tsb_name()
        ))),
    }
}

/// The IV bytes (empty for ECB) after checking presence and size.
fn check_iv(cipher: SymmetricCipher, iv: Option<&[u8]>) -> Result<&[u8], CryptoError> {
    let iv = iv.unwrap_or_default();
    let name = cipher.tsb_name();
    match cipher.iv_len() {
        None if iv.is_empty() => Ok(iv),
        None => Err(invalid(format!("{name} takes no initialization vector"))),
        Some(len) if iv.len() == len => Ok(iv),
        Some(len) if iv.is_empty() => Err(invalid(format!(
            "{name} needs an initialization vector of {len} bytes"
        ))),
        Some(len) => Err(invalid(format!(
            "{name} needs an initialization vector of {len} bytes, not {}",
            iv.len()
        ))),
    }
}

fn invalid(message: String) -> CryptoError {
    CryptoError::InvalidInput(message)
}

/// What every authentication or padding failure says, and no more.
fn decrypt_failed() -> CryptoError {
    CryptoError::DecryptionFailed
}

fn tag_unsupported() -> CryptoError {
    CryptoError::UnsupportedTagLength
}

/// A key or IV the checks above let through but the cipher refuses: cannot happen.
fn no_implementation() -> CryptoError {
    CryptoError::Unsupported("no implementation of this cipher for this key or IV".into())
}

#[cfg(test)]
mod tests;
