//! Rule evaluation: a pure function of the approvals and rejections a request has collected and
//! of the clock, so the device decides a request's state from stored facts and the injected
//! clock alone (reference 5.1, 5.3, 13.5).

use super::{Approval, Group, Operation, Policy, Rule, Token};

/// Where a request governed by a rule stands at a given instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evaluation {
    /// A token has its quorums and its timelock has passed, before its timeout: execute.
    Fulfilled,
    /// A token has its quorums but its timelock runs until `until` (epoch seconds): the
    /// request is `APPROVED` and executes at `until` if no timeout intervenes.
    WaitingForTimelock {
        /// The earliest instant a fulfilled token's timelock allows execution.
        until: u64,
    },
    /// Approvals outstanding, and some token can still be fulfilled (also the state of a
    /// never-fulfillable rule, which has no approvers to reject it).
    Pending,
    /// Every token's timeout has passed (no token has `timeout` 0).
    Expired,
    /// The rejections leave no token that can still reach its quorums.
    Rejected,
}

impl Policy {
    /// Evaluates the rule governing `op` (see [`Rule::evaluate`]); no rule is
    /// [`Evaluation::Fulfilled`].
    pub fn evaluate(
        &self,
        op: Operation,
        approved: &[Vec<u8>],
        rejected: &[Vec<u8>],
        created: u64,
        now: u64,
    ) -> Evaluation {
        match self.rule_for(op) {
            None => Evaluation::Fulfilled,
            Some(rule) => rule.evaluate(approved, rejected, created, now),
        }
    }

    /// As [`Policy::evaluate`], with approvers identified by `identity` (see
    /// [`Rule::evaluate_with`]).
    pub fn evaluate_with(
        &self,
        identity: &dyn Fn(&Approval) -> Option<Vec<u8>>,
        op: Operation,
        approved: &[Vec<u8>],
        rejected: &[Vec<u8>],
        created: u64,
        now: u64,
    ) -> Evaluation {
        match self.rule_for(op) {
            None => Evaluation::Fulfilled,
            Some(rule) => rule.evaluate_with(identity, approved, rejected, created, now),
        }
    }
}

impl Rule {
    /// Evaluates the rule at `now` for a request created at `created` (epoch seconds), given
    /// the SubjectPublicKeyInfos (DER) of the approvers that approved and of those that
    /// rejected (deleted their task). Approvers are identified by [`Approval::spki`]; use
    /// [`Rule::evaluate_with`] to resolve onboarded approvers.
    ///
    /// Tokens are OR-ed and groups AND-ed; a group counts each distinct approver of its list
    /// once, however often it is listed or has approved. A token with no groups is always
    /// fulfilled. A token is expired when `timeout` is not 0 and `now > created + timeout`;
    /// its timelock has passed when `now >= created + timelock` (both bounds inclusive, so a
    /// token with timelock = timeout, as in the documentation's SLIP-10 trace, executes at that
    /// one instant). An approval that is also listed as a rejection counts as an approval.
    ///
    /// Order of the answers: [`Evaluation::Fulfilled`] if a live token is fulfilled; else
    /// [`Evaluation::WaitingForTimelock`] if a live token has its quorums; else
    /// [`Evaluation::Expired`] if every token (at least one) has expired; else
    /// [`Evaluation::Rejected`] if no live token can still reach its quorums counting every
    /// approver that has not rejected; else [`Evaluation::Pending`]. `tokens: None` or `[]`
    /// is never fulfilled and stays [`Evaluation::Pending`].
    pub fn evaluate(
        &self,
        approved: &[Vec<u8>],
        rejected: &[Vec<u8>],
        created: u64,
        now: u64,
    ) -> Evaluation {
        self.evaluate_with(&Approval::spki, approved, rejected, created, now)
    }

