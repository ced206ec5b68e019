//! Approver onboarding against independent implementations: the real TSB (Java) container
//! printed in the documentation, the `openssl` command line and python `cryptography`.

use super::*;
use crate::crypto::x509::public_key_of;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use der::{Decode, Encode, Tagged};
use sha2::Digest;
use std::convert::Infallible;
use std::path::Path;
use std::process::{Command, Output};
use x509_cert::Certificate;

const DOCS: &str = include_str!("../../../fixtures/approvers/onboarding-docs.txt");
/// 2024-02-17 00:00:00 UTC.
const START: u64 = 1_708_128_000;

fn docs(name: &str) -> &'static str {
    DOCS.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("{name} in onboarding-docs.txt"))
}

/// The real TSB PKCS#12 of the documentation, decrypted with its transport password.
fn docs_pkcs12() -> Vec<u8> {
    let payload = BASE64.decode(docs("encrypted-payload")).unwrap();
    let nonce = BASE64.decode(docs("initialization-vector")).unwrap();
    open_onboarding_payload(&payload, &nonce, docs("transport-password")).unwrap()
}

fn fixture_key() -> rsa::PrivateKey {
    let path = format!(
        "{}/fixtures/keys/rsa-2048-1.pem",
        env!("CARGO_MANIFEST_DIR")
    );
    rsa::decode_private(&std::fs::read(path).unwrap()).unwrap()
}

fn credentials(name: &str) -> ApproverCredentials {
    approver_certificate_for_key(name, &fixture_key(), START, 3650, &mut rand::rng()).unwrap()
}

/// The SPKI of a PKCS#8 RSA key.
fn spki_of(pkcs8: &[u8]) -> Vec<u8> {
    rsa::public_spki_der(&rsa::decode_private(pkcs8).unwrap()).unwrap()
}

fn run(dir: &Path, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"))
}

