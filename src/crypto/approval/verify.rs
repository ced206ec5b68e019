//! Approver signatures (reference 13.2, 13.3): JDK `Signature` semantics, the algorithm being
//! the named digest with the approver key's type (`SHA256withRSA`, `SHA384withECDSA`, ...),
//! Ed25519 pure over the raw message with the digest name `EdDSA`.

use super::ApprovalError;
use crate::crypto::{CryptoError, dsa, ec, ed25519, hash, rsa};
use crate::domain::{ApproverKeyType, HashAlgorithm, Hashing, PolicyError, SignatureScheme};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Encode, Sequence};
use spki::AlgorithmIdentifierOwned;

/// A digest name of `timestampDigestAlgorithm` / `approvalDigestAlgorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApprovalDigest {
    /// A SHA-2 or SHA-3 digest (`SHA-224` ... `SHA3-512`).
    Hash(HashAlgorithm),
    /// `EdDSA`: pure Ed25519, no separate digest.
    EdDsa,
}

/// The names the DTO lists, and the hashes they select.
const NAMES: [(&str, HashAlgorithm); 8] = [
    ("SHA-224", HashAlgorithm::Sha224),
    ("SHA-256", HashAlgorithm::Sha256),
    ("SHA-384", HashAlgorithm::Sha384),
    ("SHA-512", HashAlgorithm::Sha512),
    ("SHA3-224", HashAlgorithm::Sha3_224),
    ("SHA3-256", HashAlgorithm::Sha3_256),
    ("SHA3-384", HashAlgorithm::Sha3_384),
    ("SHA3-512", HashAlgorithm::Sha3_512),
];

impl ApprovalDigest {
    /// Reads a digest name: `SHA-224`, `SHA-256`, `SHA-384`, `SHA-512`, `SHA3-224`,
    /// `SHA3-256`, `SHA3-384`, `SHA3-512` or `EdDSA`, without regard to case (and, as JDK
    /// algorithm names, also without the hyphen: `SHA256`); anything else is
    /// [`ApprovalError::UnsupportedDigest`].
    pub fn from_name(name: &str) -> Result<Self, ApprovalError> {
        let wanted = name.trim().to_ascii_uppercase();
        if wanted == "EDDSA" {
            return Ok(Self::EdDsa);
        }
        NAMES
            .iter()
            .find(|(known, _)| *known == wanted || known.replace('-', "") == wanted)
            .map(|(_, algorithm)| Self::Hash(*algorithm))
            .ok_or_else(|| {
                ApprovalError::UnsupportedDigest(format!(
                    "The digest algorithm '{name}' is not supported (SHA-224, SHA-256, SHA-384, SHA-512, SHA3-224, SHA3-256, SHA3-384, SHA3-512, EdDSA)."
                ))
            })
    }

    /// The wire name (`SHA-256`, `EdDSA`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::EdDsa => "EdDSA",
            Self::Hash(algorithm) => NAMES
                .iter()
                .find(|(_, known)| *known == algorithm)
                .map_or("SHA-256", |(name, _)| name),
        }
    }
}

/// The approver key type of a DER SPKI, as [`ApprovalError`]s.
pub fn key_type(spki: &[u8]) -> Result<ApproverKeyType, ApprovalError> {
    crate::domain::approver_key_type(spki).map_err(|error| match error {
        PolicyError::Invalid(why) => ApprovalError::InvalidKey(why),
        PolicyError::UnsupportedApproverKeyType(why) => ApprovalError::UnsupportedKeyType(why),
    })
}

/// Verifies an approver's `signature` over `message` (a timestamp string's UTF-8 bytes, or
/// the decoded `approvalToBeSigned`) with the approver key `approver_spki_der` and the digest
/// named `digest_name`:
///
/// * RSA: PKCS#1 v1.5 with the digest;
/// * EC (P-256, P-384, P-521, secp256k1, and the brainpool curves): ECDSA with the digest,
///   DER `SEQUENCE { r, s }` (a raw `r || s` is accepted too);
/// * DSA: DSA with the digest, DER;
/// * Ed25519: pure Ed25519 over the raw message, 64 bytes. `EdDSA` is its name; a SHA name
///   with an Ed25519 key is accepted as well (the key says the scheme), while `EdDSA` with
///   any other key type is [`ApprovalError::UnsupportedDigest`].
///
/// Errors: [`ApprovalError::UnsupportedDigest`] for an unknown name,
/// [`ApprovalError::UnsupportedKeyType`] for a key the HSM does not take,
/// [`ApprovalError::InvalidKey`] for bytes that are not such a key,
/// [`ApprovalError::BadSignature`] when the signature does not verify.
pub fn verify_approver(
    approver_spki_der: &[u8],
    digest_name: &str,
    message: &[u8],
    signature: &[u8],
) -> Result<(), ApprovalError> {
    let digest = ApprovalDigest::from_name(digest_name)?;
    verify_with(approver_spki_der, digest, message, signature)
}

