//! What kind of key to create: algorithm and size.

use super::Curve;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A key algorithm the emulator can hold. The wire names are the TSB's `algorithm` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeyAlgorithm {
    /// RSA (`"RSA"`, OID 1.2.840.113549.1.1.1).
    #[serde(rename = "RSA")]
    Rsa,
    /// Elliptic-curve keys for ECDSA (`"EC"`, OID 1.2.840.10045.2.1).
    #[serde(rename = "EC")]
    Ec,
    /// Edwards-curve keys for EdDSA, Ed25519 only (`"ED"`, OID 1.3.101.112).
    #[serde(rename = "ED")]
    Ed,
}

impl KeyAlgorithm {
    /// The TSB's name for the algorithm, as reported in key info.
    pub fn tsb_name(self) -> &'static str {
        match self {
            Self::Rsa => "RSA",
            Self::Ec => "EC",
            Self::Ed => "ED",
        }
    }

    /// The `algorithmOid` reported in key info.
    pub fn oid(self) -> &'static str {
        match self {
            Self::Rsa => "1.2.840.113549.1.1.1",
            Self::Ec => "1.2.840.10045.2.1",
            Self::Ed => "1.3.101.112",
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tsb_name())
    }
}

/// An RSA modulus size the emulator generates.
///
/// The TSB documents 2048/4096/8192 and clients use 1024-4096; the emulator supports the
/// sizes real clients create (2048, 3072, 4096) and refuses the rest with 603.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RsaBits {
    /// RSA-2048.
    B2048,
    /// RSA-3072.
    B3072,
    /// RSA-4096, the default when `keySize` is omitted.
    B4096,
}

impl RsaBits {
    /// Every supported size, smallest first.
    pub const ALL: [RsaBits; 3] = [Self::B2048, Self::B3072, Self::B4096];

    /// Maps a requested `keySize` to a supported size.
    pub fn from_bits(bits: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|size| size.bits() == bits)
    }

    /// The modulus size in bits.
    pub fn bits(self) -> u32 {
        match self {
            Self::B2048 => 2048,
            Self::B3072 => 3072,
            Self::B4096 => 4096,
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
}

impl KeySpec {
    /// The algorithm of keys made from this spec.
    pub fn algorithm(self) -> KeyAlgorithm {
        match self {
            Self::Rsa(_) => KeyAlgorithm::Rsa,
            Self::Ec(_) => KeyAlgorithm::Ec,
            Self::Ed25519 => KeyAlgorithm::Ed,
        }
    }

    /// The `keySize` reported in key info.
    pub fn key_size(self) -> Option<u32> {
        match self {
            Self::Rsa(bits) => Some(bits.bits()),
            Self::Ec(_) | Self::Ed25519 => None,
        }
    }

    /// The named curve, for EC keys.
    pub fn curve(self) -> Option<Curve> {
        match self {
            Self::Ec(curve) => Some(curve),
            Self::Rsa(_) | Self::Ed25519 => None,
        }
    }
}
