//! ECDSA on the TSB's named curves: key generation and import, and signatures encoded as DER,
//! raw `r || s` or Ethereum `r || s || v`.

use super::{CryptoError, hash};
pub use crate::domain::Curve;
use crate::domain::{HashAlgorithm, Hashing, SecretBytes, SignatureFormat};
use der::asn1::UintRef;
use der::{Decode, Encode};
use ecdsa::elliptic_curve::ops::Invert;
use ecdsa::elliptic_curve::pkcs8::{
    AssociatedOid, DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey,
    PrivateKeyInfoRef,
};
use ecdsa::elliptic_curve::point::DecompressPoint;
use ecdsa::elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use ecdsa::elliptic_curve::subtle::CtOption;
use ecdsa::elliptic_curve::{CurveArithmetic, Generate, PublicKey, SecretKey};
use ecdsa::signature::hazmat::PrehashVerifier;
use ecdsa::{EcdsaCurve, RecoveryId, Signature, VerifyingKey};
use rand::CryptoRng;
use sha2::digest::Digest;
use sha2::digest::block_api::BlockSizeUser;
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

/// The hash conventionally paired with the curve's size (RFC 6979 nonces for `NONE`).
fn customary_hash(curve: Curve) -> HashAlgorithm {
    match curve.field_bytes() {
        32 => HashAlgorithm::Sha256,
        48 => HashAlgorithm::Sha384,
        _ => HashAlgorithm::Sha512,
    }
}

/// `match $value`, running `$body` in each arm with `$T` bound to that arm's type.
macro_rules! dispatch {
    ($value:expr, $T:ident => $body:expr; $($pattern:pat => $type:ty,)+) => {
        match $value {
            $($pattern => {
                type $T = $type;
                $body
            })+
        }
    };
}

/// Runs `$body` with `$C` bound to the RustCrypto type of `$curve`.
macro_rules! with_curve {
    ($curve:expr, $C:ident => $body:expr) => {
        dispatch!($curve, $C => $body;
            Curve::P256 => p256::NistP256,
            Curve::P384 => p384::NistP384,
            Curve::P521 => p521::NistP521,
            Curve::Secp256k1 => k256::Secp256k1,
            Curve::BrainpoolP256r1 => bp256::BrainpoolP256r1,
            Curve::BrainpoolP384r1 => bp384::BrainpoolP384r1,
        )
    };
}

/// Runs `$body` with `$D` bound to the hash function `$algorithm` names (for RFC 6979's HMAC,
/// double SHA-256 is SHA-256).
macro_rules! with_digest {
    ($algorithm:expr, $D:ident => $body:expr) => {
        dispatch!($algorithm, $D => $body;
            HashAlgorithm::Sha1 => sha1::Sha1,
            HashAlgorithm::Sha224 => sha2::Sha224,
            HashAlgorithm::Sha256 | HashAlgorithm::DoubleSha256 => sha2::Sha256,
            HashAlgorithm::Sha384 => sha2::Sha384,
            HashAlgorithm::Sha512 => sha2::Sha512,
            HashAlgorithm::Sha3_224 => sha3::Sha3_224,
            HashAlgorithm::Sha3_256 => sha3::Sha3_256,
            HashAlgorithm::Sha3_384 => sha3::Sha3_384,
            HashAlgorithm::Sha3_512 => sha3::Sha3_512,
            HashAlgorithm::Keccak224 => sha3::Keccak224,
            HashAlgorithm::Keccak256 => sha3::Keccak256,
            HashAlgorithm::Keccak384 => sha3::Keccak384,
            HashAlgorithm::Keccak512 => sha3::Keccak512,
        )
    };
}

/// A RustCrypto curve with everything the generic helpers need; the associated-type bounds are
/// written as supertraits so that they are implied wherever `C: EcdsaOps` is.
trait EcdsaOps:
    EcdsaCurve
    + AssociatedOid
    + ecdsa::elliptic_curve::Curve<FieldBytesSize: ModulusSize>
    + CurveArithmetic<
        AffinePoint: FromSec1Point<Self> + ToSec1Point<Self> + DecompressPoint<Self>,
        Scalar: Invert<Output = CtOption<<Self as CurveArithmetic>::Scalar>>,
    >
{
}

impl<C> EcdsaOps for C where
    C: EcdsaCurve
        + AssociatedOid
        + ecdsa::elliptic_curve::Curve<FieldBytesSize: ModulusSize>
        + CurveArithmetic<
            AffinePoint: FromSec1Point<C> + ToSec1Point<C> + DecompressPoint<C>,
            Scalar: Invert<Output = CtOption<<C as CurveArithmetic>::Scalar>>,
        >
{
}

