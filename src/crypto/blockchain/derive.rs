//! Hierarchical deterministic keys: BIP32 on secp256k1 and SLIP-10 on secp256k1, NIST P-256 and
//! Ed25519 (reference 6.14), about a hundred lines of HMAC-SHA512 and scalar addition on our own
//! `k256`/`p256`/`ed25519-dalek` types (the RustCrypto `bip32` crate is on an older generation).
//!
//! Only private derivation: the emulated device holds the parent's private key.

use crate::crypto::CryptoError;
use crate::domain::SecretBytes;
pub use crate::domain::{DerivationPath, HARDENED};
use hmac::{Hmac, KeyInit, Mac};
use k256::elliptic_curve::sec1::ToSec1Point;
use sha2::Sha512;
use std::fmt;

/// A curve that supports derivation, with its SLIP-10 master-key HMAC key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DerivationCurve {
    /// secp256k1 (`Bitcoin seed`; BIP32 and SLIP-10 agree here).
    Secp256k1,
    /// NIST P-256 (`Nist256p1 seed`).
    P256,
    /// Ed25519 (`ed25519 seed`; hardened indices only).
    Ed25519,
}

impl DerivationCurve {
    fn seed_key(self) -> &'static [u8] {
        match self {
            Self::Secp256k1 => b"Bitcoin seed",
            Self::P256 => b"Nist256p1 seed",
            Self::Ed25519 => b"ed25519 seed",
        }
    }
}

/// A private key with its chain code. `Debug` shows neither.
#[derive(Clone)]
pub struct ExtendedKey {
    /// The 32-byte private scalar (EC) or secret (Ed25519).
    pub key: SecretBytes,
    /// The 32-byte chain code (the TSB's `derivationValue`).
    pub chain_code: [u8; 32],
}

impl fmt::Debug for ExtendedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExtendedKey(<redacted>)")
    }
}

fn hmac_sha512(key: &[u8], parts: &[&[u8]]) -> zeroize::Zeroizing<[u8; 64]> {
    // HMAC accepts keys of any length.
    let mut mac = <Hmac<Sha512> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for part in parts {
        mac.update(part);
    }
    let mut out = zeroize::Zeroizing::new([0; 64]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

fn split(i: &[u8; 64]) -> (SecretBytes, [u8; 32]) {
    let mut chain_code = [0; 32];
    chain_code.copy_from_slice(&i[32..]);
    (SecretBytes::new(i[..32].to_vec()), chain_code)
}

/// The master key of `seed` (SLIP-10: an invalid left half re-hashes `I`; BIP32 would call the
/// seed invalid, which never happens in practice).
pub fn master(curve: DerivationCurve, seed: &[u8]) -> ExtendedKey {
    let mut i = hmac_sha512(curve.seed_key(), &[seed]);
    loop {
        if curve == DerivationCurve::Ed25519 || add_scalars(curve, &i[..32], None).is_some() {
            let (key, chain_code) = split(&i);
            return ExtendedKey { key, chain_code };
        }
        let again = *i;
        i = hmac_sha512(curve.seed_key(), &[&again]);
    }
}

/// `a + b mod n` on an EC curve (`b` absent: `a` itself), `None` if `a` is not below the order
/// or the sum is zero.
fn add_scalars(curve: DerivationCurve, a: &[u8], b: Option<&[u8]>) -> Option<SecretBytes> {
    macro_rules! add {
        ($krate:ident) => {{
            use $krate::elliptic_curve::ff::PrimeField;
            let parse = |bytes: &[u8]| {
                let repr = $krate::FieldBytes::try_from(bytes).ok()?;
                Option::<$krate::Scalar>::from($krate::Scalar::from_repr(repr))
            };
            let mut sum = parse(a)?;
            if let Some(b) = b {
                sum += parse(b)?;
            }
            if bool::from($krate::elliptic_curve::ff::Field::is_zero(&sum)) {
                return None;
            }
            Some(SecretBytes::new(sum.to_repr().to_vec()))
        }};
    }
    match curve {
        DerivationCurve::Secp256k1 => add!(k256),
        DerivationCurve::P256 => add!(p256),
        DerivationCurve::Ed25519 => None,
    }
}

/// The serialised public key used in normal derivation and in the published vectors: SEC1
/// compressed (EC) or `0x00 || A` (Ed25519, as SLIP-10 writes it).
pub fn public_key(curve: DerivationCurve, key: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let bad = || CryptoError::InvalidKey("derivation key out of range".to_owned());
    match curve {
        DerivationCurve::Secp256k1 => {
            let key = k256::SecretKey::from_slice(key).map_err(|_| bad())?;
            Ok(key
                .public_key()
                .as_affine()
                .to_sec1_point(true)
                .as_bytes()
                .to_vec())
        }
        DerivationCurve::P256 => {
            let key = p256::SecretKey::from_slice(key).map_err(|_| bad())?;
            Ok(key
                .public_key()
                .as_affine()
                .to_sec1_point(true)
                .as_bytes()
                .to_vec())
        }
        DerivationCurve::Ed25519 => {
            let seed: [u8; 32] = key.try_into().map_err(|_| bad())?;
            let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
            let mut out = vec![0];
            out.extend_from_slice(public.as_bytes());
            Ok(out)
        }
    }
}

/// The child `index` of `parent` (SLIP-10 rules; for secp256k1 identical to BIP32 CKDpriv).
pub fn child(
    curve: DerivationCurve,
    parent: &ExtendedKey,
    index: u32,
) -> Result<ExtendedKey, CryptoError> {
    let hardened = index & HARDENED != 0;
    if curve == DerivationCurve::Ed25519 && !hardened {
        return Err(CryptoError::InvalidInput(
            "Ed25519 keys can only derive hardened children (SLIP-10).".to_owned(),
        ));
    }
    let serialized = index.to_be_bytes();
    let parent_key = parent.key.expose();
    let mut i = if hardened {
        hmac_sha512(&parent.chain_code, &[&[0], parent_key, &serialized])
    } else {
        let public = public_key(curve, parent_key)?;
        hmac_sha512(&parent.chain_code, &[&public, &serialized])
    };
    loop {
        if curve == DerivationCurve::Ed25519 {
            let (key, chain_code) = split(&i);
            return Ok(ExtendedKey { key, chain_code });
        }
        if let Some(key) = add_scalars(curve, &i[..32], Some(parent_key)) {
            let (_, chain_code) = split(&i);
            return Ok(ExtendedKey { key, chain_code });
        }
        // SLIP-10: an invalid left half or a zero child retries with `0x01 || IR || index`.
        let right = i[32..].to_vec();
        i = hmac_sha512(&parent.chain_code, &[&[1], &right, &serialized]);
    }
}

/// The descendant of `parent` along `path`.
pub fn derive_path(
    curve: DerivationCurve,
    parent: &ExtendedKey,
    path: &DerivationPath,
) -> Result<ExtendedKey, CryptoError> {
    let mut key = parent.clone();
    for &index in path.indices() {
        key = child(curve, &key, index)?;
    }
    Ok(key)
}
