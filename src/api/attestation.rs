//! Attestation: the attestation key's certificate chain and the per-key attestation bundle
//! (reference 6.15).

use super::SharedState;
use super::error::ApiError;
use super::json::TsbJson;
use super::wire;
use crate::domain::Password;
use crate::hsm::AttestationBundle;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use std::io::Write;

#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct ChainResponse {
    attestation_certificate_chain: Vec<String>,
}

/// `{"attestationCertificateChain": [<base64 DER>...]}`, attestation certificate first.
#[utoipa::path(
    get,
    path = "/v1/attestation/certificateChain",
    tag = "Attestation",
    responses((status = 200, description = "The attestation key's certificate chain.", body = ChainResponse))
)]
pub(super) async fn chain(State(state): State<SharedState>) -> Json<ChainResponse> {
    Json(ChainResponse {
        attestation_certificate_chain: state
            .hsm
            .attestation_chain()
            .iter()
            .map(|der| STANDARD.encode(der))
            .collect(),
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct LabelPasswordDto {
    label: Option<String>,
    #[serde(default, deserialize_with = "wire::password")]
    #[schema(value_type = Option<String>)]
    password: Option<Password>,
}

/// How to check a bundle, shipped inside it.
const README: &str = "\
# Key attestation bundle (tsb-emulator)

- `<key>.xml`: the key's attestation document.
- `<key>.sig`: SHA256withRSA (PKCS#1 v1.5) signature over the XML's bytes by the attestation key.
- `<key>.pem`: the attestation public key.
- `PrimusHSM_Attestation.crt`: the attestation key's certificate, then the test root CA that issued it.

Check it with openssl:

    openssl dgst -sha256 -verify <key>.pem -signature <key>.sig <key>.xml
    openssl verify -CAfile <(sed -n '/BEGIN/h;/BEGIN/,$H;${x;p}' PrimusHSM_Attestation.crt) PrimusHSM_Attestation.crt

The root CA is made by the emulator on its first start: it proves the emulator's answers fit
together, not that a real HSM made them.
";

/// The zip download of reference 6.15.
#[utoipa::path(
    post,
    path = "/v1/key/keyAttestation",
    tag = "Attestation",
    request_body = LabelPasswordDto,
    responses((status = 200, description = "A zip bundle: key attestation XML, signature and certificate chain."))
)]
pub(super) async fn bundle(
    State(state): State<SharedState>,
    TsbJson(dto): TsbJson<LabelPasswordDto>,
) -> Result<impl IntoResponse, ApiError> {
    let label = wire::label("label", dto.label)?;
    let bundle = state.hsm.key_attestation(label, dto.password).await?;
    let name = wire::file_name(bundle.label.as_str());
    let zip = zip_bundle(&name, &bundle).map_err(|e| ApiError::internal_message(&e))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}_attestation.zip\""),
            ),
        ],
        zip,
    ))
}

fn zip_bundle(name: &str, bundle: &AttestationBundle) -> Result<Vec<u8>, std::io::Error> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let files: [(String, &[u8]); 5] = [
        (format!("{name}.xml"), bundle.xml.as_bytes()),
        (format!("{name}.sig"), &bundle.signature),
        (
            format!("{name}.pem"),
            bundle.attestation_public_key_pem.as_bytes(),
        ),
        (
            "PrimusHSM_Attestation.crt".to_owned(),
            bundle.chain_pem.as_bytes(),
        ),
        (
            "README_PrimusHSM_AuditAndAttestation_AN-E01.md".to_owned(),
            README.as_bytes(),
        ),
    ];
    for (file, bytes) in files {
        writer
            .start_file(file, options)
            .map_err(std::io::Error::other)?;
        writer.write_all(bytes)?;
    }
    Ok(writer.finish().map_err(std::io::Error::other)?.into_inner())
}