/// A fresh key: (PKCS#8 DER private key, DER SubjectPublicKeyInfo with the named-curve OID and an
/// uncompressed point).
pub fn generate(
    curve: Curve,
    rng: &mut impl CryptoRng,
) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    with_curve!(curve, C => encode(&SecretKey::<C>::generate_from_rng(rng)))
}

/// Our encodings (PKCS#8, SPKI) of the private scalar `scalar` (big-endian, field size), e.g. a
/// derived child key; [`CryptoError::InvalidKey`] if it is zero or not below the order.
pub fn from_scalar(curve: Curve, scalar: &[u8]) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    with_curve!(curve, C => {
        let key = SecretKey::<C>::from_slice(scalar)
            .map_err(|_| CryptoError::InvalidKey("scalar out of range".to_owned()))?;
        encode(&key)
    })
}

/// The curve named by a DER SubjectPublicKeyInfo; [`CryptoError::InvalidKey`] if it is not an
/// EC key on one of our curves, or its point is not on that curve (as `openssl` refuses the
/// point (0,0): issue 22).
pub fn curve_of_spki(spki: &[u8]) -> Result<Curve, CryptoError> {
    let info = SubjectPublicKeyInfoRef::from_der(spki)
        .map_err(|e| CryptoError::InvalidKey(format!("not a public key: {e}")))?;
    let curve = curve_of(&info.algorithm)?;
    with_curve!(curve, C => PublicKey::<C>::from_public_key_der(spki).map(|_| ()))
        .map_err(|_| CryptoError::InvalidKey("the EC point is not on the curve".into()))?;
    Ok(curve)
}

/// The curve named by a PKCS#8 DER private key; [`CryptoError::InvalidKey`] if it is not an EC
/// key on one of our curves.
pub fn curve_of_pkcs8(pkcs8: &[u8]) -> Result<Curve, CryptoError> {
    let info = PrivateKeyInfoRef::from_der(pkcs8)
        .map_err(|e| CryptoError::InvalidKey(format!("not a PKCS#8 private key: {e}")))?;
    curve_of(&info.algorithm)
}

/// Re-encodes an imported private key (PKCS#8 DER, or SEC1 "EC PRIVATE KEY" DER) as our canonical
/// PKCS#8 DER plus its SPKI; checks it is valid for the curve (scalar in range, embedded public
/// key and curve OID, if present, matching).
pub fn normalize_private(curve: Curve, der: &[u8]) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    with_curve!(curve, C => {
        // `from_der` tries PKCS#8 first, then SEC1.
        let key = SecretKey::<C>::from_der(der).map_err(|e| {
            CryptoError::InvalidKey(format!("not a valid {} private key: {e}", curve.name()))
        })?;
        encode(&key)
    })
}

/// Signs `payload`.
///
/// `hashing`: `Hash(alg)` hashes the payload; `Prehashed(alg)` takes it as an `alg` digest
/// (length checked); `None` takes it as a digest of any length from 1 to 64 bytes
/// (`NONE_WITH_ECDSA`). `deterministic` selects RFC 6979 nonces (HMAC with the message's hash);
/// otherwise the nonce is hedged (RFC 6979 with fresh randomness from `rng` mixed in). `format`
/// selects DER, fixed-length `r || s`, or Ethereum `r || s || v` (secp256k1 only; low `s`,
/// `v` = 27 + recovery id).
pub fn sign(
    curve: Curve,
    pkcs8: &[u8],
    payload: &[u8],
    hashing: Hashing,
    deterministic: bool,
    format: SignatureFormat,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    let scalar = private_scalar(curve, pkcs8)?;
    sign_with_scalar(
        curve,
        scalar.expose(),
        payload,
        hashing,
        deterministic,
        format,
        rng,
    )
}

/// The private scalar (big-endian, the curve's field size) of a PKCS#8 key on `curve`, after
/// checking the key (and its embedded public key, which costs a scalar multiplication): decode
/// once, then sign many times with [`sign_with_scalar`].
pub fn private_scalar(curve: Curve, pkcs8: &[u8]) -> Result<SecretBytes, CryptoError> {
    with_curve!(curve, C => {
        let key = SecretKey::<C>::from_pkcs8_der(pkcs8)
            .map_err(|e| CryptoError::InvalidKey(e.to_string()))?;
        Ok(SecretBytes::new(key.to_bytes().to_vec()))
    })
}

