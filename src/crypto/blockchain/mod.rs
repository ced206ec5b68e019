//! Blockchain primitives on our RustCrypto types: key addresses (reference 6.13), BIP32 and
//! SLIP-10 derivation (6.14, in [`derive`]) and BIP-340 Schnorr signatures (7.7).
//!
//! Pure and synchronous like the rest of `crypto/`; nothing here knows about labels or storage.

pub mod derive;
#[cfg(test)]
mod tests;

use super::CryptoError;
pub use crate::domain::AddressFormat;
use crate::domain::SecretBytes;
use k256::elliptic_curve::pkcs8::DecodePublicKey;
use k256::elliptic_curve::sec1::ToSec1Point;
use rand::CryptoRng;
use ripemd::Ripemd160;
use sha2::{Digest, Sha256};
use sha3::Keccak256;

/// RIPEMD-160 of SHA-256: Bitcoin's HASH160.
pub fn hash160(data: &[u8]) -> [u8; 20] {
    Ripemd160::digest(Sha256::digest(data)).into()
}

/// The TSB's "address base" of a public key (DER SPKI) in `format`, without checksum, version
/// byte or network prefix (reference 6.13):
/// - `BTC`: HASH160 of the compressed secp256k1 point (20 bytes, the P2WPKH program);
/// - `ETH`: the last 20 bytes of Keccak-256 over the uncompressed point's `X || Y`;
/// - `XRP`: the XRP Ledger account id, HASH160 of the compressed secp256k1 point or of
///   `0xED || A` for an Ed25519 key (20 bytes; the `r…` address is its base58check, version 0);
/// - `XLM`: the Ed25519 key `A` itself (32 bytes; the `G…` StrKey adds version byte and CRC16).
///
/// IOTA names no encoding the TSB documents, and other curves have none: `Unsupported`.
pub fn address(spki: &[u8], format: AddressFormat) -> Result<Vec<u8>, CryptoError> {
    let unsupported = |what: &str| {
        CryptoError::Unsupported(format!(
            "{} addresses need {what} in tsb-emulator.",
            format.name()
        ))
    };
    let secp256k1 = || k256::PublicKey::from_public_key_der(spki).ok();
    let ed25519 = || ed25519_dalek::VerifyingKey::from_public_key_der(spki).ok();
    match format {
        AddressFormat::Btc => {
            let key = secp256k1().ok_or_else(|| unsupported("a secp256k1 key"))?;
            Ok(hash160(key.as_affine().to_sec1_point(true).as_bytes()).to_vec())
        }
        AddressFormat::Eth => {
            let key = secp256k1().ok_or_else(|| unsupported("a secp256k1 key"))?;
            let point = key.as_affine().to_sec1_point(false);
            Ok(Keccak256::digest(&point.as_bytes()[1..])[12..].to_vec())
        }
        AddressFormat::Xrp => {
            if let Some(key) = secp256k1() {
                return Ok(hash160(key.as_affine().to_sec1_point(true).as_bytes()).to_vec());
            }
            let key = ed25519().ok_or_else(|| unsupported("a secp256k1 or Ed25519 key"))?;
            Ok(hash160(&[&[0xED][..], key.as_bytes()].concat()).to_vec())
        }
        AddressFormat::Xlm => {
            let key = ed25519().ok_or_else(|| unsupported("an Ed25519 key"))?;
            Ok(key.as_bytes().to_vec())
        }
        AddressFormat::Iota => Err(CryptoError::Unsupported(
            "The address format IOTA is not supported by tsb-emulator: the TSB documents no encoding for it.".to_owned(),
        )),
    }
}

/// An Ethereum address in EIP-55 mixed-case checksum form, with the `0x` prefix.
pub fn eip55(address: &[u8; 20]) -> String {
    let lower = hex::encode(address);
    let digest = Keccak256::digest(lower.as_bytes());
    let mut out = String::with_capacity(42);
    out.push_str("0x");
    for (i, c) in lower.chars().enumerate() {
        let nibble = (digest[i / 2] >> (4 * (1 - i % 2))) & 0x0f;
        out.push(if nibble >= 8 {
            c.to_ascii_uppercase()
        } else {
            c
        });
    }
    out
}

