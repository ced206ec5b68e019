//! The fidelity manifest: every TSB endpoint (reference section 1) and every algorithm value
//! (sections 6.1, 7.5, 8.3, 9.3) with its status here, served as `GET /_emulator/capabilities`
//! and rendered into docs/fidelity.md.
//!
//! Algorithm statuses are derived from the domain enums (`KeyAlgorithm::ALL`,
//! `SignatureAlgorithm::ALL`, ...): a value the emulator's enum knows is implemented, so adding
//! an algorithm updates this list. Endpoint statuses are the route table's (`api::routes`); a
//! test probes every row through the router, so a row cannot claim what the router does not do.

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

/// Every endpoint of reference section 1, from the route table's numbered rows.
pub fn endpoints() -> Vec<Endpoint> {
    super::routes::ROUTES
        .iter()
        .filter_map(|route| {
            Some(Endpoint {
                row: route.row?,
                method: route.method,
                path: route.path,
                purpose: route.purpose,
                status: route.status,
                difference: route.difference,
            })
        })
        .collect()
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
        "endpoints": endpoints(),
        "keyAlgorithms": key_algorithms(),
        "signatureAlgorithms": signature_algorithms(),
        "cipherAlgorithms": cipher_algorithms(),
        "wrapMethods": wrap_methods(),
    })
}

/// `GET /_emulator/capabilities`.
#[utoipa::path(get, path = "/_emulator/capabilities", tag = "emulator", operation_id = "readCapabilities",
    responses((status = 200, description = "The fidelity manifest: every TSB endpoint and algorithm with its status here")))]
pub async fn handler(State(_): State<SharedState>) -> Json<Value> {
    Json(manifest())
}

/// The fidelity page's table (docs/fidelity.md), generated from the same tables.
pub fn markdown() -> String {
    let mut out = String::new();
    out.push_str("| # | Method | Path | Status | Difference |\n|---|---|---|---|---|\n");
    for e in endpoints() {
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
