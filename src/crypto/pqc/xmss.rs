//! XMSS (RFC 8391; XMSS-SHAKE256_10_256 from NIST SP 800-208), single tree of height 10:
//! 1024 one-time signatures per key. Written here because no XMSS crate of our RustCrypto
//! generation exists; checked against the `xmss` crate (a port of the reference code).
//!
//! Stored private key: the 4-byte parameter OID, SK_SEED, SK_PRF, PUB_SEED, root, and the
//! 1024 leaves (public values, kept so a signature costs one WOTS+ signature and a tree
//! rebuild from the leaves, not a full key generation). WOTS+ secret keys are derived with
//! PRF_keygen(SK_SEED, PUB_SEED || ADRS) as in SP 800-208 and the reference code. The
//! signature index comes from the caller, which persists it before signing.

use super::{CryptoError, raw_public, spki};
use crate::domain::{SecretBytes, XmssParams};
use rand::CryptoRng;
use sha2::Digest;

/// Hash output and seed length.
const N: usize = 32;
/// Tree height.
const HEIGHT: usize = 10;
/// One-time keys per key.
pub const CAPACITY: u64 = 1 << HEIGHT;
/// Winternitz parameter w = 16: chains of 15 steps.
const W: u8 = 16;
const LEN1: usize = 64;
const LEN2: usize = 3;
const LEN: usize = LEN1 + LEN2;
/// Signature length: index, randomness, WOTS+ signature, authentication path.
pub const SIGNATURE_LEN: usize = 4 + N + LEN * N + HEIGHT * N;
const LEAVES: usize = 1 << HEIGHT;
/// Offsets in the stored private key.
const SK_SEED: usize = 4;
const SK_PRF: usize = SK_SEED + N;
const PUB_SEED: usize = SK_PRF + N;
const ROOT: usize = PUB_SEED + N;
const LEAF0: usize = ROOT + N;
const PRIVATE_LEN: usize = LEAF0 + LEAVES * N;

type Node = [u8; N];

/// The RFC 8391 / SP 800-208 numeric identifier of a parameter set.
fn type_code(params: XmssParams) -> u32 {
    match params {
        XmssParams::Sha2_10_256 => 0x0000_0001,
        XmssParams::Shake256_10_256 => 0x0000_0010,
    }
}

fn params_of(code: &[u8]) -> Option<XmssParams> {
    XmssParams::ALL
        .iter()
        .copied()
        .find(|p| code == type_code(*p).to_be_bytes())
}

/// The keyed hash functions of RFC 8391 section 5.1 for one parameter set.
#[derive(Clone, Copy)]
struct Hasher(XmssParams);

impl Hasher {
    /// `Hash(toByte(pad, 32) || key || parts...)`.
    fn core(self, pad: u8, key: &[u8], parts: &[&[u8]]) -> Node {
        let mut prefix = [0u8; N];
        prefix[N - 1] = pad;
        let mut out = [0u8; N];
        match self.0 {
            XmssParams::Sha2_10_256 => {
                let mut hash = sha2::Sha256::new();
                sha2::Digest::update(&mut hash, prefix);
                sha2::Digest::update(&mut hash, key);
                for part in parts {
                    sha2::Digest::update(&mut hash, part);
                }
                out.copy_from_slice(&hash.finalize());
            }
            XmssParams::Shake256_10_256 => {
                let mut all: Vec<&[u8]> = vec![&prefix, key];
                all.extend_from_slice(parts);
                tsb_pqc_kernels::shake256(&all, &mut out);
            }
        }
        out
    }

    fn f(self, key: &Node, m: &Node) -> Node {
        self.core(0, key, &[m])
    }

    fn h(self, key: &Node, left: &Node, right: &Node) -> Node {
        self.core(1, key, &[left, right])
    }

    fn h_msg(self, r: &Node, root: &Node, index: u64, message: &[u8]) -> Node {
        let mut idx = [0u8; N];
        idx[N - 8..].copy_from_slice(&index.to_be_bytes());
        self.core(2, &[&r[..], &root[..], &idx[..]].concat(), &[message])
    }