/// As [`sign`], with the private scalar from [`private_scalar`] (no key parsing, no public-key
/// computation).
pub fn sign_with_scalar(
    curve: Curve,
    scalar: &[u8],
    payload: &[u8],
    hashing: Hashing,
    deterministic: bool,
    format: SignatureFormat,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    if format == SignatureFormat::Eth && curve != Curve::Secp256k1 {
        return Err(CryptoError::Unsupported(format!(
            "ETH signatures need a secp256k1 key, not {}",
            curve.name()
        )));
    }
    let digest = prehash(hashing, payload)?;
    // RFC 6979 derives the nonce with HMAC over the message's hash; NONE_WITH_ECDSA does not say
    // which hash made the digest, so take the one customary for the curve.
    let nonce_hash = match hashing {
        Hashing::Hash(algorithm) | Hashing::Prehashed(algorithm) => algorithm,
        Hashing::None => customary_hash(curve),
    };
    // Randomised signing is RFC 6979 section 3.6: fresh random "additional data" in the HMAC,
    // so the nonce stays safe even if `rng` is weak.
    let mut additional_data = Vec::new();
    if !deterministic {
        additional_data.resize(curve.field_bytes(), 0);
        rng.fill_bytes(&mut additional_data);
    }
    let (mut raw, recovery_id) = with_curve!(curve, C => with_digest!(nonce_hash, D => {
        sign_with::<C, D>(scalar, &digest, &additional_data)
    }))?;
    match format {
        SignatureFormat::Der => raw_to_der(&raw),
        SignatureFormat::Raw => Ok(raw),
        SignatureFormat::Eth => {
            // k256 normalises s to low-s and flips the recovery id to match while signing.
            raw.push(27 + recovery_id.to_byte());
            Ok(raw)
        }
    }
}

/// Verifies a signature with only the public key (DER SPKI). The signature may be DER, raw
/// `r || s`, or (secp256k1) 65-byte ETH `r || s || v`; a wrong or unparsable signature is
/// `Ok(false)`. Errors only for a bad key or an invalid payload length.
pub fn verify(
    curve: Curve,
    spki: &[u8],
    payload: &[u8],
    hashing: Hashing,
    signature: &[u8],
) -> Result<bool, CryptoError> {
    let digest = prehash(hashing, payload)?;
    let n = curve.field_bytes();
    // Lengths alone cannot tell the encodings apart (a 64-byte DER signature exists), so every
    // reading that parses gets a chance.
    let mut candidates = Vec::new();
    if let Some(raw) = der_to_raw(signature, n) {
        candidates.push((raw, None));
    }
    if signature.len() == 2 * n {
        candidates.push((signature.to_vec(), None));
    }
    if curve == Curve::Secp256k1 && signature.len() == 2 * n + 1 {
        candidates.push((signature[..2 * n].to_vec(), Some(signature[2 * n])));
    }
    with_curve!(curve, C => verify_with::<C>(spki, &digest, &candidates))
}

/// The integer ECDSA signs. Never padded nor cut here: ecdsa 0.17 reads a short digest as a
/// big-endian integer and keeps the leftmost bits of a long one, as OpenSSL and Java do; padding
/// to the field size would also change the RFC 6979 nonce on P-521 (whose order is 521 bits,
/// not 528).
fn prehash(hashing: Hashing, payload: &[u8]) -> Result<Vec<u8>, CryptoError> {
    match hashing {
        Hashing::Hash(algorithm) => Ok(hash::digest(algorithm, payload)),
        Hashing::Prehashed(algorithm) => {
            hash::check_digest_len(algorithm, payload)?;
            Ok(payload.to_vec())
        }
        // 64 bytes: the longest digest the HSM makes; the library would mishandle P-521 inputs
        // of 66 bytes or more (it keeps the low 521 bits, OpenSSL the high ones).
        Hashing::None if (1..=64).contains(&payload.len()) => Ok(payload.to_vec()),
        Hashing::None => Err(CryptoError::InvalidInput(format!(
            "The payload of NONE_WITH_ECDSA must be a digest of 1 to 64 bytes, not {} bytes.",
            payload.len()
        ))),
    }
}

/// Our canonical encodings of a private key: PKCS#8 (SEC1 inside, public key included) and SPKI.
fn encode<C: EcdsaOps>(key: &SecretKey<C>) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    let pkcs8 = key
        .to_pkcs8_der()
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))?;
    let spki = key
        .public_key()
        .to_public_key_der()
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))?;
    Ok((SecretBytes::new(pkcs8.as_bytes().to_vec()), spki.into_vec()))
}

