//! Request extraction with TSB-shaped rejections: the lenient JSON body extractor and the
//! key-name path extractor.
//!
//! Leniency follows what official clients send (reference 2.2 and 16): unknown fields are
//! ignored (serde's default) and a trailing comma before `}` or `]` is accepted, because the
//! Go client and the TSB's own documentation produce them.
//!
//! A body is cleaned (trailing commas dropped) once per request, by the `observe` middleware,
//! which needs the clean text for the key names; it hands the result on as a [`CleanedBody`]
//! request extension, and [`TsbJson`] parses that instead of cleaning the body again.

use super::error::{ApiError, ErrorCode};
use crate::domain::Label;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use std::borrow::Cow;

/// A JSON request body, parsed leniently; every failure is a TSB error.
pub struct TsbJson<T>(pub T);

/// A JSON body with its trailing commas dropped, as `observe` cleaned it once for the whole
/// request; the handler's [`TsbJson`] parses these bytes. A body without such commas (almost
/// every one) is the received buffer itself, shared, not a copy.
#[derive(Clone)]
pub(crate) struct CleanedBody(Bytes);

impl CleanedBody {
    /// Cleans a received body.
    pub(crate) fn of(body: &Bytes) -> Self {
        match strip_trailing_commas(body) {
            Cow::Borrowed(_) => Self(body.clone()),
            Cow::Owned(cleaned) => Self(Bytes::from(cleaned)),
        }
    }

    /// The cleaned text.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for TsbJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::with_status(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::InputValidationFailed,
                "Invalid request. The Content-Type must be application/json.",
            ));
        }
        // The `observe` middleware has read the body within the size and time limits and
        // cleaned it already; without it (an empty body) this only takes the buffered bytes.
        if let Some(cleaned) = request.extensions().get::<CleanedBody>() {
            return parse_cleaned(cleaned.bytes()).map(TsbJson);
        }
        let bytes = axum::body::to_bytes(request.into_body(), usize::MAX)
            .await
            .map_err(|error| {
                ApiError::invalid(format!(
                    "Invalid request. The body could not be read: {error}"
                ))
            })?;
        parse(&bytes).map(TsbJson)
    }
}

/// Whether a request's `Content-Type` is JSON: `application/json` or `application/*+json`,
/// parameters allowed, in any case. The handlers' check, and the one `observe` uses to decide
/// whether to look for key names in a body.
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let starts = |prefix: &str| {
        essence
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    let ends = |suffix: &str| {
        essence
            .len()
            .checked_sub(suffix.len())
            .and_then(|at| essence.get(at..))
            .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
    };
    essence.eq_ignore_ascii_case("application/json") || (starts("application/") && ends("+json"))
}

/// Parses a body: trailing commas removed, errors naming the offending field.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Dropping a comma before `}` or `]` keeps the closing bracket, so the cleaned text is
    // blank or starts with `{` exactly when the body does: the checks may run after it.
    parse_cleaned(&strip_trailing_commas(bytes))
}

/// Parses a body whose trailing commas are gone already.
fn parse_cleaned<T: DeserializeOwned>(cleaned: &[u8]) -> Result<T, ApiError> {
    if cleaned.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid(
            "Invalid request. The request body is missing.",
        ));
    }
    // Every TSB body is an object; serde would also read a struct from a JSON array.
    if cleaned.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::invalid(
            "Invalid request. Cannot parse json string: the body must be a JSON object.",
        ));
    }
    // The plain parse first: tracking the path of every field costs on each request, and the
    // path is only needed to word an error, so a failed body is parsed again to find it.
    match serde_json::from_slice(cleaned) {
        Ok(value) => Ok(value),
        Err(plain) => Err(described::<T>(cleaned, plain)),
    }
}

/// The error of a body that failed to parse, naming the offending field when there is one.
fn described<T: DeserializeOwned>(cleaned: &[u8], plain: serde_json::Error) -> ApiError {
    let mut deserializer = serde_json::Deserializer::from_slice(cleaned);
    let error = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_data() && path != "." {
                return ApiError::invalid(format!("Invalid request. Field '{path}': {inner}"));
            }
            inner
        }
        // The value parsed, so what failed is the text after it.
        Ok(_) => deserializer.end().err().unwrap_or(plain),
    };
    ApiError::invalid(format!(
        "Invalid request. Cannot parse json string: {error}"
    ))
}

