//! The route table: every path the emulator knows, once, with its method, handler, access,
//! fidelity status and (through the handler's `#[utoipa::path]`) its OpenAPI operation. The
//! router, the access check, the capabilities manifest, the journal's internal list, the
//! control-API guard and the OpenAPI document all read it; none keeps a path list of its own.
//!
//! Adding an endpoint: write the handler with its `#[utoipa::path]` in the resource's module,
//! give it a row here, and a device method in `hsm`.

use super::SharedState;
use super::capabilities::Status;
use crate::access::ApiKeyGroup::{self, *};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

/// Who may call a route, and whether the journal and faults see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A TSB endpoint, opened by an API key of one of these groups (reference 3.2 with the
    /// tolerances of 3.3; empty = no group protects it). Journaled and faultable.
    Tsb(&'static [ApiKeyGroup]),
    /// The API documents (Swagger UI, `/v3/api-docs`): no credentials, as on the TSB.
    Docs,
    /// Health check and metrics: no credentials, counted but never journaled nor faulted.
    Service,
    /// The emulator's read-only facts under `/_emulator/`: always on, no credentials.
    Emulator,
    /// The control API under `/_emulator/`: off with `--no-control-api`, behind the control
    /// token when one is set.
    Control,
    /// The dashboard's static files (`/_emulator/ui`): off with `--no-control-api`, no token
    /// (the page holds no data; its calls are control calls).
    Dashboard,
}

/// What answers a route.
#[derive(Clone, Copy)]
pub enum Serve {
    /// A handler with its OpenAPI operation (`routes!(handler)`).
    Handler(fn() -> UtoipaMethodRouter<SharedState>),
    /// Served by the Swagger UI service (`/v3/api-docs`, `/swagger-ui/`).
    SwaggerUi,
    /// A TSB endpoint the emulator does not implement: 404/101 like an unknown path.
    Missing,
}

impl std::fmt::Debug for Serve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Handler(_) => "Handler",
            Self::SwaggerUi => "SwaggerUi",
            Self::Missing => "Missing",
        })
    }
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// The row number in the reference's endpoint overview (section 1); `None` for paths the
    /// reference does not list (aliases and the emulator's own).
    pub row: Option<u32>,
    /// HTTP method (as the reference gives it for missing endpoints, e.g. `UNKNOWN`).
    pub method: &'static str,
    /// Path pattern (`{name}` one segment, a final `**` the rest).
    pub path: &'static str,
    /// What it is for.
    pub purpose: &'static str,
    /// Access and observation.
    pub kind: Kind,
    /// Fidelity here.
    pub status: Status,
    /// What differs, for `approximated`.
    pub difference: Option<&'static str>,
    /// What answers it.
    pub serve: Serve,
}

impl Route {
    const fn approximated(self, difference: &'static str) -> Self {
        Self {
            status: Status::Approximated,
            difference: Some(difference),
            ..self
        }
    }

    /// Whether `method path` is this route (`path` concrete, as a client sends it).
    pub fn matches(&self, method: &str, path: &str) -> bool {
        let methods = self.method.split(|c: char| !c.is_ascii_alphabetic());
        methods
            .filter(|m| !m.is_empty())
            .any(|m| m == "UNKNOWN" || m.eq_ignore_ascii_case(method))
            && pattern_matches(self.path, path)
    }
}

const fn tsb(
    row: u32,
    method: &'static str,
    path: &'static str,
    purpose: &'static str,
    groups: &'static [ApiKeyGroup],
    serve: fn() -> UtoipaMethodRouter<SharedState>,
) -> Route {
    Route {
        row: Some(row),
        method,
        path,
        purpose,
        kind: Kind::Tsb(groups),
        status: Status::Exact,
        difference: None,
        serve: Serve::Handler(serve),
    }
}

