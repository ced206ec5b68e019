//! SLH-DSA (FIPS 205) on the `slh-dsa` crate (instantiated in `tsb-pqc-kernels`, see there
//! why): keys stored in FIPS 205's private-key encoding (SK.seed || SK.prf || PK.seed ||
//! PK.root), public keys as RFC 9909 SPKI, pure and HashSLH-DSA signatures with a context,
//! hedged with fresh randomness.

use super::{CryptoError, check_context, prehashed, raw_public, spki};
use crate::domain::{PreHash, SecretBytes, SlhDsaParams};
use rand::CryptoRng;
use tsb_pqc_kernels as kernels;

/// The security parameter n (seed and hash length in bytes).
fn n(params: SlhDsaParams) -> usize {
    match params {
        SlhDsaParams::Sha2_128s
        | SlhDsaParams::Sha2_128f
        | SlhDsaParams::Shake128s
        | SlhDsaParams::Shake128f => 16,
        SlhDsaParams::Sha2_192s
        | SlhDsaParams::Sha2_192f
        | SlhDsaParams::Shake192s
        | SlhDsaParams::Shake192f => 24,
        SlhDsaParams::Sha2_256s
        | SlhDsaParams::Sha2_256f
        | SlhDsaParams::Shake256s
        | SlhDsaParams::Shake256f => 32,
    }
}

fn unknown(params: SlhDsaParams) -> CryptoError {
    CryptoError::InvalidKey(format!("not an {} key", params.name()))
}

/// A fresh key: (FIPS 205 private-key encoding, DER SPKI).
pub fn generate(
    params: SlhDsaParams,
    rng: &mut impl CryptoRng,
) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    let n = n(params);
    let mut seeds = zeroize::Zeroizing::new(vec![0u8; 3 * n]);
    rng.fill_bytes(&mut seeds);
    let (private, public) = kernels::slh_dsa_keygen(
        params.name(),
        &seeds[..n],
        &seeds[n..2 * n],
        &seeds[2 * n..],
    )
    .ok_or_else(|| unknown(params))?;
    Ok((SecretBytes::new(private), spki(params.oid(), &public)?))
}

/// Signs `message`: pure SLH-DSA, or HashSLH-DSA with `prehash`.
pub fn sign(
    params: SlhDsaParams,
    private: &[u8],
    message: &[u8],
    context: &[u8],
    prehash: Option<PreHash>,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    let prefix = domain_prefix(context, prehash)?;
    let body = body(message, prehash);
    let mut randomizer = vec![0u8; n(params)];
    rng.fill_bytes(&mut randomizer);
    kernels::slh_dsa_sign(params.name(), private, &[&prefix, &body], &randomizer)
        .ok_or_else(|| unknown(params))
}

/// Verifies with the DER SPKI; a malformed or wrong signature is `Ok(false)`.
pub fn verify(
    params: SlhDsaParams,
    public: &[u8],
    message: &[u8],
    context: &[u8],
    prehash: Option<PreHash>,
    signature: &[u8],
) -> Result<bool, CryptoError> {
    let prefix = domain_prefix(context, prehash)?;
    let body = body(message, prehash);
    let raw = raw_public(public, params.oid())?;
    kernels::slh_dsa_verify(params.name(), &raw, &[&prefix, &body], signature)
        .ok_or_else(|| unknown(params))
}

/// `0 || |ctx| || ctx` (pure) or `1 || |ctx| || ctx` (pre-hash), FIPS 205 algorithms 22/23.
fn domain_prefix(context: &[u8], prehash: Option<PreHash>) -> Result<Vec<u8>, CryptoError> {
    let len = check_context(context)?;
    let mut prefix = vec![u8::from(prehash.is_some()), len];
    prefix.extend_from_slice(context);
    Ok(prefix)
}

fn body(message: &[u8], prehash: Option<PreHash>) -> Vec<u8> {
    match prehash {
        None => message.to_vec(),
        Some(hash) => prehashed(hash, message),
    }
}
