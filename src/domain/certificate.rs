//! Certificate vocabulary (reference section 11.1): subjects, usages, signature algorithms.

use super::HashAlgorithm;
use std::str::FromStr;

/// The subject of a CSR or certificate (`standardCertificateAttributes`).
///
/// Only `common_name` is required. Every value is non-empty: empty strings from the client
/// are treated as absent at the edge.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubjectAttributes {
    /// CN (required).
    pub common_name: String,
    /// C, two letters.
    pub country: Option<String>,
    /// ST.
    pub state_or_province_name: Option<String>,
    /// L.
    pub locality: Option<String>,
    /// O.
    pub organization_name: Option<String>,
    /// organizationIdentifier (2.5.4.97).
    pub organization_identifier: Option<String>,
    /// OU.
    pub organization_unit_name: Option<String>,
    /// emailAddress (PKCS#9).
    pub email: Option<String>,
    /// title.
    pub title: Option<String>,
    /// SN.
    pub surname: Option<String>,
    /// GN.
    pub given_name: Option<String>,
    /// initials.
    pub initials: Option<String>,
    /// pseudonym.
    pub pseudonym: Option<String>,
    /// generationQualifier.
    pub generation_qualifier: Option<String>,
}

/// Declares an enum with its TSB wire names, `FromStr` and `ALL`.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in the order of the reference.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The value's name on the wire.
            pub fn wire_name(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = ();

            fn from_str(s: &str) -> Result<Self, ()> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(()),
                }
            }
        }
    };
}

wire_enum! {
    /// An X.509 key usage bit (`keyUsage`).
    KeyUsage {
        /// digitalSignature.
        DigitalSignature = "DIGITAL_SIGNATURE",
        /// contentCommitment (nonRepudiation).
        ContentCommitment = "CONTENT_COMMITMENT",
        /// keyEncipherment.
        KeyEncipherment = "KEY_ENCIPHERMENT",
        /// dataEncipherment.
        DataEncipherment = "DATA_ENCIPHERMENT",
        /// keyAgreement.
        KeyAgreement = "KEY_AGREEMENT",
        /// keyCertSign.
        KeyCertSign = "KEY_CERT_SIGN",
        /// cRLSign.
        CrlSign = "CRL_SIGN",
        /// encipherOnly.
        EncipherOnly = "ENCIPHER_ONLY",
        /// decipherOnly.
        DecipherOnly = "DECIPHER_ONLY",
    }
}

wire_enum! {
    /// An extended key usage purpose (`extendedKeyUsage`).
    ExtendedKeyUsage {
        /// anyExtendedKeyUsage (2.5.29.37.0).
        AnyExtendedKeyUsage = "ANY_EXTENDED_KEY_USAGE",
        /// id-kp-serverAuth.
        ServerAuth = "SERVER_AUTH",
        /// id-kp-clientAuth.
        ClientAuth = "CLIENT_AUTH",
        /// id-kp-codeSigning.
        CodeSigning = "CODE_SIGNING",
        /// id-kp-emailProtection.
        EmailProtection = "EMAIL_PROTECTION",
        /// id-kp-timeStamping.
        TimeStamping = "TIME_STAMPING",
        /// id-kp-OCSPSigning.
        OcspSigning = "OCSP_SIGNING",
    }
}

wire_enum! {
    /// The restricted signature-algorithm enum of the synchronous certificate endpoints.
    CertSignatureAlgorithm {
        /// RSA PKCS#1 v1.5 with SHA-224.
        Sha224WithRsa = "SHA224_WITH_RSA",
        /// RSA PKCS#1 v1.5 with SHA-256.
        Sha256WithRsa = "SHA256_WITH_RSA",
        /// RSA PKCS#1 v1.5 with SHA-384.
        Sha384WithRsa = "SHA384_WITH_RSA",
        /// RSA PKCS#1 v1.5 with SHA-512.
        Sha512WithRsa = "SHA512_WITH_RSA",
        /// ECDSA with SHA-256.
        Sha256WithEcdsa = "SHA256_WITH_ECDSA",
        /// ECDSA with SHA-384.
        Sha384WithEcdsa = "SHA384_WITH_ECDSA",
        /// ECDSA with SHA-512.
        Sha512WithEcdsa = "SHA512_WITH_ECDSA",
    }
}

impl CertSignatureAlgorithm {
    /// The ECDSA digest of this algorithm, or `None` if it is not an ECDSA algorithm.
    pub fn ecdsa_digest(self) -> Option<HashAlgorithm> {
        match self {
            Self::Sha256WithEcdsa => Some(HashAlgorithm::Sha256),
            Self::Sha384WithEcdsa => Some(HashAlgorithm::Sha384),
            Self::Sha512WithEcdsa => Some(HashAlgorithm::Sha512),
            _ => None,
        }
    }

    /// The RSA PKCS#1 v1.5 digest of this algorithm, or `None` if it is not an RSA algorithm.
    pub fn rsa_digest(self) -> Option<HashAlgorithm> {
        match self {
            Self::Sha224WithRsa => Some(HashAlgorithm::Sha224),
            Self::Sha256WithRsa => Some(HashAlgorithm::Sha256),
            Self::Sha384WithRsa => Some(HashAlgorithm::Sha384),
            Self::Sha512WithRsa => Some(HashAlgorithm::Sha512),
            Self::Sha256WithEcdsa | Self::Sha384WithEcdsa | Self::Sha512WithEcdsa => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for usage in KeyUsage::ALL {
            assert_eq!(usage.wire_name().parse(), Ok(*usage));
        }
        for usage in ExtendedKeyUsage::ALL {
            assert_eq!(usage.wire_name().parse(), Ok(*usage));
        }
        for algorithm in CertSignatureAlgorithm::ALL {
            assert_eq!(algorithm.wire_name().parse(), Ok(*algorithm));
        }
        assert_eq!(KeyUsage::ALL.len(), 9);
        assert_eq!(ExtendedKeyUsage::ALL.len(), 7);
        assert!("digital_signature".parse::<KeyUsage>().is_err());
    }
}