/// A reference row the emulator does not implement.
const fn absent(
    row: u32,
    method: &'static str,
    path: &'static str,
    purpose: &'static str,
    groups: &'static [ApiKeyGroup],
) -> Route {
    Route {
        row: Some(row),
        method,
        path,
        purpose,
        kind: Kind::Tsb(groups),
        status: Status::NotImplemented,
        difference: None,
        serve: Serve::Missing,
    }
}

const fn own(
    method: &'static str,
    path: &'static str,
    purpose: &'static str,
    kind: Kind,
    serve: fn() -> UtoipaMethodRouter<SharedState>,
) -> Route {
    Route {
        row: None,
        method,
        path,
        purpose,
        kind,
        status: Status::Exact,
        difference: None,
        serve: Serve::Handler(serve),
    }
}

const KM: &[ApiKeyGroup] = &[KeyManagement];
const KO: &[ApiKeyGroup] = &[KeyOperation];
// 3.3: certificates are keyOperation, but the Keycloak and Fireblocks clients send key
// management; modify is keyManagement, but the Vault-CE seal sends keyOperation.
const KO_KM: &[ApiKeyGroup] = &[KeyOperation, KeyManagement];
// 3.3: generateRandom is keyOperation in the docs, but the Go client sends the service key.
const KO_SERVICE: &[ApiKeyGroup] = &[KeyOperation, Service];
const SERVICE: &[ApiKeyGroup] = &[Service];
const APPROVER: &[ApiKeyGroup] = &[Approver];
const APPROVER_KM: &[ApiKeyGroup] = &[ApproverKeyManagement];

use super::{
    approvals, approver_management, attestation, blockchain, capabilities, certificate_requests,
    certificates, cipher, emulator, keys, service, sign, ska, transfer, wrap,
};

