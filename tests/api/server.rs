//! The real binary on a real socket: start-up, restart, crash, lock and shutdown.
//! These tests generate real keys (no fixtures): the binary has no test hooks.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const BINARY: &str = env!("CARGO_BIN_EXE_tsb-emulator");

/// A running `tsb-emulator` process, killed when dropped.
pub struct Server {
    pub child: Child,
    pub address: SocketAddr,
    pub log: mpsc::Receiver<String>,
    pub error_log: mpsc::Receiver<String>,
}

impl Server {
    /// Starts the binary with `args` (plus `--listen 127.0.0.1:0`) and waits for its
    /// "listening on" line.
    pub fn start(args: &[&str]) -> Server {
        Self::start_with_env(args, &[])
    }

    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Server {
        Self::spawn(Command::new(BINARY), args, env)
    }

    /// Starts `command` (the binary, or a shell that execs it) with `args` as for `start`.
    pub fn spawn(mut command: Command, args: &[&str], env: &[(&str, &str)]) -> Server {
        command
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if !env.iter().any(|(name, _)| *name == "TSB_EMULATOR_LISTEN") {
            command.args(["--listen", "127.0.0.1:0"]);
        }
        // The key pool would generate RSA-4096 keys in the background; `pool` tests it.
        if !args.contains(&"--rsa-pool") {
            command.args(["--rsa-pool", "0"]);
        }
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("binary starts");
        // Keep stderr drained (and readable by tests) without letting a full pipe block it.
        let stderr = child.stderr.take().expect("piped");
        let (error_sender, error_log) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if error_sender.send(line).is_err() {
                    break;
                }
            }
        });
        let (sender, log) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let address = loop {
            let line = log
                .recv_timeout(Duration::from_secs(120))
                .expect("the server logs its address");
            let rest = line
                .split("listening on http://")
                .nth(1)
                .or_else(|| line.split("listening on https://").nth(1));
            if let Some(rest) = rest {
                let address = rest.split_whitespace().next().expect("address");
                break address.parse().expect("a socket address");
            }
        };
        Server {
            child,
            address,
            log,
            error_log,
        }
    }

    /// One HTTP/1.1 request; returns status and JSON body.
    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        http(self.address, method, path, body)
    }

    pub fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Stops the server (SIGTERM) and returns every line it logged.
    pub fn stop_and_collect_log(self) -> String {
        self.sigterm();
        let mut log = String::new();
        loop {
            match self.log.recv_timeout(Duration::from_secs(30)) {
                Ok(line) => {
                    log.push_str(&line);
                    log.push('\n');
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => panic!("the server did not stop"),
            }
        }
        assert!(self.wait(), "clean exit");
        log
    }

    /// Waits for the process to end; returns whether it exited successfully.
    pub fn wait(mut self) -> bool {
        let status = self.child.wait().expect("child waited");
        // Drain the log so a later assertion can read it.
        while self.log.try_recv().is_ok() {}
        status.success()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 client (`Connection: close`), so tests need no HTTP client crate.
pub fn http(address: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .expect("timeout set");
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("request written");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response read");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("status line");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body)
        .unwrap_or_default();
    (
        status,
        serde_json::from_str(body).unwrap_or(Value::String(body.to_owned())),
    )
}

fn key_request(label: &str, bits: u32) -> Value {
    json!({
        "label": label, "algorithm": "RSA", "keySize": bits,
        "attributes": {"decrypt": false, "sign": true, "unwrap": false, "destroyable": true}
    })
}

pub fn data_dir_arg(dir: &Path) -> String {
    dir.to_str().expect("utf-8 path").to_owned()
}

#[test]
fn a_key_survives_a_graceful_restart_under_the_same_attestation_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = data_dir_arg(dir.path());
    let server = Server::start(&["--data-dir", &data]);
    let (status, created) = server.request("POST", "/v1/key", Some(&key_request("kept", 2048)));
    assert_eq!(status, 201, "{created}");
    let (_, attestation) = server.request("GET", "/_emulator/attestation-key", None);
    server.sigterm();
    assert!(server.wait(), "clean exit on SIGTERM");

    let server = Server::start(&["--data-dir", &data]);
    let (status, info) = server.request("GET", "/v1/key/kept/attributes", None);
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["json"]["publicKey"], created["json"]["publicKey"]);
    assert_eq!(info["json"]["createTime"], created["json"]["createTime"]);
    let (_, attestation_again) = server.request("GET", "/_emulator/attestation-key", None);
    assert_eq!(
        attestation_again, attestation,
        "the attestation key is persisted"
    );
}

