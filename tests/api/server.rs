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
            if let Some(rest) = line.split("listening on http://").nth(1) {
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