fn openssl_ok(dir: &Path, args: &[&str]) -> String {
    let output = run(dir, "openssl", args);
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    // `pkcs12 -info` prints its summary on stderr.
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The algorithm lines of `openssl pkcs12 -info` (MAC, bags and their protection).
fn pkcs12_summary(dir: &Path, file: &str, password: &str) -> Vec<String> {
    let pass = format!("pass:{password}");
    let text = openssl_ok(
        dir,
        &["pkcs12", "-in", file, "-info", "-noout", "-passin", &pass],
    );
    text.lines()
        .filter(|line| {
            ["MAC", "PKCS7", "Shrouded", "Certificate bag"]
                .iter()
                .any(|prefix| line.starts_with(prefix))
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_documentations_real_tsb_payload_opens_with_our_reader() {
    let pkcs12 = docs_pkcs12();
    let password = docs("backup-password");
    let contents = read_pkcs12(&pkcs12, password, password).unwrap();
    // Java's KeyStore lowercased the approver name; so does `keystore_alias`.
    assert_eq!(
        contents.alias.as_deref(),
        Some("financeofficer1@securosys.com")
    );
    assert_eq!(
        keystore_alias(docs("approver-name")),
        "financeofficer1@securosys.com"
    );
    assert_eq!(
        spki_of(contents.private_key_pkcs8.expose()),
        public_key_of(&contents.certificate_der).unwrap()
    );

    assert!(matches!(
        read_pkcs12(&pkcs12, "2al16", "2al16"),
        Err(CryptoError::DecryptionFailed)
    ));
    let payload = BASE64.decode(docs("encrypted-payload")).unwrap();
    let nonce = BASE64.decode(docs("initialization-vector")).unwrap();
    let wrong = "AnMrg9Ho5PLqqR8kmHhfgsvp8iT2OlpX";
    assert!(matches!(
        open_onboarding_payload(&payload, &nonce, wrong),
        Err(CryptoError::DecryptionFailed)
    ));
}

#[test]
fn our_certificate_has_the_profile_of_the_tsbs_approver_certificates() {
    let theirs = read_pkcs12(&docs_pkcs12(), "2al15", "2al15").unwrap();
    let theirs = Certificate::from_der(&theirs.certificate_der).unwrap();
    let ours = credentials(docs("approver-name"));
    let ours = Certificate::from_der(&ours.certificate_der).unwrap();
    let (t, o) = (theirs.tbs_certificate(), ours.tbs_certificate());

    assert_eq!(o.version(), t.version());
    assert_eq!(ours.signature_algorithm(), theirs.signature_algorithm());
    assert_eq!(o.subject().to_der().unwrap(), t.subject().to_der().unwrap());
    assert_eq!(o.issuer().to_der().unwrap(), t.issuer().to_der().unwrap());
    let profile = |tbs: &x509_cert::TbsCertificate| -> Vec<(String, bool)> {
        tbs.extensions()
            .unwrap()
            .iter()
            .map(|e| (e.extn_id.to_string(), e.critical))
            .collect()
    };
    assert_eq!(profile(o), profile(t));
    // Basic constraints and key usage carry the same values (the key identifier differs).
    let value = |tbs: &x509_cert::TbsCertificate, i: usize| {
        tbs.extensions().unwrap()[i].extn_value.as_bytes().to_vec()
    };
    assert_eq!(value(o, 0), value(t, 0));
    assert_eq!(value(o, 1), value(t, 1));
    // Both key identifiers are RFC 5280 method 1 (SHA-1 of the public key bits).
    for tbs in [o, t] {
        let bits = tbs.subject_public_key_info().subject_public_key.raw_bytes();
        let expected = der::asn1::OctetString::new(sha1::Sha1::digest(bits).to_vec()).unwrap();
        assert_eq!(value(tbs, 2), expected.to_der().unwrap());
    }

    let validity = o.validity();
    assert_eq!(validity.not_before.to_unix_duration().as_secs(), START);
    assert_eq!(
        validity.not_after.to_unix_duration().as_secs(),
        START + 3650 * 86_400
    );
    // The TSB's: 3650 days as well.
    let theirs_days = (t.validity().not_after.to_unix_duration()
        - t.validity().not_before.to_unix_duration())
    .as_secs()
        / 86_400;
    assert_eq!(theirs_days, 3650);
}

#[test]
fn approver_certificate_generates_a_key_of_the_size_asked_and_signs_with_it() {
    let name = "devops-sebastianfernandez@securosys.com";
    let made = approver_certificate(name, RsaBits::B2048, START, 1, &mut rand::rng()).unwrap();
    let spki = public_key_of(&made.certificate_der).unwrap();
    assert_eq!(spki, spki_of(made.private_key_pkcs8.expose()));
    assert_eq!(rsa::public_key_bits(&spki).unwrap(), 2048);

    let certificate = Certificate::from_der(&made.certificate_der).unwrap();
    let tbs = certificate.tbs_certificate().to_der().unwrap();
    let signature = certificate.signature().raw_bytes();
    let scheme = crate::domain::SignatureScheme::RsaPkcs1v15(crate::domain::Hashing::Hash(
        HashAlgorithm::Sha224,
    ));
    assert!(rsa::verify(&spki, scheme, &tbs, signature).unwrap());
    assert!(!rsa::verify(&spki, scheme, &tbs[1..], signature).unwrap());
    let common_name = certificate
        .tbs_certificate()
        .subject()
        .iter()
        .next()
        .unwrap()
        .value
        .clone();
    assert_eq!(common_name.tag(), der::Tag::Utf8String);
    assert_eq!(common_name.value(), name.as_bytes());
}

#[test]
fn openssl_opens_our_pkcs12_with_the_tsbs_algorithms_alias_and_a_matching_key() {
    let dir = tempfile::tempdir().unwrap();
    let name = "financeOfficer1@securosys.com";
    let password = "2al15";
    let made = credentials(name);
    let ours = approver_pkcs12(name, &made, password, &mut rand::rng()).unwrap();
    std::fs::write(dir.path().join("ours.p12"), &ours).unwrap();
    std::fs::write(dir.path().join("theirs.p12"), docs_pkcs12()).unwrap();

    // Same MAC, bag layout and PBES2 parameters as the real TSB container.
    let summary = pkcs12_summary(dir.path(), "ours.p12", password);
    assert_eq!(summary, pkcs12_summary(dir.path(), "theirs.p12", "2al15"));
    assert!(
        summary.contains(&"MAC: sha256, Iteration 10000".to_owned()),
        "{summary:?}"
    );
    assert!(summary.iter().any(|line| line
        == "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256"));

    let pem = openssl_ok(
        dir.path(),
        &[
            "pkcs12",
            "-in",
            "ours.p12",
            "-nodes",
            "-passin",
            "pass:2al15",
            "-out",
            "all.pem",
        ],
    );
    let all = std::fs::read_to_string(dir.path().join("all.pem")).unwrap();
    assert_eq!(
        all.matches("friendlyName: financeofficer1@securosys.com")
            .count(),
        2,
        "{pem}{all}"
    );
    let key_pub = openssl_ok(dir.path(), &["pkey", "-in", "all.pem", "-pubout"]);
    let cert_pub = openssl_ok(dir.path(), &["x509", "-in", "all.pem", "-pubkey", "-noout"]);
    assert!(key_pub.contains("BEGIN PUBLIC KEY"));
    assert_eq!(key_pub, cert_pub);
    let der = BASE64
        .decode(
            key_pub
                .lines()
                .filter(|line| !line.starts_with("-----"))
                .collect::<String>(),
        )
        .unwrap();
    assert_eq!(der, public_key_of(&made.certificate_der).unwrap());

    // The MAC is checked: a wrong password is refused.
    let refused = run(
        dir.path(),
        "openssl",
        &[
            "pkcs12",
            "-in",
            "ours.p12",
            "-nodes",
            "-passin",
            "pass:2al16",
        ],
    );
    assert!(!refused.status.success());
}

#[test]
fn non_ascii_passwords_are_encoded_as_openssl_expects() {
    let dir = tempfile::tempdir().unwrap();
    let password = "Grüße-€-ключ";
    let made = credentials("approver");
    let ours = pkcs12(
        made.private_key_pkcs8.expose(),
        &made.certificate_der,
        "Approver Ä",
        password,
        &mut rand::rng(),
    )
    .unwrap();
    std::fs::write(dir.path().join("ours.p12"), &ours).unwrap();
    let pass = format!("pass:{password}");
    let all = openssl_ok(
        dir.path(),
        &["pkcs12", "-in", "ours.p12", "-nodes", "-passin", &pass],
    );
    // (OpenSSL 3.0 prints a BMPString's non-ASCII characters as single bytes, so the alias
    // is checked with our reader only.)
    assert!(all.contains("BEGIN PRIVATE KEY"), "{all}");
    let back = read_pkcs12(&ours, password, password).unwrap();
    assert_eq!(back.alias.as_deref(), Some("Approver Ä"));
}

#[test]
fn an_openssl_made_pkcs12_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let made = credentials("approver@example.com");
    std::fs::write(dir.path().join("key.der"), made.private_key_pkcs8.expose()).unwrap();
    std::fs::write(dir.path().join("cert.der"), &made.certificate_der).unwrap();
    openssl_ok(
        dir.path(),
        &[
            "pkey", "-inform", "DER", "-in", "key.der", "-out", "key.pem",
        ],
    );
    openssl_ok(
        dir.path(),
        &[
            "x509", "-inform", "DER", "-in", "cert.der", "-out", "cert.pem",
        ],
    );
    // OpenSSL 3 defaults: PBES2 (PBKDF2-HMAC-SHA-256, AES-256-CBC) bags, SHA-256 MAC.
    openssl_ok(
        dir.path(),
        &[
            "pkcs12",
            "-export",
            "-inkey",
            "key.pem",
            "-in",
            "cert.pem",
            "-name",
            "alias-1",
            "-passout",
            "pass:secret",
            "-out",
            "theirs.p12",
        ],
    );
    let theirs = std::fs::read(dir.path().join("theirs.p12")).unwrap();
    let contents = read_pkcs12(&theirs, "secret", "secret").unwrap();
    assert_eq!(contents.alias.as_deref(), Some("alias-1"));
    assert_eq!(contents.certificate_der, made.certificate_der);
    assert_eq!(
        spki_of(contents.private_key_pkcs8.expose()),
        spki_of(made.private_key_pkcs8.expose())
    );
}

#[test]
fn container_and_key_passwords_are_separate_and_tampering_is_detected() {
    let made = credentials("approver");
    let key = made.private_key_pkcs8.expose();
    let mut rng = rand::rng();
    let p12 =
        pkcs12_with_key_password(key, &made.certificate_der, "a", "new", "old", &mut rng).unwrap();
    let contents = read_pkcs12(&p12, "new", "old").unwrap();
    assert_eq!(contents.private_key_pkcs8.expose(), key);
    assert_eq!(contents.certificate_der, made.certificate_der);
    for (container, key_password) in [("old", "old"), ("new", "new"), ("old", "new")] {
        assert!(
            matches!(
                read_pkcs12(&p12, container, key_password),
                Err(CryptoError::DecryptionFailed)
            ),
            "{container}/{key_password}"
        );
    }

    let same = pkcs12(key, &made.certificate_der, "a", "pw", &mut rng).unwrap();
    // Fresh salts and IVs each time.
    assert_ne!(
        same,
        pkcs12(key, &made.certificate_der, "a", "pw", &mut rng).unwrap()
    );
    // A flipped byte in the authenticated safe (the encrypted certificate, well inside).
    let mut tampered = same.clone();
    let middle = tampered.len() - 200;
    tampered[middle] ^= 1;
    assert!(read_pkcs12(&tampered, "pw", "pw").is_err());
    assert!(read_pkcs12(&same[..same.len() - 1], "pw", "pw").is_err());

    assert!(matches!(
        pkcs12(b"not a key", &made.certificate_der, "a", "pw", &mut rng),
        Err(CryptoError::InvalidKey(_))
    ));
    assert!(matches!(
        pkcs12(key, b"not a certificate", "a", "pw", &mut rng),
        Err(CryptoError::InvalidInput(_))
    ));
}

#[test]
fn malformed_containers_are_errors_not_panics() {
    let made = credentials("approver");
    let p12 = approver_pkcs12("approver", &made, "pw", &mut rand::rng()).unwrap();
    assert!(read_pkcs12(b"", "pw", "pw").is_err());
    assert!(read_pkcs12(b"garbage", "pw", "pw").is_err());
    for cut in (0..p12.len()).step_by(97) {
        assert!(
            read_pkcs12(&p12[..cut], "pw", "pw").is_err(),
            "cut at {cut}"
        );
    }
    // A certificate is not a PKCS#12.
    assert!(read_pkcs12(&made.certificate_der, "pw", "pw").is_err());
}

#[test]
fn the_onboarding_payload_is_aes_gcm_under_the_transport_password() {
    let plaintext = b"a PKCS#12 stands here".repeat(50);
    let mut rng = rand::rng();
    for (password, key_len) in [
        ("0123456789abcdef", 16),
        ("AnMrg9Ho5PLqqR8kmHhfgsvp8iT2OlpW", 32),
    ] {
        let (sealed, nonce) = onboarding_payload(&plaintext, password, &mut rng).unwrap();
        assert_eq!(sealed.len(), plaintext.len() + TAG_LEN);
        assert_eq!(password.len(), key_len);
        assert_eq!(
            open_onboarding_payload(&sealed, &nonce, password).unwrap(),
            plaintext
        );
        let (again, other_nonce) = onboarding_payload(&plaintext, password, &mut rng).unwrap();
        assert_ne!(nonce, other_nonce);
        assert_ne!(sealed, again);

        let mut tampered = sealed.clone();
        tampered[0] ^= 1;
        assert!(matches!(
            open_onboarding_payload(&tampered, &nonce, password),
            Err(CryptoError::DecryptionFailed)
        ));
        assert!(matches!(
            open_onboarding_payload(&sealed[..TAG_LEN - 1], &nonce, password),
            Err(CryptoError::DecryptionFailed)
        ));
    }
    // 15, 24 and 33 bytes; 16 characters that are 17 bytes in UTF-8.
    for password in [
        "0123456789abcde",
        "0123456789abcdef01234567",
        "0123456789abcdef0123456789abcdef0",
        "0123456789abcdeä",
    ] {
        assert!(
            matches!(
                onboarding_payload(&plaintext, password, &mut rng),
                Err(CryptoError::InvalidInput(_))
            ),
            "{password}"
        );
    }
}

/// GCM known answer: the payload of the real TSB (Java `AES/GCM/NoPadding`) re-encrypted
/// under its nonce gives the documented ciphertext byte for byte.
#[test]
fn the_documented_payload_is_reproduced_under_its_nonce() {
    struct Fixed([u8; NONCE_LEN]);
    impl rand::TryRng for Fixed {
        type Error = Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Infallible> {
            unreachable!()
        }
        fn try_next_u64(&mut self) -> Result<u64, Infallible> {
            unreachable!()
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
            dst.copy_from_slice(&self.0);
            Ok(())
        }
    }
    impl rand::TryCryptoRng for Fixed {}
    let nonce: [u8; NONCE_LEN] = BASE64
        .decode(docs("initialization-vector"))
        .unwrap()
        .try_into()
        .unwrap();
    let (sealed, used) = onboarding_payload(
        &docs_pkcs12(),
        docs("transport-password"),
        &mut Fixed(nonce),
    )
    .unwrap();
    assert_eq!(used, nonce);
    assert_eq!(BASE64.encode(sealed), docs("encrypted-payload"));
}

/// Python `cryptography` decrypts our payload (AESGCM) and loads the PKCS#12 inside
/// (`load_key_and_certificates`), as the documentation's Python sample does. Runs when
/// python3 with `cryptography` is installed; the Java-made known answers above always run.
#[test]
fn python_cryptography_opens_our_onboarding_payload() {
    let present = Command::new("python3")
        .args(["-c", "import cryptography"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !present {
        eprintln!("SKIPPED: python3 with `cryptography` is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let name = "Finance-Officer@securosys.com";
    let made = credentials(name);
    let p12 = approver_pkcs12(name, &made, "6se1Q", &mut rand::rng()).unwrap();
    let transport = "0123456789abcdef";
    let (sealed, nonce) = onboarding_payload(&p12, transport, &mut rand::rng()).unwrap();
    let script = r#"
import base64, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.hazmat.primitives.serialization.pkcs12 import load_pkcs12
from cryptography.hazmat.primitives.asymmetric import padding
payload, nonce, transport, password = sys.argv[1:5]
p12 = AESGCM(transport.encode()).decrypt(base64.b64decode(nonce), base64.b64decode(payload), None)
store = load_pkcs12(p12, password.encode())
cert = store.cert.certificate
key_spki = store.key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
cert_spki = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
assert key_spki == cert_spki
cert.public_key().verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
print(store.cert.friendly_name.decode(), cert.signature_hash_algorithm.name, base64.b64encode(key_spki).decode())
"#;
    let output = run(
        dir.path(),
        "python3",
        &[
            "-c",
            script,
            &BASE64.encode(&sealed),
            &BASE64.encode(nonce),
            transport,
            "6se1Q",
        ],
    );
    assert!(
        output.status.success(),
        "python: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8(output.stdout).unwrap();
    let fields: Vec<&str> = printed.split_whitespace().collect();
    assert_eq!(fields[0], "finance-officer@securosys.com");
    assert_eq!(fields[1], "sha224");
    assert_eq!(
        BASE64.decode(fields[2]).unwrap(),
        public_key_of(&made.certificate_der).unwrap()
    );
}

/// Hands out the scripted 32-bit values, big-endian, through `fill_bytes`.
struct Script(Vec<u32>);

impl rand::TryRng for Script {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.0.remove(0))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(u64::from(self.0.remove(0)))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(4) {
            let bytes = self.0.remove(0).to_be_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

impl rand::TryCryptoRng for Script {}

#[test]
fn one_time_codes_are_six_digits_and_redraw_the_biased_tail() {
    assert_eq!(one_time_code(&mut Script(vec![0])), "000000");
    assert_eq!(one_time_code(&mut Script(vec![410_447])), "410447");
    assert_eq!(one_time_code(&mut Script(vec![1_000_000 + 42])), "000042");
    // 4 294 000 000 = 4294 × 10^6 is the first value of the biased tail: redrawn, as is
    // u32::MAX; the third value is used.
    assert_eq!(
        one_time_code(&mut Script(vec![4_294_000_000, u32::MAX, 4_293_999_999])),
        "999999"
    );
    let mut rng = rand::rng();
    for _ in 0..200 {
        let code = one_time_code(&mut rng);
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    }
}
