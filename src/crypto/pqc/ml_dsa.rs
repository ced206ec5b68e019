//! ML-DSA (FIPS 204) on the `ml-dsa` crate: keys stored as their 32-byte seed ξ, public keys
//! as RFC 9881 SPKI, pure and HashML-DSA signatures with a context, and external-μ signing.

use super::{CryptoError, check_context, prehashed, raw_public, shake256, spki};
use crate::domain::{MlDsaParams, PreHash, SecretBytes};
use ml_dsa::{Keypair, MlDsa44, MlDsa65, MlDsa87, Signature, SigningKey, VerifyingKey};
use rand::CryptoRng;

/// Length of the stored private key (the seed ξ).
pub const SEED_LEN: usize = 32;
/// Length of an external μ.
pub const MU_LEN: usize = 64;

/// Runs `$body` with `$p` bound to the `ml-dsa` parameter type of `$params`.
macro_rules! with_params {
    ($params:expr, $p:ident => $body:expr) => {
        match $params {
            MlDsaParams::MlDsa44 => {
                type $p = MlDsa44;
                $body
            }
            MlDsaParams::MlDsa65 => {
                type $p = MlDsa65;
                $body
            }
            MlDsaParams::MlDsa87 => {
                type $p = MlDsa87;
                $body
            }
        }
    };
}

/// What the message representative is computed from.
#[derive(Debug, Clone, Copy)]
pub enum Message<'a> {
    /// Pure ML-DSA (`prehash: None`) or HashML-DSA over `message` with `context`.
    Data {
        /// The message.
        message: &'a [u8],
        /// The context string (at most 255 bytes).
        context: &'a [u8],
        /// The HashML-DSA hash, if any.
        prehash: Option<PreHash>,
    },
    /// An external μ (64 bytes), computed by the caller.
    Mu(&'a [u8]),
}

/// A fresh key: (the seed ξ, DER SPKI).
pub fn generate(
    params: MlDsaParams,
    rng: &mut impl CryptoRng,
) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    let mut seed = zeroize::Zeroizing::new([0u8; SEED_LEN]);
    rng.fill_bytes(seed.as_mut());
    let public = public_from_seed(params, seed.as_ref())?;
    Ok((SecretBytes::new(seed.to_vec()), public))
}

/// The DER SPKI of the key with seed ξ (ML-DSA.KeyGen_internal).
pub fn public_from_seed(params: MlDsaParams, seed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let seed = seed_array(seed)?;
    let encoded = with_params!(params, P => {
        SigningKey::<P>::from_seed(&seed).verifying_key().encode().to_vec()
    });
    spki(params.oid(), &encoded)
}

/// Signs (hedged: fresh randomness per signature, FIPS 204's default).
pub fn sign(
    params: MlDsaParams,
    seed: &[u8],
    message: Message<'_>,
    rng: &mut impl CryptoRng,
) -> Result<Vec<u8>, CryptoError> {
    let seed = seed_array(seed)?;
    let failed = |_| CryptoError::Signing("ML-DSA signing failed".to_owned());
    with_params!(params, P => {
        let key = SigningKey::<P>::from_seed(&seed);
        let signature = match message {
            Message::Data { message, context, prehash: None } => {
                check_context(context)?;
                key.expanded_key().sign_randomized(message, context, rng).map_err(failed)?
            }
            Message::Data { message, context, prehash: Some(hash) } => {
                let mu = hash_mu(&key.verifying_key().encode(), message, context, hash)?;
                key.expanded_key().sign_mu_randomized(&mu_array(&mu)?, rng).map_err(failed)?
            }
            Message::Mu(mu) => {
                key.expanded_key().sign_mu_randomized(&mu_array(mu)?, rng).map_err(failed)?
            }
        };
        Ok(signature.encode().to_vec())
    })
}

/// Verifies with the DER SPKI; a malformed or wrong signature is `Ok(false)`.
pub fn verify(
    params: MlDsaParams,
    public: &[u8],
    message: Message<'_>,
    signature: &[u8],
) -> Result<bool, CryptoError> {
    let raw = raw_public(public, params.oid())?;
    with_params!(params, P => {
        let encoded = ml_dsa::EncodedVerifyingKey::<P>::try_from(raw.as_slice())
            .map_err(|_| CryptoError::InvalidKey("wrong ML-DSA public key length".to_owned()))?;
        let key = VerifyingKey::<P>::decode(&encoded);
        let Ok(signature) = Signature::<P>::try_from(signature) else {
            return Ok(false);
        };
        Ok(match message {
            Message::Data { message, context, prehash: None } => {
                check_context(context)?;
                key.verify_with_context(message, context, &signature)
            }
            Message::Data { message, context, prehash: Some(hash) } => {
                let mu = hash_mu(&encoded, message, context, hash)?;
                key.verify_mu(&mu_array(&mu)?, &signature)
            }
            Message::Mu(mu) => key.verify_mu(&mu_array(mu)?, &signature),
        })
    })
}

/// HashML-DSA's μ = SHAKE256(tr || 1 || |ctx| || ctx || OID || PH(M)), tr = SHAKE256(pk).
fn hash_mu(
    public: &[u8],
    message: &[u8],
    context: &[u8],
    hash: PreHash,
) -> Result<Vec<u8>, CryptoError> {
    let context_len = check_context(context)?;
    let tr = shake256(&[public], 64);
    let prefix = [1, context_len];
    let prehashed = prehashed(hash, message);
    Ok(shake256(&[&tr, &prefix, context, &prehashed], MU_LEN))
}

fn seed_array(seed: &[u8]) -> Result<ml_dsa::B32, CryptoError> {
    ml_dsa::B32::try_from(seed)
        .map_err(|_| CryptoError::InvalidKey("an ML-DSA seed is 32 bytes".to_owned()))
}

fn mu_array(mu: &[u8]) -> Result<hybrid_array::Array<u8, hybrid_array::sizes::U64>, CryptoError> {
    hybrid_array::Array::try_from(mu).map_err(|_| {
        CryptoError::InvalidInput(format!(
            "The payload of ML_DSA_M must be the {MU_LEN}-byte μ, not {} bytes.",
            mu.len()
        ))
    })
}