/// Signs a digest with an RFC 6979 nonce (HMAC over `D`): fixed-length `r || s` and the
/// recovery id. The library's own signers would always use the curve's default hash for the
/// HMAC (SHA-384 on P-384 even for SHA-256 messages), which is not RFC 6979 and differs from
/// other deterministic signers.
fn sign_with<C: EcdsaOps, D: Digest + BlockSizeUser>(
    scalar: &[u8],
    digest: &[u8],
    additional_data: &[u8],
) -> Result<(Vec<u8>, RecoveryId), CryptoError> {
    // A range check only: the scalar was checked against its public key when decoded.
    let key = SecretKey::<C>::from_slice(scalar)
        .map_err(|_| CryptoError::InvalidKey("not a private scalar of this curve".into()))?;
    // Low-s normalisation (secp256k1) happens inside, with the recovery id adjusted.
    let (signature, recovery_id) = ecdsa::hazmat::sign_prehashed_rfc6979::<C, D>(
        &key.to_nonzero_scalar(),
        digest,
        additional_data,
    );
    Ok((signature.to_vec(), recovery_id))
}

/// Whether any candidate `(r || s, ETH v)` is a valid signature of `digest` under `spki`.
fn verify_with<C: EcdsaOps>(
    spki: &[u8],
    digest: &[u8],
    candidates: &[(Vec<u8>, Option<u8>)],
) -> Result<bool, CryptoError> {
    let key: VerifyingKey<C> = PublicKey::<C>::from_public_key_der(spki)
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))?
        .into();
    Ok(candidates.iter().any(|(raw, v)| {
        let Ok(signature) = Signature::<C>::from_slice(raw) else {
            return false;
        };
        // RustCrypto's secp256k1 verifier refuses high s; OpenSSL and Java accept it and their
        // signers produce it, so normalise first (harmless elsewhere: (r, n - s) is valid iff
        // (r, s) is).
        if key
            .verify_prehash(digest, &signature.normalize_s())
            .is_err()
        {
            return false;
        }
        match v {
            None => true,
            // Ethereum's v must recover this very key (27/28 or the bare id 0/1).
            Some(v) => RecoveryId::from_byte(v.checked_sub(27).unwrap_or(*v))
                .and_then(|id| VerifyingKey::<C>::recover_from_prehash(digest, &signature, id).ok())
                .is_some_and(|recovered| recovered == key),
        }
    }))
}

/// `SEQUENCE { r INTEGER, s INTEGER }` from fixed-length `r || s`.
fn raw_to_der(raw: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let (r, s) = raw.split_at(raw.len() / 2);
    Ok(vec![UintRef::new(r)?, UintRef::new(s)?].to_der()?)
}

/// Fixed-length `r || s` from a strict DER `SEQUENCE { r INTEGER, s INTEGER }`, if it is one
/// whose integers fit the field.
fn der_to_raw(der: &[u8], field_bytes: usize) -> Option<Vec<u8>> {
    let integers = Vec::<UintRef<'_>>::from_der(der).ok()?;
    let [r, s] = integers.as_slice() else {
        return None;
    };
    let mut raw = vec![0; 2 * field_bytes];
    for (half, integer) in raw.chunks_mut(field_bytes).zip([r, s]) {
        let bytes = integer.as_bytes();
        let start = field_bytes.checked_sub(bytes.len())?;
        half[start..].copy_from_slice(bytes);
    }
    Some(raw)
}

/// The curve of an `id-ecPublicKey` algorithm identifier with a named curve.
fn curve_of(algorithm: &AlgorithmIdentifierRef<'_>) -> Result<Curve, CryptoError> {
    if algorithm.oid != const_oid::db::rfc5912::ID_EC_PUBLIC_KEY {
        return Err(CryptoError::InvalidKey(format!(
            "not an EC key (algorithm {})",
            algorithm.oid
        )));
    }
    // Explicit curve parameters are not supported, only named curves.
    let oid = algorithm
        .parameters_oid()
        .map_err(|_| CryptoError::InvalidKey("the EC key does not name its curve".into()))?;
    Curve::from_oid(&oid.to_string())
        .ok_or_else(|| CryptoError::InvalidKey(format!("unsupported curve {oid}")))
}

#[cfg(test)]
mod tests;
