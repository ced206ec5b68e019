//! The real binary under faults: `kill -9` at random moments while clients create keys, a
//! full disk, a permissive umask, and its logs at trace level searched for the secrets used.
//!
//! `TSB_CRASH_CYCLES` sets the number of kill/restart cycles (5 by default; the long run is
//! `TSB_CRASH_CYCLES=200 cargo test --release --test api durability::`).

use crate::server::{BINARY, Server, data_dir_arg};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request that may fail (the server may die under it): status and body, or `None`.
fn try_http(address: SocketAddr, method: &str, path: &str, body: &Value) -> Option<(u16, Value)> {
    let mut stream = TcpStream::connect(address).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .ok()?;
    let body = body.to_string();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let (_, body) = response.split_once("\r\n\r\n")?;
    Some((status, serde_json::from_str(body).ok()?))
}

/// A fast key (no RSA generation): EC P-256 for even `n`, AES-256 for odd.
fn fast_key(label: &str, n: usize) -> Value {
    let attributes = json!({"decrypt": true, "sign": true, "unwrap": false, "encrypt": true});
    if n.is_multiple_of(2) {
        json!({"label": label, "algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7",
            "attributes": attributes})
    } else {
        json!({"label": label, "algorithm": "AES", "keySize": 256, "attributes": attributes})
    }
}

/// Uses a key: signs with an EC key, encrypts with an AES key; asserts success.
fn assert_usable(server: &Server, label: &str, created: &Value) {
    let (status, info) = server.request("GET", &format!("/v1/key/{label}/attributes"), None);
    assert_eq!(status, 200, "{label} was acknowledged but is gone: {info}");
    assert_eq!(info["json"]["publicKey"], created["json"]["publicKey"]);
    let (path, body) = if created["json"]["algorithm"] == "EC" {
        (
            "/v1/synchronousSign",
            json!({"signRequest": {"signKeyName": label, "payload": "AAAA",
                "signatureAlgorithm": "SHA256_WITH_ECDSA"}}),
        )
    } else {
        (
            "/v1/encrypt",
            json!({"encryptRequest": {"encryptKeyName": label, "payload": "AAAA",
                "cipherAlgorithm": "AES_GCM"}}),
        )
    };
    let (status, reply) = server.request("POST", path, Some(&body));
    assert_eq!(
        status, 200,
        "{label} does not work after the restart: {reply}"
    );
}

fn crash_cycles() -> usize {
    std::env::var("TSB_CRASH_CYCLES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5)
}

#[test]
fn acknowledged_keys_survive_kill_9_at_random_moments_under_load() {
    const CLIENTS: usize = 8;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = data_dir_arg(dir.path());
    // Every key acknowledged with 201 so far, with its creation reply.
    let mut acknowledged: BTreeMap<String, Value> = BTreeMap::new();
    for cycle in 0..crash_cycles() {
        let mut server = Server::start(&["--data-dir", &data]);
        // The previous cycles' keys are all there and the store opened cleanly.
        let (status, labels) = server.request("GET", "/v1/key", None);
        assert_eq!(status, 200, "{labels}");
        let labels: Vec<String> = serde_json::from_value(labels).expect("labels");
        for label in acknowledged.keys() {
            assert!(labels.contains(label), "cycle {cycle}: {label} was lost");
        }
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(Mutex::new(Vec::new()));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|client| {
                let (stop, acked, address) =
                    (Arc::clone(&stop), Arc::clone(&acked), server.address);
                std::thread::spawn(move || {
                    for n in 0.. {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let label = format!("c{cycle}-t{client}-{n}");
                        match try_http(address, "POST", "/v1/key", &fast_key(&label, n)) {
                            Some((201, created)) => {
                                acked.lock().expect("lock").push((label, created))
                            }
                            Some((status, body)) => panic!("{label}: {status} {body}"),
                            // The server died under the request: its outcome is unknown.
                            None => break,
                        }
                    }
                })
            })
            .collect();
        // Kill at a random moment once the clients are under way.
        while acked.lock().expect("lock").len() < CLIENTS {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(rand::random_range(0..400)));
        server.child.kill().expect("SIGKILL sent");
        server.child.wait().expect("killed");
        stop.store(true, Ordering::SeqCst);
        for client in clients {
            client.join().expect("client thread");
        }
        drop(server);
        let acked = std::mem::take(&mut *acked.lock().expect("lock"));
        assert!(acked.len() >= CLIENTS);
        // Restart and check this cycle's keys one by one.
        let server = Server::start(&["--data-dir", &data]);
        for (label, created) in &acked {
            assert_usable(&server, label, created);
        }
        acknowledged.extend(acked);
        server.sigterm();
        assert!(server.wait(), "clean exit");
    }
    eprintln!(
        "{} cycles, {} acknowledged keys, none lost",
        crash_cycles(),
        acknowledged.len()
    );
}

