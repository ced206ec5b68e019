//! The fidelity manifest: every TSB endpoint (reference section 1) and every algorithm value
//! (sections 6.1, 7.5, 8.3, 9.3) with its status here, served as `GET /_emulator/capabilities`
//! and rendered into docs/fidelity.md.
//!
//! Algorithm statuses are derived from the domain enums (`KeyAlgorithm::ALL`,
//! `SignatureAlgorithm::ALL`, ...): a value the emulator's enum knows is implemented, so adding
//! an algorithm updates this list. Endpoint statuses are one table; a test probes every row
//! through the router, so a row cannot claim what the router does not do.

use super::SharedState;
use crate::domain::{CipherAlgorithm, KeyAlgorithm, SignatureAlgorithm, WrapMethod};
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use serde_json::{Value, json};
use spec::{
    SPEC_CIPHER_ALGORITHMS, SPEC_KEY_ALGORITHMS, SPEC_SIGNATURE_ALGORITHMS, SPEC_WRAP_METHODS,
};
use std::fmt::Write;

mod spec;

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
#[rustfmt::skip]
pub const ENDPOINTS: &[Endpoint] = &[
    approximated(1, "POST", "/v1/key", "create key", "no ISS; LMS keys have one HSS level (tree height 5, or 10 as an emulator extension); EC curves of table 6.2 without a RustCrypto implementation are refused"),
    exact(2, "GET", "/v1/key", "list key labels"),
    exact(3, "POST", "/v1/key/attributes", "key info (password-capable)"),
    exact(4, "GET", "/v1/key/{keyName}/attributes", "key info (deprecated, no password)"),
    exact(5, "POST", "/v1/key/deleteKey", "delete key (password-capable)"),
    exact(6, "DELETE", "/v1/key/{keyName}", "delete key"),
    exact(7, "POST", "/v1/key/changePassword", "change key password"),
    approximated(8, "POST", "/v1/key/import/plain", "import plain key material / cert", "PQC keys (ML-DSA, SLH-DSA, ML-KEM, LMS, XMSS) are refused with 400/600"),
    approximated(9, "POST", "/v1/key/export/plain", "export plain key material", "PQC keys are refused with 400/614 (a copy of a stateful key could reuse one-time indices)"),
    approximated(10, "POST", "/v1/key/address", "crypto-currency address of a key", "BTC and ETH addresses (secp256k1) only; XLM, XRP and IOTA answer 630"),
    approximated(11, "GET", "/v1/key/{keyName}/address", "same, deprecated", "as POST /v1/key/address"),
    approximated(12, "POST", "/v1/key/keyAttestation", "attestation bundle (zip download)", "the attestation certificate chain is the emulator's own test CA, not a Securosys HSM's"),
    approximated(13, "POST", "/v1/importedKey", "create key from BIP32 seed", "secp256k1, P-256 and Ed25519 (SLIP-10) seeds only; answers 201 with key info (the TSB's answer is undocumented)"),
    approximated(14, "POST", "/v1/derivedKey", "persist a BIP32/SLIP10 child key", "answers 201 with the child's key info, stored as master/<path> (the TSB's answer is undocumented)"),
    exact(15, "POST", "/v1/synchronousSign", "sign"),
    missing(16, "POST", "/v1/sign", "sign (SKA workflow)"),
    exact(17, "POST", "/v1/verify", "verify signature (also HMAC verify, see §7.9)"),
    exact(18, "POST", "/v1/synchronousHmac", "HMAC"),
    exact(19, "POST", "/v1/encrypt", "encrypt"),
    exact(20, "POST", "/v1/synchronousDecrypt", "decrypt"),
    missing(21, "POST", "/v1/decrypt", "decrypt (SKA workflow)"),
    missing(22, "POST", "/v1/fileEncrypt", "ECIES file encryption (multipart)"),
    missing(23, "POST", "/v1/synchronousFileDecrypt", "ECIES file decryption (multipart)"),
    approximated(24, "POST", "/v1/wrap", "wrap (export encrypted) a key", "wrapped private keys are PKCS#8, not Primus blobs; ML-KEM wrapping is the KEM ciphertext followed by RFC 5649 AES-256 key wrap under the shared secret (the TSB's format is unknown)"),
    approximated(25, "POST", "/v1/synchronousUnwrap", "unwrap (import) a key", "accepts what /v1/wrap produces (see there)"),
    missing(26, "POST", "/v1/unwrap", "unwrap (SKA workflow)"),
    missing(27, "POST", "/v1/synchronousBlock", "block key"),
    missing(28, "POST", "/v1/block", "block key (workflow)"),
    missing(29, "POST", "/v1/synchronousUnblock", "unblock key"),
    missing(30, "POST", "/v1/unblock", "unblock key (workflow)"),
    missing(31, "POST", "/v1/synchronousModify", "replace SKA policy"),
    missing(32, "POST", "/v1/modify", "replace SKA policy (workflow)"),
    missing(33, "GET", "/v1/request/{id}", "status/result of an async request"),
    missing(34, "DELETE", "/v1/request/{id}", "cancel async request"),
    missing(35, "UNKNOWN", "/v1/filteredRequests", "list requests by status"),
    exact(36, "POST", "/v1/certificate/synchronous/request", "create CSR"),
    exact(37, "POST", "/v1/certificate/synchronous/request/download", "create CSR as file"),
    exact(38, "POST", "/v1/certificate/synchronous/selfsign", "self-signed cert, stored on key"),
    missing(39, "POST", "/v1/certificate/synchronous/create/selfSigned", "older self-signed endpoint (release 1.17.0)"),
    exact(40, "POST", "/v1/certificate/synchronous/sign", "issue cert from CSR"),
    missing(41, "POST", "/v1/certificate/request", "CSR (SKA workflow)"),
    missing(42, "POST", "/v1/certificate/selfsign", "self-signed (SKA workflow)"),
    missing(43, "POST", "/v1/certificate/sign", "issue cert (SKA workflow)"),
    exact(44, "POST", "/v1/certificate/import/plain", "attach cert to existing key"),
    exact(45, "GET", "/v1/certificate/{keyName}", "read attached cert"),
    exact(46, "DELETE", "/v1/certificate/{keyName}", "remove attached cert"),
    exact(47, "GET", "/v1/generateRandom/{length}", "HSM random bytes"),
    approximated(48, "GET", "/v1/keystore/statistics", "keystore statistics / health check", "the statistics text is the emulator's (key count, bytes on disk, RSA pool)"),
    exact(49, "GET", "/v1/versionInfo", "version"),
    exact(50, "GET", "/v1/licenseInfo", "license flags"),
    missing(51, "GET", "/v1/hsm/log", "HSM log (and /v1/hsm/log/**)"),
    missing(52, "POST", "/v1/createRfcTimestamp", "RFC 3161 timestamp"),
    missing(53, "POST", "/v1/dataObject", "store data object"),
    missing(54, "GET", "/v1/dataObject/{dataObjectName}", "read data object"),
    approximated(55, "UNKNOWN", "/v1/attestation/**", "attestation-key certificate chain", "GET /v1/attestation/certificateChain only: the emulator's test CA chain"),
    missing(56, "POST", "/v1/filteredSignApprovalTask", "approver fetches sign tasks"),
    missing(57, "POST", "/v1/filteredDecryptApprovalTask", "… decrypt tasks"),
    missing(58, "POST", "/v1/filteredUnwrapKeyApprovalTask", "… unwrap tasks"),
    missing(59, "POST", "/v1/filteredBlockKeyApprovalTask", "… block tasks"),
    missing(60, "POST", "/v1/filteredUnblockKeyApprovalTask", "… unblock tasks"),
    missing(61, "POST", "/v1/filteredModifyKeyApprovalTask", "… modify tasks"),
    missing(62, "POST", "/v1/filteredAllApprovalTask", "… all tasks"),
    missing(63, "POST", "/v1/approval", "submit an approval"),
    missing(64, "UNKNOWN", "/v1/task", "reject/delete a task"),
    missing(65, "POST (docs curl shows PUT)", "/v1/approverManagement/create", "create approver key pair"),
    missing(66, "POST", "/v1/approver/onboard", "approver downloads its key"),
    missing(67, "POST", "/v1/approverManagement/renewOneTimeCode", "new one-time code"),
    missing(68, "POST", "/v1/approverManagement/restoreFromBackup", "restore approver (password known)"),
    missing(69, "POST", "/v1/approverManagement/restoreFromBackup/forgotPassword", "restore (password lost)"),
    missing(70, "GET", "/v1/approverManagement/onboarding/status", "onboarded / pending approvers"),
    missing(71, "DELETE", "/v1/approverManagement/delete/{approverName}", "delete approver backup"),
    missing(72, "UNKNOWN", "ML-KEM decapsulation (path UNKNOWN)", "KEM decapsulation"),
];

