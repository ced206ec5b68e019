//! Compact JWS bearer tokens (RFC 7515/7519): signature and time checks for HS256, RS256 and
//! ES256, with the crates the emulator already has. Nothing here issues tokens.
//!
//! The algorithm is fixed by the configured key, never chosen by the token: an `alg` that does
//! not match the key (including `none`) is refused, which closes the HS256-with-a-public-key
//! confusion.

use super::{CryptoError, rsa, symmetric};
use crate::domain::{HashAlgorithm, Hashing, SecretBytes, SignatureScheme};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Verifier;
use serde_json::Value;
use spki::DecodePublicKey;
use std::fmt;

/// The key bearer JWTs are checked against; its type fixes the accepted `alg`.
#[derive(Clone)]
pub enum JwtKey {
    /// `HS256` with a shared secret.
    Hs256(SecretBytes),
    /// `RS256` with an RSA public key (DER SPKI).
    Rs256(Vec<u8>),
    /// `ES256` with a P-256 public key.
    Es256(Box<p256::ecdsa::VerifyingKey>),
}

impl fmt::Debug for JwtKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hs256(_) => f.write_str("JwtKey::Hs256(<redacted>)"),
            Self::Rs256(_) => f.write_str("JwtKey::Rs256"),
            Self::Es256(_) => f.write_str("JwtKey::Es256"),
        }
    }
}

impl JwtKey {
    /// An HS256 key from the shared secret.
    pub fn hs256(secret: &[u8]) -> Self {
        Self::Hs256(SecretBytes::new(secret.to_vec()))
    }

    /// An RS256 or ES256 key from a PEM (or DER) public key (`BEGIN PUBLIC KEY`) or
    /// certificate; the key type selects the algorithm.
    pub fn from_public_key(input: &[u8]) -> Result<Self, CryptoError> {
        let der = match super::pem::decode_all(input) {
            Ok(blocks) if !blocks.is_empty() => blocks.into_iter().next().unwrap_or_default(),
            _ => input.to_vec(),
        };
        let spki = match super::x509::public_key_of(&der) {
            Ok(spki) => spki,
            Err(_) => der,
        };
        if let Ok(key) = p256::ecdsa::VerifyingKey::from_public_key_der(&spki) {
            return Ok(Self::Es256(Box::new(key)));
        }
        rsa::public_key_bits(&spki)
            .map(|_| Self::Rs256(spki))
            .map_err(|_| {
                CryptoError::InvalidKey(
                    "the JWT public key must be an RSA or P-256 public key in PEM or DER".into(),
                )
            })
    }

    /// The `alg` header value this key accepts.
    pub fn algorithm(&self) -> &'static str {
        match self {
            Self::Hs256(_) => "HS256",
            Self::Rs256(_) => "RS256",
            Self::Es256(_) => "ES256",
        }
    }

    fn verifies(&self, signing_input: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Hs256(secret) => {
                symmetric::verify_hmac_sha256(secret.expose(), signing_input, signature)
            }
            Self::Rs256(spki) => rsa::verify(
                spki,
                SignatureScheme::RsaPkcs1v15(Hashing::Hash(HashAlgorithm::Sha256)),
                signing_input,
                signature,
            )
            .unwrap_or(false),
            // JWS carries ES256 as the fixed 64-byte `r || s` (RFC 7518 3.4), never DER.
            Self::Es256(key) => p256::ecdsa::Signature::from_slice(signature)
                .map(|signature| key.verify(signing_input, &signature).is_ok())
                .unwrap_or(false),
        }
    }
}

/// Why a token was refused. The messages name no token content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Not three base64url parts with a JSON header and claims object.
    #[error("the bearer token is not a well-formed JWT")]
    Malformed,
    /// The header's `alg` is not the configured key's algorithm.
    #[error("the bearer token's algorithm {0:?} is not accepted")]
    Algorithm(String),
    /// The signature does not verify.
    #[error("the bearer token's signature is not valid")]
    Signature,
    /// `exp` has passed.
    #[error("the bearer token has expired")]
    Expired,
    /// `nbf` is still ahead.
    #[error("the bearer token is not valid yet")]
    NotYetValid,
}

