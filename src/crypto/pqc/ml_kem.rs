//! ML-KEM (FIPS 203) on the `ml-kem` crate: keys stored as their 64-byte seed (d || z),
//! public keys as SPKI, encapsulation and decapsulation of a 32-byte shared secret.

use super::{CryptoError, raw_public, spki};
use crate::domain::{MlKemParams, SecretBytes};
use ml_kem::{
    Decapsulate, DecapsulationKey, Encapsulate, EncapsulationKey, KeyExport, MlKem512, MlKem768,
    MlKem1024, TryKeyInit,
};
use rand::CryptoRng;

/// Length of the stored private key (the seed d || z).
pub const SEED_LEN: usize = 64;
/// Length of the shared secret.
pub const SHARED_SECRET_LEN: usize = 32;

/// Runs `$body` with `$p` bound to the `ml-kem` parameter type of `$params`.
macro_rules! with_params {
    ($params:expr, $p:ident => $body:expr) => {
        match $params {
            MlKemParams::MlKem512 => {
                type $p = MlKem512;
                $body
            }
            MlKemParams::MlKem768 => {
                type $p = MlKem768;
                $body
            }
            MlKemParams::MlKem1024 => {
                type $p = MlKem1024;
                $body
            }
        }
    };
}

/// The ciphertext length of a parameter set.
pub fn ciphertext_len(params: MlKemParams) -> usize {
    match params {
        MlKemParams::MlKem512 => 768,
        MlKemParams::MlKem768 => 1088,
        MlKemParams::MlKem1024 => 1568,
    }
}

/// A fresh key: (the seed d || z, DER SPKI).
pub fn generate(
    params: MlKemParams,
    rng: &mut impl CryptoRng,
) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    let mut seed = zeroize::Zeroizing::new([0u8; SEED_LEN]);
    rng.fill_bytes(seed.as_mut());
    let public = public_from_seed(params, seed.as_ref())?;
    Ok((SecretBytes::new(seed.to_vec()), public))
}

/// The DER SPKI of the key with this seed (ML-KEM.KeyGen_internal).
pub fn public_from_seed(params: MlKemParams, seed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let seed = seed_array(seed)?;
    let encoded = with_params!(params, P => {
        DecapsulationKey::<P>::from_seed(seed).encapsulation_key().to_bytes().to_vec()
    });
    spki(params.oid(), &encoded)
}

/// Encapsulates to the DER SPKI: (ciphertext, shared secret).
pub fn encapsulate(
    params: MlKemParams,
    public: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<(Vec<u8>, SecretBytes), CryptoError> {
    let raw = raw_public(public, params.oid())?;
    with_params!(params, P => {
        let key = EncapsulationKey::<P>::new_from_slice(&raw)
            .map_err(|_| CryptoError::InvalidKey("not an ML-KEM encapsulation key of this set".to_owned()))?;
        let (ciphertext, shared) = key.encapsulate_with_rng(rng);
        Ok((ciphertext.to_vec(), SecretBytes::new(shared.to_vec())))
    })
}

/// Decapsulates `ciphertext` (of the right length; a wrong ciphertext yields FIPS 203's
/// implicit-rejection secret, not an error).
pub fn decapsulate(
    params: MlKemParams,
    seed: &[u8],
    ciphertext: &[u8],
) -> Result<SecretBytes, CryptoError> {
    let seed = seed_array(seed)?;
    with_params!(params, P => {
        let key = DecapsulationKey::<P>::from_seed(seed);
        let shared = key.decapsulate_slice(ciphertext).map_err(|_| {
            CryptoError::InvalidInput(format!(
                "An {} ciphertext is {} bytes, not {}.",
                params.name(),
                ciphertext_len(params),
                ciphertext.len()
            ))
        })?;
        Ok(SecretBytes::new(shared.to_vec()))
    })
}

fn seed_array(seed: &[u8]) -> Result<ml_kem::Seed, CryptoError> {
    ml_kem::Seed::try_from(seed)
        .map_err(|_| CryptoError::InvalidKey("an ML-KEM seed is 64 bytes".to_owned()))
}

/// Wraps `key` to an ML-KEM public key (the emulator's format for the `ML-KEM-*` wrap
/// methods; the TSB's is undocumented): the KEM ciphertext, then RFC 5649 AES-256 key wrap
/// with padding of `key` under the 32-byte shared secret.
pub fn wrap(
    params: MlKemParams,
    public: &[u8],
    key: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    let (mut out, shared) = encapsulate(params, public, rng)?;
    out.extend(crate::crypto::cipher::aes_wrap(shared.expose(), key, true)?);
    Ok(out)
}

/// Unwraps what [`wrap`] made; any mismatch (wrong key, altered bytes) is an error that
/// says nothing more.
pub fn unwrap(params: MlKemParams, seed: &[u8], wrapped: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let split = ciphertext_len(params);
    if wrapped.len() <= split {
        return Err(CryptoError::DecryptionFailed);
    }
    let (ciphertext, body) = wrapped.split_at(split);
    let shared = decapsulate(params, seed, ciphertext)?;
    crate::crypto::cipher::aes_unwrap(shared.expose(), body, true)
        .map_err(|_| CryptoError::DecryptionFailed)
}
