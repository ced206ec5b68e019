//! Unit tests of the typed policy: parsing and validation, the JSON and XML renderings, and
//! rule evaluation.

use super::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

const RSA: &str = include_str!("../../../fixtures/approvers/rsa-2048.spki.b64");
const P256: &str = include_str!("../../../fixtures/approvers/ec-p256.spki.b64");
const P384: &str = include_str!("../../../fixtures/approvers/ec-p384.spki.b64");
const K256: &str = include_str!("../../../fixtures/approvers/ec-secp256k1.spki.b64");
const ED25519: &str = include_str!("../../../fixtures/approvers/ed25519.spki.b64");
const DSA: &str = include_str!("../../../fixtures/approvers/dsa-2048.spki.b64");
const ED448: &str = include_str!("../../../fixtures/approvers/ed448.spki.b64");

/// The RSA approver certificate of the documentation's create-policy-based-key page
/// (CN-less: subject C=CH, ST=Zurich, L=Zurich, O=Securosys).
const DOCS_CERTIFICATE: &str = "MIIDAjCCAeoCCQCcSLgNCjDsRzANBgkqhkiG9w0BAQsFADBDMQswCQYDVQQGEwJDSDEPMA0GA1UECAwGWnVyaWNoMQ8wDQYDVQQHDAZadXJpY2gxEjAQBgNVBAoMCVNlY3Vyb3N5czAeFw0yMDA1MTExNDI5MDdaFw0yMTA1MTExNDI5MDdaMEMxCzAJBgNVBAYTAkNIMQ8wDQYDVQQIDAZadXJpY2gxDzANBgNVBAcMBlp1cmljaDESMBAGA1UECgwJU2VjdXJvc3lzMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArA0bxSqhL7xfvcHbKKa8wMTMsIeJfYRdIgPxp5cU9JcmV86kyfpyRcSNSi44LVeNmAi94F3OZrXXi6CZvWrFL+VcewUtUSu+kG5oLJ9T4O6R2I5GO2Ev1HJnK3WfHOsFKFxLGzmKyjEkSLGgopY+Nh74K8Q6yxsvQPETOs9TzQiUXFYlfEZnbjUWG4eAgW9WWEopmK/X295ToOuTHFzmzO00btkjAy6vwWOabCE4kaJg+bCNW1snZz84uonr60rB9H0Mj98RbTfbDyMh6cIkaj8WrXeaYh4fxQYXApYu3nzhe3Q1bNCzV5M68rCsgVrmWcK/xUhM9BK6QHSwS/l76wIDAQABMA0GCSqGSIb3DQEBCwUAA4IBAQBNmg+gx2mH+fkU/dtM+tDvMIj2SY4pNU8H144aRY9I5kARN7Uwp+zRfJC+rCxrrYxXmx/OD+mIrTAHxPd5WuUWgULB6DXPho5Tyl4Czt6qOuzl7Qp7n1G9R/evZCPyEHflcGVEko/uCL5N8Ch9YboW5QwTrdftnL+zLLC5nON7KUCqbtVrDSdeMKF+dHKTX4Z90gdbv1C8x1fMWrsaoNw194DNBZCTVe4Di69xz3lHNEWVZ460mqKg0n5010VfEQqA92ceNJhjl4hgNMH9+asdBVAWmt0gk4PJUbqtuOKGKyxqi2k9QX8N2tjlsuMJmwRIw2YsZN4EKqQZ+0NAn1N7";

/// The SPKI the documentation's request object lists in `approvedBy` for that certificate.
const DOCS_CERTIFICATE_SPKI: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEArA0bxSqhL7xfvcHbKKa8wMTMsIeJfYRdIgPxp5cU9JcmV86kyfpyRcSNSi44LVeNmAi94F3OZrXXi6CZvWrFL+VcewUtUSu+kG5oLJ9T4O6R2I5GO2Ev1HJnK3WfHOsFKFxLGzmKyjEkSLGgopY+Nh74K8Q6yxsvQPETOs9TzQiUXFYlfEZnbjUWG4eAgW9WWEopmK/X295ToOuTHFzmzO00btkjAy6vwWOabCE4kaJg+bCNW1snZz84uonr60rB9H0Mj98RbTfbDyMh6cIkaj8WrXeaYh4fxQYXApYu3nzhe3Q1bNCzV5M68rCsgVrmWcK/xUhM9BK6QHSwS/l76wIDAQAB";

