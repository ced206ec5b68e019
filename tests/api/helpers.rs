//! Test plumbing: an app on an in-memory store fed with pre-generated fixture keys, and one
//! helper per endpoint.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tower::ServiceExt;
use tsb_emulator::crypto::rsa;
use tsb_emulator::domain::RsaBits;
use tsb_emulator::hsm::{Hsm, HsmOptions, RsaKeySupply};
use tsb_emulator::keystore::KeyStore;
use tsb_emulator::{AppState, app};

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Reads a fixture key (`fixtures/keys/<name>.pem`, made with `openssl genpkey`).
pub fn fixture_key(name: &str) -> rsa::PrivateKey {
    let path = fixtures().join("keys").join(format!("{name}.pem"));
    let pem = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    rsa::decode_private(&pem).expect("fixture key decodes")
}

/// Hands out the fixture keys of each size in file order (`rsa-<bits>-1`, `-2`, ...), then
/// starts over: the first 2048-bit key created in a fresh app is always `rsa-2048-1`.
pub struct FixtureSupply {
    queues: Mutex<HashMap<u32, VecDeque<String>>>,
}

impl FixtureSupply {
    pub fn new() -> Self {
        Self {
            queues: Mutex::new(HashMap::new()),
        }
    }

    fn names(bits: u32) -> VecDeque<String> {
        let mut names: Vec<String> = std::fs::read_dir(fixtures().join("keys"))
            .expect("fixtures/keys exists")
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.starts_with(&format!("rsa-{bits}-")))
            .map(|name| name.trim_end_matches(".pem").to_owned())
            .collect();
        names.sort();
        names.into()
    }
}

impl RsaKeySupply for FixtureSupply {
    fn take(&self, bits: RsaBits) -> Option<rsa::PrivateKey> {
        let mut queues = self.queues.lock().expect("not poisoned");
        let queue = queues.entry(bits.bits()).or_default();
        if queue.is_empty() {
            *queue = Self::names(bits.bits());
        }
        let name = queue.pop_front()?;
        Some(fixture_key(&name))
    }
}

/// An app under test, called through its router.
pub struct TestApp {
    pub router: Router,
}

/// A response: status, headers and the body parsed as JSON (or `Value::String` if not JSON).
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// Asserts a TSB error body with the given status and code; returns the message.
    #[track_caller]
    pub fn assert_error(&self, status: StatusCode, code: u64, reason: &str) -> String {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.body["errorCode"], code, "body: {}", self.body);
        assert_eq!(self.body["reason"], reason, "body: {}", self.body);
        let keys: Vec<&String> = self.body.as_object().expect("object").keys().collect();
        assert_eq!(
            keys,
            ["errorCode", "message", "reason"],
            "exactly the TSB fields"
        );
        self.body["message"]
            .as_str()
            .expect("message is a string")
            .to_owned()
    }
}

/// A fresh app on an in-memory store, with fixture keys and the fixture attestation key.
pub async fn spawn_app() -> TestApp {
    spawn_app_with_limit(tsb_emulator::api::DEFAULT_MAX_BODY_BYTES).await
}

/// As [`spawn_app`], with a custom body limit.
pub async fn spawn_app_with_limit(max_body_bytes: usize) -> TestApp {
    spawn_app_with_state(|state| AppState {
        max_body_bytes,
        ..state
    })
    .await
    .0
}

/// As [`spawn_app`], with the state changed by `change` (e.g. `control_api: false`); also
/// returns the device handle.
pub async fn spawn_app_with_state(change: impl FnOnce(AppState) -> AppState) -> (TestApp, Hsm) {
    let store = KeyStore::in_memory().expect("in-memory store");
    let options = HsmOptions {
        rsa_supply: Some(Arc::new(FixtureSupply::new())),
        initial_attestation_key: Some(fixture_key("attestation-rsa-2048")),
        ..HsmOptions::default()
    };
    let hsm = Hsm::open(store, options).await.expect("hsm opens");
    let state = change(AppState::new(hsm.clone()));
    (TestApp { router: app(state) }, hsm)
}

/// As [`spawn_app`], with `--strict-key-protection` on when `strict` (the PKCS#11-style
/// extraction defences the TSB does not show).
pub async fn spawn_app_in_mode(strict: bool) -> TestApp {
    let store = KeyStore::in_memory().expect("in-memory store");
    let options = HsmOptions {
        rsa_supply: Some(Arc::new(FixtureSupply::new())),
        initial_attestation_key: Some(fixture_key("attestation-rsa-2048")),
        strict_key_protection: strict,
        ..HsmOptions::default()
    };
    spawn_app_with(store, options).await
}

