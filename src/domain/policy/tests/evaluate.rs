//! Rule evaluation.

use super::super::*;
use super::*;
use serde_json::{Value, json};

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