/// Every route: the reference's endpoint overview in its order, then the aliases and the
/// emulator's own.
#[rustfmt::skip]
pub static ROUTES: &[Route] = &[
    tsb(1, "POST", "/v1/key", "create key", KM, || routes!(keys::create)).approximated("no ISS; LMS keys have one HSS level (tree height 5, or 10 as an emulator extension); EC curves of table 6.2 without a RustCrypto implementation are refused"),
    tsb(2, "GET", "/v1/key", "list key labels", KM, || routes!(keys::list)),
    tsb(3, "POST", "/v1/key/attributes", "key info (password-capable)", KM, || routes!(keys::attributes)),
    tsb(4, "GET", "/v1/key/{keyName}/attributes", "key info (deprecated, no password)", KM, || routes!(keys::attributes_by_path)),
    tsb(5, "POST", "/v1/key/deleteKey", "delete key (password-capable)", KM, || routes!(keys::delete_by_body)),
    tsb(6, "DELETE", "/v1/key/{keyName}", "delete key", KM, || routes!(keys::delete_by_path)),
    tsb(7, "POST", "/v1/key/changePassword", "change key password", KM, || routes!(transfer::change_password)),
    tsb(8, "POST", "/v1/key/import/plain", "import plain key material / cert", KM, || routes!(transfer::import)).approximated("PQC keys (ML-DSA, SLH-DSA, ML-KEM, LMS, XMSS) are refused with 400/600"),
    tsb(9, "POST", "/v1/key/export/plain", "export plain key material", KM, || routes!(transfer::export)).approximated("PQC keys are refused with 400/614 (a copy of a stateful key could reuse one-time indices)"),
    tsb(10, "POST", "/v1/key/address", "crypto-currency address of a key", KM, || routes!(keys::address)).approximated("BTC and ETH of secp256k1 keys, XRP of secp256k1 and Ed25519 keys, XLM of Ed25519 keys; IOTA (no documented encoding) and a format that does not fit the key answer 630"),
    tsb(11, "GET", "/v1/key/{keyName}/address", "same, deprecated", KM, || routes!(keys::address_by_path)).approximated("as POST /v1/key/address"),
    tsb(12, "POST", "/v1/key/keyAttestation", "attestation bundle (zip download)", KM, || routes!(attestation::bundle)).approximated("the attestation certificate chain is the emulator's own test CA, not a Securosys HSM's"),
    tsb(13, "POST", "/v1/importedKey", "create key from BIP32 seed", KM, || routes!(blockchain::imported_key)).approximated("secp256k1, P-256 and Ed25519 (SLIP-10) seeds only; answers 201 with key info (the TSB's answer is undocumented)"),
    tsb(14, "POST", "/v1/derivedKey", "persist a BIP32/SLIP10 child key", KM, || routes!(blockchain::derived_key)).approximated("answers 201 with the child's key info, stored as master/<path> (the TSB's answer is undocumented)"),
    tsb(15, "POST", "/v1/synchronousSign", "sign", KO, || routes!(sign::sign)),
    tsb(16, "POST", "/v1/sign", "sign (SKA workflow)", KO, || routes!(sign::sign_async)).approximated("approvers are the policy's public keys and certificates, and onboarded approvers (by name) once onboarded; no timer job: an approved request runs when approved or, after a timelock, at the next poll"),
    tsb(17, "POST", "/v1/verify", "verify signature (also HMAC verify, see §7.9)", KO, || routes!(sign::verify)),
    tsb(18, "POST", "/v1/synchronousHmac", "HMAC", KO, || routes!(sign::hmac)),
    tsb(19, "POST", "/v1/encrypt", "encrypt", KO, || routes!(cipher::encrypt)),
    tsb(20, "POST", "/v1/synchronousDecrypt", "decrypt", KO, || routes!(cipher::decrypt)),
    tsb(21, "POST", "/v1/decrypt", "decrypt (SKA workflow)", KO, || routes!(cipher::decrypt_async)).approximated("as POST /v1/sign"),
    absent(22, "POST", "/v1/fileEncrypt", "ECIES file encryption (multipart)", KO),
    absent(23, "POST", "/v1/synchronousFileDecrypt", "ECIES file decryption (multipart)", KO),
    tsb(24, "POST", "/v1/wrap", "wrap (export encrypted) a key", KO, || routes!(wrap::wrap)).approximated("wrapped private keys are PKCS#8, not Primus blobs; ML-KEM wrapping is the KEM ciphertext followed by RFC 5649 AES-256 key wrap under the shared secret (the TSB's format is unknown)"),
    tsb(25, "POST", "/v1/synchronousUnwrap", "unwrap (import) a key", KO, || routes!(wrap::unwrap)).approximated("accepts what /v1/wrap produces (see there)"),
    tsb(26, "POST", "/v1/unwrap", "unwrap (SKA workflow)", KO, || routes!(wrap::unwrap_async)).approximated("accepts what /v1/wrap produces (see there)"),
    tsb(27, "POST", "/v1/synchronousBlock", "block key", KO, || routes!(ska::block)).approximated("signedApprovals are the emulator's encoding of a task's approvalToBeSigned (docs/decisions.md)"),
    tsb(28, "POST", "/v1/block", "block key (workflow)", KO, || routes!(ska::block_async)).approximated("as POST /v1/sign"),
    tsb(29, "POST", "/v1/synchronousUnblock", "unblock key", KO, || routes!(ska::unblock)).approximated("as POST /v1/synchronousBlock"),
    tsb(30, "POST", "/v1/unblock", "unblock key (workflow)", KO, || routes!(ska::unblock_async)).approximated("as POST /v1/sign"),
    tsb(31, "POST", "/v1/synchronousModify", "replace SKA policy", KO_KM, || routes!(ska::modify)).approximated("as POST /v1/synchronousBlock"),
    tsb(32, "POST", "/v1/modify", "replace SKA policy (workflow)", KO_KM, || routes!(ska::modify_async)).approximated("as POST /v1/sign"),
    tsb(33, "GET", "/v1/request/{id}", "status/result of an async request", KO, || routes!(ska::read)),
    tsb(34, "DELETE", "/v1/request/{id}", "cancel async request", KO, || routes!(ska::cancel)),
    tsb(35, "POST", "/v1/filteredRequests", "list requests by status", KO, || routes!(ska::filtered)).approximated("method and body are the emulator's choice (undocumented): POST {\"status\": \"PENDING\"} answers an array of request objects"),
    tsb(36, "POST", "/v1/certificate/synchronous/request", "create CSR", KO_KM, || routes!(certificates::request)),
    tsb(37, "POST", "/v1/certificate/synchronous/request/download", "create CSR as file", KO_KM, || routes!(certificates::download)),
    tsb(38, "POST", "/v1/certificate/synchronous/selfsign", "self-signed cert, stored on key", KO_KM, || routes!(certificates::self_sign)),
    absent(39, "POST", "/v1/certificate/synchronous/create/selfSigned", "older self-signed endpoint (release 1.17.0)", KO_KM),
    tsb(40, "POST", "/v1/certificate/synchronous/sign", "issue cert from CSR", KO_KM, || routes!(certificates::issue)),
    tsb(41, "POST", "/v1/certificate/request", "CSR (SKA workflow)", KO_KM, || routes!(certificate_requests::request_async)),
    tsb(42, "POST", "/v1/certificate/selfsign", "self-signed (SKA workflow)", KO_KM, || routes!(certificate_requests::self_sign_async)),
    tsb(43, "POST", "/v1/certificate/sign", "issue cert (SKA workflow)", KO_KM, || routes!(certificate_requests::issue_async)),
    tsb(44, "POST", "/v1/certificate/import/plain", "attach cert to existing key", KO_KM, || routes!(certificates::import)),
    tsb(45, "GET", "/v1/certificate/{keyName}", "read attached cert", KO_KM, || routes!(certificates::read)),
    tsb(46, "DELETE", "/v1/certificate/{keyName}", "remove attached cert", KO_KM, || routes!(certificates::remove)),
    tsb(47, "GET", "/v1/generateRandom/{length}", "HSM random bytes", KO_SERVICE, || routes!(cipher::random)),
    tsb(48, "GET", "/v1/keystore/statistics", "keystore statistics / health check", SERVICE, || routes!(service::statistics)).approximated("the statistics text is the emulator's (key count, bytes on disk, RSA pool)"),
    tsb(49, "GET", "/v1/versionInfo", "version", SERVICE, || routes!(service::version)),
    tsb(50, "GET", "/v1/licenseInfo", "license flags", SERVICE, || routes!(service::license)),
    absent(51, "GET", "/v1/hsm/log/**", "HSM log (and /v1/hsm/log/**)", SERVICE),
    absent(52, "POST", "/v1/createRfcTimestamp", "RFC 3161 timestamp", KO),
    absent(53, "POST", "/v1/dataObject", "store data object", KM),
    absent(54, "GET", "/v1/dataObject/{dataObjectName}", "read data object", KM),
    tsb(55, "UNKNOWN", "/v1/attestation/**", "attestation-key certificate chain", KM, || routes!(attestation::chain)).approximated("GET /v1/attestation/certificateChain only: the emulator's test CA chain"),
    tsb(56, "POST", "/v1/filteredSignApprovalTask", "approver fetches sign tasks", APPROVER, || routes!(approvals::sign_tasks)).approximated("level 5 (keyAttributes) is null; timestamp signers are not configurable"),
    tsb(57, "POST", "/v1/filteredDecryptApprovalTask", "… decrypt tasks", APPROVER, || routes!(approvals::decrypt_tasks)).approximated("as /v1/filteredSignApprovalTask"),
    tsb(58, "POST", "/v1/filteredUnwrapKeyApprovalTask", "… unwrap tasks", APPROVER, || routes!(approvals::unwrap_tasks)).approximated("as /v1/filteredSignApprovalTask"),
    tsb(59, "POST", "/v1/filteredBlockKeyApprovalTask", "… block tasks", APPROVER, || routes!(approvals::block_tasks)).approximated("as /v1/filteredSignApprovalTask"),
    tsb(60, "POST", "/v1/filteredUnblockKeyApprovalTask", "… unblock tasks", APPROVER, || routes!(approvals::unblock_tasks)).approximated("as /v1/filteredSignApprovalTask"),
    tsb(61, "POST", "/v1/filteredModifyKeyApprovalTask", "… modify tasks", APPROVER, || routes!(approvals::modify_tasks)).approximated("as /v1/filteredSignApprovalTask"),
    tsb(62, "POST", "/v1/filteredAllApprovalTask", "… all tasks", APPROVER, || routes!(approvals::all_tasks)).approximated("as /v1/filteredSignApprovalTask"),
    tsb(63, "POST", "/v1/approval", "submit an approval", APPROVER, || routes!(approvals::approve)).approximated("approval tokens are the emulator's reading of reference 13.2"),
    tsb(64, "DELETE", "/v1/task", "reject/delete a task", APPROVER, || routes!(approvals::reject)).approximated("the method is not documented: DELETE and PATCH both reject"),
    tsb(65, "POST", "/v1/approverManagement/create", "create approver key pair", APPROVER_KM, || routes!(approver_management::create_post)).approximated("the approver's certificate is self-signed by the approver's own RSA key (sha224WithRSAEncryption as the TSB's, random serial); PUT, as the documentation's curl sends it, is accepted too"),
    tsb(66, "POST", "/v1/approver/onboard", "approver downloads its key", APPROVER, || routes!(approver_management::onboard)),
    tsb(67, "POST", "/v1/approverManagement/renewOneTimeCode", "new one-time code", APPROVER_KM, || routes!(approver_management::renew)),
    tsb(68, "POST", "/v1/approverManagement/restoreFromBackup", "restore approver (password known)", APPROVER_KM, || routes!(approver_management::restore)),
    tsb(69, "POST", "/v1/approverManagement/restoreFromBackup/forgotPassword", "restore (password lost)", APPROVER_KM, || routes!(approver_management::forgot_password)).approximated("an unwrap request on the backup key approver-mgmt-backup-key-rsa-wrapping (made on first use, empty policy); its tasks are listed by /v1/filteredUnwrapKeyApprovalTask with the approver name as payload"),
    tsb(70, "GET", "/v1/approverManagement/onboarding/status", "onboarded / pending approvers", APPROVER_KM, || routes!(approver_management::status)).approximated("approverCertificate is the X.509 certificate in PEM (the documentation's sample holds the PKCS#12 there)"),
    tsb(71, "DELETE", "/v1/approverManagement/delete/{approverName}", "delete approver backup", APPROVER_KM, || routes!(approver_management::delete)),
    absent(72, "UNKNOWN", "ML-KEM decapsulation (path UNKNOWN)", "KEM decapsulation", KO),
    // Not in the overview.
    own("PATCH", "/v1/task", "reject a task (PATCH, release 1.14.2)", Kind::Tsb(APPROVER), || routes!(approvals::reject_patch)),
    own("PUT", "/v1/approverManagement/create", "create approver (PUT, as the documentation's curl sends it)", Kind::Tsb(APPROVER_KM), || routes!(approver_management::create_put)),
    own("GET", "/v1/key/{keyName}", "key info (alias the Go client reads)", Kind::Tsb(KM), || routes!(keys::attributes_by_alias)),
    own("GET", "/health", "the emulator's health check", Kind::Service, || routes!(service::health)),
    own("GET", "/metrics", "Prometheus metrics", Kind::Service, || routes!(emulator::metrics)),
    Route { row: None, method: "GET", path: "/v3/api-docs", purpose: "this OpenAPI document", kind: Kind::Docs, status: Status::Exact, difference: None, serve: Serve::SwaggerUi },
    Route { row: None, method: "GET", path: "/swagger-ui/**", purpose: "Swagger UI", kind: Kind::Docs, status: Status::Exact, difference: None, serve: Serve::SwaggerUi },
    own("GET", "/_emulator/attestation-key", "the attestation key, to verify xmlSignature", Kind::Emulator, || routes!(emulator::attestation_key)),
    own("GET", "/_emulator/capabilities", "this fidelity manifest", Kind::Emulator, || routes!(capabilities::handler)),
    own("POST", "/_emulator/reset", "back to the start state", Kind::Control, || routes!(emulator::reset)),
    own("GET", "/_emulator/keys", "stored keys with metadata", Kind::Control, || routes!(emulator::keys)),
    own("GET", "/_emulator/journal", "the journal of calls", Kind::Control, || routes!(emulator::journal)),
    own("DELETE", "/_emulator/journal", "clear the journal", Kind::Control, || routes!(emulator::clear_journal)),
    own("GET", "/_emulator/faults", "armed faults", Kind::Control, || routes!(emulator::faults)),
    own("POST", "/_emulator/faults", "arm a fault", Kind::Control, || routes!(emulator::add_fault)),
    own("DELETE", "/_emulator/faults", "disarm every fault", Kind::Control, || routes!(emulator::clear_faults)),
    own("GET", "/_emulator/clock", "read the clock", Kind::Control, || routes!(emulator::clock::read)),
    own("POST", "/_emulator/clock", "move or set the clock", Kind::Control, || routes!(emulator::clock::move_clock)),
    own("GET", "/_emulator/ui", "the dashboard", Kind::Dashboard, || routes!(emulator::ui::page)),
    own("GET", "/_emulator/ui/app.js", "the dashboard's script", Kind::Dashboard, || routes!(emulator::ui::script)),
    own("GET", "/_emulator/ui/app.css", "the dashboard's style sheet", Kind::Dashboard, || routes!(emulator::ui::style)),
    own("GET", "/_emulator/snapshot", "the store as a fixture manifest", Kind::Control, || routes!(emulator::snapshot::snapshot)),
    own("POST", "/_emulator/restore", "replace the store by a manifest", Kind::Control, || routes!(emulator::snapshot::restore)),
    own("GET", "/_emulator/approvers", "the approvers the emulator signs as", Kind::Control, || routes!(emulator::ska::approvers)),
    own("POST", "/_emulator/approvers", "add a generated approver", Kind::Control, || routes!(emulator::ska::add_approver)),
    own("PUT", "/_emulator/approvers/{name}/decision", "set an approver's auto-decision", Kind::Control, || routes!(emulator::ska::set_decision)),
    own("DELETE", "/_emulator/approvers/{name}/decision", "clear an approver's auto-decision", Kind::Control, || routes!(emulator::ska::clear_decision)),
    own("GET", "/_emulator/requests", "open SKA requests with their tasks", Kind::Control, || routes!(emulator::ska::requests)),
    own("POST", "/_emulator/tasks/{id}/approve", "approve a task as an approver", Kind::Control, || routes!(emulator::ska::approve_task)),
    own("POST", "/_emulator/tasks/{id}/reject", "reject a task as an approver", Kind::Control, || routes!(emulator::ska::reject_task)),
    own("POST", "/_emulator/requests/{id}/expire", "expire a request now", Kind::Control, || routes!(emulator::ska::expire_request)),
];