/// The binary started by `sh` with `prelude` run first (e.g. `ulimit`, `umask`).
fn start_via_shell(prelude: &str, args: &[&str]) -> Server {
    let mut command = Command::new("sh");
    command.args(["-c", &format!("{prelude}; exec \"$0\" \"$@\""), BINARY]);
    Server::spawn(command, args, &[])
}

#[test]
fn a_full_disk_fails_writes_with_a_tsb_error_keeps_serving_reads_and_loses_nothing() {
    // RLIMIT_FSIZE works unprivileged: writes past the limit fail with EFBIG, as on a full
    // disk (SIGXFSZ ignored, so the write fails instead of killing the process).
    let dir = tempfile::tempdir().expect("temp dir");
    let data = data_dir_arg(dir.path());
    let server = start_via_shell("trap '' XFSZ; ulimit -f 1060", &["--data-dir", &data]);
    let mut acked = Vec::new();
    let mut failure = None;
    for n in 0..3000 {
        let label = format!("k{n}");
        let (status, body) = server.request("POST", "/v1/key", Some(&fast_key(&label, n)));
        match status {
            201 => acked.push((label, body)),
            _ => {
                failure = Some((label, status, body));
                break;
            }
        }
    }
    let (failed, status, body) = failure.expect("the file size limit was never reached");
    assert!(
        acked.len() > 10,
        "{} keys before the disk filled",
        acked.len()
    );
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["errorCode"], 1, "{body}");
    assert_eq!(body["reason"], "res.error.technical");
    // The store turns read-only: sled's in-memory tree cannot be trusted after a failed write
    // (it was seen to answer "absent" for acknowledged keys), so writes get the same TSB error
    // and reads are answered from the acknowledged records kept in memory. Health says DOWN so
    // an orchestrator restarts the emulator. Nothing panics, no connection drops.
    for n in 0..5 {
        let label = format!("late{n}");
        for (path, body) in [
            ("/v1/key", fast_key(&label, n)),
            ("/v1/key/deleteKey", json!({"label": "k0"})),
        ] {
            let (status, reply) = server.request("POST", path, Some(&body));
            assert_eq!(
                (status, reply["errorCode"].clone()),
                (500, json!(1)),
                "{path}: {reply}"
            );
        }
    }
    for (label, created) in &acked {
        assert_usable(&server, label, created);
    }
    let (status, listed) = server.request("GET", "/v1/key", None);
    assert_eq!(status, 200, "{listed}");
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(acked.len()),
        "{listed}"
    );
    let (status, _) = server.request("GET", &format!("/v1/key/{failed}/attributes"), None);
    assert_eq!(status, 404, "the failed create is not readable");
    let (status, body) = server.request("GET", "/health", None);
    assert_eq!((status, body), (503, json!({"status": "DOWN"})));
    let (status, body) = server.request("GET", "/v1/keystore/statistics", None);
    assert_eq!(status, 200, "{body}");
    drop(server);

    // After a restart with room, every acknowledged key is there; the failed one is not.
    let server = Server::start(&["--data-dir", &data]);
    for (label, created) in &acked {
        assert_usable(&server, label, created);
    }
    let (status, _) = server.request("GET", &format!("/v1/key/{failed}/attributes"), None);
    assert_eq!(status, 404, "a failed create left its key behind");
    let (status, body) = server.request("POST", "/v1/key", Some(&fast_key("after", 1)));
    assert_eq!(status, 201, "{body}");
}

fn assert_private(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut pending = vec![path.to_path_buf()];
    let mut files = 0;
    while let Some(folder) = pending.pop() {
        let mode = std::fs::metadata(&folder)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700, "{} is {mode:o}", folder.display());
        for entry in std::fs::read_dir(&folder).expect("readable") {
            let entry = entry.expect("entry");
            if entry.file_type().expect("type").is_dir() {
                pending.push(entry.path());
            } else {
                files += 1;
                let mode = entry.metadata().expect("metadata").permissions().mode() & 0o777;
                assert_eq!(mode, 0o600, "{} is {mode:o}", entry.path().display());
            }
        }
    }
    assert!(files >= 2, "the store wrote files");
}