#[test]
fn acknowledged_keys_survive_kill_9_right_after_the_response() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = data_dir_arg(dir.path());
    let mut server = Server::start(&["--data-dir", &data]);
    let mut public_keys = Vec::new();
    for label in ["k1", "k2", "k3"] {
        let (status, created) = server.request("POST", "/v1/key", Some(&key_request(label, 2048)));
        assert_eq!(status, 201, "{created}");
        public_keys.push(created["json"]["publicKey"].clone());
    }
    server.child.kill().expect("SIGKILL sent");
    drop(server);

    let server = Server::start(&["--data-dir", &data]);
    for (label, public_key) in ["k1", "k2", "k3"].iter().zip(public_keys) {
        let (status, info) = server.request("GET", &format!("/v1/key/{label}/attributes"), None);
        assert_eq!(status, 200, "{label}: {info}");
        assert_eq!(info["json"]["publicKey"], public_key);
    }
}

#[test]
fn a_second_process_on_the_same_data_dir_refuses_to_start_clearly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = data_dir_arg(dir.path());
    let _first = Server::start(&["--data-dir", &data]);
    let second = Command::new(BINARY)
        .args(["--listen", "127.0.0.1:0", "--data-dir", &data])
        .output()
        .expect("binary runs");
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("is in use by another process") && stderr.contains(&data),
        "{stderr}"
    );
}

#[test]
fn sigterm_lets_an_in_flight_rsa_4096_generation_finish_and_persist() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = data_dir_arg(dir.path());
    let server = Server::start(&["--data-dir", &data]);
    let address = server.address;
    let in_flight = std::thread::spawn(move || {
        http(address, "POST", "/v1/key", Some(&key_request("late", 4096)))
    });
    std::thread::sleep(Duration::from_millis(200));
    server.sigterm();
    let (status, created) = in_flight.join().expect("client thread");
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["json"]["keySize"], 4096);
    assert!(server.wait(), "clean exit after the request finished");

    let server = Server::start(&["--data-dir", &data]);
    let (status, info) = server.request("GET", "/v1/key/late/attributes", None);
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["json"]["publicKey"], created["json"]["publicKey"]);
}

/// The signal handlers are installed before start-up logs anything: a SIGTERM sent as soon as
/// the "listening" line is read is a graceful stop (clean exit, store flushed), not a kill.
#[test]
fn sigterm_right_after_the_listening_line_is_a_graceful_stop() {
    for _ in 0..5 {
        let server = Server::start(&["--in-memory"]);
        let log = server.stop_and_collect_log();
        assert!(
            log.contains("tsb-emulator stopped; key store flushed"),
            "{log}"
        );
    }
}

#[test]
fn environment_variables_configure_the_server_and_in_memory_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let never = dir.path().join("never-created");
    let server = Server::start_with_env(
        &[],
        &[
            ("TSB_EMULATOR_LISTEN", "127.0.0.1:0"),
            ("TSB_EMULATOR_DATA_DIR", never.to_str().expect("utf-8")),
            ("TSB_EMULATOR_IN_MEMORY", "true"),
            ("TSB_EMULATOR_ATTESTATION_KEY_NAME", "my-attestation"),
        ],
    );
    let (status, created) = server.request("POST", "/v1/key", Some(&key_request("temp", 2048)));
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["attestationKeyName"], "my-attestation");
    server.sigterm();
    assert!(server.wait());
    assert!(
        !never.exists(),
        "--in-memory must not touch the data directory"
    );
}

#[test]
fn help_documents_every_option_and_its_environment_variable() {
    let output = Command::new(BINARY)
        .arg("--help")
        .output()
        .expect("binary runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--listen",
        "TSB_EMULATOR_LISTEN",
        "127.0.0.1:8080",
        "--data-dir",
        "TSB_EMULATOR_DATA_DIR",
        "./tsb-data",
        "--in-memory",
        "TSB_EMULATOR_IN_MEMORY",
        "--max-body-bytes",
        "TSB_EMULATOR_MAX_BODY_BYTES",
        "--attestation-key-name",
        "TSB_EMULATOR_ATTESTATION_KEY_NAME",
        "--rsa-pool",
        "TSB_EMULATOR_RSA_POOL",
        "--log",
        "TSB_EMULATOR_LOG",
        "--deterministic",
        "TSB_EMULATOR_DETERMINISTIC",
        "--log-format",
        "TSB_EMULATOR_LOG_FORMAT",
        "--fixtures",
        "TSB_EMULATOR_FIXTURES",
        "--no-control-api",
        "TSB_EMULATOR_NO_CONTROL_API",
        "--journal-size",
        "TSB_EMULATOR_JOURNAL_SIZE",
        "--journal-bodies",
        "TSB_EMULATOR_JOURNAL_BODIES",
    ] {
        assert!(help.contains(option), "--help lacks {option}:\n{help}");
    }
}

