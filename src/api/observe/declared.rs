//! What `--journal-bodies` keeps of a body: only the fields the route's request type
//! declares, read from the OpenAPI document the DTOs' `ToSchema` derive (so the list cannot
//! drift from the types); every other field's value becomes `"***"`, and passwords and
//! private or secret keys are redacted even when declared. A route without a documented
//! body (the control API, an unknown path) keeps no field values at all.

use axum::http::Method;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// The OpenAPI document as JSON, built on first use (only with `--journal-bodies`).
fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| serde_json::to_value(crate::api::openapi()).unwrap_or(Value::Null))
}

/// The journal's copy of a JSON object body sent to `route` with `method`.
pub(super) fn journaled(method: &Method, route: Option<&str>, body: Map<String, Value>) -> Value {
    let document = document();
    let schema = route.and_then(|route| {
        document
            .get("paths")?
            .get(route)?
            .get(method.as_str().to_ascii_lowercase())?
            .get("requestBody")?
            .get("content")?
            .get("application/json")?
            .get("schema")
    });
    let kept = keep_declared(Value::Object(body), schema, document, 0);
    super::redacted(kept)
}

/// `value` with every object field `schema` does not declare replaced by `"***"`.
fn keep_declared(value: Value, schema: Option<&Value>, document: &Value, depth: u8) -> Value {
    let schema = schema.map(|schema| resolve(schema, document));
    match value {
        Value::Object(object) => {
            let mut kept = Map::with_capacity(object.len());
            for (name, field) in object {
                let declared = schema.and_then(|schema| property(schema, &name, document));
                let field = match declared {
                    Some(field_schema) if depth < 16 => {
                        keep_declared(field, Some(field_schema), document, depth + 1)
                    }
                    _ => Value::String("***".into()),
                };
                kept.insert(name, field);
            }
            Value::Object(kept)
        }
        Value::Array(items) => {
            let item_schema = schema.and_then(|schema| schema.get("items"));
            Value::Array(
                items
                    .into_iter()
                    .map(|item| keep_declared(item, item_schema, document, depth.saturating_add(1)))
                    .collect(),
            )
        }
        scalar => scalar,
    }
}

/// Follows `$ref`s into `components` (a few levels at most).
fn resolve<'a>(mut schema: &'a Value, document: &'a Value) -> &'a Value {
    for _ in 0..8 {
        let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(target) = reference
            .strip_prefix("#/")
            .and_then(|pointer| document.pointer(&format!("/{pointer}")))
        else {
            break;
        };
        schema = target;
    }
    schema
}

/// The schema of property `name` of an object schema, looking into `allOf`/`oneOf`/`anyOf`.
fn property<'a>(schema: &'a Value, name: &str, document: &'a Value) -> Option<&'a Value> {
    let schema = resolve(schema, document);
    if let Some(found) = schema.get("properties").and_then(|p| p.get(name)) {
        return Some(found);
    }
    ["allOf", "oneOf", "anyOf"]
        .iter()
        .filter_map(|composite| schema.get(*composite).and_then(Value::as_array))
        .flatten()
        .find_map(|part| property(part, name, document))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kept(route: &str, body: Value) -> Value {
        let Value::Object(body) = body else {
            panic!("an object")
        };
        journaled(&Method::POST, Some(route), body)
    }

    #[test]
    fn declared_fields_stay_and_others_are_masked() {
        let body = kept(
            "/v1/key",
            json!({"label": "k", "algorithm": "EC", "sneakySecret": "hunter2",
                   "attributes": {"sign": true, "hidden": "x"}, "password": "pw"}),
        );
        assert_eq!(body["label"], "k");
        assert_eq!(body["algorithm"], "EC");
        assert_eq!(body["sneakySecret"], "***");
        assert_eq!(body["password"], "***");
        assert!(!body.to_string().contains("hunter2"), "{body}");
        assert!(!body.to_string().contains("\"x\""), "{body}");
    }

    #[test]
    fn a_route_without_a_documented_body_keeps_no_values() {
        let body = kept(
            "/_emulator/no-such-route",
            json!({"count": 1, "secret": "s"}),
        );
        assert_eq!(body, json!({"count": "***", "secret": "***"}));
    }
}
