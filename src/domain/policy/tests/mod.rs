//! Unit tests of the typed policy: parsing and validation, the JSON and XML renderings
//! (`parse`), and rule evaluation (`evaluate`).

mod evaluate;
mod parse;

use super::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

pub(super) const RSA: &str = include_str!("../../../../fixtures/approvers/rsa-2048.spki.b64");
pub(super) const P256: &str = include_str!("../../../../fixtures/approvers/ec-p256.spki.b64");
pub(super) const P384: &str = include_str!("../../../../fixtures/approvers/ec-p384.spki.b64");
pub(super) const K256: &str = include_str!("../../../../fixtures/approvers/ec-secp256k1.spki.b64");
pub(super) const ED25519: &str = include_str!("../../../../fixtures/approvers/ed25519.spki.b64");
pub(super) const DSA: &str = include_str!("../../../../fixtures/approvers/dsa-2048.spki.b64");
pub(super) const ED448: &str = include_str!("../../../../fixtures/approvers/ed448.spki.b64");

/// The RSA approver certificate of the documentation's create-policy-based-key page
/// (CN-less: subject C=CH, ST=Zurich, L=Zurich, O=Securosys).
pub(super) const DOCS_CERTIFICATE: &str = "MIIDAjCCAeoCCQCcSLgNCjDsRzANBgkqhkiG9w0BAQsFADBDMQswCQYDVQQGEwJDSDEPMA0GA1UECAwGWnVyaWNoMQ8wDQYDVQQHDAZadXJpY2gxEjAQBgNVBAoMCVNlY3Vyb3N5czAeFw0yMDA1MTExNDI5MDdaFw0yMTA1MTExNDI5MDdaMEMxCzAJBgNVBAYTAkNIMQ8wDQYDVQQIDAZadXJpY2gxDzANBgNVBAcMBlp1cmljaDESMBAGA1UECgwJU2VjdXJvc3lzMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArA0bxSqhL7xfvcHbKKa8wMTMsIeJfYRdIgPxp5cU9JcmV86kyfpyRcSNSi44LVeNmAi94F3OZrXXi6CZvWrFL+VcewUtUSu+kG5oLJ9T4O6R2I5GO2Ev1HJnK3WfHOsFKFxLGzmKyjEkSLGgopY+Nh74K8Q6yxsvQPETOs9TzQiUXFYlfEZnbjUWG4eAgW9WWEopmK/X295ToOuTHFzmzO00btkjAy6vwWOabCE4kaJg+bCNW1snZz84uonr60rB9H0Mj98RbTfbDyMh6cIkaj8WrXeaYh4fxQYXApYu3nzhe3Q1bNCzV5M68rCsgVrmWcK/xUhM9BK6QHSwS/l76wIDAQABMA0GCSqGSIb3DQEBCwUAA4IBAQBNmg+gx2mH+fkU/dtM+tDvMIj2SY4pNU8H144aRY9I5kARN7Uwp+zRfJC+rCxrrYxXmx/OD+mIrTAHxPd5WuUWgULB6DXPho5Tyl4Czt6qOuzl7Qp7n1G9R/evZCPyEHflcGVEko/uCL5N8Ch9YboW5QwTrdftnL+zLLC5nON7KUCqbtVrDSdeMKF+dHKTX4Z90gdbv1C8x1fMWrsaoNw194DNBZCTVe4Di69xz3lHNEWVZ460mqKg0n5010VfEQqA92ceNJhjl4hgNMH9+asdBVAWmt0gk4PJUbqtuOKGKyxqi2k9QX8N2tjlsuMJmwRIw2YsZN4EKqQZ+0NAn1N7";

/// The SPKI the documentation's request object lists in `approvedBy` for that certificate.
pub(super) const DOCS_CERTIFICATE_SPKI: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArA0bxSqhL7xfvcHbKKa8wMTMsIeJfYRdIgPxp5cU9JcmV86kyfpyRcSNSi44LVeNmAi94F3OZrXXi6CZvWrFL+VcewUtUSu+kG5oLJ9T4O6R2I5GO2Ev1HJnK3WfHOsFKFxLGzmKyjEkSLGgopY+Nh74K8Q6yxsvQPETOs9TzQiUXFYlfEZnbjUWG4eAgW9WWEopmK/X295ToOuTHFzmzO00btkjAy6vwWOabCE4kaJg+bCNW1snZz84uonr60rB9H0Mj98RbTfbDyMh6cIkaj8WrXeaYh4fxQYXApYu3nzhe3Q1bNCzV5M68rCsgVrmWcK/xUhM9BK6QHSwS/l76wIDAQAB";

/// The P-384 approver of the documentation's SLIP-10 trace.
pub(super) const DOCS_P384: &str = "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEEkfktKPbQR0EHSzTOEma9SlWRxenH5qv1uTAUphH4lq2G0WdYSVYeLAFFFWZCrAiksxxke5iFnW2+rA/fc619RqOoKrXpK/BGxEdhvkw1rYpZODe1BNEo9oqyS0+lFa+";

pub(super) fn der(b64: &str) -> Vec<u8> {
    STANDARD.decode(b64.trim()).expect("base64 fixture")
}

/// The SLIP-10 trace's rule: Token1, timelock 0, timeout 600, Group1 quorum 1, ApproverKey1.
pub(super) fn docs_rule() -> Value {
    json!({"tokens": [{"name": "Token1", "timelock": 0, "timeout": 600, "groups": [
        {"name": "Group1", "quorum": 1, "approvals": [
            {"type": "public_key", "name": "ApproverKey1", "value": DOCS_P384}]}]}]})
}

pub(super) fn approver(kind: &str, name: &str, value: &str) -> Value {
    json!({"type": kind, "name": name, "value": value.trim()})
}

/// A policy whose `ruleUse` is `tokens`, other rules null.
pub(super) fn with_use(tokens: Value) -> Value {
    json!({"ruleUse": {"tokens": tokens}, "keyStatus": {"blocked": false}})
}

pub(super) fn group(quorum: u32, approvals: Vec<Value>) -> Value {
    json!({"name": "G", "quorum": quorum, "approvals": approvals})
}

pub(super) fn token(timelock: u32, timeout: u32, groups: Vec<Value>) -> Value {
    json!({"name": "T", "timelock": timelock, "timeout": timeout, "groups": groups})
}

pub(super) fn invalid(value: Value) -> String {
    match Policy::parse(&value) {
        Err(PolicyError::Invalid(message)) => message,
        other => panic!("expected a validation error, got {other:?}"),
    }
}
