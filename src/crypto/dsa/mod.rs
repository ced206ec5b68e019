//! DSA (FIPS 186-4): keys on fixed domain parameters, imports, and signatures encoded as DER or
//! raw `r || s`.
//!
//! Keys are encoded as OpenSSL writes them: PKCS#8 and SPKI with OID 1.2.840.10040.4.1 and the
//! domain parameters `SEQUENCE { p, q, g }` in the AlgorithmIdentifier; the private key is
//! `INTEGER x` in the PKCS#8 OCTET STRING, the public key `INTEGER y` in the BIT STRING.

mod params;

use super::{CryptoError, hash};
use crate::domain::{HashAlgorithm, Hashing, SecretBytes, SignatureFormat};
use der::asn1::{AnyRef, UintRef};
use der::{Decode, Encode};
use dsa::pkcs8::{AlgorithmIdentifierRef, EncodePrivateKey, EncodePublicKey, PrivateKeyInfoRef};
use dsa::signature::hazmat::{PrehashVerifier, RandomizedPrehashSigner};
use dsa::{BoxedUint, Components, Signature, SigningKey, VerifyingKey};
// The dsa crate's big integers, reached through the same crypto-bigint 0.7 as re-exported by
// elliptic-curve (the dsa crate does not re-export its modular arithmetic).
use ecdsa::elliptic_curve::bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use rand::CryptoRng;
use spki::SubjectPublicKeyInfoRef;

/// A fresh key of `bits` = L (1024, 2048 or 3072; N = 160, 256, 256) on the fixed domain
/// parameters for that size: (PKCS#8 DER private key, DER SubjectPublicKeyInfo).
pub fn generate(
    bits: u32,
    rng: &mut impl CryptoRng,
) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    let parameters = match bits {
        1024 => params::DSA_1024_160,
        2048 => params::DSA_2048_256,
        3072 => params::DSA_3072_256,
        _ => {
            return Err(CryptoError::Unsupported(format!(
                "DSA keys are 1024, 2048 or 3072 bits, not {bits}"
            )));
        }
    };
    let built_in =
        |reason: String| CryptoError::KeyGeneration(format!("built-in parameters: {reason}"));
    let parameters = hex::decode(parameters).map_err(|e| built_in(e.to_string()))?;
    let parameters = AlgorithmIdentifierRef {
        oid: dsa::OID,
        parameters: Some(AnyRef::from_der(&parameters).map_err(|e| built_in(e.to_string()))?),
    };
    let parameters = domain(&parameters).map_err(|e| built_in(e.to_string()))?;
    // The error type of a `CryptoRng` is `Infallible`.
    let Ok(key) = SigningKey::try_generate_from_rng_with_components(rng, parameters);
    encode(&key)
}

/// Re-encodes an imported private key as our canonical PKCS#8 DER plus its SPKI, and returns
/// L. Accepts PKCS#8 (v1, or v2 with the public key, which must then match x) and OpenSSL's
/// traditional `DSA PRIVATE KEY` DER (`SEQUENCE { 0, p, q, g, y, x }`, y must match). The
/// sizes accepted are those of FIPS 186-4: (L, N) = (1024, 160), (2048, 224), (2048, 256) and
/// (3072, 256), with exact bit lengths.
pub fn normalize_private(der: &[u8]) -> Result<(SecretBytes, Vec<u8>, u32), CryptoError> {
    let key = decode_pkcs8(der).or_else(|pkcs8_error| {
        decode_traditional(der).map_err(|traditional_error| match traditional_error {
            // Not even the shape of a traditional key: the PKCS#8 reason is the useful one.
            None => pkcs8_error,
            Some(error) => error,
        })
    })?;
    let bits = bits(key.verifying_key());
    let (pkcs8, spki) = encode(&key)?;
    Ok((pkcs8, spki, bits))
}

/// Validates an imported DER SubjectPublicKeyInfo holding a DSA public key and returns its L.
pub fn public_key_bits(spki: &[u8]) -> Result<u32, CryptoError> {
    Ok(bits(&decode_public(spki)?))
}