/// The P-384 approver of the documentation's SLIP-10 trace.
const DOCS_P384: &str = "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEEkfktKPbQR0EHSzTOEma9SlWRxenH5qv1uTAUphH4lq2G0WdYSVYeLAFFFWZCrAiksxxke5iFnW2+rA/fc619RqOoKrXpK/BGxEdhvkw1rYpZODe1BNEo9oqyS0+lFa+";

fn der(b64: &str) -> Vec<u8> {
    STANDARD.decode(b64.trim()).expect("base64 fixture")
}

/// The SLIP-10 trace's rule: Token1, timelock 0, timeout 600, Group1 quorum 1, ApproverKey1.
fn docs_rule() -> Value {
    json!({"tokens": [{"name": "Token1", "timelock": 0, "timeout": 600, "groups": [
        {"name": "Group1", "quorum": 1, "approvals": [
            {"type": "public_key", "name": "ApproverKey1", "value": DOCS_P384}]}]}]})
}

fn approver(kind: &str, name: &str, value: &str) -> Value {
    json!({"type": kind, "name": name, "value": value.trim()})
}

/// A policy whose `ruleUse` is `tokens`, other rules null.
fn with_use(tokens: Value) -> Value {
    json!({"ruleUse": {"tokens": tokens}, "keyStatus": {"blocked": false}})
}

fn group(quorum: u32, approvals: Vec<Value>) -> Value {
    json!({"name": "G", "quorum": quorum, "approvals": approvals})
}

fn token(timelock: u32, timeout: u32, groups: Vec<Value>) -> Value {
    json!({"name": "T", "timelock": timelock, "timeout": timeout, "groups": groups})
}