#[test]
fn the_health_subcommand_probes_a_running_server() {
    let server = Server::start(&["--in-memory"]);
    let (status, body) = server.request("GET", "/health", None);
    assert_eq!((status, body), (200, json!({"status": "UP"})));
    let address = server.address.to_string();
    let healthy = Command::new(BINARY)
        .args(["--listen", &address, "health"])
        .output()
        .expect("runs");
    assert!(
        healthy.status.success(),
        "{}",
        String::from_utf8_lossy(&healthy.stderr)
    );
    // The wildcard address of a container is probed on loopback.
    let wildcard = format!("0.0.0.0:{}", server.address.port());
    let healthy = Command::new(BINARY)
        .env("TSB_EMULATOR_LISTEN", &wildcard)
        .arg("health")
        .output()
        .expect("runs");
    assert!(
        healthy.status.success(),
        "{}",
        String::from_utf8_lossy(&healthy.stderr)
    );
    server.sigterm();
    assert!(server.wait());
    let down = Command::new(BINARY)
        .args(["--listen", &address, "health"])
        .output()
        .expect("runs");
    assert!(!down.status.success());
    assert!(String::from_utf8_lossy(&down.stderr).contains("cannot connect"));
}

#[test]
fn two_deterministic_runs_of_the_binary_answer_identically() {
    let session = |seed: &str| {
        let server =
            Server::start_with_env(&["--in-memory"], &[("TSB_EMULATOR_DETERMINISTIC", seed)]);
        let ec = json!({"label": "ec", "algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7",
                        "attributes": {"sign": true, "decrypt": false, "unwrap": false}});
        let sign = json!({"signRequest": {"payload": "cGF5bG9hZA==", "signKeyName": "ec",
                          "signatureAlgorithm": "SHA256_WITH_ECDSA", "signatureType": "DER"}});
        vec![
            server.request("POST", "/v1/key", Some(&ec)),
            server.request("POST", "/v1/synchronousSign", Some(&sign)),
            server.request("GET", "/v1/generateRandom/32", None),
        ]
    };
    let first = session("binary-seed");
    assert!(first.iter().all(|(status, _)| *status < 300), "{first:?}");
    assert_eq!(first, session("binary-seed"));
    assert_ne!(first[2], session("another-seed")[2]);
}

fn example_fixtures() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/example").to_owned()
}

/// Sends one request and reads until the server closes: the raw answer bytes.
fn raw_exchange(
    address: SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> std::io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    Ok(answer)
}

#[test]
fn a_drop_fault_closes_the_connection_without_an_answer_then_the_retry_succeeds() {
    let server = Server::start(&["--in-memory", "--fixtures", &example_fixtures()]);
    let (status, fault) = server.request(
        "POST",
        "/_emulator/faults",
        Some(&json!({"action": "drop", "path": "/v1/synchronousSign", "keyName": "rsa-signer"})),
    );
    assert_eq!(status, 201, "{fault}");
    let sign = json!({"signRequest": {"payload": "aGVsbG8=", "signKeyName": "rsa-signer",
        "signatureAlgorithm": "SHA256_WITH_RSA", "signatureType": "DER"}});
    // The first call gets no HTTP answer at all: the socket is closed (or reset).
    let first = raw_exchange(
        server.address,
        "POST",
        "/v1/synchronousSign",
        &sign.to_string(),
    );
    match first {
        Ok(bytes) => assert!(
            bytes.is_empty(),
            "got an answer: {}",
            String::from_utf8_lossy(&bytes)
        ),
        Err(error) => assert_eq!(error.kind(), std::io::ErrorKind::ConnectionReset, "{error}"),
    }
    // The client's retry succeeds, and the journal shows both attempts.
    let (status, body) = server.request("POST", "/v1/synchronousSign", Some(&sign));
    assert_eq!(status, 200, "{body}");
    let (_, journal) = server.request("GET", "/_emulator/journal", None);
    let entries = journal["entries"].as_array().expect("entries");
    let outcomes: Vec<(Value, Value)> = entries
        .iter()
        .map(|e| (e["status"].clone(), e["fault"].clone()))
        .collect();
    assert_eq!(
        outcomes,
        [(json!(0), json!("drop")), (json!(200), json!(null))]
    );
}