    fn prf(self, key: &[u8], m: &[u8; 32]) -> Node {
        self.core(3, key, &[m])
    }

    fn prf_keygen(self, sk_seed: &[u8], pub_seed: &[u8], adrs: &Adrs) -> Node {
        self.core(4, sk_seed, &[pub_seed, &adrs.bytes()])
    }
}

/// The 32-byte hash address (RFC 8391 section 2.5) of the single tree (layer 0, tree 0).
#[derive(Clone, Copy, Default)]
struct Adrs([u32; 8]);

impl Adrs {
    const OTS: u32 = 0;
    const LTREE: u32 = 1;
    const TREE: u32 = 2;

    fn typed(kind: u32, word4: u32) -> Self {
        let mut adrs = Self::default();
        adrs.0[3] = kind;
        adrs.0[4] = word4;
        adrs
    }

    fn with(mut self, word: usize, value: u32) -> Self {
        self.0[word] = value;
        self
    }

    fn bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(4).zip(self.0) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

/// Word 5: chain address (OTS) or tree height (L-tree, tree); word 6: hash address or tree
/// index; word 7: key and mask.
const CHAIN_OR_HEIGHT: usize = 5;
const HASH_OR_INDEX: usize = 6;
const KEY_AND_MASK: usize = 7;

struct Context<'a> {
    hasher: Hasher,
    pub_seed: &'a [u8],
}

impl Context<'_> {
    fn prf_at(&self, adrs: Adrs, key_and_mask: u32) -> Node {
        self.hasher.prf(
            self.pub_seed,
            &adrs.with(KEY_AND_MASK, key_and_mask).bytes(),
        )
    }

    /// RFC 8391 algorithm 2: `steps` chain steps from position `start`.
    fn chain(&self, mut x: Node, start: u8, steps: u8, adrs: Adrs) -> Node {
        for j in start..start + steps {
            let adrs = adrs.with(HASH_OR_INDEX, u32::from(j));
            let key = self.prf_at(adrs, 0);
            let mask = self.prf_at(adrs, 1);
            for (byte, m) in x.iter_mut().zip(mask) {
                *byte ^= m;
            }
            x = self.hasher.f(&key, &x);
        }
        x
    }

    /// RFC 8391 algorithm 7.
    fn rand_hash(&self, left: &Node, right: &Node, adrs: Adrs) -> Node {
        let key = self.prf_at(adrs, 0);
        let mask0 = self.prf_at(adrs, 1);
        let mask1 = self.prf_at(adrs, 2);
        let xor = |a: &Node, m: Node| -> Node { std::array::from_fn(|i| a[i] ^ m[i]) };
        self.hasher.h(&key, &xor(left, mask0), &xor(right, mask1))
    }

    /// RFC 8391 algorithm 8: compresses a WOTS+ public key into a leaf.
    fn ltree(&self, mut pk: Vec<Node>, leaf: u32) -> Node {
        let mut len = pk.len();
        let mut height = 0u32;
        while len > 1 {
            for i in 0..len / 2 {
                let adrs = Adrs::typed(Adrs::LTREE, leaf)
                    .with(CHAIN_OR_HEIGHT, height)
                    .with(HASH_OR_INDEX, index_u32(i));
                pk[i] = self.rand_hash(&pk[2 * i], &pk[2 * i + 1], adrs);
            }
            if len % 2 == 1 {
                pk[len / 2] = pk[len - 1];
            }
            len = len.div_ceil(2);
            height += 1;
        }
        pk[0]
    }

    /// The WOTS+ secret key of leaf `leaf`.
    fn wots_secret(&self, sk_seed: &[u8], leaf: u32) -> Vec<Node> {
        (0..LEN)
            .map(|i| {
                let adrs = Adrs::typed(Adrs::OTS, leaf).with(CHAIN_OR_HEIGHT, index_u32(i));
                self.hasher.prf_keygen(sk_seed, self.pub_seed, &adrs)
            })
            .collect()
    }

    fn leaf(&self, sk_seed: &[u8], leaf: u32) -> Node {
        let pk = self
            .wots_secret(sk_seed, leaf)
            .into_iter()
            .enumerate()
            .map(|(i, sk)| {
                let adrs = Adrs::typed(Adrs::OTS, leaf).with(CHAIN_OR_HEIGHT, index_u32(i));
                self.chain(sk, 0, W - 1, adrs)
            })
            .collect();
        self.ltree(pk, leaf)
    }

    /// Every level of the tree above `leaves`, leaves first, root last.
    fn levels(&self, leaves: Vec<Node>) -> Vec<Vec<Node>> {
        let mut levels = vec![leaves];
        for height in 0..HEIGHT {
            let below = &levels[height];
            let above = (0..below.len() / 2)
                .map(|i| {
                    let adrs = Adrs::typed(Adrs::TREE, 0)
                        .with(CHAIN_OR_HEIGHT, index_u32(height))
                        .with(HASH_OR_INDEX, index_u32(i));
                    self.rand_hash(&below[2 * i], &below[2 * i + 1], adrs)
                })
                .collect();
            levels.push(above);
        }
        levels
    }
}

