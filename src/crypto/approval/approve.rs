//! Signing as an approver: what the emulator does for an approver whose private key it holds
//! (fixture approvers, scripted from the control API), so that a scripted approval is an
//! ordinary approval `verify_approver` checks. RSA signs PKCS#1 v1.5 with SHA-256, ECDSA
//! signs SHA-256 (DER), Ed25519 signs pure EdDSA over the raw message.

use super::ApprovalError;
use super::verify::{ApprovalDigest, key_type};
use crate::crypto::{ec, ed25519, rsa};
use crate::domain::{ApproverKeyType, HashAlgorithm, Hashing, SignatureFormat, SignatureScheme};
use rand::CryptoRng;

/// An approver's signature over `message` with its PKCS#8 private key `pkcs8`, whose public
/// key is `spki`, and the digest name the signature is checked with (`SHA-256` or `EdDSA`).
/// DSA approvers are [`ApprovalError::UnsupportedKeyType`] (the emulator does not make them).
pub fn sign_as_approver(
    pkcs8: &[u8],
    spki: &[u8],
    message: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<(Vec<u8>, ApprovalDigest), ApprovalError> {
    let sha256 = ApprovalDigest::Hash(HashAlgorithm::Sha256);
    match key_type(spki)? {
        ApproverKeyType::Rsa => {
            let key = rsa::decode_private(pkcs8)?;
            let scheme = SignatureScheme::RsaPkcs1v15(Hashing::Hash(HashAlgorithm::Sha256));
            Ok((rsa::sign(&key, scheme, message, rng)?, sha256))
        }
        ApproverKeyType::Ec(curve) => {
            let signature = ec::sign(
                curve,
                pkcs8,
                message,
                Hashing::Hash(HashAlgorithm::Sha256),
                true,
                SignatureFormat::Der,
                rng,
            )?;
            Ok((signature, sha256))
        }
        ApproverKeyType::Ed25519 => Ok((ed25519::sign(pkcs8, message)?, ApprovalDigest::EdDsa)),
        ApproverKeyType::Dsa => Err(ApprovalError::UnsupportedKeyType(
            "The emulator does not sign as a DSA approver.".to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::approval::verify_with;
    use crate::domain::Curve;

    #[test]
    fn signatures_of_each_key_type_verify_as_approvals() {
        let mut rng = rand::rng();
        let keys = [
            ec::generate(Curve::P256, &mut rng).unwrap(),
            ec::generate(Curve::P384, &mut rng).unwrap(),
            ed25519::generate(&mut rng).unwrap(),
        ];
        for (pkcs8, spki) in &keys {
            let (signature, digest) =
                sign_as_approver(pkcs8.expose(), spki, b"token", &mut rng).unwrap();
            verify_with(spki, digest, b"token", &signature).unwrap();
            assert!(verify_with(spki, digest, b"other", &signature).is_err());
        }
    }
}
