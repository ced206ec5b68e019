//! The fidelity manifest: every TSB endpoint (reference section 1) and every algorithm value
//! (sections 6.1, 7.5, 8.3, 9.3) with its status here, served as `GET /_emulator/capabilities`
//! and rendered into the README.
//!
//! Algorithm statuses are derived from the domain enums (`KeyAlgorithm::ALL`,
//! `SignatureAlgorithm::ALL`, ...): a value the emulator's enum knows is implemented, so adding
//! an algorithm updates this list. Endpoint statuses are one table; a test probes every row
//! through the router, so a row cannot claim what the router does not do.

use super::AppState;
use crate::domain::{
    CipherAlgorithm, KeyAlgorithm, SignatureAlgorithm, SignatureScheme, WrapMethod,
};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::{Value, json};
use std::fmt::Write;

/// How faithfully something is emulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Behaves as the TSB does, as far as the reference says.
    Exact,
    /// Works, with a difference stated next to it.
    Approximated,
    /// Answers 404 (endpoints) or is refused as unsupported (algorithms).
    NotImplemented,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Approximated => "approximated",
            Self::NotImplemented => "not_implemented",
        }
    }
}

/// One row of the reference's endpoint overview.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    /// The row number in reference section 1.
    pub row: u32,
    /// HTTP method as the reference gives it.
    pub method: &'static str,
    /// Path (route pattern).
    pub path: &'static str,
    /// What it is for.
    pub purpose: &'static str,
    /// Status here.
    pub status: Status,
    /// What differs, for `approximated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub difference: Option<&'static str>,
}

