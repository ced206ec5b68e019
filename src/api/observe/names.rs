//! The key names a JSON body mentions, found in one pass over its bytes without building the
//! body: the [`LABEL_FIELDS`] of the top-level object first, then those of the objects one
//! level down (in the order of their keys), each in `LABEL_FIELDS` order. With
//! `--journal-bodies` the body is parsed for the journal anyway, and the names come from that.

use serde::Deserializer;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// Body fields that name a key, in the order the first one found becomes the journal's label.
pub(super) const LABEL_FIELDS: &[&str] = &[
    "label",
    "signKeyName",
    "encryptKeyName",
    "decryptKeyName",
    "keyToBeWrapped",
    "wrapKeyName",
    "unwrapKeyName",
    "keyName",
];

/// One key name: where it was found, for ordering, and the name.
struct Found {
    /// The top-level key of the enclosing object; `None` at the top level.
    envelope: Option<String>,
    field: usize,
    name: String,
}

/// Appends the key names of `body` (its trailing commas dropped already) that `names` does
/// not hold yet; a body that is not a JSON object (or not JSON) names nothing.
pub(super) fn scan(body: &[u8], names: &mut Vec<String>) {
    let mut found = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let object = Object {
        found: &mut found,
        envelope: None,
    };
    if deserializer.deserialize_map(object).is_err() || deserializer.end().is_err() {
        return;
    }
    // Top level first (`None` sorts first), then envelopes by key, then LABEL_FIELDS order.
    found.sort_by(|a, b| (&a.envelope, a.field).cmp(&(&b.envelope, b.field)));
    for Found { name, .. } in found {
        if !names.contains(&name) {
            names.push(name);
        }
    }
}

/// The same names as [`scan`], from a body parsed already (the journal's copy with
/// `--journal-bodies`): the top-level object, then its object values in key order.
pub(super) fn of_object(body: &Map<String, Value>, names: &mut Vec<String>) {
    let nested = body.values().filter_map(Value::as_object);
    for object in std::iter::once(body).chain(nested) {
        for field in LABEL_FIELDS {
            if let Some(Value::String(name)) = object.get(*field)
                && !names.contains(name)
            {
                names.push(name.clone());
            }
        }
    }
}

/// An object's entries: label fields with string values are names; at the top level, object
/// values are scanned one level down.
struct Object<'a> {
    found: &'a mut Vec<Found>,
    envelope: Option<String>,
}

impl<'de> Visitor<'de> for Object<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(Key)? {
            let field = LABEL_FIELDS.iter().position(|f| *f == key);
            map.next_value_seed(Entry {
                found: &mut *self.found,
                envelope: &self.envelope,
                key,
                field,
            })?;
        }
        Ok(())
    }
}

/// An object's key, borrowed from the body unless it holds escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(key))
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(key.to_owned()))
    }
}

/// One entry's value.
struct Entry<'a, 'b, 'de> {
    found: &'a mut Vec<Found>,
    envelope: &'b Option<String>,
    key: Cow<'de, str>,
    field: Option<usize>,
}

impl<'de> DeserializeSeed<'de> for Entry<'_, '_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Entry<'_, '_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, value: &str) -> Result<(), E> {
        if let Some(field) = self.field {
            self.found.push(Found {
                envelope: self.envelope.clone(),
                field,
                name: value.to_owned(),
            });
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if self.envelope.is_some() {
            // Two levels down: not looked at.
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        Object {
            found: self.found,
            envelope: Some(self.key.into_owned()),
        }
        .visit_map(map)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The reference: the body parsed whole, as the journal finds its names with
    /// `--journal-bodies`.
    fn names_of_parsed(body: &[u8]) -> Vec<String> {
        let mut names = Vec::new();
        let cleaned = crate::api::json::strip_trailing_commas(body);
        if let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&cleaned) {
            of_object(&body, &mut names);
        }
        names
    }

    fn scanned(body: &[u8]) -> Vec<String> {
        let mut names = Vec::new();
        scan(&crate::api::json::strip_trailing_commas(body), &mut names);
        names
    }

    #[test]
    fn finds_the_names_the_whole_parse_finds_in_the_same_order() {
        let bodies = [
            json!({"label": "k", "algorithm": "RSA"}).to_string(),
            json!({"signRequest": {"payload": "AA==", "signKeyName": "s"}}).to_string(),
            json!({"wrapKeyName": "w", "keyToBeWrapped": "k"}).to_string(),
            json!({"zeta": {"label": "z"}, "alpha": {"keyName": "a"}, "label": "top"}).to_string(),
            json!({"label": {"signKeyName": "nested"}, "keyName": 5}).to_string(),
            json!({"outer": {"inner": {"label": "too deep"}}, "list": [{"label": "in a list"}]})
                .to_string(),
            json!({"label": "same", "req": {"label": "same", "keyName": "other"}}).to_string(),
            json!({"label": "esc\"aped \u{e9}"}).to_string(),
            r#"{"signRequest": {"signKeyName": "trailing",},}"#.to_owned(),
            // Keys with escapes (not borrowed from the body).
            r#"{"lab\u0065l": "escaped key", "z\u0065ta": {"keyName": "under escaped"}}"#
                .to_owned(),
            r#"{"label": "k"} trailing garbage"#.to_owned(),
            r#"{"label": "k""#.to_owned(),
            r#"["label", "k"]"#.to_owned(),
            "null".to_owned(),
            String::new(),
        ];
        for body in bodies {
            assert_eq!(
                scanned(body.as_bytes()),
                names_of_parsed(body.as_bytes()),
                "{body}"
            );
        }
        assert_eq!(
            scanned(br#"{"zeta": {"label": "z"}, "alpha": {"keyName": "a"}, "label": "top"}"#),
            ["top", "a", "z"]
        );
    }

    #[test]
    fn keeps_the_names_it_is_given_first() {
        let mut names = vec!["from-path".to_owned()];
        scan(br#"{"label": "from-path", "keyName": "body"}"#, &mut names);
        assert_eq!(names, ["from-path", "body"]);
    }
}
