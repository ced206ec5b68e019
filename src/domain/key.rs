//! What kind of key to create: algorithm and size.

use super::Curve;
use super::pqc::{HSS_LMS_OID, LmsHeight, MlDsaParams, MlKemParams, SlhDsaParams, XmssParams};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A key algorithm the emulator can hold. Stored and parsed by [`KeyAlgorithm::name`], the
/// TSB's `algorithm` value at creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// RSA (`"RSA"`, OID 1.2.840.113549.1.1.1).
    Rsa,
    /// Elliptic-curve keys for ECDSA (`"EC"`, OID 1.2.840.10045.2.1).
    Ec,
    /// Edwards-curve keys for EdDSA, Ed25519 only (`"ED"`, OID 1.3.101.112).
    Ed,
    /// DSA keys (`"DSA"`, OID 1.2.840.10040.4.1).
    Dsa,
    /// BLS12-381 keys for BLS signatures (`"BLS"`).
    Bls,
    /// AES secret keys.
    Aes,
    /// ChaCha20 secret keys.
    ChaCha20,
    /// Camellia secret keys.
    Camellia,
    /// Three-key triple-DES secret keys.
    Tdea,
    /// HMAC-SHA-256 secret keys.
    HmacSha256,
    /// ML-DSA signature keys (FIPS 204).
    MlDsa(MlDsaParams),
    /// SLH-DSA signature keys (FIPS 205).
    SlhDsa(SlhDsaParams),
    /// ML-KEM key-encapsulation keys (FIPS 203).
    MlKem(MlKemParams),
    /// Stateful HSS/LMS signature keys (`"LMS"`, reported as `HSS-LMS`).
    Lms,
    /// Stateful XMSS signature keys (reported as `XMSS`).
    Xmss(XmssParams),
}