/// Every endpoint of reference section 1.
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        row: 1,
        method: "POST",
        path: "/v1/key",
        purpose: "create key",
        status: Status::Approximated,
        difference: Some(
            "RSA keys of 2048, 3072 and 4096 bits only (no 1024 or 8192); no ISS or PQC algorithms; EC curves of table 6.2 without a RustCrypto implementation are refused",
        ),
    },
    Endpoint {
        row: 2,
        method: "GET",
        path: "/v1/key",
        purpose: "list key labels",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 3,
        method: "POST",
        path: "/v1/key/attributes",
        purpose: "key info (password-capable)",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 4,
        method: "GET",
        path: "/v1/key/{keyName}/attributes",
        purpose: "key info (deprecated, no password)",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 5,
        method: "POST",
        path: "/v1/key/deleteKey",
        purpose: "delete key (password-capable)",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 6,
        method: "DELETE",
        path: "/v1/key/{keyName}",
        purpose: "delete key",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 7,
        method: "POST",
        path: "/v1/key/changePassword",
        purpose: "change key password",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 8,
        method: "POST",
        path: "/v1/key/import/plain",
        purpose: "import plain key material / cert",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 9,
        method: "POST",
        path: "/v1/key/export/plain",
        purpose: "export plain key material",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 10,
        method: "POST",
        path: "/v1/key/address",
        purpose: "crypto-currency address of a key",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 11,
        method: "GET",
        path: "/v1/key/{keyName}/address",
        purpose: "same, deprecated",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 12,
        method: "POST",
        path: "/v1/key/keyAttestation",
        purpose: "attestation bundle (zip download)",
        status: Status::Approximated,
        difference: Some(
            "the attestation certificate chain is the emulator's own test CA, not a Securosys HSM's",
        ),
    },
    Endpoint {
        row: 13,
        method: "POST",
        path: "/v1/importedKey",
        purpose: "create key from BIP32 seed",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 14,
        method: "POST",
        path: "/v1/derivedKey",
        purpose: "persist a BIP32/SLIP10 child key",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 15,
        method: "POST",
        path: "/v1/synchronousSign",
        purpose: "sign",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 16,
        method: "POST",
        path: "/v1/sign",
        purpose: "sign (SKA workflow)",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 17,
        method: "POST",
        path: "/v1/verify",
        purpose: "verify signature (also HMAC verify, see §7.9)",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 18,
        method: "POST",
        path: "/v1/synchronousHmac",
        purpose: "HMAC",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 19,
        method: "POST",
        path: "/v1/encrypt",
        purpose: "encrypt",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 20,
        method: "POST",
        path: "/v1/synchronousDecrypt",
        purpose: "decrypt",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 21,
        method: "POST",
        path: "/v1/decrypt",
        purpose: "decrypt (SKA workflow)",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 22,
        method: "POST",
        path: "/v1/fileEncrypt",
        purpose: "ECIES file encryption (multipart)",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 23,
        method: "POST",
        path: "/v1/synchronousFileDecrypt",
        purpose: "ECIES file decryption (multipart)",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 24,
        method: "POST",
        path: "/v1/wrap",
        purpose: "wrap (export encrypted) a key",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 25,
        method: "POST",
        path: "/v1/synchronousUnwrap",
        purpose: "unwrap (import) a key",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 26,
        method: "POST",
        path: "/v1/unwrap",
        purpose: "unwrap (SKA workflow)",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 27,
        method: "POST",
        path: "/v1/synchronousBlock",
        purpose: "block key",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 28,
        method: "POST",
        path: "/v1/block",
        purpose: "block key (workflow)",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 29,
        method: "POST",
        path: "/v1/synchronousUnblock",
        purpose: "unblock key",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 30,
        method: "POST",
        path: "/v1/unblock",
        purpose: "unblock key (workflow)",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 31,
        method: "POST",
        path: "/v1/synchronousModify",
        purpose: "replace SKA policy",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 32,
        method: "POST",
        path: "/v1/modify",
        purpose: "replace SKA policy (workflow)",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 33,
        method: "GET",
        path: "/v1/request/{id}",
        purpose: "status/result of an async request",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 34,
        method: "DELETE",
        path: "/v1/request/{id}",
        purpose: "cancel async request",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 35,
        method: "UNKNOWN",
        path: "/v1/filteredRequests",
        purpose: "list requests by status",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 36,
        method: "POST",
        path: "/v1/certificate/synchronous/request",
        purpose: "create CSR",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 37,
        method: "POST",
        path: "/v1/certificate/synchronous/request/download",
        purpose: "create CSR as file",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 38,
        method: "POST",
        path: "/v1/certificate/synchronous/selfsign",
        purpose: "self-signed cert, stored on key",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 39,
        method: "POST",
        path: "/v1/certificate/synchronous/create/selfSigned",
        purpose: "older self-signed endpoint (release 1.17.0)",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 40,
        method: "POST",
        path: "/v1/certificate/synchronous/sign",
        purpose: "issue cert from CSR",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 41,
        method: "POST",
        path: "/v1/certificate/request",
        purpose: "CSR (SKA workflow)",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 42,
        method: "POST",
        path: "/v1/certificate/selfsign",
        purpose: "self-signed (SKA workflow)",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 43,
        method: "POST",
        path: "/v1/certificate/sign",
        purpose: "issue cert (SKA workflow)",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 44,
        method: "POST",
        path: "/v1/certificate/import/plain",
        purpose: "attach cert to existing key",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 45,
        method: "GET",
        path: "/v1/certificate/{keyName}",
        purpose: "read attached cert",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 46,
        method: "DELETE",
        path: "/v1/certificate/{keyName}",
        purpose: "remove attached cert",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 47,
        method: "GET",
        path: "/v1/generateRandom/{length}",
        purpose: "HSM random bytes",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 48,
        method: "GET",
        path: "/v1/keystore/statistics",
        purpose: "keystore statistics / health check",
        status: Status::Approximated,
        difference: Some(
            "the statistics text is the emulator's (key count, bytes on disk, RSA pool)",
        ),
    },
    Endpoint {
        row: 49,
        method: "GET",
        path: "/v1/versionInfo",
        purpose: "version",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 50,
        method: "GET",
        path: "/v1/licenseInfo",
        purpose: "license flags",
        status: Status::Exact,
        difference: None,
    },
    Endpoint {
        row: 51,
        method: "GET",
        path: "/v1/hsm/log",
        purpose: "HSM log (and /v1/hsm/log/**)",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 52,
        method: "POST",
        path: "/v1/createRfcTimestamp",
        purpose: "RFC 3161 timestamp",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 53,
        method: "POST",
        path: "/v1/dataObject",
        purpose: "store data object",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 54,
        method: "GET",
        path: "/v1/dataObject/{dataObjectName}",
        purpose: "read data object",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 55,
        method: "UNKNOWN",
        path: "/v1/attestation/**",
        purpose: "attestation-key certificate chain",
        status: Status::Approximated,
        difference: Some("GET /v1/attestation/certificateChain only: the emulator's test CA chain"),
    },
    Endpoint {
        row: 56,
        method: "POST",
        path: "/v1/filteredSignApprovalTask",
        purpose: "approver fetches sign tasks",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 57,
        method: "POST",
        path: "/v1/filteredDecryptApprovalTask",
        purpose: "… decrypt tasks",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 58,
        method: "POST",
        path: "/v1/filteredUnwrapKeyApprovalTask",
        purpose: "… unwrap tasks",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 59,
        method: "POST",
        path: "/v1/filteredBlockKeyApprovalTask",
        purpose: "… block tasks",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 60,
        method: "POST",
        path: "/v1/filteredUnblockKeyApprovalTask",
        purpose: "… unblock tasks",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 61,
        method: "POST",
        path: "/v1/filteredModifyKeyApprovalTask",
        purpose: "… modify tasks",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 62,
        method: "POST",
        path: "/v1/filteredAllApprovalTask",
        purpose: "… all tasks",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 63,
        method: "POST",
        path: "/v1/approval",
        purpose: "submit an approval",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 64,
        method: "UNKNOWN",
        path: "/v1/task",
        purpose: "reject/delete a task",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 65,
        method: "POST (docs curl shows PUT)",
        path: "/v1/approverManagement/create",
        purpose: "create approver key pair",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 66,
        method: "POST",
        path: "/v1/approver/onboard",
        purpose: "approver downloads its key",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 67,
        method: "POST",
        path: "/v1/approverManagement/renewOneTimeCode",
        purpose: "new one-time code",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 68,
        method: "POST",
        path: "/v1/approverManagement/restoreFromBackup",
        purpose: "restore approver (password known)",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 69,
        method: "POST",
        path: "/v1/approverManagement/restoreFromBackup/forgotPassword",
        purpose: "restore (password lost)",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 70,
        method: "GET",
        path: "/v1/approverManagement/onboarding/status",
        purpose: "onboarded / pending approvers",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 71,
        method: "DELETE",
        path: "/v1/approverManagement/delete/{approverName}",
        purpose: "delete approver backup",
        status: Status::NotImplemented,
        difference: None,
    },
    Endpoint {
        row: 72,
        method: "UNKNOWN",
        path: "ML-KEM decapsulation (path UNKNOWN)",
        purpose: "KEM decapsulation",
        status: Status::NotImplemented,
        difference: None,
    },
];