#[test]
fn fixtures_load_at_start_and_a_restart_keeps_them_without_duplicates() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = data_dir_arg(dir.path());
    let fixtures = example_fixtures();
    let first = Server::start(&["--data-dir", &data, "--fixtures", &fixtures]);
    let (_, labels) = first.request("GET", "/v1/key", None);
    assert_eq!(
        labels,
        json!([
            "aes-data",
            "ec-generated",
            "ec-signer",
            "ed-signer",
            "rsa-signer"
        ])
    );
    let (_, before) = first.request("GET", "/v1/key/ec-generated/attributes", None);
    first.sigterm();
    assert!(first.wait());
    let second = Server::start(&["--data-dir", &data, "--fixtures", &fixtures]);
    let (_, after) = second.request("GET", "/v1/key/ec-generated/attributes", None);
    assert_eq!(before["json"]["publicKey"], after["json"]["publicKey"]);
}

#[test]
fn a_broken_manifest_stops_the_start_naming_file_key_and_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = dir.path().join("broken.yaml");
    std::fs::write(
        &manifest,
        "version: 1\nkeys:\n  - label: k1\n    algorithm: AES\n    keySize: 100\n    attributes: {decrypt: true, sign: false, unwrap: false}\n    generate: true\n",
    )
    .expect("written");
    let output = Command::new(BINARY)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--in-memory",
            "--rsa-pool",
            "0",
            "--fixtures",
        ])
        .arg(&manifest)
        .output()
        .expect("binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("broken.yaml")
            && stderr.contains("key 'k1'")
            && stderr.contains("field 'keySize'")
            && stderr.contains("key size 100"),
        "{stderr}"
    );
}

#[test]
fn fixtures_validate_accepts_the_example_and_names_the_problem_in_a_broken_one() {
    let good = Command::new(BINARY)
        .args(["fixtures", "validate", &example_fixtures()])
        .output()
        .expect("binary runs");
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(String::from_utf8_lossy(&good.stdout).contains("5 key(s)"));
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = dir.path().join("m.json");
    std::fs::write(
        &manifest,
        json!({"version": 1, "keys": [{"label": "x", "algorithm": "RSA",
            "attributes": {"decrypt": false, "sign": true, "unwrap": false},
            "material": {"file": "missing.pem"}}]})
        .to_string(),
    )
    .expect("written");
    let bad = Command::new(BINARY)
        .args(["fixtures", "validate"])
        .arg(&manifest)
        .output()
        .expect("binary runs");
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("m.json")
            && stderr.contains("key 'x'")
            && stderr.contains("field 'material.file'"),
        "{stderr}"
    );
}

#[test]
fn fixtures_export_writes_a_manifest_that_loads_back_to_the_same_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = data_dir_arg(&dir.path().join("data"));
    let server = Server::start(&["--data-dir", &data, "--fixtures", &example_fixtures()]);
    let (_, original) = server.request("GET", "/_emulator/keys", None);
    server.sigterm();
    assert!(server.wait());
    let out = dir.path().join("exported.yaml");
    let export = Command::new(BINARY)
        .args(["--data-dir", &data, "fixtures", "export", "--out"])
        .arg(&out)
        .output()
        .expect("binary runs");
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    assert!(String::from_utf8_lossy(&export.stderr).contains("'ec-signer' has a password"));
    let reloaded = Server::start(&["--in-memory", "--fixtures", out.to_str().expect("utf-8")]);
    let (_, copy) = reloaded.request("GET", "/_emulator/keys", None);
    let summary = |keys: &Value| -> Vec<(Value, Value, Value)> {
        keys["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|k| {
                (
                    k["label"].clone(),
                    k["publicKey"].clone(),
                    k["attributes"].clone(),
                )
            })
            .collect()
    };
    assert_eq!(summary(&original), summary(&copy));
}

#[test]
fn json_logs_have_one_line_per_request_without_secrets() {
    let server = Server::start(&[
        "--in-memory",
        "--log-format",
        "json",
        "--fixtures",
        &example_fixtures(),
    ]);
    let (status, _) = server.request(
        "POST",
        "/v1/key/attributes",
        Some(&json!({"label": "ec-signer", "password": "fixture-password"})),
    );
    assert_eq!(status, 200);
    let line = loop {
        let line = server
            .log
            .recv_timeout(Duration::from_secs(30))
            .expect("a log line");
        if line.contains("/v1/key/attributes") {
            break line;
        }
    };
    let entry: Value = serde_json::from_str(&line).expect("a JSON log line");
    assert_eq!(entry["fields"]["route"], "/v1/key/attributes");
    assert_eq!(entry["fields"]["status"], 200);
    assert_eq!(entry["fields"]["key_label"], "ec-signer");
    assert!(!line.contains("fixture-password"));
}

