//! Signature vocabulary (reference 7.3 to 7.5): algorithms, how the payload is hashed, and
//! how the signature is encoded.

use super::PreHash;
use std::str::FromStr;

/// A message hash the HSM can apply (or that a pre-hashed payload was made with).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// SHA-1.
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
    /// SHA3-224.
    Sha3_224,
    /// SHA3-256.
    Sha3_256,
    /// SHA3-384.
    Sha3_384,
    /// SHA3-512.
    Sha3_512,
    /// Keccak-224 (original padding).
    Keccak224,
    /// Keccak-256 (Ethereum).
    Keccak256,
    /// Keccak-384.
    Keccak384,
    /// Keccak-512.
    Keccak512,
    /// SHA-256 applied twice (Bitcoin).
    DoubleSha256,
}

impl HashAlgorithm {
    /// The digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha224 | Self::Sha3_224 | Self::Keccak224 => 28,
            Self::Sha256 | Self::Sha3_256 | Self::Keccak256 | Self::DoubleSha256 => 32,
            Self::Sha384 | Self::Sha3_384 | Self::Keccak384 => 48,
            Self::Sha512 | Self::Sha3_512 | Self::Keccak512 => 64,
        }
    }
}

/// What the signer does with the payload before the signature primitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hashing {
    /// The HSM hashes the payload with this algorithm.
    Hash(HashAlgorithm),
    /// The payload already is a digest of this algorithm (length checked).
    Prehashed(HashAlgorithm),
    /// The payload is used as-is (`NONE_WITH_RSA`: the to-be-padded value; `NONE_WITH_ECDSA`
    /// and `NONE_WITH_DSA`: a digest of any length, truncated as the scheme requires;
    /// `NONE_WITH_RSA_PSS`: a digest whose length selects the hash).
    None,
}

/// The signature scheme an algorithm selects, with its hashing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureScheme {
    /// RSASSA-PKCS1-v1_5 (`Hashing::None`: no DigestInfo is added).
    RsaPkcs1v15(Hashing),
    /// RSASSA-PSS, MGF1 with the same hash, salt length = hash length.
    RsaPss(Hashing),
    /// ECDSA; `deterministic` selects RFC 6979 nonces.
    Ecdsa {
        /// How the payload is hashed.
        hashing: Hashing,
        /// RFC 6979 nonces.
        deterministic: bool,
    },
    /// BIP-340 Schnorr on secp256k1.
    SchnorrBip340,
    /// DSA.
    Dsa(Hashing),
    /// PureEdDSA (Ed25519).
    EdDsa,
    /// BLS on BLS12-381.
    Bls,
    /// HMAC-SHA-256 with a secret key.
    HmacSha256,
    /// ML-DSA (FIPS 204): pure with `None`, HashML-DSA with a pre-hash the HSM applies to
    /// the payload.
    MlDsa(Option<PreHash>),
    /// ML-DSA over an external μ: the payload is the 64-byte message representative
    /// (`ML_DSA_M`, FIPS 204 section 6.2 "external mu").
    MlDsaExternalMu,
    /// SLH-DSA (FIPS 205): pure with `None`, HashSLH-DSA with a pre-hash.
    SlhDsa(Option<PreHash>),
    /// HSS/LMS (RFC 8554), stateful.
    Lms,
    /// XMSS (RFC 8391), stateful.
    Xmss,
}

impl SignatureScheme {
    /// Whether signing and verifying take a short, bounded time and touch nothing but memory:
    /// all but SLH-DSA (up to seconds per signature) and the stateful schemes (a signature
    /// writes the key's next index to disk first).
    pub fn is_quick(self) -> bool {
        !matches!(self, Self::SlhDsa(_) | Self::Lms | Self::Xmss)
    }

    /// Whether the scheme takes a `context` string (ML-DSA and SLH-DSA).
    pub fn takes_context(self) -> bool {
        matches!(self, Self::MlDsa(_) | Self::SlhDsa(_))
    }
}

