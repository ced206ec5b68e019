//! The independent implementation: the `openssl` command line, run on files in a temp dir.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `openssl args...` with `stdin`, asserting success; returns stdout.
#[track_caller]
pub fn run(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let output = output(args, stdin);
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Runs `openssl args...` and returns whatever it did.
pub fn output(args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl is installed");
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(stdin)
        .expect("stdin written");
    child.wait_with_output().expect("openssl ran")
}

/// `openssl req -verify -text` on a PEM CSR; returns the text dump.
#[track_caller]
pub fn verify_csr(pem: &str) -> String {
    let output = output(&["req", "-verify", "-noout", "-text"], pem.as_bytes());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.contains("verify OK"),
        "openssl rejected the CSR: {stderr}"
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// DER of a PEM CSR, decoded by openssl (not by us).
pub fn csr_der(pem: &str) -> Vec<u8> {
    run(&["req", "-outform", "DER"], pem.as_bytes())
}

/// `openssl asn1parse` of DER, one line per element.
pub fn asn1parse(der: &[u8]) -> String {
    String::from_utf8_lossy(&run(&["asn1parse", "-inform", "DER", "-i"], der)).into_owned()
}

/// Makes a CSR with `openssl req -new` for the fixture key and the given config.
pub fn make_csr(dir: &Path, key: &Path, config: &str, digest: &str) -> Vec<u8> {
    let config_path = dir.join("req.cnf");
    std::fs::write(&config_path, config).expect("config written");
    let key = key.to_str().expect("utf-8 path");
    let config_path = config_path.to_str().expect("utf-8 path");
    run(
        &[
            "req",
            "-new",
            "-key",
            key,
            "-config",
            config_path,
            digest,
            "-outform",
            "DER",
        ],
        b"",
    )
}

/// The DER SPKI of a fixture key, derived by openssl from the private key file.
pub fn fixture_public_key(name: &str) -> Vec<u8> {
    let path = crate::helpers::fixtures().join(format!("keys/{name}.pem"));
    let path = path.to_str().expect("utf-8 path");
    run(&["pkey", "-in", path, "-pubout", "-outform", "DER"], b"")
}

/// Whether openssl accepts `signature` as an RSASSA-PKCS1-v1_5 SHA-256 signature over
/// `data` by the key whose DER SPKI is `public_key`.
pub fn verifies_sha256(public_key: &[u8], signature: &[u8], data: &[u8]) -> bool {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("written");
        path.to_str().expect("utf-8 path").to_owned()
    };
    let public_pem = run(&["pkey", "-pubin", "-inform", "DER"], public_key);
    let (key, sig, data) = (
        write("key.pem", &public_pem),
        write("data.sig", signature),
        write("data", data),
    );
    let result = output(
        &[
            "dgst",
            "-sha256",
            "-verify",
            &key,
            "-signature",
            &sig,
            &data,
        ],
        b"",
    );
    result.status.success() && String::from_utf8_lossy(&result.stdout).trim() == "Verified OK"
}

/// Runs an openssl verification command over files: `{pub}` (PEM public key from the DER
/// SPKI), `{sig}` and `{data}` in `args` are replaced by their paths. True if openssl
/// accepted the signature.
pub fn verifies_with(args: &[&str], public_key: &[u8], signature: &[u8], data: &[u8]) -> bool {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("written");
        path.to_str().expect("utf-8 path").to_owned()
    };
    let public_pem = run(&["pkey", "-pubin", "-inform", "DER"], public_key);
    let (key, sig, data) = (
        write("key.pem", &public_pem),
        write("data.sig", signature),
        write("data", data),
    );
    let args: Vec<String> = args
        .iter()
        .map(|arg| {
            arg.replace("{pub}", &key)
                .replace("{sig}", &sig)
                .replace("{data}", &data)
        })
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = output(&args, b"");
    result.status.success() && !String::from_utf8_lossy(&result.stdout).contains("Failure")
}