/// Key algorithm names of reference 6.1 (obsolete PQC drafts left out).
const SPEC_KEY_ALGORITHMS: &[&str] = &[
    "RSA",
    "EC",
    "ED",
    "DSA",
    "BLS",
    "ISS",
    "AES",
    "ChaCha20",
    "Camellia",
    "TDEA",
    "HMACSHA256",
    "ML-DSA-44",
    "ML-DSA-65",
    "ML-DSA-87",
    "SLH-DSA-SHA2-128s",
    "SLH-DSA-SHA2-128f",
    "SLH-DSA-SHA2-192s",
    "SLH-DSA-SHA2-192f",
    "SLH-DSA-SHA2-256s",
    "SLH-DSA-SHA2-256f",
    "SLH-DSA-SHAKE-128s",
    "SLH-DSA-SHAKE-128f",
    "SLH-DSA-SHAKE-192s",
    "SLH-DSA-SHAKE-192f",
    "SLH-DSA-SHAKE-256s",
    "SLH-DSA-SHAKE-256f",
    "ML-KEM-512",
    "ML-KEM-768",
    "ML-KEM-1024",
    "LMS",
    "XMSS-SHA256_10_256",
    "XMSS-SHAKE256_10_256",
];

/// `signatureAlgorithm` values of reference 7.5.
const SPEC_SIGNATURE_ALGORITHMS: &[&str] = &[
    "SHA1_WITH_RSA",
    "SHA224_WITH_RSA",
    "SHA256_WITH_RSA",
    "SHA384_WITH_RSA",
    "SHA512_WITH_RSA",
    "SHA1_WITH_RSA_PSS",
    "SHA224_WITH_RSA_PSS",
    "SHA256_WITH_RSA_PSS",
    "SHA384_WITH_RSA_PSS",
    "SHA512_WITH_RSA_PSS",
    "NONE_WITH_RSA",
    "NONESHA1_WITH_RSA",
    "NONESHA224_WITH_RSA",
    "NONESHA256_WITH_RSA",
    "NONESHA384_WITH_RSA",
    "NONESHA512_WITH_RSA",
    "NONE_WITH_RSA_PSS",
    "NONESHA224_WITH_RSA_PSS",
    "NONESHA256_WITH_RSA_PSS",
    "NONESHA384_WITH_RSA_PSS",
    "NONESHA512_WITH_RSA_PSS",
    "NONE_WITH_ECDSA",
    "SHA1_WITH_ECDSA",
    "SHA224_WITH_ECDSA",
    "SHA256_WITH_ECDSA",
    "SHA384_WITH_ECDSA",
    "SHA512_WITH_ECDSA",
    "SHA3224_WITH_ECDSA",
    "SHA3256_WITH_ECDSA",
    "SHA3384_WITH_ECDSA",
    "SHA3512_WITH_ECDSA",
    "DOUBLE_SHA256_WITH_ECDSA",
    "SHA256_WITH_ECDSA_DETERMINISTIC",
    "KECCAK224_WITH_ECDSA",
    "KECCAK256_WITH_ECDSA",
    "KECCAK384_WITH_ECDSA",
    "KECCAK512_WITH_ECDSA",
    "NONE_WITH_EC_SCHNORR_BIP0340",
    "NONE_WITH_DSA",
    "SHA1_WITH_DSA",
    "SHA224_WITH_DSA",
    "SHA256_WITH_DSA",
    "SHA384_WITH_DSA",
    "SHA512_WITH_DSA",
    "EDDSA",
    "BLS",
    "ISS_KERL",
    "DILITHIUM",
    "SPHINCS_PLUS",
    "KYBER",
    "LMS",
    "ML_DSA",
    "ML_DSA_M",
    "SLH_DSA",
    "SHA2_224_WITH_ML_DSA",
    "SHA2_256_WITH_ML_DSA",
    "SHA2_384_WITH_ML_DSA",
    "SHA2_512_WITH_ML_DSA",
    "SHA3_224_WITH_ML_DSA",
    "SHA3_256_WITH_ML_DSA",
    "SHA3_384_WITH_ML_DSA",
    "SHA3_512_WITH_ML_DSA",
    "SHAKE_128_WITH_ML_DSA",
    "SHAKE_256_WITH_ML_DSA",
    "SHA2_224_WITH_SLH_DSA",
    "SHA2_256_WITH_SLH_DSA",
    "SHA2_384_WITH_SLH_DSA",
    "SHA2_512_WITH_SLH_DSA",
    "SHA3_224_WITH_SLH_DSA",
    "SHA3_256_WITH_SLH_DSA",
    "SHA3_384_WITH_SLH_DSA",
    "SHA3_512_WITH_SLH_DSA",
    "SHAKE_128_WITH_SLH_DSA",
    "SHAKE_256_WITH_SLH_DSA",
    "XMSS-SHA256_10_256",
    "XMSS-SHAKE256_10_256",
];

