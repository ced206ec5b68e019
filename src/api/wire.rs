//! Field shapes shared by several DTOs: passwords as string or char array, usage lists that
//! official clients comma-join, and the attribute object.

use super::error::ApiError;
use crate::domain::{Password, RequestedAttributes};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use std::fmt;

/// Deserializes a password given as `"secret"`, `["s","e","c"]` or `null`.
pub fn password<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Password>, D::Error> {
    struct PasswordVisitor;

    impl<'de> Visitor<'de> for PasswordVisitor {
        type Value = Option<Password>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or an array of one-character strings")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(Password::new(text.to_owned()))
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut secret = zeroize::Zeroizing::new(String::new());
            while let Some(mut piece) = seq.next_element::<String>()? {
                secret.push_str(&piece);
                zeroize::Zeroize::zeroize(&mut piece);
            }
            Ok(Password::new(std::mem::take(&mut *secret)))
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    deserializer.deserialize_option(PasswordVisitor)
}

/// Deserializes an enum list that clients may send as `["A","B"]`, `["A,B"]`, `[""]` or
/// `null`: every element is split on commas, trimmed, and empty pieces dropped.
pub fn usage_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let raw = Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(raw
        .iter()
        .flat_map(|item| item.split(','))
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .map(str::to_owned)
        .collect())
}

/// Parses every element of a usage list, naming the field and value that is not valid.
pub fn parse_list<T: std::str::FromStr>(
    field: &str,
    values: &[String],
) -> Result<Vec<T>, ApiError> {
    values
        .iter()
        .map(|value| {
            value.parse().map_err(|_| {
                ApiError::invalid(format!("Value '{value}' is not valid for field {field}."))
            })
        })
        .collect()
}

/// The `attributes` object of a create request (reference 6.3).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttributesDto {
    decrypt: Option<bool>,
    sign: Option<bool>,
    unwrap: Option<bool>,
    encrypt: Option<bool>,
    verify: Option<bool>,
    wrap: Option<bool>,
    derive: Option<bool>,
    bip32: Option<bool>,
    slip10: Option<bool>,
    extractable: Option<bool>,
    modifiable: Option<bool>,
    destroyable: Option<bool>,
    sensitive: Option<bool>,
    copyable: Option<bool>,
}

impl TryFrom<AttributesDto> for RequestedAttributes {
    type Error = ApiError;

    fn try_from(dto: AttributesDto) -> Result<Self, ApiError> {
        let required = |value: Option<bool>, name: &str| {
            value.ok_or_else(|| {
                ApiError::invalid(format!("Field 'attributes.{name}' must not be null."))
            })
        };
        Ok(Self {
            decrypt: required(dto.decrypt, "decrypt")?,
            sign: required(dto.sign, "sign")?,
            unwrap: required(dto.unwrap, "unwrap")?,
            encrypt: dto.encrypt,
            verify: dto.verify,
            wrap: dto.wrap,
            derive: dto.derive,
            bip32: dto.bip32,
            slip10: dto.slip10,
            extractable: dto.extractable,
            modifiable: dto.modifiable,
            destroyable: dto.destroyable,
            sensitive: dto.sensitive,
            copyable: dto.copyable,
        })
    }
}

/// A required label field, validated.
pub fn label(field: &str, value: Option<String>) -> Result<crate::domain::Label, ApiError> {
    let value =
        value.ok_or_else(|| ApiError::invalid(format!("Field '{field}' must not be null.")))?;
    crate::domain::Label::parse(&value).map_err(|e| {
        ApiError::new(
            super::error::ErrorCode::InvalidKeyName,
            format!("Invalid key name in '{field}': {e}."),
        )
    })
}

/// A key name that may carry a derivation path (`master/44'/60'/0'/0/0`, reference 6.14):
/// only sign, verify, key attributes and address accept one; creation keeps [`label`].
pub fn key_name(
    field: &str,
    value: Option<String>,
) -> Result<(crate::domain::Label, Option<crate::domain::DerivationPath>), ApiError> {
    let value =
        value.ok_or_else(|| ApiError::invalid(format!("Field '{field}' must not be null.")))?;
    let Some((name, path)) = value.split_once('/') else {
        return Ok((label(field, Some(value))?, None));
    };
    let path = crate::domain::DerivationPath::parse(path).ok_or_else(|| {
        ApiError::new(
            super::error::ErrorCode::InvalidKeyName,
            format!(
                "Invalid derivation path in '{field}': '{path}' (decimal indices separated by '/', ' for hardened)."
            ),
        )
    })?;
    Ok((label(field, Some(name.to_owned()))?, Some(path)))
}

/// Decodes a required standard-base64 field (padding required, no line breaks), 635 if it
/// is not base64.
pub fn base64_field(field: &str, value: Option<&str>) -> Result<Vec<u8>, ApiError> {
    use base64::Engine;
    let value =
        value.ok_or_else(|| ApiError::invalid(format!("Field '{field}' must not be null.")))?;
    base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|_| {
            ApiError::new(
                super::error::ErrorCode::EncodingException,
                format!("The '{field}' is not valid 'base64' encoded."),
            )
        })
}