/// The BIP-341 tweak applied to the key before a BIP-340 signature (reference 7.7).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TaprootTweak {
    /// Sign with the key itself (tap-script leaves, plain BIP-340).
    #[default]
    None,
    /// `taprootTweakData`: the 32-byte tweak `t` itself (key-path spending).
    Tweak([u8; 32]),
    /// `merkleRootData`: `t = hashTapTweak(P || merkle_root)` (BIP-341 output key).
    MerkleRoot(Vec<u8>),
}

/// A BIP-340 Schnorr signature (64 bytes `R.x || s`) over `message` with the secp256k1 private
/// scalar `scalar`, tweaked as `tweak` says; `aux_rand` as given, or fresh from `rng` when
/// absent (BIP-340 advises fresh randomness).
pub fn schnorr_sign(
    scalar: &[u8],
    message: &[u8],
    aux_rand: Option<[u8; 32]>,
    tweak: &TaprootTweak,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    let mut key = k256::schnorr::SigningKey::from_slice(scalar)
        .map_err(|_| CryptoError::InvalidKey("not a secp256k1 private key".to_owned()))?;
    let t = match tweak {
        TaprootTweak::None => None,
        TaprootTweak::Tweak(t) => Some(*t),
        TaprootTweak::MerkleRoot(root) => Some(tagged_hash(
            b"TapTweak",
            &[&key.verifying_key().to_bytes(), root],
        )),
    };
    if let Some(t) = t {
        use k256::elliptic_curve::ff::PrimeField;
        let t =
            Option::<k256::Scalar>::from(k256::Scalar::from_repr(t.into())).ok_or_else(|| {
                CryptoError::InvalidInput("The taproot tweak is not below the curve order.".into())
            })?;
        // `as_nonzero_scalar` is the even-y secret BIP-341 adds the tweak to.
        let tweaked = **key.as_nonzero_scalar() + t;
        let tweaked = Option::<k256::NonZeroScalar>::from(k256::NonZeroScalar::new(tweaked))
            .ok_or_else(|| CryptoError::InvalidInput("The tweaked key is zero.".into()))?;
        key = k256::schnorr::SigningKey::from(tweaked);
    }
    let aux = aux_rand.unwrap_or_else(|| {
        let mut aux = [0; 32];
        rng.fill_bytes(&mut aux);
        aux
    });
    let signature = key
        .sign_raw(message, &aux)
        .map_err(|e| CryptoError::Signing(e.to_string()))?;
    Ok(signature.to_bytes().to_vec())
}

/// BIP-340's `hash_tag(x) = SHA256(SHA256(tag) || SHA256(tag) || x)`.
pub fn tagged_hash(tag: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let tag = Sha256::digest(tag);
    let mut hasher = Sha256::new();
    hasher.update(tag);
    hasher.update(tag);
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// Checks a BIP-340 signature with the x-only key of a secp256k1 public key (DER SPKI);
/// `Ok(false)` for a wrong or malformed signature.
pub fn schnorr_verify(spki: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, CryptoError> {
    let key = k256::PublicKey::from_public_key_der(spki)
        .map_err(|_| CryptoError::InvalidKey("not a secp256k1 public key".to_owned()))?;
    // The x-only key (BIP-340 lifts it to the even-y point).
    let point = key.as_affine().to_sec1_point(true);
    let key = k256::schnorr::VerifyingKey::from_slice(&point.as_bytes()[1..])
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))?;
    let Ok(signature) = k256::schnorr::Signature::try_from(signature) else {
        return Ok(false);
    };
    Ok(key.verify_raw(message, &signature).is_ok())
}

/// The private scalar of secp256k1 PKCS#8 key material, for [`schnorr_sign`].
pub fn secp256k1_scalar(pkcs8: &[u8]) -> Result<SecretBytes, CryptoError> {
    super::ec::private_scalar(crate::domain::Curve::Secp256k1, pkcs8)
}