/// As [`verify_approver`], with the digest already read.
pub fn verify_with(
    spki: &[u8],
    digest: ApprovalDigest,
    message: &[u8],
    signature: &[u8],
) -> Result<(), ApprovalError> {
    let kind = key_type(spki)?;
    let algorithm = match (kind, digest) {
        (ApproverKeyType::Ed25519, _) => None,
        (_, ApprovalDigest::EdDsa) => {
            return Err(ApprovalError::UnsupportedDigest(
                "The digest algorithm 'EdDSA' needs an Ed25519 approver key.".to_owned(),
            ));
        }
        (_, ApprovalDigest::Hash(algorithm)) => Some(algorithm),
    };
    let verified = match (kind, algorithm) {
        (ApproverKeyType::Ed25519, _) => ed25519::verify(spki, message, signature),
        (ApproverKeyType::Rsa, Some(algorithm)) => verify_rsa(spki, algorithm, message, signature),
        (ApproverKeyType::Ec(curve), Some(algorithm)) => {
            ec::verify(curve, spki, message, Hashing::Hash(algorithm), signature)
        }
        // The dsa module hashes with SHA-1/SHA-2 only; JDK also signs SHA3-*withDSA, and DSA
        // signs the (leftmost bits of the) digest either way, so hash here.
        (ApproverKeyType::Dsa, Some(algorithm)) => dsa::verify(
            spki,
            &hash::digest(algorithm, message),
            Hashing::None,
            signature,
        ),
        (_, None) => Ok(false),
    };
    match verified {
        Ok(true) => Ok(()),
        Ok(false) => Err(ApprovalError::BadSignature),
        Err(CryptoError::InvalidKey(why)) => Err(ApprovalError::InvalidKey(why)),
        Err(_) => Err(ApprovalError::BadSignature),
    }
}

/// `DigestInfo` (RFC 8017 9.2).
#[derive(Sequence)]
struct DigestInfo {
    algorithm: AlgorithmIdentifierOwned,
    digest: OctetString,
}

/// RSASSA-PKCS1-v1_5: the SHA-2 digests through `crypto::rsa`; the SHA-3 ones (which the rsa
/// module does not name) as the raw `DigestInfo` it pads without a prefix of its own.
fn verify_rsa(
    spki: &[u8],
    algorithm: HashAlgorithm,
    message: &[u8],
    signature: &[u8],
) -> Result<bool, CryptoError> {
    let sha3_oid = match algorithm {
        HashAlgorithm::Sha3_224 => "2.16.840.1.101.3.4.2.7",
        HashAlgorithm::Sha3_256 => "2.16.840.1.101.3.4.2.8",
        HashAlgorithm::Sha3_384 => "2.16.840.1.101.3.4.2.9",
        HashAlgorithm::Sha3_512 => "2.16.840.1.101.3.4.2.10",
        _ => {
            let scheme = SignatureScheme::RsaPkcs1v15(Hashing::Hash(algorithm));
            return rsa::verify(spki, scheme, message, signature);
        }
    };
    let info = DigestInfo {
        algorithm: AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap(sha3_oid),
            parameters: Some(der::Any::from(der::AnyRef::from(der::asn1::Null))),
        },
        digest: OctetString::new(hash::digest(algorithm, message))?,
    }
    .to_der()?;
    let scheme = SignatureScheme::RsaPkcs1v15(Hashing::None);
    rsa::verify(spki, scheme, &info, signature)
}

/// The signature AlgorithmIdentifier OID for a key type and digest (what the TSB wraps an
/// approver's signature with: `SHA256withECDSA` is ecdsa-with-SHA256, ...).
pub fn signature_algorithm_oid(kind: ApproverKeyType, digest: ApprovalDigest) -> ObjectIdentifier {
    let hash = match digest {
        ApprovalDigest::Hash(hash) => hash,
        ApprovalDigest::EdDsa => HashAlgorithm::Sha512,
    };
    // Index in the order SHA-224, SHA-256, SHA-384, SHA-512, SHA3-224 .. SHA3-512.
    let i = NAMES.iter().position(|(_, h)| *h == hash).unwrap_or(1);
    let oid = match kind {
        ApproverKeyType::Ed25519 => "1.3.101.112",
        ApproverKeyType::Rsa => [
            "1.2.840.113549.1.1.14",
            "1.2.840.113549.1.1.11",
            "1.2.840.113549.1.1.12",
            "1.2.840.113549.1.1.13",
            "2.16.840.1.101.3.4.3.13",
            "2.16.840.1.101.3.4.3.14",
            "2.16.840.1.101.3.4.3.15",
            "2.16.840.1.101.3.4.3.16",
        ][i],
        ApproverKeyType::Ec(_) => [
            "1.2.840.10045.4.3.1",
            "1.2.840.10045.4.3.2",
            "1.2.840.10045.4.3.3",
            "1.2.840.10045.4.3.4",
            "2.16.840.1.101.3.4.3.9",
            "2.16.840.1.101.3.4.3.10",
            "2.16.840.1.101.3.4.3.11",
            "2.16.840.1.101.3.4.3.12",
        ][i],
        ApproverKeyType::Dsa => [
            "2.16.840.1.101.3.4.3.1",
            "2.16.840.1.101.3.4.3.2",
            "2.16.840.1.101.3.4.3.3",
            "2.16.840.1.101.3.4.3.4",
            "2.16.840.1.101.3.4.3.5",
            "2.16.840.1.101.3.4.3.6",
            "2.16.840.1.101.3.4.3.7",
            "2.16.840.1.101.3.4.3.8",
        ][i],
    };
    ObjectIdentifier::new_unwrap(oid)
}

/// The digest a signature AlgorithmIdentifier OID names (any key type); `EdDSA` for
/// id-Ed25519.
pub fn digest_of_signature_oid(oid: ObjectIdentifier) -> Option<ApprovalDigest> {
    if oid == ObjectIdentifier::new_unwrap("1.3.101.112") {
        return Some(ApprovalDigest::EdDsa);
    }
    let kinds = [
        ApproverKeyType::Rsa,
        ApproverKeyType::Ec(crate::domain::Curve::P256),
        ApproverKeyType::Dsa,
    ];
    NAMES.iter().find_map(|(_, hash)| {
        let digest = ApprovalDigest::Hash(*hash);
        kinds
            .iter()
            .any(|kind| signature_algorithm_oid(*kind, digest) == oid)
            .then_some(digest)
    })
}