/// Whether `method path` is a TSB endpoint the emulator does not implement: such a request
/// answers 404/101 like any unknown path, even where the path also fits another route's
/// pattern (`POST /v1/key/address` against `/v1/key/{keyName}`), which would otherwise be 405.
pub fn is_missing_endpoint(method: &str, path: &str) -> bool {
    ENDPOINTS.iter().any(|e| {
        let methods = e.method.split(|c: char| !c.is_ascii_alphabetic());
        e.status == Status::NotImplemented
            && methods
                .filter(|m| !m.is_empty())
                .any(|m| m == "UNKNOWN" || m == method)
            && pattern_matches(e.path, path)
    })
}

/// Whether `path` fits the route `pattern` (`{name}` one segment, a final `**` the rest).
fn pattern_matches(pattern: &str, path: &str) -> bool {
    let mut given = path.split('/');
    for part in pattern.split('/') {
        if part == "**" {
            return true;
        }
        match given.next() {
            Some(segment) if part.starts_with('{') && part.ends_with('}') => {
                if segment.is_empty() {
                    return false;
                }
            }
            Some(segment) if segment == part => {}
            _ => return false,
        }
    }
    given.next().is_none()
}

const fn exact(
    row: u32,
    method: &'static str,
    path: &'static str,
    purpose: &'static str,
) -> Endpoint {
    Endpoint {
        row,
        method,
        path,
        purpose,
        status: Status::Exact,
        difference: None,
    }
}