/// Drops every comma that is followed (after white space) by `}` or `]`, outside strings.
pub(crate) fn strip_trailing_commas(input: &[u8]) -> Cow<'_, [u8]> {
    // Almost every body has no such comma, inside strings or out: say so after a scan for
    // commas alone.
    if !has_comma_before_a_close(input) {
        return Cow::Borrowed(input);
    }
    let mut output: Option<Vec<u8>> = None;
    let mut in_string = false;
    let mut escaped = false;
    for (index, &byte) in input.iter().enumerate() {
        let mut keep = true;
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
        } else if byte == b'"' {
            in_string = true;
        } else if byte == b',' {
            let next = input[index + 1..].iter().find(|b| !b.is_ascii_whitespace());
            keep = !matches!(next, Some(b'}' | b']'));
        }
        match (&mut output, keep) {
            (Some(out), true) => out.push(byte),
            (None, false) => output = Some(input[..index].to_vec()),
            _ => {}
        }
    }
    output.map_or(Cow::Borrowed(input), Cow::Owned)
}

/// Whether some comma is followed (after white space) by `}` or `]`, strings not told apart.
fn has_comma_before_a_close(input: &[u8]) -> bool {
    let mut rest = input;
    while let Some(at) = rest.iter().position(|&b| b == b',') {
        rest = &rest[at + 1..];
        if matches!(
            rest.iter().find(|b| !b.is_ascii_whitespace()),
            Some(b'}' | b']')
        ) {
            return true;
        }
    }
    false
}

/// A key name taken from the path (`/v1/key/{keyName}`), validated as a label.
pub struct KeyNamePath(pub Label);

