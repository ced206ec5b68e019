//! Published test vectors through the HTTP API: BIP32 vectors 3, 4 and 5 (bitcoin/bips,
//! bip-0032.mediawiki), the XRP Ledger's account ids of the ripple-keypairs fixtures
//! (XRPLF/xrpl.js, packages/ripple-keypairs/test/fixtures/api.json) and Stellar's SEP-0005
//! keys. The address encodings (base58check, StrKey) are written here, on `bs58`,
//! `data-encoding` and `crc`; the emulator itself only answers the 20- or 32-byte address base.

use super::{empty_policy, slip10_public};
use crate::helpers::spawn_app;
use axum::http::StatusCode;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

fn double_sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(Sha256::digest(data)).into()
}

/// Decodes Bitcoin base58check and checks its 4-byte checksum.
fn base58check(text: &str) -> Vec<u8> {
    let raw = bs58::decode(text).into_vec().expect("base58");
    let (payload, checksum) = raw.split_at(raw.len() - 4);
    assert_eq!(&double_sha256(payload)[..4], checksum, "checksum of {text}");
    payload.to_vec()
}

/// A BIP32 extended public key as `(chain code, compressed public key)` in hex.
fn xpub(text: &str) -> (String, String) {
    let raw = base58check(text);
    assert_eq!(raw.len(), 78);
    (hex::encode(&raw[13..45]), hex::encode(&raw[45..]))
}

/// The classic `r…` address of an XRP Ledger account id: base58check (Ripple's alphabet) of
/// version byte 0 and the id.
fn ripple_address(account_id: &[u8]) -> String {
    let mut payload = vec![0u8];
    payload.extend_from_slice(account_id);
    let checksum = double_sha256(&payload);
    payload.extend_from_slice(&checksum[..4]);
    bs58::encode(payload)
        .with_alphabet(bs58::Alphabet::RIPPLE)
        .into_string()
}

/// The `G…` StrKey of a Stellar account (SEP-0023): base32 of version byte 6 << 3, the Ed25519
/// key and the little-endian CRC16-XModem of both.
fn stellar_account(key: &[u8]) -> String {
    let mut payload = vec![6 << 3];
    payload.extend_from_slice(key);
    let crc = crc::Crc::<u16>::new(&crc::CRC_16_XMODEM).checksum(&payload);
    payload.extend_from_slice(&crc.to_le_bytes());
    data_encoding::BASE32_NOPAD.encode(&payload)
}

/// The address base of a key info, from its upper-case hex `addressTruncated`, checked against
/// `POST /v1/key/address` (base64 of the same bytes).
async fn address_base(app: &crate::helpers::TestApp, info: &Value, format: &str) -> Vec<u8> {
    let truncated = &info["json"]["addressTruncated"];
    assert_eq!(truncated["format"], format, "{info}");
    let hex_text = truncated["address"].as_str().expect("address");
    assert_eq!(hex_text, hex_text.to_uppercase());
    let bytes = hex::decode(hex_text).expect("hex");
    let label = info["json"]["label"].as_str().expect("label");
    let reply = app
        .post(
            "/v1/key/address",
            &json!({"label": label, "password": null}),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.body, json!({"address": STANDARD.encode(&bytes)}));
    bytes
}

fn seeded_secp256k1(label: &str, seed: &str) -> Value {
    json!({
        "label": label, "curveOid": "1.3.132.0.10",
        "seed": STANDARD.encode(hex::decode(seed).unwrap()),
        "attributes": {"decrypt": false, "sign": true, "unwrap": false, "derive": true,
                       "bip32": true},
        "policy": empty_policy()
    })
}

