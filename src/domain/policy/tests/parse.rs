//! Parsing, validation and the JSON and XML renderings.

use super::super::*;
use super::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

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

#[test]
fn rendered_policies_parse_back_and_a_policy_as_sent_reads_as_the_stored_form() {
    let sent = json!({"ruleUse": docs_rule(), "ruleBlock": {"tokens": [{"name": "T",
        "timelock": 60, "timeout": 120, "groups": [{"name": null, "quorum": 2, "approvals": [
            approver("certificate", "c", DOCS_CERTIFICATE), approver("public_key", "d", DSA),
            json!({"type": "onboarded_approver_certificate", "name": "officer1"})]}]}]},
        "ruleModify": {"tokens": null}, "keyStatus": {"blocked": true}});
    let policy = Policy::parse(&sent).expect("valid");
    assert_eq!(Policy::parse(&policy.to_json()).expect("valid"), policy);
    // A body as the docs send it is already the stored form (records written before the
    // typed policy hold exactly such bodies).
    let read: Policy = serde_json::from_value(sent).expect("reads");
    assert_eq!(read, policy);
}
