//! Known answers: SLIP-10 (incl. BIP32 vectors 1 and 2), BIP-340, EIP-55, and addresses of the
//! key with scalar 1.

use super::derive::{
    DerivationCurve, DerivationPath, ExtendedKey, derive_path, master, public_key,
};
use super::*;

const SLIP10: &str = include_str!("../../../fixtures/slip-0010-vectors.txt");

fn scalar_one_spki() -> Vec<u8> {
    let mut one = [0u8; 32];
    one[31] = 1;
    crate::crypto::ec::from_scalar(crate::domain::Curve::Secp256k1, &one)
        .expect("valid scalar")
        .1
}

#[test]
fn slip10_and_bip32_published_vectors_are_reproduced() {
    let mut current: Option<(DerivationCurve, ExtendedKey)> = None;
    let mut checked = 0;
    for line in SLIP10.lines().filter(|l| !l.starts_with('#')) {
        let fields: Vec<&str> = line.split(' ').collect();
        if fields[0] == "seed" {
            let curve = match fields[1] {
                "secp256k1" => DerivationCurve::Secp256k1,
                "nist256p1" => DerivationCurve::P256,
                _ => DerivationCurve::Ed25519,
            };
            let seed = hex::decode(fields[2]).expect("hex seed");
            current = Some((curve, master(curve, &seed)));
            continue;
        }
        let (curve, root) = current.as_ref().expect("a seed line first");
        let key = if fields[0] == "m" {
            root.clone()
        } else {
            let path = DerivationPath::parse(fields[0]).expect("path");
            derive_path(*curve, root, &path).expect("derivable")
        };
        assert_eq!(
            hex::encode(key.chain_code),
            fields[1],
            "{curve:?} {}",
            fields[0]
        );
        assert_eq!(
            hex::encode(key.key.expose()),
            fields[2],
            "{curve:?} {}",
            fields[0]
        );
        let public = public_key(*curve, key.key.expose()).expect("public key");
        assert_eq!(hex::encode(public), fields[3], "{curve:?} {}", fields[0]);
        checked += 1;
    }
    assert_eq!(checked, 39);
}