/// A BIP32 vector: a label, the seed and `(path, extended public key)` per chain.
type Bip32Vector = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// BIP32 vector 3 (a master key with a leading zero byte) and vector 4 (a hardened child with
/// one, whose own child is hashed from it): `POST /v1/importedKey` with the vector's seed, then
/// key info of the master and of `master/<path>` carry the chain code (`derivationValue`) and
/// public key of the published extended public key.
#[tokio::test]
async fn bip32_vectors_3_and_4_through_seeded_master_keys() {
    let app = spawn_app().await;
    let vectors: [Bip32Vector; 2] = [
        (
            "vector3",
            "4b381541583be4423346c643850da4b320e46a87ae3d2a4e6da11eba819cd4acba45d239319ac14f863b8d5ab5a0d0c64d2e8a1e7d1457df2e5a3c51c73235be",
            &[
                (
                    "",
                    "xpub661MyMwAqRbcEZVB4dScxMAdx6d4nFc9nvyvH3v4gJL378CSRZiYmhRoP7mBy6gSPSCYk6SzXPTf3ND1cZAceL7SfJ1Z3GC8vBgp2epUt13",
                ),
                (
                    "0'",
                    "xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y",
                ),
            ],
        ),
        (
            "vector4",
            "3ddd5602285899a946114506157c7997e5444528f3003f6134712147db19b678",
            &[
                (
                    "",
                    "xpub661MyMwAqRbcGczjuMoRm6dXaLDEhW1u34gKenbeYqAix21mdUKJyuyu5F1rzYGVxyL6tmgBUAEPrEz92mBXjByMRiJdba9wpnN37RLLAXa",
                ),
                (
                    "0'",
                    "xpub69AUMk3qDBi3uW1sXgjCmVjJ2G6WQoYSnNHyzkmdCHEhSZ4tBok37xfFEqHd2AddP56Tqp4o56AePAgCjYdvpW2PU2jbUPFKsav5ut6Ch1m",
                ),
                (
                    "0'/1'",
                    "xpub6BJA1jSqiukeaesWfxe6sNK9CCGaujFFSJLomWHprUL9DePQ4JDkM5d88n49sMGJxrhpjazuXYWdMf17C9T5XnxkopaeS7jGk1GyyVziaMt",
                ),
            ],
        ),
    ];
    for (label, seed, chains) in vectors {
        let reply = app
            .post("/v1/importedKey", &seeded_secp256k1(label, seed))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        for (path, published) in chains {
            let (chain_code, public) = xpub(published);
            let info = if path.is_empty() {
                reply.body.clone()
            } else {
                let name = format!("{label}/{path}");
                let child = app
                    .post("/v1/key/attributes", &json!({"label": name}))
                    .await;
                assert_eq!(child.status, StatusCode::OK, "{}", child.body);
                child.body
            };
            assert_eq!(slip10_public(&info), public, "{label} m/{path}");
            assert_eq!(
                info["json"]["derivedAttributes"],
                json!({"derivationType": "SLIP-10",
                       "derivationValue": chain_code.to_uppercase()}),
                "{label} m/{path}"
            );
        }
    }
    // Vector 4's m/0'/1' persisted by POST /v1/derivedKey is the same key.
    let body = json!({"masterKeyLabel": "vector4", "derivationPath": "0'/1'"});
    let stored = app.post("/v1/derivedKey", &body).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.body);
    assert_eq!(slip10_public(&stored.body), xpub(vectors[1].2[2].1).1);
}

const EC_PUBLIC_KEY_SECP256K1: &str = "301006072a8648ce3d020106052b8104000a";

/// PKCS#8 of a secp256k1 scalar, written byte by byte (RustCrypto refuses to encode 0 or n).
fn secp256k1_pkcs8(scalar: &[u8]) -> Vec<u8> {
    let der = format!(
        "303e020100{EC_PUBLIC_KEY_SECP256K1}0427302502010104 20{}",
        hex::encode(scalar)
    )
    .replace(' ', "");
    hex::decode(der).expect("hex")
}