fn invalid(value: Value) -> String {
    match Policy::parse(&value) {
        Err(PolicyError::Invalid(message)) => message,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn the_slip10_traces_policy_parses_and_renders_back_as_sent_in_tsb_order() {
    let sent = json!({"ruleUse": docs_rule(), "ruleBlock": docs_rule(),
        "ruleUnblock": docs_rule(), "ruleModify": docs_rule(), "keyStatus": {"blocked": false}});
    let policy = Policy::parse(&sent).expect("valid");
    assert_eq!(policy.to_json(), sent);
    let text = serde_json::to_string(&policy).expect("serialises");
    let order: Vec<usize> = [
        "ruleUse",
        "ruleBlock",
        "ruleUnblock",
        "ruleModify",
        "keyStatus",
    ]
    .iter()
    .map(|field| text.find(&format!("\"{field}\"")).expect("field present"))
    .collect();
    assert!(order.windows(2).all(|pair| pair[0] < pair[1]), "{text}");
    assert!(text.starts_with(r#"{"ruleUse":{"tokens":[{"name":"Token1","timelock":0,"timeout":600,"groups":[{"name":"Group1","quorum":1,"approvals":[{"type":"public_key","name":"ApproverKey1","value":"MHYw"#));
}

#[test]
fn the_stored_form_reads_back_to_the_same_policy() {
    let policy = Policy::parse(&with_use(json!([token(
        60,
        0,
        vec![group(
            1,
            vec![
                approver("certificate", "c", DOCS_CERTIFICATE),
                json!({"type": "onboarded_approver_certificate", "name": "officer1@securosys.com"}),
            ]
        )]
    )])))
    .expect("valid");
    let stored = serde_json::to_vec(&policy).expect("serialises");
    let read: Policy = serde_json::from_slice(&stored).expect("reads back");
    assert_eq!(read, policy);
}

#[test]
fn nulls_are_emitted_for_absent_names_rules_and_values() {
    let policy = Policy::parse(&json!({"ruleUse": {"tokens": [{"timelock": 0, "timeout": 0,
        "groups": [{"quorum": 1, "approvals": [
            {"type": "onboarded_approver_certificate", "name": "officer1"}]}]}]},
        "ruleModify": {"tokens": null}, "keyStatus": {"blocked": true}}))
    .expect("valid");
    assert_eq!(
        policy.to_json(),
        json!({"ruleUse": {"tokens": [{"name": null, "timelock": 0, "timeout": 0, "groups": [
            {"name": null, "quorum": 1, "approvals": [
                {"type": "onboarded_approver_certificate", "name": "officer1", "value": null}]}]}]},
            "ruleBlock": null, "ruleUnblock": null, "ruleModify": {"tokens": null},
            "keyStatus": {"blocked": true}})
    );
}

#[test]
fn empty_policies_and_a_lone_key_status_are_accepted() {
    let empty = json!({"ruleUse": null, "ruleBlock": null, "ruleUnblock": null,
        "ruleModify": null, "keyStatus": {"blocked": false}});
    assert_eq!(Policy::parse(&empty).expect("valid"), Policy::empty(false));
    let lone = Policy::parse(&json!({"keyStatus": {"blocked": false}})).expect("valid");
    assert!(lone.is_empty());
    assert_eq!(lone.to_json(), empty);
}

#[test]
fn unknown_fields_are_ignored_and_groups_null_means_no_group() {
    let policy = Policy::parse(&json!({"ruleUse": {"tokens": [{"name": "t", "timelock": 0,
        "timeout": 0, "groups": null, "extra": 1}], "more": true},
        "keyStatus": {"blocked": false, "other": "x"}, "unknown": []}))
    .expect("valid");
    let rule = policy.rule_for(Operation::Use).expect("a rule");
    assert_eq!(rule.tokens.as_ref().map(|t| t[0].groups.len()), Some(0));
    assert_eq!(rule.evaluate(&[], &[], 0, 0), Evaluation::Fulfilled);
}

#[test]
fn timelock_and_timeout_must_be_whole_minutes() {
    let message = invalid(with_use(json!([token(30, 600, vec![])])));
    assert_eq!(
        message,
        "Field 'policy.ruleUse.tokens[0].timelock': seconds must represent full minutes."
    );
    let message = invalid(with_use(json!([token(0, 601, vec![])])));
    assert!(message.contains("tokens[0].timeout': seconds must represent full minutes"));
    let message = invalid(with_use(json!([{"timelock": null, "timeout": 0}])));
    assert_eq!(
        message,
        "Field 'policy.ruleUse.tokens[0].timelock' must not be null."
    );
    assert!(invalid(with_use(json!([{"timeout": 0}]))).contains("timelock' must not be null"));
    assert!(invalid(with_use(json!([{"timelock": -60, "timeout": 0}]))).contains("non-negative"));
    assert!(invalid(with_use(json!([{"timelock": "60", "timeout": 0}]))).contains("integer"));
}

#[test]
fn quorum_must_be_between_one_and_the_number_of_approvals() {
    let one = || approver("public_key", "a", RSA);
    assert!(
        invalid(with_use(json!([token(0, 0, vec![group(0, vec![one()])])])))
            .contains("groups[0].quorum' must be at least 1")
    );
    assert!(
        invalid(with_use(json!([token(0, 0, vec![group(2, vec![one()])])])))
            .contains("must not exceed the number of approvals (1)")
    );
    let missing = json!([{"timelock": 0, "timeout": 0, "groups": [{"approvals": [one()]}]}]);
    assert!(invalid(with_use(missing)).contains("quorum' must not be null"));
}

#[test]
fn approvals_must_be_a_non_empty_list_of_typed_approvers() {
    assert!(
        invalid(with_use(json!([token(0, 0, vec![group(1, vec![])])])))
            .contains("approvals' must not be empty")
    );
    let no_list = json!([{"timelock": 0, "timeout": 0, "groups": [{"quorum": 1}]}]);
    assert!(invalid(with_use(no_list)).contains("approvals' must not be null"));
    let untyped = json!({"name": "a", "value": RSA.trim()});
    assert!(
        invalid(with_use(json!([token(
            0,
            0,
            vec![group(1, vec![untyped])]
        )])))
        .contains("approvals[0].type' must not be null")
    );
    let wrong = approver("password", "a", RSA);
    assert!(
        invalid(with_use(json!([token(0, 0, vec![group(1, vec![wrong])])])))
            .contains("Value 'password' is not valid")
    );
    let valueless = json!({"type": "public_key", "name": "a"});
    assert!(
        invalid(with_use(json!([token(
            0,
            0,
            vec![group(1, vec![valueless])]
        )])))
        .contains("approvals[0].value' must not be empty")
    );
    let nameless = json!({"type": "onboarded_approver_certificate"});
    assert!(
        invalid(with_use(json!([token(
            0,
            0,
            vec![group(1, vec![nameless])]
        )])))
        .contains("approvals[0].name' must not be empty")
    );
}

#[test]
fn approver_values_must_decode_to_keys_or_certificates() {
    let check = |kind: &str, value: &str| {
        invalid(with_use(json!([token(
            0,
            0,
            vec![group(1, vec![approver(kind, "a", value)])]
        )])))
    };
    assert!(check("public_key", "not base64!").contains("is not valid base64"));
    assert!(check("public_key", "AAEC").contains("not a DER SubjectPublicKeyInfo"));
    assert!(check("certificate", RSA).contains("is not a DER X.509 certificate"));
    assert!(check("public_key", DOCS_CERTIFICATE).contains("not a DER SubjectPublicKeyInfo"));
    let mut short_ed = der(ED25519);
    short_ed.pop();
    let short_ed = STANDARD.encode(&short_ed);
    assert!(check("public_key", &short_ed).contains("SubjectPublicKeyInfo"));
}

#[test]
fn supported_approver_key_types_are_classified() {
    assert_eq!(approver_key_type(&der(RSA)), Ok(ApproverKeyType::Rsa));
    assert_eq!(
        approver_key_type(&der(P256)),
        Ok(ApproverKeyType::Ec(crate::domain::Curve::P256))
    );
    assert_eq!(
        approver_key_type(&der(P384)),
        Ok(ApproverKeyType::Ec(crate::domain::Curve::P384))
    );
    assert_eq!(
        approver_key_type(&der(K256)),
        Ok(ApproverKeyType::Ec(crate::domain::Curve::Secp256k1))
    );
    assert_eq!(
        approver_key_type(&der(ED25519)),
        Ok(ApproverKeyType::Ed25519)
    );
    assert_eq!(approver_key_type(&der(DSA)), Ok(ApproverKeyType::Dsa));
    assert_eq!(
        approver_key_type(&der(DOCS_P384)),
        Ok(ApproverKeyType::Ec(crate::domain::Curve::P384))
    );
}

#[test]
fn other_approver_key_types_are_unsupported_not_invalid() {
    // Ed448 and a BLS12-381 key (the emulator's own SPKI layout, crypto::bls).
    let bls = hex::decode(format!(
        "3043300e060c2b0601040182dc7c05030101033100{}",
        "a".repeat(96)
    ))
    .expect("hex");
    for spki in [der(ED448), bls] {
        let value = STANDARD.encode(&spki);
        let body = with_use(json!([token(
            0,
            0,
            vec![group(1, vec![approver("public_key", "a", &value)])]
        )]));
        match Policy::parse(&body) {
            Err(PolicyError::UnsupportedApproverKeyType(message)) => {
                assert!(
                    message.contains("approver key type is not supported"),
                    "{message}"
                )
            }
            other => panic!("expected 601, got {other:?}"),
        }
    }
}

#[test]
fn a_certificate_approver_is_identified_by_the_certificates_public_key() {
    let policy = Policy::parse(&with_use(json!([token(
        0,
        0,
        vec![group(
            1,
            vec![json!(
        {"type": "certificate", "value": DOCS_CERTIFICATE})]
        )]
    )])))
    .expect("valid");
    let rule = policy.rule_for(Operation::Use).expect("rule");
    let approval = rule.approvers()[0];
    assert_eq!(approval.spki(), Some(der(DOCS_CERTIFICATE_SPKI)));
    // The value stays the certificate, as sent; the CN-less certificate leaves the name null.
    assert_eq!(
        approval.value.as_deref(),
        Some(der(DOCS_CERTIFICATE).as_slice())
    );
    assert_eq!(approval.name, None);
    assert_eq!(
        rule.evaluate(&[der(DOCS_CERTIFICATE_SPKI)], &[], 0, 0),
        Evaluation::Fulfilled
    );
}

#[test]
fn keystatus_is_required_in_a_policy_but_not_in_a_modify_policy() {
    assert_eq!(
        invalid(json!({"ruleUse": null})),
        "Field 'policy.keyStatus' must not be null."
    );
    assert!(invalid(json!({"keyStatus": {}})).contains("keyStatus.blocked' must not be null"));
    assert!(invalid(json!({"keyStatus": {"blocked": "no"}})).contains("must be a boolean"));
    let modify =
        ModifyPolicy::parse(&json!({"ruleUse": docs_rule(), "keyStatus": {"blocked": true}}))
            .expect("valid");
    assert!(modify.rule_use.is_some() && modify.rule_block.is_none());
    let text = serde_json::to_string(&modify).expect("serialises");
    assert!(!text.contains("keyStatus"));
    let blocked = Policy::empty(true).modified(modify.clone());
    assert!(blocked.key_status.blocked);
    assert_eq!(blocked.rule_use, modify.rule_use);
    assert!(
        ModifyPolicy::parse(&json!({"ruleUse": {"tokens": [{"timelock": 1, "timeout": 0}]}}))
            .is_err()
    );
}

#[test]
fn the_attestation_fragment_lists_status_and_rules_like_the_slip10_trace() {
    let policy = Policy::parse(
        &json!({"ruleUse": docs_rule(), "ruleModify": {"tokens": null},
        "keyStatus": {"blocked": false}}),
    )
    .expect("valid");
    let expected = format!(
        "  <policy>\n    <key_status>\n      <blocked>false</blocked>\n    </key_status>\n    \
         <rule_use>\n      <token name=\"Token1\">\n        <timelock>0</timelock>\n        \
         <timeout>600</timeout>\n        <group name=\"Group1\">\n          <quorum>1</quorum>\n          \
         <approval type=\"public_key\" name=\"ApproverKey1\">{DOCS_P384}</approval>\n        \
         </group>\n      </token>\n    </rule_use>\n    <rule_modify/>\n  </policy>\n"
    );
    assert_eq!(policy.attestation_xml(), expected);
    let document = format!("<private_key>\n{}</private_key>", policy.attestation_xml());
    roxmltree::Document::parse(&document).expect("well-formed");
    assert_eq!(
        Policy::empty(true).attestation_xml(),
        "  <policy>\n    <key_status>\n      <blocked>true</blocked>\n    </key_status>\n  </policy>\n"
    );
}

#[test]
fn names_are_escaped_in_the_attestation_fragment() {
    let policy = Policy::parse(&with_use(
        json!([{"name": "a\"<&>", "timelock": 0, "timeout": 0}]),
    ))
    .expect("valid");
    assert!(
        policy
            .attestation_xml()
            .contains("<token name=\"a&quot;&lt;&amp;&gt;\">")
    );
}

// ---- evaluation ----

fn rule_of(tokens: Value) -> Rule {
    Policy::parse(&with_use(tokens))
        .expect("valid")
        .rule_use
        .expect("a rule")
}

#[test]
fn no_rule_is_fulfilled_and_a_never_fulfillable_rule_stays_pending() {
    let policy = Policy::parse(&json!({"ruleBlock": {"tokens": null},
        "ruleModify": {"tokens": []}, "keyStatus": {"blocked": false}}))
    .expect("valid");
    assert_eq!(
        policy.evaluate(Operation::Use, &[], &[], 0, 0),
        Evaluation::Fulfilled
    );
    assert_eq!(
        policy.evaluate(Operation::Block, &[], &[], 0, 10_000),
        Evaluation::Pending
    );
    assert_eq!(
        policy.evaluate(Operation::Modify, &[], &[der(RSA)], 0, 0),
        Evaluation::Pending
    );
}

#[test]
fn a_quorum_counts_each_approver_once_per_group() {
    let rule = rule_of(json!([token(
        0,
        0,
        vec![group(
            2,
            vec![
                approver("public_key", "a", RSA),
                approver("public_key", "a-again", RSA),
                approver("public_key", "b", P256)
            ]
        )]
    )]));
    assert_eq!(rule.approvers().len(), 2);
    assert_eq!(rule.evaluate(&[der(RSA)], &[], 0, 0), Evaluation::Pending);
    assert_eq!(
        rule.evaluate(&[der(RSA), der(RSA)], &[], 0, 0),
        Evaluation::Pending
    );
    assert_eq!(
        rule.evaluate(&[der(RSA), der(P256)], &[], 0, 0),
        Evaluation::Fulfilled
    );
    // An approval by a key the rule does not name counts for nothing.
    assert_eq!(
        rule.evaluate(&[der(RSA), der(ED25519)], &[], 0, 0),
        Evaluation::Pending
    );
}

#[test]
fn groups_are_and_ed_and_tokens_or_ed() {
    let rule = rule_of(json!([
        token(
            0,
            0,
            vec![
                group(1, vec![approver("public_key", "a", RSA)]),
                group(1, vec![approver("public_key", "b", P256)])
            ]
        ),
        token(
            0,
            0,
            vec![group(1, vec![approver("public_key", "c", ED25519)])]
        ),
    ]));
    assert_eq!(rule.evaluate(&[der(RSA)], &[], 0, 0), Evaluation::Pending);
    assert_eq!(
        rule.evaluate(&[der(RSA), der(P256)], &[], 0, 0),
        Evaluation::Fulfilled
    );
    assert_eq!(
        rule.evaluate(&[der(ED25519)], &[], 0, 0),
        Evaluation::Fulfilled
    );
    assert_eq!(rule.approvers().len(), 3);
    assert_eq!(
        rule.still_able_to_approve(&[der(RSA)], &[der(ED25519)]),
        vec![der(P256)]
    );
}

#[test]
fn a_timelock_delays_and_a_timeout_expires() {
    let rule = rule_of(json!([token(
        120,
        600,
        vec![group(1, vec![approver("public_key", "a", RSA)])]
    )]));
    let created = 1_000;
    assert_eq!(
        rule.evaluate(&[], &[], created, created),
        Evaluation::Pending
    );
    assert_eq!(
        rule.evaluate(&[der(RSA)], &[], created, created + 60),
        Evaluation::WaitingForTimelock {
            until: created + 120
        }
    );
    assert_eq!(
        rule.evaluate(&[der(RSA)], &[], created, created + 120),
        Evaluation::Fulfilled
    );
    assert_eq!(
        rule.evaluate(&[der(RSA)], &[], created, created + 600),
        Evaluation::Fulfilled
    );
    assert_eq!(
        rule.evaluate(&[der(RSA)], &[], created, created + 601),
        Evaluation::Expired
    );
    assert_eq!(
        rule.evaluate(&[], &[], created, created + 601),
        Evaluation::Expired
    );
}

#[test]
fn a_timeout_of_zero_never_expires_and_the_slip10_window_is_one_instant() {
    let never = rule_of(json!([token(
        0,
        0,
        vec![group(1, vec![approver("public_key", "a", RSA)])]
    )]));
    assert_eq!(never.evaluate(&[], &[], 0, u64::MAX), Evaluation::Pending);
    let instant = rule_of(json!([token(
        180,
        180,
        vec![group(1, vec![approver("public_key", "a", RSA)])]
    )]));
    assert_eq!(
        instant.evaluate(&[der(RSA)], &[], 0, 180),
        Evaluation::Fulfilled
    );
    assert_eq!(
        instant.evaluate(&[der(RSA)], &[], 0, 181),
        Evaluation::Expired
    );
}

#[test]
fn an_expired_token_leaves_the_others_alive() {
    let rule = rule_of(json!([
        token(
            0,
            60,
            vec![group(1, vec![approver("public_key", "a", RSA)])]
        ),
        token(
            0,
            0,
            vec![group(1, vec![approver("public_key", "b", P256)])]
        ),
    ]));
    assert_eq!(rule.evaluate(&[der(RSA)], &[], 0, 61), Evaluation::Pending);
    assert_eq!(
        rule.evaluate(&[der(P256)], &[], 0, 61),
        Evaluation::Fulfilled
    );
}

#[test]
fn rejections_that_leave_no_token_reachable_reject_the_request() {
    let rule = rule_of(json!([token(
        0,
        0,
        vec![group(
            2,
            vec![
                approver("public_key", "a", RSA),
                approver("public_key", "b", P256),
                approver("public_key", "c", ED25519)
            ]
        )]
    )]));
    assert_eq!(rule.evaluate(&[], &[der(RSA)], 0, 0), Evaluation::Pending);
    assert_eq!(
        rule.evaluate(&[der(P256)], &[der(RSA)], 0, 0),
        Evaluation::Pending
    );
    assert_eq!(
        rule.evaluate(&[], &[der(RSA), der(P256)], 0, 0),
        Evaluation::Rejected
    );
    // An approver that approved and later deleted its task still counts as an approval.
    assert_eq!(
        rule.evaluate(&[der(P256), der(ED25519)], &[der(P256)], 0, 0),
        Evaluation::Fulfilled
    );
}

#[test]
fn onboarded_approvers_count_through_a_resolver() {
    let rule = rule_of(json!([token(
        0,
        0,
        vec![group(
            1,
            vec![json!({"type": "onboarded_approver_certificate", "name": "officer1"})]
        )]
    )]));
    assert_eq!(rule.approvers().len(), 1);
    assert_eq!(rule.evaluate(&[der(RSA)], &[], 0, 0), Evaluation::Pending);
    // Unresolved, it can not be rejected either: the request waits.
    assert_eq!(rule.evaluate(&[], &[der(RSA)], 0, 0), Evaluation::Pending);
    let resolve =
        |approval: &Approval| (approval.name.as_deref() == Some("officer1")).then(|| der(RSA));
    assert_eq!(
        rule.evaluate_with(&resolve, &[der(RSA)], &[], 0, 0),
        Evaluation::Fulfilled
    );
    assert_eq!(
        rule.evaluate_with(&resolve, &[], &[der(RSA)], 0, 0),
        Evaluation::Rejected
    );
}