/// `u32` of a small index (all indices here are below 2^10 or 67).
fn index_u32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// Base-16 digits of the message digest followed by the checksum digits.
fn digits(digest: &Node) -> [u8; LEN] {
    let mut out = [0u8; LEN];
    for (i, byte) in digest.iter().enumerate() {
        out[2 * i] = byte >> 4;
        out[2 * i + 1] = byte & 0x0f;
    }
    let checksum: u32 = out[..LEN1]
        .iter()
        .map(|d| u32::from(W - 1 - d))
        .sum::<u32>()
        << 4;
    let bytes = checksum.to_be_bytes();
    out[LEN1] = bytes[2] >> 4;
    out[LEN1 + 1] = bytes[2] & 0x0f;
    out[LEN1 + 2] = bytes[3] >> 4;
    out
}

/// A fresh key: (private key, DER SPKI). Computes all 1024 leaves.
pub fn generate(
    params: XmssParams,
    rng: &mut impl CryptoRng,
) -> Result<(SecretBytes, Vec<u8>), CryptoError> {
    let mut seeds = zeroize::Zeroizing::new([0u8; 3 * N]);
    rng.fill_bytes(seeds.as_mut());
    let (sk_seed, rest) = seeds.split_at(N);
    let (sk_prf, pub_seed) = rest.split_at(N);
    let context = Context {
        hasher: Hasher(params),
        pub_seed,
    };
    let leaves: Vec<Node> = (0..LEAVES)
        .map(|leaf| context.leaf(sk_seed, index_u32(leaf)))
        .collect();
    let root = context.levels(leaves.clone())[HEIGHT][0];
    let mut private = Vec::with_capacity(PRIVATE_LEN);
    private.extend(type_code(params).to_be_bytes());
    private.extend_from_slice(sk_seed);
    private.extend_from_slice(sk_prf);
    private.extend_from_slice(pub_seed);
    private.extend(root);
    leaves.iter().for_each(|leaf| private.extend(leaf));
    let public = public_key(params, &root, pub_seed);
    Ok((SecretBytes::new(private), spki(params.oid(), &public)?))
}

/// The raw XMSS public key: type code || root || PUB_SEED.
fn public_key(params: XmssParams, root: &Node, pub_seed: &[u8]) -> Vec<u8> {
    let mut out = type_code(params).to_be_bytes().to_vec();
    out.extend(root);
    out.extend_from_slice(pub_seed);
    out
}