/// SPKI of an uncompressed secp256k1 point `04 || X || Y` (the form the TSB's Java side
/// decodes; RFC 5480 makes compressed points optional).
fn secp256k1_spki(point: &[u8]) -> Vec<u8> {
    assert_eq!(point.len(), 65);
    hex::decode(format!(
        "3056{EC_PUBLIC_KEY_SECP256K1}034200{}",
        hex::encode(point)
    ))
    .expect("hex")
}

/// The uncompressed form of a compressed secp256k1 point (which must be on the curve).
fn uncompressed(compressed: &str) -> Vec<u8> {
    use k256::elliptic_curve::sec1::ToSec1Point;
    let key = k256::PublicKey::from_sec1_bytes(&hex::decode(compressed).unwrap()).expect("point");
    key.as_affine().to_sec1_point(false).as_bytes().to_vec()
}

fn import_body(label: &str, private_key: Option<&[u8]>, public_key: &[u8]) -> Value {
    json!({
        "label": label, "algorithm": "EC",
        "privateKey": private_key.map(|der| STANDARD.encode(der)),
        "publicKey": STANDARD.encode(public_key),
        "attributes": {"decrypt": false, "sign": true, "unwrap": false}
    })
}

/// BIP32 vector 5 is about parsing serialised extended keys, which the TSB never does; its
/// invalid keys apply to key import: the private keys 0 and n and the point
/// `02 00…07` (not on the curve) are refused with 400/625 and nothing is stored, while the same
/// encoding of a valid key (scalar 1, the generator) is taken.
#[tokio::test]
async fn bip32_vector_5_keys_out_of_range_are_refused_at_import() {
    let app = spawn_app().await;
    let generator =
        uncompressed("0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798");
    let mut one = [0u8; 32];
    one[31] = 1;
    let valid = import_body(
        "scalar-one",
        Some(&secp256k1_pkcs8(&one)),
        &secp256k1_spki(&generator),
    );
    let reply = app.post("/v1/key/import/plain", &valid).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let public_only = import_body("generator", None, &secp256k1_spki(&generator));
    let reply = app.post("/v1/key/import/plain", &public_only).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let before = app.labels().await;
    for (case, private_xprv, public_xpub) in [
        (
            "private key 0 not in 1..n-1",
            Some(
                "xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzF93Y5wvzdUayhgkkFoicQZcP3y52uPPxFnfoLZB21Teqt1VvEHx",
            ),
            None,
        ),
        (
            "private key n not in 1..n-1",
            Some(
                "xprv9s21ZrQH143K24Mfq5zL5MhWK9hUhhGbd45hLXo2Pq2oqzMMo63oStZzFAzHGBP2UuGCqWLTAPLcMtD5SDKr24z3aiUvKr9bJpdrcLg1y3G",
            ),
            None,
        ),
        (
            "invalid pubkey 020000000000000000000000000000000000000000000000000000000000000007",
            None,
            Some(
                "xpub661MyMwAqRbcEYS8w7XLSVeEsBXy79zSzH1J8vCdxAZningWLdN3zgtU6Q5JXayek4PRsn35jii4veMimro1xefsM58PgBMrvdYre8QyULY",
            ),
        ),
    ] {
        let body = match (private_xprv, public_xpub) {
            (Some(xprv), _) => {
                let raw = base58check(xprv);
                assert_eq!(raw[45], 0, "{case}: a private key is 0x00 || ser256(k)");
                let pkcs8 = secp256k1_pkcs8(&raw[46..]);
                import_body("vector5", Some(&pkcs8), &secp256k1_spki(&generator))
            }
            (None, Some(xpub)) => {
                // The point 02 || x with x = 7: no y fits (7^3 + 7 is no square mod p), so its
                // uncompressed form with any y is off the curve as well.
                let raw = base58check(xpub);
                let mut point = vec![4u8];
                point.extend_from_slice(&raw[46..]);
                point.extend_from_slice(&[1u8; 32]);
                import_body("vector5", None, &secp256k1_spki(&point))
            }
            (None, None) => unreachable!(),
        };
        app.post("/v1/key/import/plain", &body).await.assert_error(
            StatusCode::BAD_REQUEST,
            625,
            "res.error.key.invalid.encoding",
        );
        assert_eq!(app.labels().await, before, "{case}: nothing stored");
    }
}