/// The routes answered by handlers, as one router with their OpenAPI paths; control routes
/// only with `control_api`.
pub(super) fn router(control_api: bool) -> OpenApiRouter<SharedState> {
    ROUTES
        .iter()
        .filter(|route| control_api || !matches!(route.kind, Kind::Control | Kind::Dashboard))
        .fold(
            OpenApiRouter::with_openapi(super::openapi::frame()),
            |router, route| match route.serve {
                Serve::Handler(handler) => router.routes(handler()),
                Serve::SwaggerUi | Serve::Missing => router,
            },
        )
}

/// The row of `method path` (a concrete path), if the table has one.
pub fn find(method: &str, path: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|route| route.matches(method, path))
}

/// The first row whose pattern `path` fits, whatever the method: an exact path from a map
/// (the cheap requests' case, looked up on every request), else the first pattern row.
fn row_of(path: &str) -> Option<&'static Route> {
    static EXACT: std::sync::LazyLock<std::collections::HashMap<&'static str, &'static Route>> =
        std::sync::LazyLock::new(|| {
            let mut exact = std::collections::HashMap::new();
            for route in ROUTES.iter().filter(|route| !is_pattern(route.path)) {
                exact.entry(route.path).or_insert(route);
            }
            exact
        });
    EXACT.get(path).copied().or_else(|| {
        ROUTES
            .iter()
            .find(|route| is_pattern(route.path) && pattern_matches(route.path, path))
    })
}