/// `cipherAlgorithm` values of reference 8.3.
const SPEC_CIPHER_ALGORITHMS: &[&str] = &[
    "AES_GCM",
    "AES_CTR",
    "AES_CBC_NO_PADDING",
    "AES_ECB",
    "AES",
    "CHACHA20",
    "CHACHA20_AEAD",
    "CAMELLIA",
    "CAMELLIA_CBC_NO_PADDING",
    "CAMELLIA_ECB",
    "TDEA_CBC",
    "TDEA_CBC_NO_PADDING",
    "TDEA_ECB",
    "RSA",
    "RSA_PADDING_PKCS",
    "RSA_PADDING_OAEP",
    "RSA_PADDING_OAEP_WITH_SHA1",
    "RSA_PADDING_OAEP_WITH_SHA224",
    "RSA_PADDING_OAEP_WITH_SHA256",
    "RSA_PADDING_OAEP_WITH_SHA384",
    "RSA_PADDING_OAEP_WITH_SHA512",
    "RSA_NO_PADDING",
];

/// `wrapMethod` values of reference 9.3.
const SPEC_WRAP_METHODS: &[&str] = &[
    "AES_WRAP",
    "AES_WRAP_PAD",
    "AES_WRAP_DSA",
    "AES_WRAP_EC",
    "AES_WRAP_ED",
    "AES_WRAP_RSA",
    "AES_WRAP_BLS",
    "AES_WRAP_PAD_DSA",
    "AES_WRAP_PAD_EC",
    "AES_WRAP_PAD_ED",
    "AES_WRAP_PAD_RSA",
    "AES_WRAP_PAD_BLS",
    "RSA_WRAP_PAD",
    "RSA_WRAP_OAEP",
    "ML-KEM-512",
    "ML-KEM-768",
    "ML-KEM-1024",
];

/// An algorithm value and its status.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Algorithm {
    /// The wire value.
    pub name: String,
    /// Status here.
    pub status: Status,
    /// What differs, for `approximated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub difference: Option<&'static str>,
}

