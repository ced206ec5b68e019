//! The command line and the start-up: global flags after subcommands, `fixtures validate`
//! reporting every problem, the URLs in the start-up log, per-process TLS certificate files.

use crate::server::{BINARY, Server};
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;
use tsb_emulator::config::{Command as Sub, Config};

#[test]
fn global_flags_are_accepted_after_the_subcommand() {
    let config = Config::try_parse_args_from(["tsb-emulator", "health", "--listen", "127.0.0.1:9"])
        .expect("parsed");
    assert!(matches!(config.command, Some(Sub::Health)));
    assert_eq!(config.listen.to_string(), "127.0.0.1:9");
    let config = Config::try_parse_args_from([
        "tsb-emulator",
        "fixtures",
        "export",
        "--data-dir",
        "/tmp/elsewhere",
        "--out",
        "x.yaml",
    ])
    .expect("parsed");
    assert_eq!(config.data_dir, PathBuf::from("/tmp/elsewhere"));
    // Before the subcommand still works.
    let config = Config::try_parse_args_from(["tsb-emulator", "--listen", "127.0.0.1:7", "health"])
        .expect("parsed");
    assert_eq!(config.listen.to_string(), "127.0.0.1:7");
}

#[test]
fn health_with_listen_after_the_subcommand_probes_that_server() {
    let server = Server::start(&["--in-memory"]);
    let probe = Command::new(BINARY)
        .args(["health", "--listen", &server.address.to_string()])
        .output()
        .expect("binary runs");
    assert!(
        probe.status.success(),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );
}

#[test]
fn fixtures_validate_reports_every_problem_of_a_manifest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let manifest = dir.path().join("m.json");
    let attributes = json!({"decrypt": false, "sign": true, "unwrap": false});
    std::fs::write(
        &manifest,
        json!({"version": 1, "keys": [
            {"label": "good", "algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7",
             "attributes": attributes, "generate": true},
            {"label": "bad-size", "algorithm": "RSA", "keySize": 100,
             "attributes": attributes, "generate": true},
            {"label": "bad-file", "algorithm": "RSA", "attributes": attributes,
             "material": {"file": "missing.pem"}},
            {"label": "bad-field", "algorithm": "EC", "colour": "red",
             "attributes": attributes, "generate": true},
            {"label": "good", "algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7",
             "attributes": attributes, "generate": true},
        ]})
        .to_string(),
    )
    .expect("written");
    let out = Command::new(BINARY)
        .args(["fixtures", "validate"])
        .arg(&manifest)
        .output()
        .expect("binary runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("4 problem(s)"), "{stderr}");
    for expected in [
        "key 'bad-size', field 'keySize'",
        "key 'bad-file', field 'material.file'",
        "key 'bad-field'",
        "key 'good', field 'label': the label appears twice",
    ] {
        assert!(stderr.contains(expected), "{expected} in {stderr}");
    }
    assert!(stderr.contains("colour"), "{stderr}");
}

#[test]
fn fixtures_validate_reports_a_label_declared_in_two_files_of_a_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let key = json!({"label": "twice", "algorithm": "EC", "curveOid": "1.2.840.10045.3.1.7",
        "attributes": {"decrypt": false, "sign": true, "unwrap": false}, "generate": true});
    for name in ["a.json", "b.json"] {
        let manifest = json!({"version": 1, "keys": [key]}).to_string();
        std::fs::write(dir.path().join(name), manifest).expect("written");
    }
    let out = Command::new(BINARY)
        .args(["fixtures", "validate"])
        .arg(dir.path())
        .output()
        .expect("binary runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("b.json, key 'twice', field 'label'"),
        "{stderr}"
    );
}

#[test]
fn the_start_up_log_names_the_api_swagger_control_and_metrics_urls() {
    let server = Server::start(&["--in-memory"]);
    let base = format!("http://{}", server.address);
    // A request first: it is served once the signal handler is in place.
    assert_eq!(server.request("GET", "/health", None).0, 200);
    let log = server.stop_and_collect_log();
    for url in [
        format!("API {base}/v1/"),
        format!("Swagger UI {base}/swagger-ui/"),
        format!("control API {base}/_emulator/"),
        format!("dashboard {base}/_emulator/ui"),
        format!("metrics {base}/metrics"),
    ] {
        assert!(log.contains(&url), "{url} in {log}");
    }
    let off = Server::start(&["--in-memory", "--no-control-api"]);
    assert_eq!(off.request("GET", "/health", None).0, 200);
    let log = off.stop_and_collect_log();
    assert!(log.contains("control API off (--no-control-api)"), "{log}");
}

/// The self-signed certificate files of the process `pid` in the temp folder.
fn certificate_files(pid: u32) -> Vec<PathBuf> {
    let prefix = format!("tsb-emulator-self-signed-{pid}-");
    std::fs::read_dir(std::env::temp_dir())
        .expect("temp dir readable")
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with(&prefix))
        })
        .collect()
}

#[test]
fn parallel_in_memory_servers_never_share_a_self_signed_certificate_file() {
    let first = Server::start(&["--in-memory", "--tls-self-signed"]);
    let second = Server::start(&["--in-memory", "--tls-self-signed"]);
    let (first_pid, second_pid) = (first.child.id(), second.child.id());
    let first_files = certificate_files(first_pid);
    let second_files = certificate_files(second_pid);
    assert_eq!(first_files.len(), 1, "{first_files:?}");
    assert_eq!(second_files.len(), 1, "{second_files:?}");
    assert_ne!(first_files[0], second_files[0]);
    let first_pem = std::fs::read(&first_files[0]).expect("readable");
    let second_pem = std::fs::read(&second_files[0]).expect("readable");
    assert_ne!(first_pem, second_pem, "each server has its own certificate");
    // A clean stop removes the file (the pause lets the signal handler be installed: a TLS
    // request would need a client of its own).
    std::thread::sleep(std::time::Duration::from_millis(300));
    let log = first.stop_and_collect_log();
    assert!(certificate_files(first_pid).is_empty(), "{log}");
    second.stop_and_collect_log();
    assert!(certificate_files(second_pid).is_empty());
}