fn is_pattern(path: &str) -> bool {
    path.contains('{') || path.ends_with("**")
}

/// The groups whose keys open `path`, whatever the method (empty for paths no group
/// protects, and for paths the table does not know).
pub fn groups_for(path: &str) -> &'static [ApiKeyGroup] {
    match row_of(path).map(|route| route.kind) {
        Some(Kind::Tsb(groups)) => groups,
        _ => &[],
    }
}

/// The kind of the route `path` belongs to, whatever the method; `None` for unknown paths.
pub fn kind_of(path: &str) -> Option<Kind> {
    row_of(path).map(|route| route.kind)
}

/// Calls the journal counts but never records nor faults: health, metrics and every
/// `/_emulator/` path (known or not).
pub fn is_internal(path: &str) -> bool {
    path.starts_with("/_emulator/")
        || matches!(
            kind_of(path),
            Some(Kind::Service | Kind::Emulator | Kind::Control)
        )
}

/// The control API: every `/_emulator/` path but the read-only facts every client may read
/// and the dashboard's static files.
pub fn is_control(path: &str) -> bool {
    path.starts_with("/_emulator/")
        && !matches!(kind_of(path), Some(Kind::Emulator | Kind::Dashboard))
}

/// Whether `path` fits the route `pattern` (`{name}` one segment, a final `**` the rest).
pub fn pattern_matches(pattern: &str, path: &str) -> bool {
    let mut given = path.split('/');
    for part in pattern.split('/') {
        if part == "**" {
            return true;
        }
        match given.next() {
            Some(segment) if part.starts_with('{') && part.ends_with('}') => {
                if segment.is_empty() {
                    return false;
                }
            }
            Some(segment) if segment == part => {}
            _ => return false,
        }
    }
    given.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_the_documented_groups() {
        assert_eq!(groups_for("/v1/key"), [KeyManagement]);
        assert_eq!(groups_for("/v1/key/a/attributes"), [KeyManagement]);
        assert_eq!(groups_for("/v1/keystore/statistics"), [Service]);
        assert_eq!(groups_for("/v1/synchronousSign"), [KeyOperation]);
        assert_eq!(groups_for("/v1/request/42"), [KeyOperation]);
        assert_eq!(groups_for("/v1/filteredSignApprovalTask"), [Approver]);
        assert_eq!(groups_for("/v1/approver/onboard"), [Approver]);
        assert_eq!(
            groups_for("/v1/approverManagement/create"),
            [ApproverKeyManagement]
        );
        assert_eq!(groups_for("/v1/hsm/log/x"), [Service]);
        assert_eq!(groups_for("/v1/generateRandom/8"), [KeyOperation, Service]);
        assert_eq!(
            groups_for("/v1/certificate/x"),
            [KeyOperation, KeyManagement]
        );
        assert!(groups_for("/v1/keys").is_empty());
        assert!(groups_for("/v1/Key").is_empty());
        assert!(groups_for("/health").is_empty());
    }
}