impl KeyAlgorithm {
    /// The TSB's name for the algorithm, as reported in key info: the creation name, except
    /// `HSS-LMS` for `LMS` keys and `XMSS` for both XMSS sets (what the official client
    /// expects).
    pub fn tsb_name(self) -> &'static str {
        match self {
            Self::Lms => "HSS-LMS",
            Self::Xmss(_) => "XMSS",
            other => other.name(),
        }
    }

    /// The `algorithm` value that creates keys of this algorithm (unique; the stored form).
    pub fn name(self) -> &'static str {
        match self {
            Self::MlDsa(params) => params.name(),
            Self::SlhDsa(params) => params.name(),
            Self::MlKem(params) => params.name(),
            Self::Lms => "LMS",
            Self::Xmss(params) => params.name(),
            Self::Rsa => "RSA",
            Self::Ec => "EC",
            Self::Ed => "ED",
            Self::Dsa => "DSA",
            Self::Bls => "BLS",
            Self::Aes => "AES",
            Self::ChaCha20 => "ChaCha20",
            Self::Camellia => "Camellia",
            Self::Tdea => "TDEA",
            Self::HmacSha256 => "HMACSHA256",
        }
    }

    /// The `algorithmOid` reported in key info.
    pub fn oid(self) -> &'static str {
        match self {
            Self::Rsa => "1.2.840.113549.1.1.1",
            Self::Ec => "1.2.840.10045.2.1",
            Self::Ed => "1.3.101.112",
            Self::Dsa => "1.2.840.10040.4.1",
            // The TSB's default BLS algorithm OID (reference 6.1).
            Self::Bls => "1.3.6.1.4.1.44668.5.3.1.1",
            // The TSB's OIDs for secret keys are unknown; these are the algorithms' usual
            // arcs (see docs/decisions.md).
            Self::Aes => "2.16.840.1.101.3.4.1",
            Self::ChaCha20 => "1.2.840.113549.1.9.16.3.18",
            Self::Camellia => "1.2.392.200011.61.1.1.1",
            Self::Tdea => "1.2.840.113549.3.7",
            Self::HmacSha256 => "1.2.840.113549.2.9",
            Self::MlDsa(params) => params.oid(),
            Self::SlhDsa(params) => params.oid(),
            Self::MlKem(params) => params.oid(),
            Self::Lms => HSS_LMS_OID,
            Self::Xmss(params) => params.oid(),
        }
    }

    /// Every algorithm the emulator holds.
    pub const ALL: [KeyAlgorithm; 31] = [
        Self::Rsa,
        Self::Ec,
        Self::Ed,
        Self::Dsa,
        Self::Bls,
        Self::Aes,
        Self::ChaCha20,
        Self::Camellia,
        Self::Tdea,
        Self::HmacSha256,
        Self::MlDsa(MlDsaParams::MlDsa44),
        Self::MlDsa(MlDsaParams::MlDsa65),
        Self::MlDsa(MlDsaParams::MlDsa87),
        Self::SlhDsa(SlhDsaParams::Sha2_128s),
        Self::SlhDsa(SlhDsaParams::Sha2_128f),
        Self::SlhDsa(SlhDsaParams::Sha2_192s),
        Self::SlhDsa(SlhDsaParams::Sha2_192f),
        Self::SlhDsa(SlhDsaParams::Sha2_256s),
        Self::SlhDsa(SlhDsaParams::Sha2_256f),
        Self::SlhDsa(SlhDsaParams::Shake128s),
        Self::SlhDsa(SlhDsaParams::Shake128f),
        Self::SlhDsa(SlhDsaParams::Shake192s),
        Self::SlhDsa(SlhDsaParams::Shake192f),
        Self::SlhDsa(SlhDsaParams::Shake256s),
        Self::SlhDsa(SlhDsaParams::Shake256f),
        Self::MlKem(MlKemParams::MlKem512),
        Self::MlKem(MlKemParams::MlKem768),
        Self::MlKem(MlKemParams::MlKem1024),
        Self::Lms,
        Self::Xmss(XmssParams::Sha2_10_256),
        Self::Xmss(XmssParams::Shake256_10_256),
    ];

    /// The algorithm created by the `algorithm` value `name` (exact spelling).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Other `algorithm` values that create keys, each with the name of what it creates:
    /// the name key info reports for LMS keys, and the pre-FIPS draft names the TSB's DTO
    /// and the documentation's key-creation page still print (obsoleted in August 2024). A
    /// draft name makes a key of its FIPS successor (Dilithium levels 2/3/5 are ML-DSA-44/65/87,
    /// SPHINCS+-SHAKE "fast" levels 1/3/5 the SLH-DSA-SHAKE "f" sets, as Securosys' own
    /// provider maps them, Kyber ML-KEM), and key info reports the successor's name.
    pub const ALIASES: [(&'static str, &'static str); 13] = [
        ("HSS-LMS", "LMS"),
        ("DILITHIUM_L2", "ML-DSA-44"),
        ("DILITHIUM_L3", "ML-DSA-65"),
        ("DILITHIUM_L5", "ML-DSA-87"),
        ("SPHINCS_PLUS_SHAKE_L1", "SLH-DSA-SHAKE-128f"),
        ("SPHINCS_PLUS_SHAKE_L3", "SLH-DSA-SHAKE-192f"),
        ("SPHINCS_PLUS_SHAKE_L5", "SLH-DSA-SHAKE-256f"),
        ("KYBER512_WITH_SHAKE", "ML-KEM-512"),
        ("KYBER768_WITH_SHAKE", "ML-KEM-768"),
        ("KYBER1024_WITH_SHAKE", "ML-KEM-1024"),
        ("KYBER512_WITH_SHA2_AES", "ML-KEM-512"),
        ("KYBER768_WITH_SHA2_AES", "ML-KEM-768"),
        ("KYBER1024_WITH_SHA2_AES", "ML-KEM-1024"),
    ];

    /// The algorithm an `algorithm` value of `POST /v1/key` creates: a [`name`](Self::name)
    /// or one of the [`ALIASES`](Self::ALIASES), compared case-insensitively (as the Go
    /// client compares them).
    pub fn from_creation_name(name: &str) -> Option<Self> {
        let name = Self::ALIASES
            .iter()
            .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
            .map_or(name, |(_, successor)| successor);
        Self::ALL
            .into_iter()
            .find(|a| a.name().eq_ignore_ascii_case(name))
    }

    /// Whether this is one of the post-quantum or hash-based algorithms (ML-DSA, SLH-DSA,
    /// ML-KEM, LMS, XMSS).
    pub fn is_post_quantum(self) -> bool {
        matches!(
            self,
            Self::MlDsa(_) | Self::SlhDsa(_) | Self::MlKem(_) | Self::Lms | Self::Xmss(_)
        )
    }

    /// Whether keys of this algorithm are stateful (a signature index that must never be
    /// used twice).
    pub fn is_stateful(self) -> bool {
        matches!(self, Self::Lms | Self::Xmss(_))
    }

    /// For secret-key algorithms: the key sizes in bits allowed and the default one.
    pub fn secret_sizes(self) -> Option<(&'static [u32], u32)> {
        match self {
            Self::Aes | Self::Camellia => Some((&[128, 192, 256], 256)),
            Self::ChaCha20 => Some((&[256], 256)),
            // Three-key TDEA: 192 bits with parity (168 effective; `api` accepts that alias).
            Self::Tdea => Some((&[192], 192)),
            Self::HmacSha256 => Some((&[128, 160, 192, 224, 256, 384, 512], 256)),
            _ => None,
        }
    }

    /// Whether this is a secret-key (symmetric) algorithm.
    pub fn is_symmetric(self) -> bool {
        self.secret_sizes().is_some()
    }
}

