//! Signing X.509 structures (CSRs, certificates) with an RSA or EC key.

use super::{CryptoError, ec, rsa};
use crate::domain::Curve;
use crate::domain::{HashAlgorithm, Hashing, SignatureFormat};
use rand::CryptoRng;
use spki::{AlgorithmIdentifierOwned, ObjectIdentifier};

/// The key that signs a CSR or certificate.
pub enum X509Signer<'a> {
    /// RSASSA-PKCS1-v1_5.
    Rsa(&'a rsa::PrivateKey),
    /// ECDSA (DER signature) with a PKCS#8 private key on `curve`.
    Ecdsa {
        /// The key's curve.
        curve: Curve,
        /// The PKCS#8 DER private key.
        pkcs8: &'a [u8],
    },
}

impl X509Signer<'_> {
    /// The `AlgorithmIdentifier` of this signer with `digest`.
    pub fn algorithm_identifier(
        &self,
        digest: HashAlgorithm,
    ) -> Result<AlgorithmIdentifierOwned, CryptoError> {
        match self {
            Self::Rsa(_) => rsa::pkcs1v15_algorithm_identifier(digest),
            Self::Ecdsa { .. } => {
                let oid = match digest {
                    HashAlgorithm::Sha224 => "1.2.840.10045.4.3.1",
                    HashAlgorithm::Sha256 => "1.2.840.10045.4.3.2",
                    HashAlgorithm::Sha384 => "1.2.840.10045.4.3.3",
                    HashAlgorithm::Sha512 => "1.2.840.10045.4.3.4",
                    other => {
                        return Err(CryptoError::Unsupported(format!(
                            "no X.509 identifier for ECDSA with {other:?}"
                        )));
                    }
                };
                // RFC 5758: the ecdsa-with-SHA2 identifiers have absent parameters.
                Ok(AlgorithmIdentifierOwned {
                    oid: ObjectIdentifier::new_unwrap(oid),
                    parameters: None,
                })
            }
        }
    }

    /// Signs the DER of a to-be-signed structure.
    pub fn sign(
        &self,
        digest: HashAlgorithm,
        tbs: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<Vec<u8>, CryptoError> {
        match self {
            Self::Rsa(key) => rsa::sign_pkcs1v15(key, digest, tbs, rng),
            Self::Ecdsa { curve, pkcs8 } => ec::sign(
                *curve,
                pkcs8,
                tbs,
                Hashing::Hash(digest),
                false,
                SignatureFormat::Der,
                rng,
            ),
        }
    }
}
