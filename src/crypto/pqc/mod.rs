//! Post-quantum and stateful hash-based cryptography: ML-DSA, SLH-DSA, ML-KEM, HSS/LMS and
//! XMSS, one file per family, plus what they share (SPKI encoding, pre-hashing).
//!
//! Pure and synchronous like the rest of `crypto`: randomness comes in as
//! `&mut impl CryptoRng`, and the stateful schemes take the signature index from the caller,
//! which owns the persisted state.

pub mod lms;
pub mod ml_dsa;
pub mod ml_kem;
pub mod slh_dsa;
#[cfg(test)]
mod tests;
pub mod xmss;

use super::CryptoError;
use crate::domain::PreHash;
use der::{Decode, Encode};
use sha2::Digest;
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier, SubjectPublicKeyInfoOwned};

/// Longest context string FIPS 204/205 allow.
pub const MAX_CONTEXT_LEN: usize = 255;

/// A DER SubjectPublicKeyInfo with `oid` (parameters absent, as RFC 9881, RFC 9909, RFC 9708,
/// RFC 9802 and the ML-KEM profile specify) and the raw public key as the BIT STRING.
pub fn spki(oid: &str, public: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let oid = ObjectIdentifier::new(oid)
        .map_err(|e| CryptoError::InvalidKey(format!("bad algorithm OID {oid}: {e}")))?;
    let info = SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid,
            parameters: None,
        },
        subject_public_key: der::asn1::BitString::from_bytes(public)?,
    };
    Ok(info.to_der()?)
}

/// The raw public key inside a DER SPKI, checking the algorithm OID.
pub fn raw_public(spki: &[u8], oid: &str) -> Result<Vec<u8>, CryptoError> {
    let info = SubjectPublicKeyInfoOwned::from_der(spki)
        .map_err(|e| CryptoError::InvalidKey(format!("not a SubjectPublicKeyInfo: {e}")))?;
    if info.algorithm.oid.to_string() != oid {
        return Err(CryptoError::InvalidKey(format!(
            "the public key's algorithm is {}, expected {oid}",
            info.algorithm.oid
        )));
    }
    info.subject_public_key
        .as_bytes()
        .map(<[u8]>::to_vec)
        .ok_or_else(|| CryptoError::InvalidKey("the public key has unused bits".to_owned()))
}

/// Checks a context string's length (FIPS 204/205: at most 255 bytes).
pub fn check_context(context: &[u8]) -> Result<u8, CryptoError> {
    u8::try_from(context.len()).map_err(|_| {
        CryptoError::InvalidInput(format!(
            "The context must be at most {MAX_CONTEXT_LEN} bytes, not {}.",
            context.len()
        ))
    })
}

/// The pre-hash part of a HashML-DSA / HashSLH-DSA message `M'` (FIPS 204 algorithm 4,
/// FIPS 205 algorithm 23): `DER(OID of the hash) || PH(message)`. The caller prefixes
/// `1 || |ctx| || ctx`.
pub fn prehashed(hash: PreHash, message: &[u8]) -> Vec<u8> {
    // 06 09 60 86 48 01 65 03 04 02 xx: 2.16.840.1.101.3.4.2.xx
    let mut out = vec![
        0x06,
        0x09,
        0x60,
        0x86,
        0x48,
        0x01,
        0x65,
        0x03,
        0x04,
        0x02,
        hash.oid_arc(),
    ];
    match hash {
        PreHash::Sha2_224 => out.extend(sha2::Sha224::digest(message)),
        PreHash::Sha2_256 => out.extend(sha2::Sha256::digest(message)),
        PreHash::Sha2_384 => out.extend(sha2::Sha384::digest(message)),
        PreHash::Sha2_512 => out.extend(sha2::Sha512::digest(message)),
        PreHash::Sha3_224 => out.extend(sha3::Sha3_224::digest(message)),
        PreHash::Sha3_256 => out.extend(sha3::Sha3_256::digest(message)),
        PreHash::Sha3_384 => out.extend(sha3::Sha3_384::digest(message)),
        PreHash::Sha3_512 => out.extend(sha3::Sha3_512::digest(message)),
        PreHash::Shake128 => out.extend(shake128(message, 32)),
        PreHash::Shake256 => out.extend(shake256(&[message], 64)),
    }
    out
}

/// `len` bytes of SHAKE128 over `data`.
fn shake128(data: &[u8], len: usize) -> Vec<u8> {
    let mut out = vec![0; len];
    tsb_pqc_kernels::shake128(&[data], &mut out);
    out
}

/// `len` bytes of SHAKE256 over the concatenated `parts` (instantiated in `tsb-pqc-kernels`
/// so that debug builds run it optimised).
pub(crate) fn shake256(parts: &[&[u8]], len: usize) -> Vec<u8> {
    let mut out = vec![0; len];
    tsb_pqc_kernels::shake256(parts, &mut out);
    out
}
