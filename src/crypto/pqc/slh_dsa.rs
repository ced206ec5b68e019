//! SLH-DSA (FIPS 205) on the `slh-dsa` crate: keys stored in FIPS 205's private-key encoding
//! (SK.seed || SK.prf || PK.seed || PK.root), public keys as RFC 9909 SPKI, pure and
//! HashSLH-DSA signatures with a context, hedged with fresh randomness.

use super::{CryptoError, check_context, prehashed, raw_public, spki};
use crate::domain::{PreHash, SecretBytes, SlhDsaParams};
use rand::CryptoRng;
use slh_dsa::{
    ParameterSet, Sha2_128f, Sha2_128s, Sha2_192f, Sha2_192s, Sha2_256f, Sha2_256s, Shake128f,
    Shake128s, Shake192f, Shake192s, Shake256f, Shake256s, Signature, SigningKey, VerifyingKey,
};

/// Runs `$body` with `$p` bound to the `slh-dsa` parameter type of `$params`.
macro_rules! with_params {
    ($params:expr, $p:ident => $body:expr) => {
        match $params {
            SlhDsaParams::Sha2_128s => {
                type $p = Sha2_128s;
                $body
            }
            SlhDsaParams::Sha2_128f => {
                type $p = Sha2_128f;
                $body
            }
            SlhDsaParams::Sha2_192s => {
                type $p = Sha2_192s;
                $body
            }
            SlhDsaParams::Sha2_192f => {
                type $p = Sha2_192f;
                $body
            }
            SlhDsaParams::Sha2_256s => {
                type $p = Sha2_256s;
                $body
            }
            SlhDsaParams::Sha2_256f => {
                type $p = Sha2_256f;
                $body
            }
            SlhDsaParams::Shake128s => {
                type $p = Shake128s;
                $body
            }
            SlhDsaParams::Shake128f => {
                type $p = Shake128f;
                $body
            }
            SlhDsaParams::Shake192s => {
                type $p = Shake192s;
                $body
            }
            SlhDsaParams::Shake192f => {
                type $p = Shake192f;
                $body
            }
            SlhDsaParams::Shake256s => {
                type $p = Shake256s;
                $body
            }
            SlhDsaParams::Shake256f => {
                type $p = Shake256f;
                $body
            }
        }
    };
}

/// A fresh key: (FIPS 205 private-key encoding, DER SPKI).
pub fn generate(
    params: SlhDsaParams,
    rng: &mut impl CryptoRng,
) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    with_params!(params, P => {
        let key = SigningKey::<P>::new(rng);
        let public = spki(params.oid(), &key.as_ref().to_vec())?;
        Ok((SecretBytes::new(key.to_vec()), public))
    })
}

/// The DER SPKI of a stored private key.
pub fn public_of(params: SlhDsaParams, private: &[u8]) -> Result<Vec<u8>, CryptoError> {
    with_params!(params, P => {
        let key = decode_private::<P>(private)?;
        spki(params.oid(), &key.as_ref().to_vec())
    })
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
    with_params!(params, P => {
        let key = decode_private::<P>(private)?;
        let mut randomizer = zeroize::Zeroizing::new(vec![0u8; key.as_ref().to_vec().len() / 2]);
        rng.fill_bytes(&mut randomizer);
        let signature = key.slh_sign_internal(&[&prefix, &body], Some(&randomizer));
        Ok(signature.to_vec())
    })
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
    with_params!(params, P => {
        let key = VerifyingKey::<P>::try_from(raw.as_slice())
            .map_err(|_| CryptoError::InvalidKey("wrong SLH-DSA public key length".to_owned()))?;
        let Ok(signature) = Signature::<P>::try_from(signature) else {
            return Ok(false);
        };
        Ok(key.slh_verify_internal(&[&prefix, &body], &signature).is_ok())
    })
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

fn decode_private<P: ParameterSet>(private: &[u8]) -> Result<SigningKey<P>, CryptoError> {
    SigningKey::<P>::try_from(private)
        .map_err(|_| CryptoError::InvalidKey("not an SLH-DSA private key of this set".to_owned()))
}