impl Serialize for KeyAlgorithm {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for KeyAlgorithm {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Self::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown key algorithm '{name}'")))
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tsb_name())
    }
}

/// An RSA modulus size the emulator generates.
///
/// The TSB documents 2048/4096/8192 and the Vault plugin creates 1024 to 4096; all five sizes
/// are generated, others are refused with 603. RSA-8192 takes tens of seconds to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RsaBits {
    /// RSA-1024 (the Vault plugin offers it; weak, for tests of legacy clients).
    B1024,
    /// RSA-2048.
    B2048,
    /// RSA-3072.
    B3072,
    /// RSA-4096, the default when `keySize` is omitted.
    B4096,
    /// RSA-8192 (the TSB documentation lists it).
    B8192,
}

impl RsaBits {
    /// Every supported size, smallest first.
    pub const ALL: [RsaBits; 5] = [
        Self::B1024,
        Self::B2048,
        Self::B3072,
        Self::B4096,
        Self::B8192,
    ];

    /// Maps a requested `keySize` to a supported size.
    pub fn from_bits(bits: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|size| size.bits() == bits)
    }

    /// The modulus size in bits.
    pub fn bits(self) -> u32 {
        match self {
            Self::B1024 => 1024,
            Self::B2048 => 2048,
            Self::B3072 => 3072,
            Self::B4096 => 4096,
            Self::B8192 => 8192,
        }
    }
}

/// Everything needed to generate a new key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySpec {
    /// An RSA key pair of the given size.
    Rsa(RsaBits),
    /// An EC key pair on a named curve.
    Ec(Curve),
    /// An Ed25519 key pair.
    Ed25519,
    /// A DSA key pair with an L-bit prime (1024, 2048 or 3072).
    Dsa(u32),
    /// A BLS12-381 key pair.
    Bls,
    /// An ML-DSA key pair.
    MlDsa(MlDsaParams),
    /// An SLH-DSA key pair.
    SlhDsa(SlhDsaParams),
    /// An ML-KEM key pair.
    MlKem(MlKemParams),
    /// An HSS/LMS key pair (one level) with a tree of this height.
    Lms(LmsHeight),
    /// An XMSS key pair.
    Xmss(XmssParams),
    /// A secret key of a symmetric algorithm (size validated against
    /// [`KeyAlgorithm::secret_sizes`]; TDEA is always 192 bits).
    Secret {
        /// The algorithm.
        algorithm: KeyAlgorithm,
        /// Key size in bits.
        bits: u32,
    },
}

impl KeySpec {
    /// The algorithm of keys made from this spec.
    pub fn algorithm(self) -> KeyAlgorithm {
        match self {
            Self::Rsa(_) => KeyAlgorithm::Rsa,
            Self::Ec(_) => KeyAlgorithm::Ec,
            Self::Ed25519 => KeyAlgorithm::Ed,
            Self::Dsa(_) => KeyAlgorithm::Dsa,
            Self::Bls => KeyAlgorithm::Bls,
            Self::Secret { algorithm, .. } => algorithm,
            Self::MlDsa(params) => KeyAlgorithm::MlDsa(params),
            Self::SlhDsa(params) => KeyAlgorithm::SlhDsa(params),
            Self::MlKem(params) => KeyAlgorithm::MlKem(params),
            Self::Lms(_) => KeyAlgorithm::Lms,
            Self::Xmss(params) => KeyAlgorithm::Xmss(params),
        }
    }

    /// The `keySize` reported in key info.
    pub fn key_size(self) -> Option<u32> {
        match self {
            Self::Rsa(bits) => Some(bits.bits()),
            Self::Dsa(bits) => Some(bits),
            Self::Secret { bits, .. } => Some(bits),
            _ => None,
        }
    }

    /// The named curve, for EC keys.
    pub fn curve(self) -> Option<Curve> {
        match self {
            Self::Ec(curve) => Some(curve),
            _ => None,
        }
    }
}
