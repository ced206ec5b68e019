//! The key-info envelope of reference 6.6 (`SignedKeyAttributesDto`): how the device's
//! `SignedKeyInfo` goes on the wire, for every route that answers with a key.

use crate::hsm::SignedKeyInfo;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

/// The key-info envelope (`SignedKeyAttributesDto`, reference 6.6).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(in crate::api) struct KeyInfoResponse {
    xml: String,
    json: KeyJson,
    xml_signature: String,
    attestation_key_name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct KeyJson {
    label: String,
    /// Always null: the Go client crashes on a string id.
    id: Option<String>,
    uuid: Option<String>,
    algorithm: &'static str,
    algorithm_oid: &'static str,
    curve_oid: Option<String>,
    derived_attributes: Option<serde_json::Value>,
    key_size: Option<u32>,
    key_usage_count: u64,
    create_time: String,
    attest_time: String,
    public_key: Option<String>,
    address_truncated: Option<serde_json::Value>,
    attributes: AttributesJson,
    #[schema(value_type = Option<Object>)]
    policy: Option<crate::domain::Policy>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct AttributesJson {
    decrypt: bool,
    sign: bool,
    eka_sign: Option<bool>,
    unwrap: bool,
    derive: bool,
    sensitive: bool,
    always_sensitive: bool,
    extractable: bool,
    never_extractable: bool,
    modifiable: bool,
    copyable: bool,
    destroyable: bool,
}

impl From<SignedKeyInfo> for KeyInfoResponse {
    fn from(signed: SignedKeyInfo) -> Self {
        let info = signed.info;
        let attributes = info.attributes;
        Self {
            xml: signed.xml,
            json: KeyJson {
                label: info.label.as_str().to_owned(),
                id: None,
                uuid: None,
                algorithm: info.algorithm.tsb_name(),
                algorithm_oid: info.algorithm.oid(),
                curve_oid: info.curve.map(|curve| curve.oid().to_owned()),
                derived_attributes: info.derivation.map(|(kind, chain_code)| {
                    serde_json::json!({
                        "derivationType": kind,
                        "derivationValue": hex::encode_upper(chain_code),
                    })
                }),
                key_size: info.key_size,
                key_usage_count: info.usage_count,
                create_time: info.created_at.to_string(),
                attest_time: signed.attested_at.to_string(),
                public_key: info.public_key.map(|der| STANDARD.encode(der)),
                address_truncated: info.address.map(|(format, address)| {
                    serde_json::json!({
                        "address": hex::encode_upper(address),
                        "format": format.name(),
                    })
                }),
                attributes: AttributesJson {
                    decrypt: attributes.decrypt,
                    sign: attributes.sign,
                    eka_sign: None,
                    unwrap: attributes.unwrap,
                    derive: attributes.derive,
                    sensitive: attributes.sensitive,
                    always_sensitive: attributes.always_sensitive(!info.imported),
                    extractable: attributes.extractable,
                    never_extractable: attributes.never_extractable(!info.imported),
                    modifiable: attributes.modifiable,
                    copyable: attributes.copyable,
                    destroyable: attributes.destroyable,
                },
                policy: info.policy,
            },
            xml_signature: STANDARD.encode(signed.xml_signature),
            attestation_key_name: signed.attestation_key_name,
        }
    }
}