/// Declares the algorithm enum with its wire names and schemes.
macro_rules! signature_algorithms {
    ($($variant:ident = $wire:literal => $scheme:expr,)+) => {
        /// A `signatureAlgorithm` value (reference 7.5).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(non_camel_case_types, missing_docs)]
        pub enum SignatureAlgorithm {
            $($variant,)+
        }

        impl SignatureAlgorithm {
            /// Every value the emulator knows.
            pub const ALL: &'static [SignatureAlgorithm] = &[$(SignatureAlgorithm::$variant,)+];

            /// The wire name.
            pub fn wire_name(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)+
                }
            }

            /// The scheme and hashing this algorithm means.
            pub fn scheme(self) -> SignatureScheme {
                use HashAlgorithm::*;
                use Hashing::{Hash, Prehashed};
                use SignatureScheme::*;
                match self {
                    $(Self::$variant => $scheme,)+
                }
            }
        }

        impl FromStr for SignatureAlgorithm {
            type Err = ();

            fn from_str(s: &str) -> Result<Self, ()> {
                match s {
                    $($wire => Ok(Self::$variant),)+
                    _ => Err(()),
                }
            }
        }
    };
}

signature_algorithms! {
    Sha1WithRsa = "SHA1_WITH_RSA" => RsaPkcs1v15(Hash(Sha1)),
    Sha224WithRsa = "SHA224_WITH_RSA" => RsaPkcs1v15(Hash(Sha224)),
    Sha256WithRsa = "SHA256_WITH_RSA" => RsaPkcs1v15(Hash(Sha256)),
    Sha384WithRsa = "SHA384_WITH_RSA" => RsaPkcs1v15(Hash(Sha384)),
    Sha512WithRsa = "SHA512_WITH_RSA" => RsaPkcs1v15(Hash(Sha512)),
    Sha1WithRsaPss = "SHA1_WITH_RSA_PSS" => RsaPss(Hash(Sha1)),
    Sha224WithRsaPss = "SHA224_WITH_RSA_PSS" => RsaPss(Hash(Sha224)),
    Sha256WithRsaPss = "SHA256_WITH_RSA_PSS" => RsaPss(Hash(Sha256)),
    Sha384WithRsaPss = "SHA384_WITH_RSA_PSS" => RsaPss(Hash(Sha384)),
    Sha512WithRsaPss = "SHA512_WITH_RSA_PSS" => RsaPss(Hash(Sha512)),
    NoneWithRsa = "NONE_WITH_RSA" => RsaPkcs1v15(Hashing::None),
    NoneSha1WithRsa = "NONESHA1_WITH_RSA" => RsaPkcs1v15(Prehashed(Sha1)),
    NoneSha224WithRsa = "NONESHA224_WITH_RSA" => RsaPkcs1v15(Prehashed(Sha224)),
    NoneSha256WithRsa = "NONESHA256_WITH_RSA" => RsaPkcs1v15(Prehashed(Sha256)),
    NoneSha384WithRsa = "NONESHA384_WITH_RSA" => RsaPkcs1v15(Prehashed(Sha384)),
    NoneSha512WithRsa = "NONESHA512_WITH_RSA" => RsaPkcs1v15(Prehashed(Sha512)),
    NoneWithRsaPss = "NONE_WITH_RSA_PSS" => RsaPss(Hashing::None),
    NoneSha224WithRsaPss = "NONESHA224_WITH_RSA_PSS" => RsaPss(Prehashed(Sha224)),
    NoneSha256WithRsaPss = "NONESHA256_WITH_RSA_PSS" => RsaPss(Prehashed(Sha256)),
    NoneSha384WithRsaPss = "NONESHA384_WITH_RSA_PSS" => RsaPss(Prehashed(Sha384)),
    NoneSha512WithRsaPss = "NONESHA512_WITH_RSA_PSS" => RsaPss(Prehashed(Sha512)),
    NoneWithEcdsa = "NONE_WITH_ECDSA" => Ecdsa { hashing: Hashing::None, deterministic: false },
    Sha1WithEcdsa = "SHA1_WITH_ECDSA" => Ecdsa { hashing: Hash(Sha1), deterministic: false },
    Sha224WithEcdsa = "SHA224_WITH_ECDSA" => Ecdsa { hashing: Hash(Sha224), deterministic: false },
    Sha256WithEcdsa = "SHA256_WITH_ECDSA" => Ecdsa { hashing: Hash(Sha256), deterministic: false },
    Sha384WithEcdsa = "SHA384_WITH_ECDSA" => Ecdsa { hashing: Hash(Sha384), deterministic: false },
    Sha512WithEcdsa = "SHA512_WITH_ECDSA" => Ecdsa { hashing: Hash(Sha512), deterministic: false },
    Sha3_224WithEcdsa = "SHA3224_WITH_ECDSA" => Ecdsa { hashing: Hash(Sha3_224), deterministic: false },
    Sha3_256WithEcdsa = "SHA3256_WITH_ECDSA" => Ecdsa { hashing: Hash(Sha3_256), deterministic: false },
    Sha3_384WithEcdsa = "SHA3384_WITH_ECDSA" => Ecdsa { hashing: Hash(Sha3_384), deterministic: false },
    Sha3_512WithEcdsa = "SHA3512_WITH_ECDSA" => Ecdsa { hashing: Hash(Sha3_512), deterministic: false },
    DoubleSha256WithEcdsa = "DOUBLE_SHA256_WITH_ECDSA" => Ecdsa { hashing: Hash(DoubleSha256), deterministic: false },
    Sha256WithEcdsaDeterministic = "SHA256_WITH_ECDSA_DETERMINISTIC" => Ecdsa { hashing: Hash(Sha256), deterministic: true },
    Keccak224WithEcdsa = "KECCAK224_WITH_ECDSA" => Ecdsa { hashing: Hash(Keccak224), deterministic: false },
    Keccak256WithEcdsa = "KECCAK256_WITH_ECDSA" => Ecdsa { hashing: Hash(Keccak256), deterministic: false },
    Keccak384WithEcdsa = "KECCAK384_WITH_ECDSA" => Ecdsa { hashing: Hash(Keccak384), deterministic: false },
    Keccak512WithEcdsa = "KECCAK512_WITH_ECDSA" => Ecdsa { hashing: Hash(Keccak512), deterministic: false },
    NoneWithEcSchnorrBip0340 = "NONE_WITH_EC_SCHNORR_BIP0340" => SchnorrBip340,
    NoneWithDsa = "NONE_WITH_DSA" => Dsa(Hashing::None),
    Sha1WithDsa = "SHA1_WITH_DSA" => Dsa(Hash(Sha1)),
    Sha224WithDsa = "SHA224_WITH_DSA" => Dsa(Hash(Sha224)),
    Sha256WithDsa = "SHA256_WITH_DSA" => Dsa(Hash(Sha256)),
    Sha384WithDsa = "SHA384_WITH_DSA" => Dsa(Hash(Sha384)),
    Sha512WithDsa = "SHA512_WITH_DSA" => Dsa(Hash(Sha512)),
    EdDsa = "EDDSA" => EdDsa,
    Bls = "BLS" => Bls,
    HmacSha256 = "HMACSHA256" => HmacSha256,
    Dilithium = "DILITHIUM" => MlDsa(None),
    MlDsa = "ML_DSA" => MlDsa(None),
    MlDsaM = "ML_DSA_M" => MlDsaExternalMu,
    Sha2_224WithMlDsa = "SHA2_224_WITH_ML_DSA" => MlDsa(Some(PreHash::Sha2_224)),
    Sha2_256WithMlDsa = "SHA2_256_WITH_ML_DSA" => MlDsa(Some(PreHash::Sha2_256)),
    Sha2_384WithMlDsa = "SHA2_384_WITH_ML_DSA" => MlDsa(Some(PreHash::Sha2_384)),
    Sha2_512WithMlDsa = "SHA2_512_WITH_ML_DSA" => MlDsa(Some(PreHash::Sha2_512)),
    Sha3_224WithMlDsa = "SHA3_224_WITH_ML_DSA" => MlDsa(Some(PreHash::Sha3_224)),
    Sha3_256WithMlDsa = "SHA3_256_WITH_ML_DSA" => MlDsa(Some(PreHash::Sha3_256)),
    Sha3_384WithMlDsa = "SHA3_384_WITH_ML_DSA" => MlDsa(Some(PreHash::Sha3_384)),
    Sha3_512WithMlDsa = "SHA3_512_WITH_ML_DSA" => MlDsa(Some(PreHash::Sha3_512)),
    Shake128WithMlDsa = "SHAKE_128_WITH_ML_DSA" => MlDsa(Some(PreHash::Shake128)),
    Shake256WithMlDsa = "SHAKE_256_WITH_ML_DSA" => MlDsa(Some(PreHash::Shake256)),
    SphincsPlus = "SPHINCS_PLUS" => SlhDsa(None),
    SlhDsa = "SLH_DSA" => SlhDsa(None),
    Sha2_224WithSlhDsa = "SHA2_224_WITH_SLH_DSA" => SlhDsa(Some(PreHash::Sha2_224)),
    Sha2_256WithSlhDsa = "SHA2_256_WITH_SLH_DSA" => SlhDsa(Some(PreHash::Sha2_256)),
    Sha2_384WithSlhDsa = "SHA2_384_WITH_SLH_DSA" => SlhDsa(Some(PreHash::Sha2_384)),
    Sha2_512WithSlhDsa = "SHA2_512_WITH_SLH_DSA" => SlhDsa(Some(PreHash::Sha2_512)),
    Sha3_224WithSlhDsa = "SHA3_224_WITH_SLH_DSA" => SlhDsa(Some(PreHash::Sha3_224)),
    Sha3_256WithSlhDsa = "SHA3_256_WITH_SLH_DSA" => SlhDsa(Some(PreHash::Sha3_256)),
    Sha3_384WithSlhDsa = "SHA3_384_WITH_SLH_DSA" => SlhDsa(Some(PreHash::Sha3_384)),
    Sha3_512WithSlhDsa = "SHA3_512_WITH_SLH_DSA" => SlhDsa(Some(PreHash::Sha3_512)),
    Shake128WithSlhDsa = "SHAKE_128_WITH_SLH_DSA" => SlhDsa(Some(PreHash::Shake128)),
    Shake256WithSlhDsa = "SHAKE_256_WITH_SLH_DSA" => SlhDsa(Some(PreHash::Shake256)),
    Lms = "LMS" => Lms,
    HssLms = "HSS_LMS" => Lms,
    XmssSha256_10_256 = "XMSS-SHA256_10_256" => Xmss,
    XmssShake256_10_256 = "XMSS-SHAKE256_10_256" => Xmss,
    Xmss = "XMSS" => Xmss,
}