#[test]
fn json_log_fields_have_json_types_and_absent_values_are_left_out() {
    let server = Server::start(&["--in-memory", "--log-format", "json"]);
    let (status, _) = server.request("GET", "/v1/key/absent-key", None);
    assert_eq!(status, 404);
    let (status, _) = server.request("GET", "/v1/key", None);
    assert_eq!(status, 200);
    let log = server.stop_and_collect_log();
    let entries: Vec<Value> = log
        .lines()
        .filter(|line| line.contains(r#""message":"request""#))
        .map(|line| serde_json::from_str(line).expect("a JSON log line"))
        .collect();
    let failed = entries
        .iter()
        .find(|e| e["fields"]["key_label"] == "absent-key")
        .unwrap_or_else(|| panic!("no request line:\n{log}"));
    assert_eq!(failed["fields"]["error_code"], json!(650));
    assert_eq!(failed["fields"]["status"], json!(404));
    assert!(failed["fields"].get("fault").is_none(), "{failed}");
    let listed = entries
        .iter()
        .find(|e| e["fields"]["route"] == "/v1/key")
        .unwrap_or_else(|| panic!("no request line:\n{log}"));
    for absent in ["error_code", "key_label", "fault"] {
        assert!(listed["fields"].get(absent).is_none(), "{listed}");
    }
}

#[test]
fn text_logs_have_one_line_per_request_and_the_filter_decides() {
    let server = Server::start(&["--in-memory"]);
    let (status, _) = server.request("GET", "/v1/key/absent-key", None);
    assert_eq!(status, 404);
    server.request("GET", "/health", None);
    let log = server.stop_and_collect_log();
    let line = log
        .lines()
        .find(|line| line.contains("absent-key"))
        .unwrap_or_else(|| panic!("no request line:\n{log}"));
    let fields = r#"  INFO tsb_emulator::request: request method=GET route="/v1/key/{keyName}" status=404 error_code=650 key_label="absent-key" duration_ms="#;
    // No fault hit it: the field is left out, not written as "-".
    assert!(line.contains(fields) && !line.contains("fault="), "{line}");
    // The emulator's own calls are logged at debug level only.
    assert!(!log.contains("/health"), "{log}");
    // A filter that turns the request target off (or down) drops the line.
    let quiet = Server::start(&["--in-memory", "--log", "info,tsb_emulator::request=warn"]);
    quiet.request("GET", "/v1/key/absent-key", None);
    let log = quiet.stop_and_collect_log();
    assert!(!log.contains("absent-key"), "{log}");
    let chatty = Server::start(&["--in-memory", "--log", "info,tsb_emulator::request=debug"]);
    chatty.request("GET", "/health", None);
    let log = chatty.stop_and_collect_log();
    assert!(
        log.contains(
            r#" DEBUG tsb_emulator::request: request method=GET route="/health" status=200"#
        ),
        "{log}"
    );
}

/// A stateful LMS key's index is on disk before each signature is answered: after `kill -9`
/// and a restart the next signature continues after the last one, never reusing an index.
#[test]
fn an_lms_key_never_reuses_an_index_across_kill_9_and_restart() {
    use base64::Engine;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = data_dir_arg(dir.path());
    let sign = |server: &Server| {
        let request = json!({"signRequest": {"payload": "AQID", "signKeyName": "lms",
            "signatureAlgorithm": "LMS"}});
        let (status, body) = server.request("POST", "/v1/synchronousSign", Some(&request));
        assert_eq!(status, 200, "{body}");
        let signature = base64::engine::general_purpose::STANDARD
            .decode(body["signature"].as_str().expect("signature"))
            .expect("base64");
        // HSS: Nspk = 0, then the LMS signature starting with its index q.
        u32::from_be_bytes(signature[4..8].try_into().expect("4 bytes"))
    };
    let mut server = Server::start(&["--data-dir", &data]);
    let request = json!({"label": "lms", "algorithm": "LMS",
        "attributes": {"decrypt": false, "sign": true, "unwrap": false}});
    let (status, created) = server.request("POST", "/v1/key", Some(&request));
    assert_eq!(status, 201, "{created}");
    let mut indices: Vec<u32> = (0..3).map(|_| sign(&server)).collect();
    server.child.kill().expect("SIGKILL sent");
    drop(server);

    let server = Server::start(&["--data-dir", &data]);
    indices.extend((0..2).map(|_| sign(&server)));
    assert_eq!(indices, [0, 1, 2, 3, 4]);
    let (_, info) = server.request("GET", "/v1/key/lms/attributes", None);
    assert_eq!(info["json"]["keyUsageCount"], 5);
}