/// Signs `payload`.
///
/// `hashing`: `Hash(alg)` hashes the payload (SHA-1 or SHA-2 only); `Prehashed(alg)` takes it as
/// an `alg` digest (length checked); `None` takes it as a digest of any length from 1 to 64
/// bytes (`NONE_WITH_DSA`). As in OpenSSL, the leftmost N bits of a longer digest are signed and
/// a shorter one is read as a big-endian integer. The nonce k is drawn from `rng` (FIPS 186-4
/// B.2.1): the dsa crate offers no hedged RFC 6979 variant. `format` selects DER or fixed-width
/// `r || s` (N/8 bytes each).
pub fn sign(
    pkcs8: &[u8],
    payload: &[u8],
    hashing: Hashing,
    format: SignatureFormat,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    if format == SignatureFormat::Eth {
        return Err(CryptoError::Unsupported(
            "ETH signatures need a secp256k1 key, not DSA".into(),
        ));
    }
    let digest = prehash(hashing, payload)?;
    let key = decode_pkcs8(pkcs8)?;
    let signature = key
        .sign_prehash_with_rng(rng, &digest)
        .map_err(|e| CryptoError::Signing(e.to_string()))?;
    match format {
        SignatureFormat::Raw => {
            let width = field_bytes(key.verifying_key());
            let mut raw = fixed_width(signature.r(), width)?;
            raw.extend(fixed_width(signature.s(), width)?);
            Ok(raw)
        }
        _ => Ok(signature.to_der()?),
    }
}

/// Verifies a signature with only the public key (DER SPKI). The signature may be DER or raw
/// `r || s` (N/8 bytes each); a wrong or unparsable signature is `Ok(false)`. Errors only for a
/// bad key or an invalid payload length.
pub fn verify(
    spki: &[u8],
    payload: &[u8],
    hashing: Hashing,
    signature: &[u8],
) -> Result<bool, CryptoError> {
    let digest = prehash(hashing, payload)?;
    let key = decode_public(spki)?;
    let width = field_bytes(&key);
    // Lengths alone cannot tell the encodings apart (a DER signature can be 2 * N/8 bytes long),
    // so every reading that parses gets a chance.
    let mut candidates = Vec::new();
    if let Ok(der) = Signature::from_der(signature) {
        candidates.push(der);
    }
    if signature.len() == 2 * width {
        let (r, s) = signature.split_at(width);
        let raw = Signature::from_components(
            BoxedUint::from_be_slice_vartime(r),
            BoxedUint::from_be_slice_vartime(s),
        );
        candidates.extend(raw);
    }
    // The library answers `false` for r or s out of [1, q - 1].
    Ok(candidates
        .iter()
        .any(|signature| key.verify_prehash(&digest, signature).is_ok()))
}

/// The value DSA signs: the digest of the payload, or the payload itself for `NONE_WITH_DSA`.
/// Not truncated here: the dsa crate keeps the leftmost N/8 bytes of a longer digest and reads
/// a shorter one as an integer, as OpenSSL does (N is a multiple of 8 for every size).
fn prehash(hashing: Hashing, payload: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let check = |algorithm: HashAlgorithm| match algorithm {
        HashAlgorithm::Sha1
        | HashAlgorithm::Sha224
        | HashAlgorithm::Sha256
        | HashAlgorithm::Sha384
        | HashAlgorithm::Sha512 => Ok(algorithm),
        other => Err(CryptoError::Unsupported(format!(
            "DSA signs with SHA-1 or SHA-2 digests, not {other:?}"
        ))),
    };
    match hashing {
        Hashing::Hash(algorithm) => Ok(hash::digest(check(algorithm)?, payload)),
        Hashing::Prehashed(algorithm) => {
            hash::check_digest_len(check(algorithm)?, payload)?;
            Ok(payload.to_vec())
        }
        // 64 bytes: the longest digest the HSM makes.
        Hashing::None if (1..=64).contains(&payload.len()) => Ok(payload.to_vec()),
        Hashing::None => Err(CryptoError::InvalidInput(format!(
            "The payload of NONE_WITH_DSA must be a digest of 1 to 64 bytes, not {} bytes.",
            payload.len()
        ))),
    }
}

