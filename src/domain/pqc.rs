//! Post-quantum and stateful hash-based parameter sets (reference 6.1, 7.5, 7.6): ML-DSA,
//! SLH-DSA, ML-KEM, HSS/LMS and XMSS, and the pre-hash functions of HashML-DSA/HashSLH-DSA.

/// Declares a parameter-set enum with its creation name and `algorithmOid`.
macro_rules! parameter_sets {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $wire:literal, $oid:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(non_camel_case_types, missing_docs)]
        pub enum $name {
            $($variant,)+
        }

        impl $name {
            /// Every parameter set.
            pub const ALL: &'static [$name] = &[$(Self::$variant,)+];

            /// The TSB's algorithm name (the `algorithm` of `POST /v1/key`).
            pub fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)+
                }
            }

            /// The algorithm OID (SPKI algorithm and `algorithmOid`).
            pub fn oid(self) -> &'static str {
                match self {
                    $(Self::$variant => $oid,)+
                }
            }
        }
    };
}

parameter_sets! {
    /// An ML-DSA parameter set (FIPS 204).
    MlDsaParams {
        MlDsa44 = "ML-DSA-44", "2.16.840.1.101.3.4.3.17";
        MlDsa65 = "ML-DSA-65", "2.16.840.1.101.3.4.3.18";
        MlDsa87 = "ML-DSA-87", "2.16.840.1.101.3.4.3.19";
    }
}

parameter_sets! {
    /// An SLH-DSA parameter set (FIPS 205); OIDs from NIST's CSOR arc (RFC 9909).
    SlhDsaParams {
        Sha2_128s = "SLH-DSA-SHA2-128s", "2.16.840.1.101.3.4.3.20";
        Sha2_128f = "SLH-DSA-SHA2-128f", "2.16.840.1.101.3.4.3.21";
        Sha2_192s = "SLH-DSA-SHA2-192s", "2.16.840.1.101.3.4.3.22";
        Sha2_192f = "SLH-DSA-SHA2-192f", "2.16.840.1.101.3.4.3.23";
        Sha2_256s = "SLH-DSA-SHA2-256s", "2.16.840.1.101.3.4.3.24";
        Sha2_256f = "SLH-DSA-SHA2-256f", "2.16.840.1.101.3.4.3.25";
        Shake128s = "SLH-DSA-SHAKE-128s", "2.16.840.1.101.3.4.3.26";
        Shake128f = "SLH-DSA-SHAKE-128f", "2.16.840.1.101.3.4.3.27";
        Shake192s = "SLH-DSA-SHAKE-192s", "2.16.840.1.101.3.4.3.28";
        Shake192f = "SLH-DSA-SHAKE-192f", "2.16.840.1.101.3.4.3.29";
        Shake256s = "SLH-DSA-SHAKE-256s", "2.16.840.1.101.3.4.3.30";
        Shake256f = "SLH-DSA-SHAKE-256f", "2.16.840.1.101.3.4.3.31";
    }
}

impl SlhDsaParams {
    /// The "small" sets (`…s`): slow to sign (seconds in release builds).
    pub fn is_small(self) -> bool {
        self.name().ends_with('s')
    }
}

parameter_sets! {
    /// An ML-KEM parameter set (FIPS 203).
    MlKemParams {
        MlKem512 = "ML-KEM-512", "2.16.840.1.101.3.4.4.1";
        MlKem768 = "ML-KEM-768", "2.16.840.1.101.3.4.4.2";
        MlKem1024 = "ML-KEM-1024", "2.16.840.1.101.3.4.4.3";
    }
}

parameter_sets! {
    /// An XMSS parameter set (RFC 8391; OID of RFC 9802, shared by all sets).
    XmssParams {
        Sha2_10_256 = "XMSS-SHA256_10_256", "1.3.6.1.5.5.7.6.34";
        Shake256_10_256 = "XMSS-SHAKE256_10_256", "1.3.6.1.5.5.7.6.34";
    }
}

/// The HSS/LMS algorithm OID (`id-alg-hss-lms-hashsig`, RFC 9708).
pub const HSS_LMS_OID: &str = "1.2.840.113549.1.9.16.3.17";

/// The height of the single LMS tree of an `LMS` key (HSS with one level,
/// LMS_SHA256_M32_H*, LMOTS_SHA256_N32_W*): 2^height signatures per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum LmsHeight {
    /// H5 with W1: 32 signatures of 8688 bytes, the TSB documentation's sample key (default).
    H5,
    /// H10 with W4: 1024 signatures of 2644 bytes.
    H10,
}

impl LmsHeight {
    /// Every height, smallest first.
    pub const ALL: [LmsHeight; 2] = [Self::H5, Self::H10];

    /// The tree height.
    pub fn height(self) -> u32 {
        match self {
            Self::H5 => 5,
            Self::H10 => 10,
        }
    }

    /// How many signatures a key of this height makes.
    pub fn capacity(self) -> u64 {
        1 << self.height()
    }
}

/// The hash of a pre-hash (HashML-DSA, HashSLH-DSA) signature, FIPS 204 section 5.4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum PreHash {
    Sha2_224,
    Sha2_256,
    Sha2_384,
    Sha2_512,
    Sha3_224,
    Sha3_256,
    Sha3_384,
    Sha3_512,
    /// SHAKE128 with 256 bits of output.
    Shake128,
    /// SHAKE256 with 512 bits of output.
    Shake256,
}

impl PreHash {
    /// The last arc of the hash's OID under 2.16.840.1.101.3.4.2.
    pub fn oid_arc(self) -> u8 {
        match self {
            Self::Sha2_256 => 1,
            Self::Sha2_384 => 2,
            Self::Sha2_512 => 3,
            Self::Sha2_224 => 4,
            Self::Sha3_224 => 7,
            Self::Sha3_256 => 8,
            Self::Sha3_384 => 9,
            Self::Sha3_512 => 10,
            Self::Shake128 => 11,
            Self::Shake256 => 12,
        }
    }
}