impl<S: Send + Sync> FromRequestParts<S> for KeyNamePath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(name) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| {
                ApiError::new(ErrorCode::InvalidKeyName, format!("Invalid key name: {e}"))
            })?;
        Label::parse(&name).map(KeyNamePath).map_err(|e| {
            ApiError::new(ErrorCode::InvalidKeyName, format!("Invalid key name: {e}."))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(text: &str) -> String {
        String::from_utf8_lossy(&strip_trailing_commas(text.as_bytes())).into_owned()
    }

    #[test]
    fn trailing_commas_go_and_everything_else_stays() {
        assert_eq!(strip(r#"{"a": 1,}"#), r#"{"a": 1}"#);
        assert_eq!(strip("{\"a\": [1, 2 ,\n ],\n}"), "{\"a\": [1, 2 \n ]\n}");
        assert_eq!(
            strip(r#"{"a": "x,}", "b": "\",]"}"#),
            r#"{"a": "x,}", "b": "\",]"}"#
        );
        assert_eq!(strip(r#"{"a": 1, "b": 2}"#), r#"{"a": 1, "b": 2}"#);
        assert_eq!(
            strip(r#"{"a": "x,}", "b": 1 ,}"#),
            r#"{"a": "x,}", "b": 1 }"#
        );
        // Nothing to drop: the body itself, not a copy.
        assert!(matches!(
            strip_trailing_commas(br#"{"a": [1, 2], "b": {"c": 3}}"#),
            Cow::Borrowed(_)
        ));
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            // Strings full of the characters the pre-pass looks at.
            "[,\\]}{\"a-z ]{0,12}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                proptest::collection::btree_map("[a-z,}\\]]{0,6}", inner, 0..6)
                    .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
            ]
        })
    }

    /// Adds a comma before every closing bracket of a non-empty container, outside strings.
    fn with_trailing_commas(value: &serde_json::Value) -> String {
        match value {
            serde_json::Value::Array(items) if !items.is_empty() => {
                let items: Vec<String> = items.iter().map(with_trailing_commas).collect();
                format!("[{},]", items.join(","))
            }
            serde_json::Value::Object(map) if !map.is_empty() => {
                let members: Vec<String> = map
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "{}: {}",
                            serde_json::Value::from(k.as_str()),
                            with_trailing_commas(v)
                        )
                    })
                    .collect();
                format!("{{ {} ,\n}}", members.join(", "))
            }
            other => other.to_string(),
        }
    }

    proptest::proptest! {
        #[test]
        fn valid_json_passes_through_unchanged(value in json_value()) {
            for text in [value.to_string(), serde_json::to_string_pretty(&value).unwrap_or_default()] {
                let stripped = strip_trailing_commas(text.as_bytes());
                proptest::prop_assert_eq!(stripped.as_ref(), text.as_bytes());
            }
        }

        #[test]
        fn trailing_commas_parse_to_the_same_value(value in json_value()) {
            let lenient = with_trailing_commas(&value);
            let parsed: serde_json::Value = serde_json::from_slice(&strip_trailing_commas(lenient.as_bytes()))
                .map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e}: {lenient}")))?;
            proptest::prop_assert_eq!(parsed, value);
        }
    }

    #[test]
    fn a_cleaned_body_is_the_received_buffer_unless_a_comma_goes() {
        let body = Bytes::from_static(br#"{"a": [1, 2]}"#);
        assert_eq!(CleanedBody::of(&body).bytes().as_ptr(), body.as_ptr());
        let lenient = Bytes::from_static(b"{\"a\": [1, 2,],}");
        assert_eq!(CleanedBody::of(&lenient).bytes(), br#"{"a": [1, 2]}"#);
    }

    #[tokio::test]
    async fn the_extractor_parses_what_observe_cleaned_not_the_body_again() {
        #[derive(serde::Deserialize)]
        struct Body {
            size: u32,
        }
        let request = |extension: Option<&'static [u8]>| {
            let mut request = Request::builder()
                .header(header::CONTENT_TYPE, "application/json")
                .body(axum::body::Body::from(r#"{"size": 1}"#))
                .expect("request");
            if let Some(cleaned) = extension {
                request
                    .extensions_mut()
                    .insert(CleanedBody(Bytes::from_static(cleaned)));
            }
            request
        };
        let shared = TsbJson::<Body>::from_request(request(Some(br#"{"size": 2}"#)), &()).await;
        assert_eq!(shared.map(|TsbJson(body)| body.size).ok(), Some(2));
        let read = TsbJson::<Body>::from_request(request(None), &()).await;
        assert_eq!(read.map(|TsbJson(body)| body.size).ok(), Some(1));
    }

    #[test]
    fn json_content_types_are_told_apart_in_any_case() {
        let is = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, value.parse().expect("header value"));
            is_json(&headers)
        };
        for yes in [
            "application/json",
            "Application/JSON; charset=utf-8",
            " application/json ;q=1",
            "application/problem+json",
            "APPLICATION/VND.API+JSON",
        ] {
            assert!(is(yes), "{yes}");
        }
        for no in [
            "text/json",
            "application/jsonx",
            "+json",
            "application/xml",
            "json",
            "",
        ] {
            assert!(!is(no), "{no}");
        }
        assert!(!is_json(&HeaderMap::new()));
    }

    #[test]
    fn parse_names_the_bad_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Body {
            size: u32,
        }
        let error = parse::<Body>(br#"{"size": "big"}"#).expect_err("wrong type");
        assert!(format!("{error:?}").contains("Field 'size'"), "{error:?}");
        assert!(parse::<Body>(b"{\"size\": 1,}").is_ok());
        assert!(parse::<Body>(b"  ").is_err());
        let trailing = parse::<Body>(b"{\"size\": 1} {}").expect_err("text after the object");
        assert!(
            format!("{trailing:?}").contains("Cannot parse json string: trailing characters"),
            "{trailing:?}"
        );
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Outer {
            inner: Body,
        }
        let nested = parse::<Outer>(br#"{"inner": {"size": -1}}"#).expect_err("negative");
        assert!(
            format!("{nested:?}").contains("Field 'inner.size'"),
            "{nested:?}"
        );
        let broken = parse::<Outer>(br#"{"inner": {"size": 1"#).expect_err("cut short");
        assert!(
            format!("{broken:?}").contains("Cannot parse json string: EOF"),
            "{broken:?}"
        );
    }
}
