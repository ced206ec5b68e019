//! Blockchain primitives on our RustCrypto types: key addresses (reference 6.13), BIP32 and
//! SLIP-10 derivation (6.14, in [`derive`]) and BIP-340 Schnorr signatures (7.7).
//!
//! Pure and synchronous like the rest of `crypto/`; nothing here knows about labels or storage.

pub mod derive;
#[cfg(test)]
mod tests;

use super::CryptoError;
use crate::domain::SecretBytes;
use k256::elliptic_curve::pkcs8::DecodePublicKey;
use k256::elliptic_curve::sec1::ToSec1Point;
use rand::CryptoRng;
use ripemd::Ripemd160;
use sha2::{Digest, Sha256};
use sha3::Keccak256;

/// The address formats `addressFormat.format` names (reference 6.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AddressFormat {
    /// Bitcoin: HASH160 of the compressed public key (the P2WPKH witness program).
    #[serde(rename = "BTC")]
    Btc,
    /// Ethereum: the last 20 bytes of Keccak-256 over the uncompressed point's `X || Y`.
    #[serde(rename = "ETH")]
    Eth,
    /// Stellar (encoding undocumented; refused when an address is computed).
    #[serde(rename = "XLM")]
    Xlm,
    /// Ripple (encoding undocumented; refused when an address is computed).
    #[serde(rename = "XRP")]
    Xrp,
    /// IOTA (encoding undocumented; refused when an address is computed).
    #[serde(rename = "IOTA")]
    Iota,
}

impl AddressFormat {
    /// Every format, in the reference's order.
    pub const ALL: [AddressFormat; 5] = [Self::Btc, Self::Eth, Self::Xlm, Self::Xrp, Self::Iota];

    /// The wire name (`BTC`, `ETH`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Btc => "BTC",
            Self::Eth => "ETH",
            Self::Xlm => "XLM",
            Self::Xrp => "XRP",
            Self::Iota => "IOTA",
        }
    }

    /// The format named `name` (exact spelling).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// RIPEMD-160 of SHA-256: Bitcoin's HASH160.
pub fn hash160(data: &[u8]) -> [u8; 20] {
    Ripemd160::digest(Sha256::digest(data)).into()
}

/// The TSB's "address base" of a secp256k1 public key (DER SPKI) in `format`: 20 bytes,
/// without checksum, version byte or network prefix (reference 6.13).
pub fn address(spki: &[u8], format: AddressFormat) -> Result<[u8; 20], CryptoError> {
    let key = k256::PublicKey::from_public_key_der(spki).map_err(|_| {
        CryptoError::Unsupported("Addresses need a secp256k1 key.".to_owned())
    })?;
    match format {
        AddressFormat::Btc => Ok(hash160(key.as_affine().to_sec1_point(true).as_bytes())),
        AddressFormat::Eth => {
            let point = key.as_affine().to_sec1_point(false);
            let digest = Keccak256::digest(&point.as_bytes()[1..]);
            let mut out = [0; 20];
            out.copy_from_slice(&digest[12..]);
            Ok(out)
        }
        other => Err(CryptoError::Unsupported(format!(
            "The address format {} is not supported by tsb-emulator.",
            other.name()
        ))),
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
        out.push(if nibble >= 8 { c.to_ascii_uppercase() } else { c });
    }
    out
}

/// A BIP-340 Schnorr signature (64 bytes `R.x || s`) over `message` with the secp256k1 private
/// scalar `scalar`; `aux_rand` as given, or fresh from `rng` when absent (BIP-340 advises it).
pub fn schnorr_sign(
    scalar: &[u8],
    message: &[u8],
    aux_rand: Option<[u8; 32]>,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    let key = k256::schnorr::SigningKey::from_slice(scalar)
        .map_err(|_| CryptoError::InvalidKey("not a secp256k1 private key".to_owned()))?;
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