    /// As [`Rule::evaluate`], with approvers identified by `identity` (e.g. one that looks up
    /// an onboarded approver's key by name). An approver without an identity can never
    /// approve but is counted as one that still could (it has not rejected).
    pub fn evaluate_with(
        &self,
        identity: &dyn Fn(&Approval) -> Option<Vec<u8>>,
        approved: &[Vec<u8>],
        rejected: &[Vec<u8>],
        created: u64,
        now: u64,
    ) -> Evaluation {
        let Some(tokens) = self.tokens.as_deref().filter(|tokens| !tokens.is_empty()) else {
            return Evaluation::Pending;
        };
        let live: Vec<&Token> = tokens
            .iter()
            .filter(|token| !expired(token, created, now))
            .collect();
        if live.is_empty() {
            return Evaluation::Expired;
        }
        let has = |list: &[Vec<u8>], id: &Option<Vec<u8>>| {
            id.as_ref().is_some_and(|id| list.contains(id))
        };
        let met: Vec<&Token> = live
            .iter()
            .copied()
            .filter(|token| {
                token.groups.iter().all(|group| {
                    count(group, identity, |id| has(approved, id)) >= group.quorum as usize
                })
            })
            .collect();
        if let Some(until) = met
            .iter()
            .map(|token| created.saturating_add(u64::from(token.timelock)))
            .min()
        {
            return if now >= until {
                Evaluation::Fulfilled
            } else {
                Evaluation::WaitingForTimelock { until }
            };
        }
        let reachable = live.iter().any(|token| {
            token.groups.iter().all(|group| {
                count(group, identity, |id| {
                    has(approved, id) || !has(rejected, id)
                }) >= group.quorum as usize
            })
        });
        if reachable {
            Evaluation::Pending
        } else {
            Evaluation::Rejected
        }
    }

    /// Every distinct approver the rule names, in policy order (one task each): distinct by
    /// [`Approval::spki`], onboarded approvers by name.
    pub fn approvers(&self) -> Vec<&Approval> {
        self.approvers_with(&Approval::spki)
    }

    /// As [`Rule::approvers`], distinct by `identity` (an onboarded approver resolved to its
    /// key is the same approver as a `public_key` entry of that key).
    pub fn approvers_with(
        &self,
        identity: &dyn Fn(&Approval) -> Option<Vec<u8>>,
    ) -> Vec<&Approval> {
        let mut seen: Vec<ApproverKey> = Vec::new();
        let mut approvers = Vec::new();
        for approval in self.all_approvals() {
            let key = ApproverKey::of(approval, identity);
            if !seen.contains(&key) {
                seen.push(key);
                approvers.push(approval);
            }
        }
        approvers
    }

    /// The SubjectPublicKeyInfos of the approvers that can still approve (`notYetApprovedBy`):
    /// every distinct approver with a key that has neither approved nor rejected, in policy
    /// order.
    pub fn still_able_to_approve(
        &self,
        approved: &[Vec<u8>],
        rejected: &[Vec<u8>],
    ) -> Vec<Vec<u8>> {
        self.still_able_to_approve_with(&Approval::spki, approved, rejected)
    }

    /// As [`Rule::still_able_to_approve`], with approvers identified by `identity`.
    pub fn still_able_to_approve_with(
        &self,
        identity: &dyn Fn(&Approval) -> Option<Vec<u8>>,
        approved: &[Vec<u8>],
        rejected: &[Vec<u8>],
    ) -> Vec<Vec<u8>> {
        self.approvers_with(identity)
            .into_iter()
            .filter_map(identity)
            .filter(|spki| !approved.contains(spki) && !rejected.contains(spki))
            .collect()
    }

    fn all_approvals(&self) -> impl Iterator<Item = &Approval> {
        self.tokens
            .iter()
            .flatten()
            .flat_map(|token| &token.groups)
            .flat_map(|group| &group.approvals)
    }
}

/// What makes two approvals the same approver.
#[derive(PartialEq)]
enum ApproverKey {
    Key(Vec<u8>),
    Named(Option<String>),
}

impl ApproverKey {
    fn of(approval: &Approval, identity: &dyn Fn(&Approval) -> Option<Vec<u8>>) -> Self {
        match identity(approval) {
            Some(key) => Self::Key(key),
            None => Self::Named(approval.name.clone()),
        }
    }
}

fn expired(token: &Token, created: u64, now: u64) -> bool {
    token.timeout != 0 && now > created.saturating_add(u64::from(token.timeout))
}

/// The number of distinct approvers of `group` for which `counts` holds.
fn count(
    group: &Group,
    identity: &dyn Fn(&Approval) -> Option<Vec<u8>>,
    counts: impl Fn(&Option<Vec<u8>>) -> bool,
) -> usize {
    let mut seen: Vec<ApproverKey> = Vec::new();
    for approval in &group.approvals {
        let id = identity(approval);
        if !counts(&id) {
            continue;
        }
        let key = match id {
            Some(key) => ApproverKey::Key(key),
            None => ApproverKey::Named(approval.name.clone()),
        };
        if !seen.contains(&key) {
            seen.push(key);
        }
    }
    seen.len()
}