/// Verifies a compact JWS: the header's `alg` must be the key's, the signature must verify,
/// `exp` (if present) must be after and `nbf` (if present) before `now` (Unix seconds), each
/// with `leeway` seconds of tolerance for clock skew. Returns the claims.
pub fn verify(token: &str, key: &JwtKey, now: u64, leeway: u64) -> Result<Value, JwtError> {
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let header: Value = decode_json(header)?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg != key.algorithm() {
        return Err(JwtError::Algorithm(alg.chars().take(16).collect()));
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| JwtError::Malformed)?;
    let signing_input = &token[..header_and_claims_len(token)];
    if !key.verifies(signing_input.as_bytes(), &signature) {
        return Err(JwtError::Signature);
    }
    let claims: Value = decode_json(claims)?;
    if let Some(exp) = claims.get("exp") {
        let exp = numeric_date(exp)?;
        if now >= exp.saturating_add(leeway) {
            return Err(JwtError::Expired);
        }
    }
    if let Some(nbf) = claims.get("nbf") {
        let nbf = numeric_date(nbf)?;
        if now.saturating_add(leeway) < nbf {
            return Err(JwtError::NotYetValid);
        }
    }
    Ok(claims)
}

/// Length of `header.claims`, the signing input.
fn header_and_claims_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(token.len())
}

fn decode_json(part: &str) -> Result<Value, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JwtError::Malformed)?;
    match serde_json::from_slice(&bytes) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(JwtError::Malformed),
    }
}

/// A NumericDate (RFC 7519 2): seconds, possibly fractional; negative counts as 0.
fn numeric_date(value: &Value) -> Result<u64, JwtError> {
    match value.as_f64() {
        Some(seconds) if seconds.is_finite() => Ok(seconds.max(0.0) as u64),
        _ => Err(JwtError::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7515 appendix A.1: an HS256 JWS and its key.
    const RFC7515_A1_TOKEN: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const RFC7515_A1_KEY: &str =
        "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

    fn rfc_key() -> JwtKey {
        JwtKey::hs256(&URL_SAFE_NO_PAD.decode(RFC7515_A1_KEY).unwrap())
    }

    #[test]
    fn the_rfc_7515_hs256_example_verifies_before_its_expiry() {
        let claims = verify(RFC7515_A1_TOKEN, &rfc_key(), 1_300_819_379, 0).unwrap();
        assert_eq!(claims["iss"], "joe");
    }

    #[test]
    fn the_rfc_7515_example_is_expired_afterwards_unless_within_leeway() {
        assert_eq!(
            verify(RFC7515_A1_TOKEN, &rfc_key(), 1_300_819_380, 0),
            Err(JwtError::Expired)
        );
        assert!(verify(RFC7515_A1_TOKEN, &rfc_key(), 1_300_819_400, 60).is_ok());
    }

    #[test]
    fn a_changed_claim_or_another_secret_breaks_the_signature() {
        let mut tampered = RFC7515_A1_TOKEN.to_owned();
        tampered.replace_range(80..81, "A");
        assert!(verify(&tampered, &rfc_key(), 1_300_000_000, 0).is_err());
        assert_eq!(
            verify(
                RFC7515_A1_TOKEN,
                &JwtKey::hs256(b"another secret"),
                1_300_000_000,
                0
            ),
            Err(JwtError::Signature)
        );
    }

    #[test]
    fn alg_none_and_garbage_are_refused() {
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(br#"{"sub":"x"}"#)
        );
        assert_eq!(
            verify(&none, &rfc_key(), 0, 0),
            Err(JwtError::Algorithm("none".into()))
        );
        for garbage in ["", "a.b", "a.b.c.d", "not a token", "..."] {
            assert!(verify(garbage, &rfc_key(), 0, 0).is_err(), "{garbage}");
        }
    }
}
