//! The real binary over TLS and mutual TLS, with certificates made by openssl and
//! `openssl s_client` as the client; configuration from the environment; and a slowloris
//! attack while a normal client keeps being served.

use crate::server::{Server, http};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Runs openssl in `dir`, asserting success.
fn openssl_in(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Certificates made by openssl: a server certificate for localhost, a client CA with a client
/// certificate, and a rogue CA with a client certificate the server must not trust.
struct Pki {
    dir: tempfile::TempDir,
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        let p256 = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ];
        let self_signed = |name: &str, subject: &str, extra: &[&str]| {
            let key = format!("{name}.key");
            let cert = format!("{name}.pem");
            let mut args = vec!["req", "-x509"];
            args.extend(p256);
            args.extend([
                "-keyout", &key, "-out", &cert, "-days", "2", "-subj", subject,
            ]);
            args.extend(extra);
            openssl_in(d, &args);
        };
        self_signed(
            "server",
            "/CN=localhost",
            &["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        );
        let ca_extensions = [
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ];
        self_signed("client-ca", "/CN=Test Client CA", &ca_extensions);
        self_signed("rogue-ca", "/CN=Rogue CA", &ca_extensions);
        std::fs::write(d.join("client.ext"), "extendedKeyUsage=clientAuth\n").expect("written");
        for (client, ca) in [("client", "client-ca"), ("rogue-client", "rogue-ca")] {
            let key = format!("{client}.key");
            let csr = format!("{client}.csr");
            let mut args = vec!["req"];
            args.extend(p256);
            args.extend(["-keyout", &key, "-out", &csr, "-subj", "/CN=tsb-client"]);
            openssl_in(d, &args);
            openssl_in(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &csr,
                    "-CA",
                    &format!("{ca}.pem"),
                    "-CAkey",
                    &format!("{ca}.key"),
                    "-CAcreateserial",
                    "-days",
                    "2",
                    "-extfile",
                    "client.ext",
                    "-out",
                    &format!("{client}.pem"),
                ],
            );
        }
        Pki { dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir
            .path()
            .join(name)
            .to_str()
            .expect("utf-8")
            .to_owned()
    }

    fn server_args(&self) -> Vec<String> {
        vec![
            "--in-memory".into(),
            "--tls-cert".into(),
            self.path("server.pem"),
            "--tls-key".into(),
            self.path("server.key"),
        ]
    }
}

/// One HTTPS request through `openssl s_client`, which verifies the server against `ca` for
/// the name localhost; `client` is a certificate and key to present. Returns the raw
/// response, empty when the handshake or the connection failed.
fn https(
    address: SocketAddr,
    ca: &str,
    client: Option<(&str, &str)>,
    path: &str,
    headers: &[(&str, &str)],
) -> String {
    let connect = format!("127.0.0.1:{}", address.port());
    let mut args = vec![
        "s_client",
        "-connect",
        &connect,
        "-servername",
        "localhost",
        "-CAfile",
        ca,
        "-verify_return_error",
        "-verify_hostname",
        "localhost",
        "-quiet",
    ];
    if let Some((cert, key)) = client {
        args.extend(["-cert", cert, "-key", key]);
    }
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("Connection: close\r\n\r\n");
    let output = crate::openssl::output(&args, request.as_bytes());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn start(args: &[String]) -> Server {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Server::start(&args)
}

#[test]
fn https_with_an_openssl_certificate_serves_the_api() {
    let pki = Pki::new();
    let server = start(&pki.server_args());
    let answer = https(
        server.address,
        &pki.path("server.pem"),
        None,
        "/v1/versionInfo",
        &[],
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"Version\""), "{answer}");
}

#[test]
fn tls_self_signed_writes_a_localhost_certificate_clients_can_trust() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("trust-me.pem");
    let out_arg = out.to_str().expect("utf-8").to_owned();
    let server = start(&[
        "--in-memory".into(),
        "--tls-self-signed".into(),
        "--tls-self-signed-cert-out".into(),
        out_arg.clone(),
    ]);
    let answer = https(server.address, &out_arg, None, "/health", &[]);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let text = crate::openssl::run(&["x509", "-in", &out_arg, "-noout", "-text"], b"");
    let text = String::from_utf8_lossy(&text);
    assert!(
        text.contains("DNS:localhost") && text.contains("IP Address:127.0.0.1"),
        "{text}"
    );
}

