//! HSS/LMS (RFC 8554) with one HSS level on the `lms-signature` crate: the `LMS` keys of the
//! TSB (its documented sample is HSS L=1, LMS_SHA256_M32_H5, LMOTS_SHA256_N32_W1).
//!
//! The private key is stored in `lms-signature`'s encoding (type || otstype || q || I ||
//! SEED) with q = 0; the signature index comes from the caller, which persists it before
//! signing. Public keys are RFC 9708 SPKI over the HSS public key (L || LMS public key);
//! signatures are HSS signatures (Nspk = 0 || LMS signature).

use super::{CryptoError, raw_public, spki};
use crate::domain::{HSS_LMS_OID, LmsHeight, SecretBytes};
use lms_signature::lms::{LmsSha256M32H5, LmsSha256M32H10, SigningKey, VerifyingKey};
use lms_signature::ots::{LmsOtsSha256N32W1, LmsOtsSha256N32W4};
use rand::CryptoRng;
use signature::{RandomizedSignerMut, Verifier};

type H5 = LmsSha256M32H5<LmsOtsSha256N32W1>;
type H10 = LmsSha256M32H10<LmsOtsSha256N32W4>;

/// Offset of q in the stored private key.
const Q_OFFSET: usize = 8;

/// Runs `$body` with `$m` bound to the `lms-signature` mode of `$height`.
macro_rules! with_mode {
    ($height:expr, $m:ident => $body:expr) => {
        match $height {
            LmsHeight::H5 => {
                type $m = H5;
                $body
            }
            LmsHeight::H10 => {
                type $m = H10;
                $body
            }
        }
    };
}

/// A fresh key: (private key, DER SPKI).
pub fn generate(
    height: LmsHeight,
    rng: &mut impl CryptoRng,
) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    with_mode!(height, M => {
        let key = SigningKey::<M>::new(rng);
        let lms_public: hybrid_array::Array<u8, _> = key.public().into();
        let public = hss_public(lms_public);
        let private: hybrid_array::Array<u8, _> = key.into();
        Ok((SecretBytes::new(private.to_vec()), spki(HSS_LMS_OID, &public)?))
    })
}

/// Signs `message` with one-time key number `index` (which the caller has reserved).
pub fn sign(
    height: LmsHeight,
    private: &[u8],
    index: u64,
    message: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    if index >= height.capacity() {
        return Err(CryptoError::Signing("LMS key exhausted".to_owned()));
    }
    let q = u32::try_from(index).map_err(|_| CryptoError::Signing("LMS index".to_owned()))?;
    let mut bytes = zeroize::Zeroizing::new(private.to_vec());
    bytes
        .get_mut(Q_OFFSET..Q_OFFSET + 4)
        .ok_or_else(|| CryptoError::InvalidKey("truncated LMS private key".to_owned()))?
        .copy_from_slice(&q.to_be_bytes());
    with_mode!(height, M => {
        let mut key = SigningKey::<M>::try_from(bytes.as_slice())
            .map_err(|e| CryptoError::InvalidKey(format!("not an LMS private key: {e:?}")))?;
        let signature = key
            .try_sign_with_rng(rng, message)
            .map_err(|_| CryptoError::Signing("LMS signing failed".to_owned()))?;
        let mut hss = 0u32.to_be_bytes().to_vec();
        hss.extend(Vec::<u8>::from(signature));
        Ok(hss)
    })
}

/// Verifies an HSS signature (L = 1) with the DER SPKI; anything malformed is `Ok(false)`.
pub fn verify(public: &[u8], message: &[u8], signature: &[u8]) -> Result<bool, CryptoError> {
    let raw = raw_public(public, HSS_LMS_OID)?;
    let (Some(levels), Some(lms_public)) = (raw.get(..4), raw.get(4..)) else {
        return Err(CryptoError::InvalidKey(
            "truncated HSS public key".to_owned(),
        ));
    };
    if levels != 1u32.to_be_bytes() {
        return Err(CryptoError::Unsupported(
            "only single-level HSS/LMS keys are supported".to_owned(),
        ));
    }
    let Some(height) = height_of(lms_public) else {
        return Err(CryptoError::Unsupported(
            "unsupported LMS/LM-OTS parameter set".to_owned(),
        ));
    };
    let (Some(nspk), Some(lms_signature)) = (signature.get(..4), signature.get(4..)) else {
        return Ok(false);
    };
    if nspk != 0u32.to_be_bytes() {
        return Ok(false);
    }
    with_mode!(height, M => {
        let key = VerifyingKey::<M>::try_from(lms_public)
            .map_err(|e| CryptoError::InvalidKey(format!("not an LMS public key: {e:?}")))?;
        let Ok(signature) = lms_signature::lms::Signature::<M>::try_from(lms_signature) else {
            return Ok(false);
        };
        Ok(key.verify(message, &signature).is_ok())
    })
}

/// The height of a stored private key (from its LMS type code).
pub fn height_of_private(private: &[u8]) -> Option<LmsHeight> {
    height_of(private)
}

/// The supported height whose LMS and LM-OTS type codes start `encoded`.
fn height_of(encoded: &[u8]) -> Option<LmsHeight> {
    let codes = encoded.get(..8)?;
    LmsHeight::ALL.into_iter().find(|height| {
        let (lms, ots) = type_codes(*height);
        codes[..4] == lms.to_be_bytes() && codes[4..] == ots.to_be_bytes()
    })
}

/// The RFC 8554 type codes (LMS, LM-OTS) of a height's parameter set.
fn type_codes(height: LmsHeight) -> (u32, u32) {
    match height {
        // LMS_SHA256_M32_H5, LMOTS_SHA256_N32_W1
        LmsHeight::H5 => (5, 1),
        // LMS_SHA256_M32_H10, LMOTS_SHA256_N32_W4
        LmsHeight::H10 => (6, 3),
    }
}

/// The HSS public key: L = 1 || the LMS public key.
fn hss_public(lms: impl AsRef<[u8]>) -> Vec<u8> {
    let mut out = 1u32.to_be_bytes().to_vec();
    out.extend_from_slice(lms.as_ref());
    out
}