/// Signs `message` with one-time key number `index` (which the caller has reserved).
pub fn sign(private: &[u8], index: u64, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let invalid = || CryptoError::InvalidKey("not an XMSS private key".to_owned());
    if private.len() != PRIVATE_LEN {
        return Err(invalid());
    }
    let params = params_of(&private[..4]).ok_or_else(invalid)?;
    if index >= CAPACITY {
        return Err(CryptoError::Signing("XMSS key exhausted".to_owned()));
    }
    let leaf = usize::try_from(index).map_err(|_| invalid())?;
    let (sk_seed, sk_prf) = (&private[SK_SEED..SK_PRF], &private[SK_PRF..PUB_SEED]);
    let pub_seed = &private[PUB_SEED..ROOT];
    let root: Node = private[ROOT..LEAF0].try_into().map_err(|_| invalid())?;
    let leaves: Vec<Node> = private[LEAF0..]
        .chunks_exact(N)
        .map(|chunk| chunk.try_into().unwrap_or([0; N]))
        .collect();
    let context = Context {
        hasher: Hasher(params),
        pub_seed,
    };
    let levels = context.levels(leaves);
    if levels[HEIGHT][0] != root {
        return Err(invalid());
    }
    let mut idx = [0u8; 32];
    idx[24..].copy_from_slice(&index.to_be_bytes());
    let r = context.hasher.prf(sk_prf, &idx);
    let digest = context.hasher.h_msg(&r, &root, index, message);
    let leaf_u32 = index_u32(leaf);
    let mut signature = Vec::with_capacity(SIGNATURE_LEN);
    signature.extend(leaf_u32.to_be_bytes());
    signature.extend(r);
    let secret = zeroize::Zeroizing::new(context.wots_secret(sk_seed, leaf_u32));
    for (i, (sk, digit)) in secret.iter().zip(digits(&digest)).enumerate() {
        let adrs = Adrs::typed(Adrs::OTS, leaf_u32).with(CHAIN_OR_HEIGHT, index_u32(i));
        signature.extend(context.chain(*sk, 0, digit, adrs));
    }
    for (height, level) in levels.iter().take(HEIGHT).enumerate() {
        signature.extend(level[(leaf >> height) ^ 1]);
    }
    Ok(signature)
}

/// Verifies with the DER SPKI; anything malformed is `Ok(false)`.
pub fn verify(
    params: XmssParams,
    public: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<bool, CryptoError> {
    let raw = raw_public(public, params.oid())?;
    if raw.len() != 4 + 2 * N || params_of(&raw[..4]) != Some(params) {
        return Err(CryptoError::InvalidKey(format!(
            "not an {} public key",
            params.name()
        )));
    }
    if signature.len() != SIGNATURE_LEN {
        return Ok(false);
    }
    let root: Node = raw[4..4 + N].try_into().unwrap_or([0; N]);
    let context = Context {
        hasher: Hasher(params),
        pub_seed: &raw[4 + N..],
    };
    let index = u32::from_be_bytes(signature[..4].try_into().unwrap_or([0xff; 4]));
    if u64::from(index) >= CAPACITY {
        return Ok(false);
    }
    let r: Node = signature[4..4 + N].try_into().unwrap_or([0; N]);
    let digest = context.hasher.h_msg(&r, &root, u64::from(index), message);
    let mut nodes = signature[4 + N..].chunks_exact(N).map(|chunk| {
        let node: Node = chunk.try_into().unwrap_or([0; N]);
        node
    });
    let pk: Vec<Node> = digits(&digest)
        .into_iter()
        .enumerate()
        .map(|(i, digit)| {
            let adrs = Adrs::typed(Adrs::OTS, index).with(CHAIN_OR_HEIGHT, index_u32(i));
            let sig = nodes.next().unwrap_or([0; N]);
            context.chain(sig, digit, W - 1 - digit, adrs)
        })
        .collect();
    let mut node = context.ltree(pk, index);
    for (height, sibling) in nodes.enumerate() {
        let parent = index >> (height + 1);
        let adrs = Adrs::typed(Adrs::TREE, 0)
            .with(CHAIN_OR_HEIGHT, index_u32(height))
            .with(HASH_OR_INDEX, parent);
        node = if (index >> height) & 1 == 0 {
            context.rand_hash(&node, &sibling, adrs)
        } else {
            context.rand_hash(&sibling, &node, adrs)
        };
    }
    Ok(subtle::ConstantTimeEq::ct_eq(&node[..], &root[..]).into())
}
