//! Reading a policy from a client's JSON (reference 6.4's field rules), with the field path in
//! every message. Unknown fields are ignored, as everywhere in the API (reference 2.2).

use super::keys::{approver_key_type, certificate_common_name, certificate_spki};
use super::{
    Approval, ApprovalKind, Group, KeyStatus, ModifyPolicy, Policy, PolicyError, Rule, Token,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

/// The rule fields, in TSB order.
const RULES: [&str; 4] = ["ruleUse", "ruleBlock", "ruleUnblock", "ruleModify"];

impl Policy {
    /// Parses and validates the `policy` object of a create or import body (the caller has
    /// already treated `null` and an absent field as "no policy").
    ///
    /// Rules: each rule `null`/absent = no rule; `tokens` `null` = never fulfillable;
    /// `timelock` and `timeout` required non-negative integers, multiples of 60 ("seconds must
    /// represent full minutes"); `groups` `null`/absent/`[]` = no group; `quorum` required,
    /// 1 to the number of approvals; `approvals` required, non-empty; `type` required;
    /// `value` required base64 DER (SPKI for `public_key`, certificate for `certificate`, whose
    /// CN becomes the `name` if none is given) of a supported key type; an onboarded approver
    /// needs a `name` and takes no `value` (a given one is ignored); `keyStatus.blocked` a
    /// required boolean. The "empty policy" (all rules null) and `{"keyStatus": {...}}` alone
    /// are valid.
    pub fn parse(value: &Value) -> Result<Policy, PolicyError> {
        let object = object(value, "policy")?;
        let [rule_use, rule_block, rule_unblock, rule_modify] = rules(object)?;
        let key_status = match object.get("keyStatus") {
            None | Some(Value::Null) => return Err(null("policy.keyStatus")),
            Some(status) => {
                let status = self::object(status, "policy.keyStatus")?;
                match status.get("blocked") {
                    None | Some(Value::Null) => return Err(null("policy.keyStatus.blocked")),
                    Some(Value::Bool(blocked)) => KeyStatus { blocked: *blocked },
                    Some(_) => {
                        return Err(PolicyError::Invalid(
                            "Field 'policy.keyStatus.blocked' must be a boolean.".to_owned(),
                        ));
                    }
                }
            }
        };
        Ok(Policy {
            rule_use,
            rule_block,
            rule_unblock,
            rule_modify,
            key_status,
        })
    }
}

impl ModifyPolicy {
    /// Parses and validates the `policy` object of a modify body: the four rules with the
    /// rules of [`Policy::parse`]; `keyStatus` is not part of it (a given one is ignored).
    pub fn parse(value: &Value) -> Result<ModifyPolicy, PolicyError> {
        let object = object(value, "policy")?;
        let [rule_use, rule_block, rule_unblock, rule_modify] = rules(object)?;
        Ok(ModifyPolicy {
            rule_use,
            rule_block,
            rule_unblock,
            rule_modify,
        })
    }
}

fn rules(object: &Map<String, Value>) -> Result<[Option<Rule>; 4], PolicyError> {
    let mut parsed: [Option<Rule>; 4] = Default::default();
    for (slot, field) in parsed.iter_mut().zip(RULES) {
        *slot = match object.get(field) {
            None | Some(Value::Null) => None,
            Some(rule) => Some(self::rule(rule, &format!("policy.{field}"))?),
        };
    }
    Ok(parsed)
}

fn rule(value: &Value, path: &str) -> Result<Rule, PolicyError> {
    let object = object(value, path)?;
    let tokens = match object.get("tokens") {
        None | Some(Value::Null) => None,
        Some(tokens) => Some(
            array(tokens, &format!("{path}.tokens"))?
                .iter()
                .enumerate()
                .map(|(i, t)| token(t, &format!("{path}.tokens[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
    };
    Ok(Rule { tokens })
}

fn token(value: &Value, path: &str) -> Result<Token, PolicyError> {
    let object = object(value, path)?;
    let groups = match object.get("groups") {
        None | Some(Value::Null) => Vec::new(),
        Some(groups) => array(groups, &format!("{path}.groups"))?
            .iter()
            .enumerate()
            .map(|(i, g)| group(g, &format!("{path}.groups[{i}]")))
            .collect::<Result<_, _>>()?,
    };
    Ok(Token {
        name: optional_string(object, "name", path)?,
        timelock: minutes(object, "timelock", path)?,
        timeout: minutes(object, "timeout", path)?,
        groups,
    })
}

fn group(value: &Value, path: &str) -> Result<Group, PolicyError> {
    let object = object(value, path)?;
    let quorum = integer(object, "quorum", path)?;
    let approvals = match object.get("approvals") {
        None | Some(Value::Null) => return Err(null(&format!("{path}.approvals"))),
        Some(approvals) => array(approvals, &format!("{path}.approvals"))?,
    };
    if approvals.is_empty() {
        return Err(PolicyError::Invalid(format!(
            "Field '{path}.approvals' must not be empty."
        )));
    }
    let approvals = approvals
        .iter()
        .enumerate()
        .map(|(i, a)| approval(a, &format!("{path}.approvals[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    if quorum < 1 {
        return Err(PolicyError::Invalid(format!(
            "Field '{path}.quorum' must be at least 1."
        )));
    }
    if quorum as usize > approvals.len() {
        return Err(PolicyError::Invalid(format!(
            "Field '{path}.quorum' must not exceed the number of approvals ({}).",
            approvals.len()
        )));
    }
    Ok(Group {
        name: optional_string(object, "name", path)?,
        quorum,
        approvals,
    })
}

fn approval(value: &Value, path: &str) -> Result<Approval, PolicyError> {
    let object = object(value, path)?;
    let kind = match object.get("type") {
        None | Some(Value::Null) => return Err(null(&format!("{path}.type"))),
        Some(Value::String(kind)) => approval_kind(kind)
            .ok_or_else(|| PolicyError::Invalid(format!(
                "Value '{kind}' is not valid for field '{path}.type' (public_key, certificate, onboarded_approver_certificate)."
            )))?,
        Some(_) => {
            return Err(PolicyError::Invalid(format!(
                "Field '{path}.type' must be a string."
            )));
        }
    };
    let mut name = optional_string(object, "name", path)?;
    if kind == ApprovalKind::Onboarded {
        if name.as_deref().is_none_or(|name| name.trim().is_empty()) {
            return Err(PolicyError::Invalid(format!(
                "Field '{path}.name' must not be empty for an onboarded approver."
            )));
        }
        return Ok(Approval {
            kind,
            name,
            value: None,
        });
    }
    let value_path = format!("{path}.value");
    let text = match object.get("value") {
        None | Some(Value::Null) => return Err(empty(&value_path)),
        Some(Value::String(text)) => text,
        Some(_) => {
            return Err(PolicyError::Invalid(format!(
                "Field '{value_path}' must be a string."
            )));
        }
    };
    // Line breaks and PEM armour lines are dropped, as for other key material (api::wire).
    let body: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("-----"))
        .flat_map(|line| line.chars().filter(|c| !c.is_whitespace()))
        .collect();
    if body.is_empty() {
        return Err(empty(&value_path));
    }
    let der = STANDARD
        .decode(body)
        .map_err(|_| PolicyError::Invalid(format!("Field '{value_path}' is not valid base64.")))?;
    let spki = match kind {
        ApprovalKind::Certificate => {
            let spki = certificate_spki(&der)
                .map_err(|why| PolicyError::Invalid(format!("Field '{value_path}' is {why}.")))?;
            if name.is_none() {
                name = certificate_common_name(&der);
            }
            spki
        }
        _ => der.clone(),
    };
    approver_key_type(&spki).map_err(|error| match error {
        PolicyError::Invalid(why) => PolicyError::Invalid(format!("Field '{value_path}': {why}")),
        PolicyError::UnsupportedApproverKeyType(why) => {
            PolicyError::UnsupportedApproverKeyType(format!("Field '{value_path}': {why}"))
        }
    })?;
    Ok(Approval {
        kind,
        name,
        value: Some(der),
    })
}

/// The approval type, matched without regard to case (and `-` for `_`).
fn approval_kind(text: &str) -> Option<ApprovalKind> {
    let text = text.trim().to_ascii_lowercase().replace('-', "_");
    [
        ApprovalKind::PublicKey,
        ApprovalKind::Certificate,
        ApprovalKind::Onboarded,
    ]
    .into_iter()
    .find(|kind| kind.wire_name() == text)
}

fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, PolicyError> {
    value
        .as_object()
        .ok_or_else(|| PolicyError::Invalid(format!("Field '{path}' must be an object.")))
}

fn array<'a>(value: &'a Value, path: &str) -> Result<&'a Vec<Value>, PolicyError> {
    value
        .as_array()
        .ok_or_else(|| PolicyError::Invalid(format!("Field '{path}' must be a list.")))
}

fn optional_string(
    object: &Map<String, Value>,
    field: &str,
    path: &str,
) -> Result<Option<String>, PolicyError> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(PolicyError::Invalid(format!(
            "Field '{path}.{field}' must be a string."
        ))),
    }
}

/// A required integer from 0 to `i32::MAX` (a Java `int` that is not negative).
fn integer(object: &Map<String, Value>, field: &str, path: &str) -> Result<u32, PolicyError> {
    let value = match object.get(field) {
        None | Some(Value::Null) => return Err(null(&format!("{path}.{field}"))),
        Some(value) => value,
    };
    value
        .as_u64()
        .filter(|n| *n <= i32::MAX as u64)
        .map(|n| n as u32)
        .ok_or_else(|| {
            PolicyError::Invalid(format!(
                "Field '{path}.{field}' must be a non-negative integer."
            ))
        })
}

/// A required number of seconds that is a whole number of minutes (`DivisibleBy60`).
fn minutes(object: &Map<String, Value>, field: &str, path: &str) -> Result<u32, PolicyError> {
    let seconds = integer(object, field, path)?;
    if seconds % 60 != 0 {
        return Err(PolicyError::Invalid(format!(
            "Field '{path}.{field}': seconds must represent full minutes."
        )));
    }
    Ok(seconds)
}

fn null(path: &str) -> PolicyError {
    PolicyError::Invalid(format!("Field '{path}' must not be null."))
}

fn empty(path: &str) -> PolicyError {
    PolicyError::Invalid(format!("Field '{path}' must not be empty."))
}