/// Our canonical encodings: PKCS#8 v1 (no public key) and SPKI, both as OpenSSL writes them.
fn encode(key: &SigningKey) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    let pkcs8 = key
        .to_pkcs8_der()
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))?;
    let spki = key
        .verifying_key()
        .to_public_key_der()
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))?;
    Ok((SecretBytes::new(pkcs8.as_bytes().to_vec()), spki.into_vec()))
}

// Keys are decoded here rather than by the library's decoders. Those read each integer at the
// precision of its own length, while the Montgomery arithmetic modulo p assumes (and only
// debug-asserts) that g and y have p's precision: a g or y whose top 64 bits are zero (chance
// 2^-64 for an honest key, or crafted) would panic in debug builds and go wrong in release.

/// The invalid-key error for a DSA key.
fn invalid(reason: impl std::fmt::Display) -> CryptoError {
    CryptoError::InvalidKey(format!("not a valid DSA key: {reason}"))
}

/// A DSA public key from a DER SPKI.
fn decode_public(spki: &[u8]) -> Result<VerifyingKey, CryptoError> {
    let info = SubjectPublicKeyInfoRef::from_der(spki).map_err(invalid)?;
    let components = domain(&info.algorithm)?;
    let y = info
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| invalid("unused bits in the public key"))?;
    let y = UintRef::from_der(y).map_err(invalid)?;
    let y = widen(y.as_bytes(), &components)?;
    VerifyingKey::from_components(components, y).map_err(|_| invalid("y is not in the group"))
}

/// A PKCS#8 DSA private key (v1, or v2 with a public key that must match).
fn decode_pkcs8(der: &[u8]) -> Result<SigningKey, CryptoError> {
    let info = PrivateKeyInfoRef::from_der(der).map_err(invalid)?;
    let components = domain(&info.algorithm)?;
    let x = UintRef::from_der(info.private_key.as_bytes()).map_err(invalid)?;
    let y = match info.public_key {
        None => None,
        Some(bits) => {
            let bytes = bits.as_bytes().ok_or_else(|| invalid("unused bits"))?;
            Some(UintRef::from_der(bytes).map_err(invalid)?)
        }
    };
    signing_key(components, x, y)
}

/// OpenSSL's traditional `SEQUENCE { 0, p, q, g, y, x }`. `Err(None)` if `der` does not even
/// have that shape.
fn decode_traditional(der: &[u8]) -> Result<SigningKey, Option<CryptoError>> {
    let integers = Vec::<UintRef<'_>>::from_der(der).map_err(|_| None)?;
    let [version, p, q, g, y, x] = integers.as_slice() else {
        return Err(None);
    };
    if version.as_bytes().iter().any(|byte| *byte != 0) {
        return Err(None);
    }
    let components = components(p, q, g).map_err(Some)?;
    signing_key(components, *x, Some(*y)).map_err(Some)
}

/// The domain parameters in a DSA AlgorithmIdentifier.
fn domain(algorithm: &AlgorithmIdentifierRef<'_>) -> Result<Components, CryptoError> {
    if algorithm.oid != dsa::OID {
        return Err(CryptoError::InvalidKey(format!(
            "not a DSA key (algorithm {})",
            algorithm.oid
        )));
    }
    let parameters = algorithm
        .parameters
        .ok_or_else(|| invalid("no domain parameters"))?;
    let integers: Vec<UintRef<'_>> = parameters.decode_as().map_err(invalid)?;
    let [p, q, g] = integers.as_slice() else {
        return Err(invalid("the domain parameters are not p, q, g"));
    };
    components(p, q, g)
}