/// ripple-keypairs' fixtures: a secp256k1 and an Ed25519 key pair with their published
/// classic addresses. Imported with `addressFormat` XRP, the address base is the account id
/// whose `r…` encoding is the published address; the Ed25519 key also signs the fixture's
/// message to the published (deterministic) signature.
#[tokio::test]
async fn xrp_addresses_are_the_account_ids_of_the_xrpl_fixture_keys() {
    let app = spawn_app().await;
    let secp256k1 = {
        let scalar =
            hex::decode("D78B9735C3F26501C7337B8A5727FD53A6EFDBC6AA55984F098488561F985E23")
                .unwrap();
        let point =
            uncompressed("030D58EB48B4420B1F7B9DF55087E0E29FEF0E8468F9A6825B01CA2C361042D435");
        (secp256k1_pkcs8(&scalar), secp256k1_spki(&point), "EC")
    };
    let ed25519 = {
        let seed = "B4C4E046826BD26190D09715FC31F4E6A728204EADD112905B08B14B7F15C4F3";
        let public = "01FA53FA5A7E77798F882ECE20B1ABC00BB358A9E55A202D0D0676BD0CE37A63";
        (
            hex::decode(format!("302e020100300506032b657004220420{seed}")).unwrap(),
            hex::decode(format!("302a300506032b6570032100{public}")).unwrap(),
            "ED",
        )
    };
    for (label, (private, public, algorithm), published) in [
        (
            "xrp-secp256k1",
            secp256k1,
            "rU6K7V3Po4snVhBBaU29sesqs2qTQJWDw1",
        ),
        ("xrp-ed25519", ed25519, "rLUEXYuLiQptky37CqLcm9USQpPiz5rkpD"),
    ] {
        let mut body = import_body(label, Some(&private), &public);
        body["algorithm"] = json!(algorithm);
        body["addressFormat"] = json!({"format": "XRP"});
        body["policy"] = empty_policy();
        let reply = app.post("/v1/key/import/plain", &body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        let account_id = address_base(&app, &reply.body, "XRP").await;
        assert_eq!(account_id.len(), 20);
        assert_eq!(ripple_address(&account_id), published, "{label}");
    }
    let sign = json!({"signRequest": {"payload": STANDARD.encode(b"test message"),
        "signKeyName": "xrp-ed25519", "signatureAlgorithm": "EDDSA"}});
    let reply = app.post("/v1/synchronousSign", &sign).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let signature = STANDARD
        .decode(reply.body["signature"].as_str().expect("signature"))
        .expect("b64");
    assert_eq!(
        hex::encode_upper(signature),
        "CB199E1BFD4E3DAA105E4832EEDFA36413E1F44205E4EFB9E27E826044C21E3E2E848BBC8195E8959BADF887599B7310AD1B7047EF11B682E0D068F73749750E"
    );
    // Without a policy the format is refused (630) and nothing is stored.
    let (private, public, _) = ed25519_pair();
    let mut body = import_body("xrp-plain", Some(&private), &public);
    body["algorithm"] = json!("ED");
    body["addressFormat"] = json!({"format": "XRP"});
    app.post("/v1/key/import/plain", &body).await.assert_error(
        StatusCode::BAD_REQUEST,
        630,
        "res.error.invalid.address.on.non.ska.key",
    );
    assert!(!app.labels().await.contains(&"xrp-plain".to_owned()));
}

fn ed25519_pair() -> (Vec<u8>, Vec<u8>, &'static str) {
    let seed = [7u8; 32];
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    (
        hex::decode(format!(
            "302e020100300506032b657004220420{}",
            hex::encode(seed)
        ))
        .unwrap(),
        hex::decode(format!(
            "302a300506032b6570032100{}",
            hex::encode(key.verifying_key().as_bytes())
        ))
        .unwrap(),
        "ED",
    )
}

/// SEP-0005 test 2 (stellar/stellar-protocol, ecosystem/sep-0005.md): the BIP39 seed imported
/// as an Ed25519 SLIP-10 master with `addressFormat` XLM; the temporary children
/// `m/44'/148'/0'` and `/1'` have the published `G…` accounts as address.
#[tokio::test]
async fn xlm_addresses_are_the_sep5_accounts_of_a_seeded_ed25519_master() {
    let app = spawn_app().await;
    let seed = "7b36d4e725b48695c3ffd2b4b317d5552cb157c1a26c46d36a05317f0d3053eb8b3b6496ba39ebd9312d10e3f9937b47a6790541e7c577da027a564862e92811";
    let body = json!({
        "label": "stellar", "algorithm": "ED", "curveOid": "1.3.101.112",
        "seed": STANDARD.encode(hex::decode(seed).unwrap()),
        "addressFormat": {"format": "XLM"},
        "attributes": {"decrypt": false, "sign": true, "unwrap": false, "derive": true,
                       "bip32": false, "slip10": true},
        "policy": empty_policy()
    });
    let reply = app.post("/v1/importedKey", &body).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    for (path, published) in [
        (
            "44'/148'/0'",
            "GAVXVW5MCK7Q66RIBWZZKZEDQTRXWCZUP4DIIFXCCENGW2P6W4OA34RH",
        ),
        (
            "44'/148'/1'",
            "GDFCYVCICATX5YPJUDS22KM2GW5QU2KKSPPPT2IC5AQIU6TP3BZSLR5K",
        ),
    ] {
        let name = format!("stellar/{path}");
        let child = app
            .post("/v1/key/attributes", &json!({"label": name}))
            .await;
        assert_eq!(child.status, StatusCode::OK, "{}", child.body);
        let truncated = &child.body["json"]["addressTruncated"];
        assert_eq!(truncated["format"], "XLM");
        let key = hex::decode(truncated["address"].as_str().expect("address")).expect("hex");
        assert_eq!(key.len(), 32);
        assert_eq!(stellar_account(&key), published, "{name}");
        // The address base is the child's public key itself.
        assert_eq!(
            slip10_public(&child.body),
            format!("00{}", hex::encode(&key))
        );
        let address = app.post("/v1/key/address", &json!({"label": name})).await;
        assert_eq!(address.body, json!({"address": STANDARD.encode(&key)}));
    }
}

/// Formats without an encoding for the key: an XLM address of a secp256k1 key, a BTC address
/// of an Ed25519 key and IOTA (no encoding documented) report `addressTruncated: null`, and
/// `POST /v1/key/address` answers 630 as for a key without an address.
#[tokio::test]
async fn formats_without_an_encoding_for_the_key_report_no_address() {
    let app = spawn_app().await;
    for (label, algorithm, curve, format) in [
        ("xlm-on-k1", "EC", "1.3.132.0.10", "XLM"),
        ("btc-on-ed", "ED", "1.3.101.112", "BTC"),
        ("iota-on-ed", "ED", "1.3.101.112", "IOTA"),
        ("iota-on-k1", "EC", "1.3.132.0.10", "IOTA"),
    ] {
        let info = app
            .create_key(&json!({
                "label": label, "algorithm": algorithm, "curveOid": curve,
                "addressFormat": {"format": format},
                "attributes": {"decrypt": false, "sign": true, "unwrap": false},
                "policy": empty_policy()
            }))
            .await;
        assert_eq!(info["json"]["addressTruncated"], Value::Null, "{label}");
        app.post("/v1/key/address", &json!({"label": label}))
            .await
            .assert_error(
                StatusCode::BAD_REQUEST,
                630,
                "res.error.invalid.address.on.non.ska.key",
            );
    }
}
