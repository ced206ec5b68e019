//! Named elliptic curves, keyed on the TSB's curve OIDs (reference 6.2).

/// Curves served (keyed on the TSB's curve OIDs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Curve {
    /// NIST P-256 (secp256r1, prime256v1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// NIST P-521 (secp521r1).
    P521,
    /// secp256k1 (Bitcoin, Ethereum).
    Secp256k1,
    /// brainpoolP256r1 (RFC 5639).
    BrainpoolP256r1,
    /// brainpoolP384r1 (RFC 5639).
    BrainpoolP384r1,
}

impl Curve {
    /// Every curve served.
    pub const ALL: [Curve; 6] = [
        Curve::P256,
        Curve::P384,
        Curve::P521,
        Curve::Secp256k1,
        Curve::BrainpoolP256r1,
        Curve::BrainpoolP384r1,
    ];

    /// The curve with this named-curve OID (dotted decimal), if it is one of ours.
    pub fn from_oid(oid: &str) -> Option<Curve> {
        Self::ALL.into_iter().find(|curve| curve.oid() == oid)
    }

    /// The named-curve OID in dotted decimal.
    pub fn oid(self) -> &'static str {
        match self {
            Curve::P256 => "1.2.840.10045.3.1.7",
            Curve::P384 => "1.3.132.0.34",
            Curve::P521 => "1.3.132.0.35",
            Curve::Secp256k1 => "1.3.132.0.10",
            Curve::BrainpoolP256r1 => "1.3.36.3.3.2.8.1.1.7",
            Curve::BrainpoolP384r1 => "1.3.36.3.3.2.8.1.1.11",
        }
    }

    /// The SEC 2 / RFC 5639 name.
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "secp256r1",
            Curve::P384 => "secp384r1",
            Curve::P521 => "secp521r1",
            Curve::Secp256k1 => "secp256k1",
            Curve::BrainpoolP256r1 => "brainpoolP256r1",
            Curve::BrainpoolP384r1 => "brainpoolP384r1",
        }
    }

    /// The length in bytes of a field element, and of `r` and `s` in a raw signature.
    pub fn field_bytes(self) -> usize {
        match self {
            Curve::P256 | Curve::Secp256k1 | Curve::BrainpoolP256r1 => 32,
            Curve::P384 | Curve::BrainpoolP384r1 => 48,
            Curve::P521 => 66,
        }
    }
}