/// Domain parameters of one of the FIPS 186-4 sizes: (L, N) = (1024, 160), (2048, 224),
/// (2048, 256) or (3072, 256), exactly (the library only checks sizes rounded up to 64-bit
/// limbs). The library checks that y has order q but not g; checking g too rejects parameters
/// under which no signature could verify. p and q are not tested for primality (the library
/// cannot; OpenSSL does so only on request).
fn components(
    p: &UintRef<'_>,
    q: &UintRef<'_>,
    g: &UintRef<'_>,
) -> Result<Components, CryptoError> {
    let p = BoxedUint::from_be_slice_vartime(p.as_bytes());
    let (l, n) = (
        p.bit_width(),
        BoxedUint::from_be_slice_vartime(q.as_bytes()).bit_width(),
    );
    if !matches!(
        (l, n),
        (1024, 160) | (2048, 224) | (2048, 256) | (3072, 256)
    ) {
        return Err(CryptoError::InvalidKey(format!(
            "unsupported DSA domain parameter sizes L = {l}, N = {n}"
        )));
    }
    let g = BoxedUint::from_be_slice(g.as_bytes(), p.bits_precision())
        .map_err(|_| invalid("g is larger than p"))?;
    let q = BoxedUint::from_be_slice_vartime(q.as_bytes());
    let components = Components::from_components(p, q, g.clone())
        .map_err(|_| invalid("p is even or g is not in [2, p - 1]"))?;
    // The library's check of y (y^q = 1 mod p, y >= 2) applied to g.
    if VerifyingKey::from_components(components.clone(), g).is_err() {
        return Err(invalid("the generator g is not of order q"));
    }
    Ok(components)
}

/// A key value (x or y) at p's precision. Values not below p are refused: y + p would pass the
/// library's group check as y and then be re-encoded unreduced.
fn widen(value: &[u8], components: &Components) -> Result<BoxedUint, CryptoError> {
    let p: &BoxedUint = components.p();
    BoxedUint::from_be_slice(value, p.bits_precision())
        .ok()
        .filter(|value| value < p)
        .ok_or_else(|| invalid("a key value is not below p"))
}

/// The key for x, its public key y = g^x mod p computed (the library takes y on trust, so an
/// imported y must match it).
fn signing_key(
    components: Components,
    x: UintRef<'_>,
    imported_y: Option<UintRef<'_>>,
) -> Result<SigningKey, CryptoError> {
    let x = widen(x.as_bytes(), &components)?;
    let modulus = BoxedMontyParams::new_vartime(components.p().clone());
    let y = BoxedMontyForm::new(BoxedUint::clone(components.g()), &modulus)
        .pow(&x)
        .retrieve();
    if let Some(imported) = imported_y
        && widen(imported.as_bytes(), &components)? != y
    {
        return Err(CryptoError::InvalidKey(
            "the DSA public key does not match the private key".into(),
        ));
    }
    let public = VerifyingKey::from_components(components, y)
        .map_err(|_| invalid("y is not in the group"))?;
    SigningKey::from_components(public, x).map_err(|_| invalid("x is not in [1, q - 1]"))
}

/// L, the size of p.
fn bits(key: &VerifyingKey) -> u32 {
    key.components().p().bit_width()
}

/// N/8: the width of r and of s in a raw signature.
fn field_bytes(key: &VerifyingKey) -> usize {
    key.components().q().bit_width().div_ceil(8) as usize
}

/// `value` as exactly `width` big-endian bytes (it is below q, so it fits).
fn fixed_width(value: &BoxedUint, width: usize) -> Result<Vec<u8>, CryptoError> {
    let bytes = value.to_be_bytes();
    let start = bytes
        .iter()
        .position(|byte| *byte != 0)
        .unwrap_or(bytes.len());
    let digits = &bytes[start..];
    let padding = width
        .checked_sub(digits.len())
        .ok_or_else(|| CryptoError::Signing("signature value wider than q".into()))?;
    let mut out = vec![0; padding];
    out.extend_from_slice(digits);
    Ok(out)
}

#[cfg(test)]
mod tests;