/// Decodes optional key material sent as base64 DER; PEM armour lines and line breaks are
/// ignored, as the TSB's validator does. Undecodable text is 400/625.
pub fn key_material(field: &str, value: Option<&str>) -> Result<Option<Vec<u8>>, ApiError> {
    use base64::Engine;
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    let body: String = value
        .lines()
        .filter(|line| !line.trim_start().starts_with("-----"))
        .flat_map(|line| line.chars().filter(|c| !c.is_whitespace()))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .map(Some)
        .map_err(|_| {
            ApiError::new(
                super::error::ErrorCode::KeyInvalidEncoding,
                format!("The '{field}' is not valid 'base64' encoded."),
            )
        })
}

/// A label made safe as a file name: characters other than `A-Za-z0-9._-` become `_`.
pub fn file_name(label: &str) -> String {
    label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Decodes a payload as its `payloadType` says: hex for `HEX`, base64 otherwise.
pub fn payload(value: Option<&str>, payload_type: Option<&str>) -> Result<Vec<u8>, ApiError> {
    match payload_type.unwrap_or("UNSPECIFIED") {
        "HEX" => {
            let value =
                value.ok_or_else(|| ApiError::invalid("Field 'payload' must not be null."))?;
            hex::decode(value).map_err(|_| {
                ApiError::new(
                    super::error::ErrorCode::EncodingException,
                    "The 'payload' is not valid 'hex' encoded.",
                )
            })
        }
        "UNSPECIFIED" | "ISO_20022" | "PDF" | "BTC" | "ETH" => base64_field("payload", value),
        other => Err(ApiError::invalid(format!(
            "Value '{other}' is not valid for field payloadType."
        ))),
    }
}

/// Parses a required enum field, naming the field and value if it is not valid.
pub fn required_enum<T: std::str::FromStr>(
    field: &str,
    value: Option<&str>,
) -> Result<T, ApiError> {
    let value =
        value.ok_or_else(|| ApiError::invalid(format!("Field '{field}' must not be null.")))?;
    value
        .parse()
        .map_err(|_| ApiError::invalid(format!("Value '{value}' is not valid for field {field}.")))
}

/// The `policy` field of a key creation or import, parsed once: absent or `null` is a plain
/// key, anything else must be a valid SKA policy (reference 6.4).
pub(crate) fn policy(
    value: Option<serde_json::Value>,
) -> Result<Option<crate::domain::Policy>, super::error::ApiError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) if !value.is_object() => Err(super::error::ApiError::invalid(
            "Field 'policy' must be an object or null.",
        )),
        Some(value) => crate::domain::Policy::parse(&value)
            .map(Some)
            .map_err(policy_error),
    }
}

/// A refused policy: 400/600, or 400/601 for an approver key the HSM does not take.
pub(crate) fn policy_error(error: crate::domain::PolicyError) -> super::error::ApiError {
    use super::error::{ApiError, ErrorCode};
    match error {
        crate::domain::PolicyError::Invalid(message) => ApiError::invalid(message),
        crate::domain::PolicyError::UnsupportedApproverKeyType(message) => {
            ApiError::new(ErrorCode::UnsupportedApproverKeyType, message)
        }
    }
}

/// `metaData` and `metaDataSignature` of an asynchronous request's body, as sent.
pub(crate) fn meta_data(dto: &serde_json::Value) -> (Option<String>, Option<String>) {
    let text = |field: &str| dto.get(field).and_then(|v| v.as_str()).map(str::to_owned);
    (text("metaData"), text("metaDataSignature"))
}

/// `signedApprovals` (reference 13.6): base64 entries, decoded; absent or `null` is none.
pub(crate) fn signed_approvals(value: Option<Vec<String>>) -> Result<Vec<Vec<u8>>, ApiError> {
    use base64::Engine;
    value
        .unwrap_or_default()
        .iter()
        .map(|entry| {
            base64::engine::general_purpose::STANDARD
                .decode(entry)
                .map_err(|_| ApiError::invalid("Field 'signedApprovals' must hold base64 entries."))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "password")]
        password: Option<Password>,
        #[serde(default, deserialize_with = "usage_list")]
        usage: Vec<String>,
    }

    fn body(json: &str) -> Body {
        serde_json::from_str(json).expect("valid body")
    }

    #[test]
    fn passwords_arrive_in_both_shapes() {
        let text = body(r#"{"password": "secret"}"#).password.expect("some");
        let chars = body(r#"{"password": ["s","e","c","r","e","t"]}"#)
            .password
            .expect("some");
        assert_eq!(text.expose(), chars.expose());
        assert!(body(r#"{"password": null}"#).password.is_none());
        assert!(body(r#"{"password": []}"#).password.is_none());
        assert!(body("{}").password.is_none());
        assert!(serde_json::from_str::<Body>(r#"{"password": 5}"#).is_err());
    }

    #[test]
    fn usage_lists_are_split_and_cleaned() {
        assert_eq!(
            body(r#"{"usage": ["A,B", " C ", ""]}"#).usage,
            ["A", "B", "C"]
        );
        assert!(body(r#"{"usage": null}"#).usage.is_empty());
    }
}