/// How a signature is encoded on the wire (`signatureType`, reference 7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureFormat {
    /// ASN.1 DER for ECDSA/DSA; the natural encoding for RSA and EdDSA (default).
    #[default]
    Der,
    /// Fixed-length `r || s` for ECDSA/DSA.
    Raw,
    /// Ethereum `r || s || v` (v = 27/28) for ECDSA on secp256k1.
    Eth,
}

impl FromStr for SignatureFormat {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "DER" => Ok(Self::Der),
            "RAW" => Ok(Self::Raw),
            "ETH" => Ok(Self::Eth),
            _ => Err(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips_and_the_tables_are_complete() {
        for algorithm in SignatureAlgorithm::ALL {
            assert_eq!(algorithm.wire_name().parse(), Ok(*algorithm));
        }
        let count = |f: fn(SignatureScheme) -> bool| {
            SignatureAlgorithm::ALL
                .iter()
                .filter(|a| f(a.scheme()))
                .count()
        };
        assert_eq!(
            count(|s| matches!(
                s,
                SignatureScheme::RsaPkcs1v15(_) | SignatureScheme::RsaPss(_)
            )),
            21
        );
        assert_eq!(
            count(|s| matches!(
                s,
                SignatureScheme::Ecdsa { .. } | SignatureScheme::SchnorrBip340
            )),
            17
        );
        assert_eq!(count(|s| matches!(s, SignatureScheme::Dsa(_))), 6);
    }
}