/// Merges the reference's values with the emulator's: a value the emulator knows is
/// implemented (with a stated difference, if any), a value only the reference names is not.
fn merge(
    spec: &[&'static str],
    known: Vec<&'static str>,
    difference: impl Fn(&str) -> Option<&'static str>,
) -> Vec<Algorithm> {
    let mut names: Vec<&str> = spec.to_vec();
    names.extend(known.iter().filter(|k| !spec.contains(k)));
    names
        .into_iter()
        .map(|name| {
            let status = match (known.contains(&name), difference(name)) {
                (false, _) => Status::NotImplemented,
                (true, None) => Status::Exact,
                (true, Some(_)) => Status::Approximated,
            };
            Algorithm {
                name: name.to_owned(),
                status,
                difference: difference(name).filter(|_| status == Status::Approximated),
            }
        })
        .collect()
}

/// Key algorithms (`algorithm` of `POST /v1/key`).
pub fn key_algorithms() -> Vec<Algorithm> {
    merge(
        SPEC_KEY_ALGORITHMS,
        KeyAlgorithm::ALL.iter().map(|a| a.tsb_name()).collect(),
        |name| match name {
            "RSA" => Some("2048, 3072 and 4096 bits are generated; 1024 to 8192 are imported"),
            "EC" => Some("the curves of reference 6.2 that RustCrypto implements (see the README)"),
            "DSA" => Some("1024, 2048 and 3072 bits"),
            "TDEA" => Some("three-key (192 bits with parity); the TSB's size is unknown"),
            _ => None,
        },
    )
}

/// `signatureAlgorithm` values.
pub fn signature_algorithms() -> Vec<Algorithm> {
    merge(
        SPEC_SIGNATURE_ALGORITHMS,
        SignatureAlgorithm::ALL
            .iter()
            // Parsed but refused as "not supported yet" by `hsm::sign`: keep in step with it.
            .filter(|a| !matches!(a.scheme(), SignatureScheme::SchnorrBip340))
            .map(|a| a.wire_name())
            .collect(),
        |_| None,
    )
}

/// `cipherAlgorithm` values.
pub fn cipher_algorithms() -> Vec<Algorithm> {
    merge(
        SPEC_CIPHER_ALGORITHMS,
        CipherAlgorithm::ALL.iter().map(|a| a.wire_name()).collect(),
        |_| None,
    )
}

/// `wrapMethod` values.
pub fn wrap_methods() -> Vec<Algorithm> {
    merge(
        SPEC_WRAP_METHODS,
        WrapMethod::ALL.iter().map(|a| a.wire_name()).collect(),
        |_| None,
    )
}

/// The whole manifest as JSON.
pub fn manifest() -> Value {
    json!({
        "endpoints": ENDPOINTS,
        "keyAlgorithms": key_algorithms(),
        "signatureAlgorithms": signature_algorithms(),
        "cipherAlgorithms": cipher_algorithms(),
        "wrapMethods": wrap_methods(),
    })
}

/// `GET /_emulator/capabilities`.
pub async fn handler(State(_): State<AppState>) -> Json<Value> {
    Json(manifest())
}

/// The README's fidelity section, generated from the same tables.
pub fn markdown() -> String {
    let mut out = String::new();
    out.push_str("| # | Method | Path | Status | Difference |\n|---|---|---|---|---|\n");
    for e in ENDPOINTS {
        let _ = writeln!(
            out,
            "| {} | {} | `{}` | {} | {} |",
            e.row,
            e.method,
            e.path,
            e.status.as_str(),
            e.difference.unwrap_or("")
        );
    }
    for (title, list) in [
        ("Key algorithms", key_algorithms()),
        ("Signature algorithms", signature_algorithms()),
        ("Cipher algorithms", cipher_algorithms()),
        ("Wrap methods", wrap_methods()),
    ] {
        let _ = writeln!(out, "\n**{title}**\n");
        for status in [Status::Exact, Status::Approximated, Status::NotImplemented] {
            let names: Vec<String> = list
                .iter()
                .filter(|a| a.status == status)
                .map(|a| match a.difference {
                    Some(d) => format!("`{}` ({d})", a.name),
                    None => format!("`{}`", a.name),
                })
                .collect();
            if !names.is_empty() {
                let _ = writeln!(out, "- {}: {}", status.as_str(), names.join(", "));
            }
        }
    }
    out
}