#[test]
fn the_data_directory_is_private_whatever_the_umask() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A folder left world-readable (e.g. by an older version) is tightened too.
    let loose = dir.path().join("loose");
    std::fs::create_dir(&loose).expect("created");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    std::fs::write(loose.join("stray"), b"x").expect("written");
    std::fs::set_permissions(loose.join("stray"), std::fs::Permissions::from_mode(0o666))
        .expect("chmod");
    for data in [dir.path().join("fresh").join("nested"), loose] {
        let data = data_dir_arg(&data);
        let server = start_via_shell("umask 000", &["--data-dir", &data]);
        for n in 0..20 {
            let (status, body) =
                server.request("POST", "/v1/key", Some(&fast_key(&format!("k{n}"), n)));
            assert_eq!(status, 201, "{body}");
        }
        server.sigterm();
        assert!(server.wait());
        assert_private(std::path::Path::new(&data));
    }
}

#[test]
fn trace_logs_never_contain_passwords_private_keys_or_payloads() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = data_dir_arg(dir.path());
    let server = Server::start(&["--data-dir", &data, "--log", "trace"]);
    let password = "Pa55-w0rd-never-logged";
    let payload = b"payload-that-must-stay-private";
    let pem = std::fs::read_to_string(crate::helpers::fixtures().join("keys/rsa-2048-3.pem"))
        .expect("fixture");
    let private_b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut secrets = vec![
        password.to_owned(),
        String::from_utf8_lossy(payload).into_owned(),
        STANDARD.encode(payload),
        hex::encode(payload),
    ];
    // Any 40-character window of the private key's base64 (the log must hold none of it).
    secrets.extend(
        (0..private_b64.len().saturating_sub(40))
            .step_by(40)
            .map(|i| private_b64[i..i + 40].to_owned()),
    );
    let requests = [
        (
            "/v1/key/import/plain",
            json!({"label": "imported", "algorithm": "RSA",
            "privateKey": private_b64, "password": password,
            "attributes": {"decrypt": true, "sign": true, "unwrap": false, "extractable": true, "sensitive": false}}),
        ),
        (
            "/v1/key",
            json!({"label": "aes", "algorithm": "AES", "keySize": 256, "password": password,
            "attributes": {"decrypt": true, "sign": false, "unwrap": false, "encrypt": true,
                           "extractable": true, "sensitive": false}}),
        ),
        (
            "/v1/synchronousSign",
            json!({"signRequest": {"signKeyName": "imported",
            "keyPassword": password, "payload": STANDARD.encode(payload),
            "signatureAlgorithm": "SHA256_WITH_RSA"}}),
        ),
        (
            "/v1/encrypt",
            json!({"encryptRequest": {"encryptKeyName": "aes", "keyPassword": password,
            "payload": STANDARD.encode(payload), "cipherAlgorithm": "AES_GCM"}}),
        ),
        (
            "/v1/key/export/plain",
            json!({"label": "imported", "password": password}),
        ),
        (
            "/v1/key/export/plain",
            json!({"label": "aes", "password": password}),
        ),
        // Failures: a wrong password, a bad payload, a failed decryption, an undecodable key.
        (
            "/v1/key/attributes",
            json!({"label": "imported", "password": format!("{password}x")}),
        ),
        (
            "/v1/synchronousDecrypt",
            json!({"decryptRequest": {"decryptKeyName": "aes",
            "keyPassword": password, "encryptedPayload": STANDARD.encode(payload),
            "initializationVector": "AAAAAAAAAAAAAAAA", "cipherAlgorithm": "AES_GCM"}}),
        ),
        (
            "/v1/key/import/plain",
            json!({"label": "broken", "algorithm": "RSA",
            "privateKey": &private_b64[..private_b64.len() / 2], "password": password,
            "attributes": {"decrypt": true, "sign": true, "unwrap": false}}),
        ),
        (
            "/v1/key/changePassword",
            json!({"label": "aes", "password": password,
            "newPassword": format!("{password}-new")}),
        ),
    ];
    for (path, body) in &requests {
        let (status, reply) = server.request("POST", path, Some(body));
        assert!(status != 0 && !reply.is_null(), "{path}");
    }
    server.sigterm();
    let mut server = server;
    server.child.wait().expect("exited");
    std::thread::sleep(Duration::from_millis(200));
    let lines: Vec<String> = server
        .log
        .try_iter()
        .chain(server.error_log.try_iter())
        .collect();
    assert!(
        lines.len() > 20 && lines.iter().any(|l| l.contains("TRACE")),
        "trace logging was on: {} lines",
        lines.len()
    );
    for line in &lines {
        for secret in &secrets {
            assert!(
                !line.contains(secret.as_str()),
                "a log line leaks a secret: {line}"
            );
        }
    }
}