#[test]
fn mutual_tls_need_refuses_missing_and_untrusted_client_certificates() {
    let pki = Pki::new();
    let mut args = pki.server_args();
    args.extend(["--tls-client-ca".into(), pki.path("client-ca.pem")]);
    let server = start(&args);
    let ca = pki.path("server.pem");
    let trusted = (pki.path("client.pem"), pki.path("client.key"));
    let rogue = (pki.path("rogue-client.pem"), pki.path("rogue-client.key"));

    let answer = https(server.address, &ca, None, "/health", &[]);
    assert!(
        !answer.contains("HTTP/1.1"),
        "no certificate, no answer: {answer}"
    );
    let answer = https(
        server.address,
        &ca,
        Some((&rogue.0, &rogue.1)),
        "/health",
        &[],
    );
    assert!(
        !answer.contains("HTTP/1.1"),
        "untrusted certificate: {answer}"
    );
    let answer = https(
        server.address,
        &ca,
        Some((&trusted.0, &trusted.1)),
        "/health",
        &[],
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn mutual_tls_want_admits_clients_without_a_certificate_but_not_untrusted_ones() {
    let pki = Pki::new();
    let mut args = pki.server_args();
    args.extend([
        "--tls-client-ca".into(),
        pki.path("client-ca.pem"),
        "--tls-client-auth".into(),
        "want".into(),
    ]);
    let server = start(&args);
    let ca = pki.path("server.pem");
    let answer = https(server.address, &ca, None, "/health", &[]);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let rogue = (pki.path("rogue-client.pem"), pki.path("rogue-client.key"));
    let answer = https(
        server.address,
        &ca,
        Some((&rogue.0, &rogue.1)),
        "/health",
        &[],
    );
    assert!(
        !answer.contains("HTTP/1.1"),
        "untrusted certificate: {answer}"
    );
    let trusted = (pki.path("client.pem"), pki.path("client.key"));
    let answer = https(
        server.address,
        &ca,
        Some((&trusted.0, &trusted.1)),
        "/health",
        &[],
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn a_production_style_client_with_keys_bearer_and_client_certificate_works_and_nothing_secret_is_logged()
 {
    let pki = Pki::new();
    let mut args = pki.server_args();
    args.extend(["--tls-client-ca".into(), pki.path("client-ca.pem")]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = Server::start_with_env(
        &args,
        &[
            ("TSB_EMULATOR_API_KEY_SERVICE", "svc-old-7d1e,svc-new-42ab"),
            ("TSB_EMULATOR_API_KEY_KEY_MANAGEMENT", "km-only-9c3f"),
            ("TSB_EMULATOR_BEARER_TOKENS", "bearer-ci-5e8a"),
        ],
    );
    let ca = pki.path("server.pem");
    let (cert, key) = (pki.path("client.pem"), pki.path("client.key"));
    let client = Some((cert.as_str(), key.as_str()));
    let bearer = ("Authorization", "Bearer bearer-ci-5e8a");

    let answer = https(
        server.address,
        &ca,
        client,
        "/v1/versionInfo",
        &[bearer, ("X-API-KEY", "svc-new-42ab")],
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let answer = https(
        server.address,
        &ca,
        client,
        "/v1/key",
        &[bearer, ("X-API-KEY", "km-only-9c3f")],
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let answer = https(
        server.address,
        &ca,
        client,
        "/v1/key",
        &[bearer, ("X-API-KEY", "svc-old-7d1e")],
    );
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains("\"errorCode\":631"), "{answer}");
    let answer = https(
        server.address,
        &ca,
        client,
        "/v1/versionInfo",
        &[("X-API-KEY", "svc-old-7d1e")],
    );
    assert!(answer.contains("\"errorCode\":406"), "{answer}");
    let answer = https(
        server.address,
        &ca,
        client,
        "/v1/versionInfo",
        &[
            ("Authorization", "Bearer wrong-token-1f2e"),
            ("X-API-KEY", "wrong-key-0b7c"),
        ],
    );
    assert!(answer.contains("\"errorCode\":617"), "{answer}");

    let log = server.stop_and_collect_log();
    for secret in [
        "svc-old-7d1e",
        "svc-new-42ab",
        "km-only-9c3f",
        "bearer-ci-5e8a",
        "wrong-token-1f2e",
        "wrong-key-0b7c",
    ] {
        assert!(!log.contains(secret), "{secret} logged:\n{log}");
    }
    assert!(
        log.contains("refused"),
        "refusals are logged (without keys):\n{log}"
    );
}

#[test]
fn help_and_the_environment_document_the_access_and_transport_options() {
    let output = Command::new(env!("CARGO_BIN_EXE_tsb-emulator"))
        .arg("--help")
        .env("TSB_EMULATOR_API_KEY_SERVICE", "help-secret-3a9d")
        .output()
        .expect("binary runs");
    let help = String::from_utf8_lossy(&output.stdout);
    for option in [
        "--api-key",
        "TSB_EMULATOR_API_KEY_KEY_MANAGEMENT",
        "TSB_EMULATOR_API_KEY_KEY_OPERATION",
        "TSB_EMULATOR_API_KEY_SERVICE",
        "TSB_EMULATOR_API_KEY_APPROVER",
        "TSB_EMULATOR_API_KEY_APPROVER_KEY_MANAGEMENT",
        "--bearer-token",
        "TSB_EMULATOR_BEARER_TOKENS",
        "--jwt-hs256-secret",
        "--jwt-public-key",
        "--tls-cert",
        "--tls-key",
        "--tls-self-signed",
        "--tls-self-signed-cert-out",
        "--tls-client-ca",
        "--tls-client-auth",
        "--max-connections",
        "--header-read-timeout-ms",
        "--body-read-timeout-ms",
        "--request-timeout-ms",
    ] {
        assert!(help.contains(option), "--help lacks {option}:\n{help}");
    }
    assert!(!help.contains("help-secret-3a9d"), "--help shows a key");
}

#[test]
fn a_bad_api_key_flag_is_refused_at_start() {
    let output = Command::new(env!("CARGO_BIN_EXE_tsb-emulator"))
        .args(["--in-memory", "--api-key", "KEYS=abc"])
        .output()
        .expect("binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown API-key group"), "{stderr}");
}

/// A slowloris client: sends a request head one byte at a time; returns whether the server
/// closed the connection before the head was complete.
fn slowloris(address: SocketAddr) -> bool {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_millis(1)))
        .expect("timeout set");
    let head = format!(
        "GET /v1/versionInfo HTTP/1.1\r\nHost: localhost\r\nX-Padding: {}\r\n\r\n",
        "a".repeat(600)
    );
    let mut scratch = [0u8; 64];
    for byte in head.bytes() {
        if stream.write_all(&[byte]).is_err() {
            return true;
        }
        match stream.read(&mut scratch) {
            // End of stream or reset: the server closed the connection.
            Ok(0) => return true,
            Err(error)
                if error.kind() != std::io::ErrorKind::WouldBlock
                    && error.kind() != std::io::ErrorKind::TimedOut =>
            {
                return true;
            }
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

#[test]
fn slowloris_connections_are_closed_and_normal_clients_are_served_throughout() {
    let server = Server::start(&[
        "--in-memory",
        "--header-read-timeout-ms",
        "1000",
        "--max-connections",
        "16",
    ]);
    let address = server.address;
    let attackers: Vec<_> = (0..8)
        .map(|_| std::thread::spawn(move || slowloris(address)))
        .collect();
    // While the attack runs (it would need a minute to finish its heads), normal requests
    // keep being answered.
    let mut served = 0;
    while !attackers.iter().all(|attacker| attacker.is_finished()) {
        let (status, body) = http(address, "GET", "/v1/versionInfo", None);
        assert_eq!(status, 200, "{body}");
        served += 1;
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(served > 0);
    for attacker in attackers {
        assert!(
            attacker.join().expect("attacker thread"),
            "the server closed the slow connection before its head was complete"
        );
    }
    let (status, _) = http(address, "GET", "/health", None);
    assert_eq!(status, 200);
}

/// One request on a kept-alive connection; returns the response body.
fn keep_alive_request(stream: &mut TcpStream, path: &str) -> String {
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("request written");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).expect("response head");
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    let length: usize = head
        .split("content-length:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|value| value.parse().ok())
        .expect("content-length");
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).expect("response body");
    String::from_utf8_lossy(&body).into_owned()
}

#[test]
fn the_connection_limit_holds_a_new_client_until_an_idle_connection_is_closed() {
    let server = Server::start(&[
        "--in-memory",
        "--max-connections",
        "1",
        "--header-read-timeout-ms",
        "1000",
    ]);
    let address = server.address;
    // A holds the only slot: it has been served, so the server has accepted it.
    let mut holder = TcpStream::connect(address).expect("connect");
    holder
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout set");
    assert_eq!(keep_alive_request(&mut holder, "/v1/key"), "[]");
    let waiting = std::thread::spawn(move || {
        let key = serde_json::json!({
            "label": "second-client", "algorithm": "AES", "keySize": 256,
            "attributes": {"decrypt": true, "sign": false, "unwrap": false}
        });
        http(address, "POST", "/v1/key", Some(&key))
    });
    // While A keeps using its connection, the second client is not served.
    for _ in 0..5 {
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(keep_alive_request(&mut holder, "/v1/key"), "[]");
    }
    // A goes idle; the header-read timeout closes it and frees the slot.
    let mut rest = Vec::new();
    let closed = holder.read_to_end(&mut rest).is_ok();
    assert!(closed && rest.is_empty(), "the idle connection is closed");
    let (status, body) = waiting.join().expect("client thread");
    assert_eq!(status, 201, "{body}");
}

#[test]
fn the_health_subcommand_probes_an_https_server_started_with_the_same_settings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("cert.pem");
    let out = out.to_str().expect("utf-8");
    let server = Server::start(&[
        "--in-memory",
        "--tls-self-signed",
        "--tls-self-signed-cert-out",
        out,
    ]);
    let address = server.address.to_string();
    let probe = |tls: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tsb-emulator"));
        command.args(["--listen", &address]);
        if tls {
            command.env("TSB_EMULATOR_TLS_SELF_SIGNED", "true");
        }
        command.arg("health").output().expect("runs")
    };
    let healthy = probe(true);
    assert!(
        healthy.status.success(),
        "{}",
        String::from_utf8_lossy(&healthy.stderr)
    );
    // Plain HTTP to an HTTPS port gets no HTTP answer.
    assert!(!probe(false).status.success());
}

#[test]
fn on_https_stalled_handshakes_are_closed_while_normal_clients_are_served() {
    let pki = Pki::new();
    let mut args = pki.server_args();
    args.extend(["--header-read-timeout-ms".into(), "1000".into()]);
    let server = start(&args);
    let address = server.address;
    // Half a ClientHello record header, then silence.
    let stalled: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut stream = TcpStream::connect(address).expect("connect");
            stream.write_all(&[0x16, 0x03]).expect("written");
            stream
                .set_read_timeout(Some(Duration::from_secs(30)))
                .expect("timeout set");
            stream
        })
        .collect();
    let answer = https(address, &pki.path("server.pem"), None, "/health", &[]);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    for mut stream in stalled {
        let mut rest = Vec::new();
        // Closed by the server: end of stream (or a reset), well before the 30 s read timeout.
        match stream.read_to_end(&mut rest) {
            Ok(_) => {}
            Err(error) => assert!(
                !matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ),
                "still open"
            ),
        }
    }
    let answer = https(address, &pki.path("server.pem"), None, "/health", &[]);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[test]
fn a_body_that_trickles_in_too_slowly_gets_408_on_the_real_socket() {
    let server = Server::start(&["--in-memory", "--body-read-timeout-ms", "500"]);
    let mut stream = TcpStream::connect(server.address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout set");
    write!(
        stream,
        "POST /v1/key HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{{\"label\""
    )
    .expect("head written");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(response.contains("\"errorCode\":600"), "{response}");
    let (status, labels) = server.request("GET", "/v1/key", None);
    assert_eq!((status, labels), (200, serde_json::json!([])));
}