/// As [`spawn_app`], with the state adjusted by `configure` (access policy, timeouts).
pub async fn spawn_app_configured(configure: impl FnOnce(&mut AppState)) -> TestApp {
    let store = KeyStore::in_memory().expect("in-memory store");
    let options = HsmOptions {
        rsa_supply: Some(Arc::new(FixtureSupply::new())),
        initial_attestation_key: Some(fixture_key("attestation-rsa-2048")),
        ..HsmOptions::default()
    };
    let hsm = Hsm::open(store, options).await.expect("hsm opens");
    let mut state = AppState::new(hsm);
    configure(&mut state);
    TestApp { router: app(state) }
}

/// An app on `store` with `options` as given (no fixture keys).
pub async fn spawn_app_with(store: KeyStore, options: HsmOptions) -> TestApp {
    let hsm = Hsm::open(store, options).await.expect("hsm opens");
    TestApp {
        router: app(AppState::new(hsm)),
    }
}

/// The seed page's key request, with a label and key size of the test's choosing.
pub fn seed_key_request(label: &str, key_size: u32) -> Value {
    json!({
        "label": label,
        "password": null,
        "algorithm": "RSA",
        "keySize": key_size,
        "attributes": {
            "decrypt": false, "sign": true, "unwrap": false,
            "extractable": false, "modifiable": true, "destroyable": true
        },
        "policy": null
    })
}

/// A minimal `signRequest` envelope.
pub fn sign_request(label: &str, algorithm: &str, payload: &[u8], signature_type: &str) -> Value {
    use base64::Engine;
    json!({"signRequest": {
        "payload": base64::engine::general_purpose::STANDARD.encode(payload), "signKeyName": label,
        "signatureAlgorithm": algorithm, "signatureType": signature_type
    }})
}

/// A `verifySignatureRequest` envelope.
pub fn verify_request(label: &str, algorithm: &str, payload: &[u8], signature: &[u8]) -> Value {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    json!({"verifySignatureRequest": {
        "signKeyName": label, "signatureAlgorithm": algorithm,
        "payload": b64.encode(payload), "signature": b64.encode(signature)
    }})
}

/// The seed page's CSR request for `label`.
pub fn seed_csr_request(label: &str) -> Value {
    json!({
        "signKeyName": label,
        "keyPassword": null,
        "signatureAlgorithm": "SHA256_WITH_RSA",
        "validity": 365,
        "standardCertificateAttributes": {
            "commonName": "SUB-Securosys-001",
            "country": "CH",
            "stateOrProvinceName": "Zurich",
            "locality": "Zurich",
            "organizationName": "Securosys SA",
            "organizationUnitName": "Operations",
            "email": null, "title": null, "surname": null, "givenName": null,
            "initials": null, "pseudonym": null, "generationQualifier": null
        },
        "keyUsage": ["DIGITAL_SIGNATURE"],
        "extendedKeyUsage": ["ANY_EXTENDED_KEY_USAGE"]
    })
}

impl TestApp {
    /// Sends a request with an optional raw body and content type.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> Reply {
        let headers: Vec<(&str, &str)> = content_type
            .map(|value| vec![("content-type", value)])
            .unwrap_or_default();
        self.send_with_headers(method, path, &headers, body).await
    }

    /// Sends a request with the given headers and body.
    pub async fn send_with_headers(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Body>,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(body.into()).expect("valid request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        Reply {
            status,
            headers,
            body,
        }
    }

    /// POSTs JSON.
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.post_raw(path, body.to_string()).await
    }

    /// POSTs a raw JSON text (for malformed or lenient bodies).
    pub async fn post_raw(&self, path: &str, body: impl Into<String>) -> Reply {
        self.send("POST", path, Some("application/json"), body.into())
            .await
    }

    /// GETs a path.
    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None, Body::empty()).await
    }

    /// DELETEs a path.
    pub async fn delete(&self, path: &str) -> Reply {
        self.send("DELETE", path, None, Body::empty()).await
    }

    /// Creates a key from `request`, asserting 201.
    pub async fn create_key(&self, request: &Value) -> Value {
        let reply = self.post("/v1/key", request).await;
        assert_eq!(reply.status, StatusCode::CREATED, "body: {}", reply.body);
        reply.body
    }

    /// Creates the seed page's key under `label` with `key_size` bits.
    pub async fn create_seed_key(&self, label: &str, key_size: u32) -> Value {
        self.create_key(&seed_key_request(label, key_size)).await
    }

    /// Requests a CSR, asserting 200; returns the PEM.
    pub async fn csr(&self, request: &Value) -> String {
        let reply = self
            .post("/v1/certificate/synchronous/request", request)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "body: {}", reply.body);
        assert_eq!(reply.body["label"], request["signKeyName"]);
        reply.body["certificateSigningRequest"]
            .as_str()
            .expect("PEM string")
            .to_owned()
    }

    /// The labels `GET /v1/key` lists.
    pub async fn labels(&self) -> Vec<String> {
        let reply = self.get("/v1/key").await;
        assert_eq!(reply.status, StatusCode::OK);
        serde_json::from_value(reply.body).expect("array of labels")
    }
}