const fn missing(
    row: u32,
    method: &'static str,
    path: &'static str,
    purpose: &'static str,
) -> Endpoint {
    Endpoint {
        row,
        method,
        path,
        purpose,
        status: Status::NotImplemented,
        difference: None,
    }
}

const fn approximated(
    row: u32,
    method: &'static str,
    path: &'static str,
    purpose: &'static str,
    difference: &'static str,
) -> Endpoint {
    Endpoint {
        row,
        method,
        path,
        purpose,
        status: Status::Approximated,
        difference: Some(difference),
    }
}

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
    // What `POST /v1/key` accepts: every creation name and every alias.
    let accepted = KeyAlgorithm::ALL
        .iter()
        .map(|a| a.name())
        .chain(KeyAlgorithm::ALIASES.iter().map(|(alias, _)| *alias))
        .collect();
    merge(SPEC_KEY_ALGORITHMS, accepted, |name| match name {
        "DILITHIUM_L2" => Some("creates an ML-DSA-44 key (the FIPS 204 successor)"),
        "DILITHIUM_L3" => Some("creates an ML-DSA-65 key (the FIPS 204 successor)"),
        "DILITHIUM_L5" => Some("creates an ML-DSA-87 key (the FIPS 204 successor)"),
        "SPHINCS_PLUS_SHAKE_L1" => Some("creates an SLH-DSA-SHAKE-128f key (FIPS 205)"),
        "SPHINCS_PLUS_SHAKE_L3" => Some("creates an SLH-DSA-SHAKE-192f key (FIPS 205)"),
        "SPHINCS_PLUS_SHAKE_L5" => Some("creates an SLH-DSA-SHAKE-256f key (FIPS 205)"),
        "KYBER512_WITH_SHAKE" | "KYBER512_WITH_SHA2_AES" => {
            Some("creates an ML-KEM-512 key (FIPS 203)")
        }
        "KYBER768_WITH_SHAKE" | "KYBER768_WITH_SHA2_AES" => {
            Some("creates an ML-KEM-768 key (FIPS 203)")
        }
        "KYBER1024_WITH_SHAKE" | "KYBER1024_WITH_SHA2_AES" => {
            Some("creates an ML-KEM-1024 key (FIPS 203)")
        }
        "HSS-LMS" => Some("creates an LMS key (the name key info reports)"),
        "RSA" => {
            Some("1024, 2048, 3072, 4096 and 8192 bits are generated; 1024 to 8192 are imported")
        }
        "EC" => {
            Some("the curves of reference 6.2 that RustCrypto implements (see docs/fidelity.md)")
        }
        "DSA" => Some("1024, 2048 and 3072 bits"),
        "TDEA" => Some("three-key (192 bits with parity); the TSB's size is unknown"),
        _ => None,
    })
}

/// `signatureAlgorithm` values.
pub fn signature_algorithms() -> Vec<Algorithm> {
    merge(
        SPEC_SIGNATURE_ALGORITHMS,
        SignatureAlgorithm::ALL
            .iter()
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
pub async fn handler(State(_): State<SharedState>) -> Json<Value> {
    Json(manifest())
}

/// The fidelity page's table (docs/fidelity.md), generated from the same tables.
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