#[test]
fn ed25519_refuses_a_normal_index_and_paths_parse_as_the_tsb_writes_them() {
    let root = master(DerivationCurve::Ed25519, &[7; 32]);
    let path = DerivationPath::parse("44'/60'/0'/0/0").expect("path");
    assert!(derive_path(DerivationCurve::Ed25519, &root, &path).is_err());
    assert_eq!(path.to_string(), "44'/60'/0'/0/0");
    assert_eq!(
        DerivationPath::parse("m/0h/1").map(|p| p.to_string()),
        Some("0'/1".into())
    );
    for bad in ["", "1//2", "x", "2147483648", "1/-2", "1'/'"] {
        assert_eq!(DerivationPath::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn bip340_published_vectors_sign_and_verify() {
    // BIP-340 test-vectors.csv, indices 0 to 3 (secret key, aux_rand, message, signature).
    let vectors = [
        (
            "0000000000000000000000000000000000000000000000000000000000000003",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "E907831F80848D1069A5371B402410364BDF1C5F8307B0084C55F1CE2DCA821525F66A4A85EA8B71E482A74F382D2CE5EBEEE8FDB2172F477DF4900D310536C0",
        ),
        (
            "B7E151628AED2A6ABF7158809CF4F3C762E7160F38B4DA56A784D9045190CFEF",
            "0000000000000000000000000000000000000000000000000000000000000001",
            "243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
            "6896BD60EEAE296DB48A229FF71DFE071BDE413E6D43F917DC8DCF8C78DE33418906D11AC976ABCCB20B091292BFF4EA897EFCB639EA871CFA95F6DE339E4B0A",
        ),
        (
            "C90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B14E5C9",
            "C87AA53824B4D7AE2EB035A2B5BBBCCC080E76CDC6D1692C4B0B62D798E6D906",
            "7E2D58D8B3BCDF1ABADEC7829054F90DDA9805AAB56C77333024B9D0A508B75C",
            "5831AAEED7B44BB74E5EAB94BA9D4294C49BCF2A60728D8B4C200F50DD313C1BAB745879A5AD954A72C45A91C3A51D3C7ADEA98D82F8481E0E1E03674A6F3FB7",
        ),
        (
            "0B432B2677937381AEF05BB02A66ECD012773062CF3FA2549E44F58ED2401710",
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
            "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
            "7EB0509757E246F19449885651611CB965ECC1A187DD51B64FDA1EDC9637D5EC97582B9CB13DB3933705B32BA982AF5AF25FD78881EBB32771FC5922EFC66EA3",
        ),
    ];
    let mut rng = rand::rng();
    for (secret, aux, message, expected) in vectors {
        let secret = hex::decode(secret).expect("hex");
        let aux: [u8; 32] = hex::decode(aux).expect("hex").try_into().expect("32 bytes");
        let message = hex::decode(message).expect("hex");
        let signature = schnorr_sign(&secret, &message, Some(aux), &TaprootTweak::None, &mut rng)
            .expect("signs");
        assert_eq!(hex::encode_upper(&signature), expected);
        let spki = crate::crypto::ec::from_scalar(crate::domain::Curve::Secp256k1, &secret)
            .expect("key")
            .1;
        assert!(schnorr_verify(&spki, &message, &signature).expect("verifies"));
        let mut wrong = signature.clone();
        wrong[63] ^= 1;
        assert!(!schnorr_verify(&spki, &message, &wrong).expect("checks"));
    }
}

#[test]
fn addresses_of_the_generator_key_match_the_known_ones() {
    let spki = scalar_one_spki();
    // BIP-173's example P2WPKH program (bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4) is the
    // HASH160 of the compressed generator point.
    assert_eq!(
        hex::encode(address(&spki, AddressFormat::Btc).expect("BTC")),
        "751e76e8199196d454941c45d1b3a323f1433bd6"
    );
    let eth: [u8; 20] = address(&spki, AddressFormat::Eth)
        .expect("ETH")
        .try_into()
        .expect("20 bytes");
    assert_eq!(eip55(&eth), "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
    // An XRP account id of a secp256k1 key is the same HASH160; Stellar and IOTA have none.
    assert_eq!(
        address(&spki, AddressFormat::Xrp).expect("XRP"),
        address(&spki, AddressFormat::Btc).expect("BTC")
    );
    assert!(address(&spki, AddressFormat::Xlm).is_err());
    assert!(address(&spki, AddressFormat::Iota).is_err());
}

#[test]
fn eip55_examples_from_the_eip_are_reproduced() {
    for expected in [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ] {
        let bytes: [u8; 20] = hex::decode(expected[2..].to_lowercase())
            .expect("hex")
            .try_into()
            .expect("20 bytes");
        assert_eq!(eip55(&bytes), expected);
    }
}

#[test]
fn a_taproot_tweaked_signature_verifies_with_the_bip341_output_key() {
    use k256::elliptic_curve::sec1::ToSec1Point;
    let secret = [0x42u8; 32];
    let message = [9u8; 32];
    let root = [5u8; 32];
    let internal = k256::schnorr::SigningKey::from_slice(&secret).expect("key");
    let p = internal.verifying_key().to_bytes();
    let t = tagged_hash(b"TapTweak", &[&p, &root]);
    // Q = lift_x(P) + t*G, computed on public data only.
    let lifted = k256::PublicKey::from_sec1_bytes(&[&[2u8][..], &p].concat()).expect("point");
    let t_scalar = k256::NonZeroScalar::try_from(&t[..]).expect("scalar");
    let q = (lifted.to_projective() + k256::ProjectivePoint::GENERATOR * *t_scalar).to_affine();
    let q_x = &q.to_sec1_point(true).as_bytes()[1..].to_vec();
    let output_key = k256::schnorr::VerifyingKey::from_slice(q_x).expect("x-only");
    let mut rng = rand::rng();
    for tweak in [
        TaprootTweak::MerkleRoot(root.to_vec()),
        TaprootTweak::Tweak(t),
    ] {
        let signature = schnorr_sign(&secret, &message, None, &tweak, &mut rng).expect("signs");
        let signature = k256::schnorr::Signature::try_from(&signature[..]).expect("64 bytes");
        assert!(
            output_key.verify_raw(&message, &signature).is_ok(),
            "{tweak:?}"
        );
    }
}
