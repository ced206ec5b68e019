//! Encryption vocabulary (reference 8.3, 9.3): cipher algorithms and wrap methods.

use super::{HashAlgorithm, KeyAlgorithm, MlKemParams};
use std::str::FromStr;

/// Declares a wire enum with `ALL`, `wire_name` and `FromStr`.
macro_rules! wire_values {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum $name {
            $($variant,)+
        }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The wire name.
            pub fn wire_name(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)+
                }
            }
        }

        impl FromStr for $name {
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

wire_values! {
    /// A `cipherAlgorithm` value.
    CipherAlgorithm {
        Rsa = "RSA",
        RsaPaddingPkcs = "RSA_PADDING_PKCS",
        RsaNoPadding = "RSA_NO_PADDING",
        RsaPaddingOaep = "RSA_PADDING_OAEP",
        RsaPaddingOaepWithSha1 = "RSA_PADDING_OAEP_WITH_SHA1",
        RsaPaddingOaepWithSha224 = "RSA_PADDING_OAEP_WITH_SHA224",
        RsaPaddingOaepWithSha256 = "RSA_PADDING_OAEP_WITH_SHA256",
        RsaPaddingOaepWithSha384 = "RSA_PADDING_OAEP_WITH_SHA384",
        RsaPaddingOaepWithSha512 = "RSA_PADDING_OAEP_WITH_SHA512",
        AesGcm = "AES_GCM",
        AesCtr = "AES_CTR",
        AesEcb = "AES_ECB",
        AesCbcNoPadding = "AES_CBC_NO_PADDING",
        Aes = "AES",
        ChaCha20 = "CHACHA20",
        ChaCha20Aead = "CHACHA20_AEAD",
        Camellia = "CAMELLIA",
        CamelliaCbcNoPadding = "CAMELLIA_CBC_NO_PADDING",
        CamelliaEcb = "CAMELLIA_ECB",
        TdeaCbc = "TDEA_CBC",
        TdeaEcb = "TDEA_ECB",
        TdeaCbcNoPadding = "TDEA_CBC_NO_PADDING",
    }
}

impl CipherAlgorithm {
    /// The key algorithm this cipher needs.
    pub fn key_algorithm(self) -> KeyAlgorithm {
        match self {
            Self::Rsa
            | Self::RsaPaddingPkcs
            | Self::RsaNoPadding
            | Self::RsaPaddingOaep
            | Self::RsaPaddingOaepWithSha1
            | Self::RsaPaddingOaepWithSha224
            | Self::RsaPaddingOaepWithSha256
            | Self::RsaPaddingOaepWithSha384
            | Self::RsaPaddingOaepWithSha512 => KeyAlgorithm::Rsa,
            Self::AesGcm | Self::AesCtr | Self::AesEcb | Self::AesCbcNoPadding | Self::Aes => {
                KeyAlgorithm::Aes
            }
            Self::ChaCha20 | Self::ChaCha20Aead => KeyAlgorithm::ChaCha20,
            Self::Camellia | Self::CamelliaCbcNoPadding | Self::CamelliaEcb => {
                KeyAlgorithm::Camellia
            }
            Self::TdeaCbc | Self::TdeaEcb | Self::TdeaCbcNoPadding => KeyAlgorithm::Tdea,
        }
    }

    /// For OAEP: the hash of the label and of MGF1.
    pub fn oaep_hash(self) -> Option<HashAlgorithm> {
        match self {
            Self::RsaPaddingOaep | Self::RsaPaddingOaepWithSha1 => Some(HashAlgorithm::Sha1),
            Self::RsaPaddingOaepWithSha224 => Some(HashAlgorithm::Sha224),
            Self::RsaPaddingOaepWithSha256 => Some(HashAlgorithm::Sha256),
            Self::RsaPaddingOaepWithSha384 => Some(HashAlgorithm::Sha384),
            Self::RsaPaddingOaepWithSha512 => Some(HashAlgorithm::Sha512),
            _ => None,
        }
    }
}

wire_values! {
    /// A `wrapMethod` value (reference 9.3).
    WrapMethod {
        AesWrap = "AES_WRAP",
        AesWrapPad = "AES_WRAP_PAD",
        AesWrapDsa = "AES_WRAP_DSA",
        AesWrapEc = "AES_WRAP_EC",
        AesWrapEd = "AES_WRAP_ED",
        AesWrapRsa = "AES_WRAP_RSA",
        AesWrapBls = "AES_WRAP_BLS",
        AesWrapPadDsa = "AES_WRAP_PAD_DSA",
        AesWrapPadEc = "AES_WRAP_PAD_EC",
        AesWrapPadEd = "AES_WRAP_PAD_ED",
        AesWrapPadRsa = "AES_WRAP_PAD_RSA",
        AesWrapPadBls = "AES_WRAP_PAD_BLS",
        RsaWrapPad = "RSA_WRAP_PAD",
        RsaWrapOaep = "RSA_WRAP_OAEP",
        MlKem512 = "ML-KEM-512",
        MlKem768 = "ML-KEM-768",
        MlKem1024 = "ML-KEM-1024",
    }
}

impl WrapMethod {
    /// The wrapping key's algorithm (AES, RSA or an ML-KEM set).
    pub fn wrapping_key(self) -> KeyAlgorithm {
        match self {
            Self::RsaWrapPad | Self::RsaWrapOaep => KeyAlgorithm::Rsa,
            Self::MlKem512 => KeyAlgorithm::MlKem(MlKemParams::MlKem512),
            Self::MlKem768 => KeyAlgorithm::MlKem(MlKemParams::MlKem768),
            Self::MlKem1024 => KeyAlgorithm::MlKem(MlKemParams::MlKem1024),
            _ => KeyAlgorithm::Aes,
        }
    }

    /// RFC 5649 padding (`…_PAD…`) rather than RFC 3394.
    pub fn padded(self) -> bool {
        matches!(
            self,
            Self::AesWrapPad
                | Self::AesWrapPadDsa
                | Self::AesWrapPadEc
                | Self::AesWrapPadEd
                | Self::AesWrapPadRsa
                | Self::AesWrapPadBls
        )
    }

    /// The asymmetric key type a private-key method carries; `None` for secret keys.
    pub fn private_key_type(self) -> Option<KeyAlgorithm> {
        match self {
            Self::AesWrapDsa | Self::AesWrapPadDsa => Some(KeyAlgorithm::Dsa),
            Self::AesWrapEc | Self::AesWrapPadEc => Some(KeyAlgorithm::Ec),
            Self::AesWrapEd | Self::AesWrapPadEd => Some(KeyAlgorithm::Ed),
            Self::AesWrapRsa | Self::AesWrapPadRsa => Some(KeyAlgorithm::Rsa),
            Self::AesWrapBls | Self::AesWrapPadBls => Some(KeyAlgorithm::Bls),
            Self::AesWrap
            | Self::AesWrapPad
            | Self::RsaWrapPad
            | Self::RsaWrapOaep
            | Self::MlKem512
            | Self::MlKem768
            | Self::MlKem1024 => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_complete_and_round_trip() {
        assert_eq!(CipherAlgorithm::ALL.len(), 22);
        assert_eq!(WrapMethod::ALL.len(), 17);
        for cipher in CipherAlgorithm::ALL {
            assert_eq!(cipher.wire_name().parse(), Ok(*cipher));
        }
        for method in WrapMethod::ALL {
            assert_eq!(method.wire_name().parse(), Ok(*method));
        }
    }
}
