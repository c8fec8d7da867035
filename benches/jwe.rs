//! JWE decryption of a compact token carrying an ID-token-sized payload: tessera against the
//! raw primitives it builds on (the floor), for RSA-OAEP-256 + A256GCM, ECDH-ES+A128KW +
//! A128GCM and dir + A256GCM.
//!
//! No peer is measured here: jsonwebtoken has no JWE, and jwt-simple 0.15's JWE offers none of
//! these three algorithm pairs (its RSA is RSA-OAEP with SHA-1, its ECDH-ES only with A256KW).
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::hint::black_box;

use aes_gcm::aead::consts::U12;
use aes_gcm::{AeadInOut, AesGcm, KeyInit};
use common::clock::ThreadCpu;
use common::{Keys, claims, interleaved};
use criterion::{Criterion, criterion_group, criterion_main};
use rsa::Oaep;
use sha2::{Digest, Sha256};
use tessera::core::b64;
use tessera::jose::jwe::{self, CompactJwe, DecryptionKey, EncryptionKey, JweHeader, JweOptions};
use tessera::jose::{
    ContentEncryptionAlgorithm as Enc, Jwk, JwsAlgorithm, KeyManagementAlgorithm as Alg,
};

type Aes128Gcm = AesGcm<aes_gcm::aes::Aes128, U12>;
type Aes256Gcm = AesGcm<aes_gcm::aes::Aes256, U12>;

/// The five compact segments, decoded once (outside the timed loop) for the raw floor.
struct Parts {
    header_b64: Vec<u8>,
    header: serde_json::Value,
    ek: Vec<u8>,
    iv: Vec<u8>,
    ct: Vec<u8>,
    tag: Vec<u8>,
}

fn split(token: &str) -> Parts {
    let s: Vec<&str> = token.split('.').collect();
    Parts {
        header_b64: s[0].as_bytes().to_vec(),
        header: serde_json::from_slice(&b64::decode(s[0]).unwrap()).unwrap(),
        ek: b64::decode(s[1]).unwrap(),
        iv: b64::decode(s[2]).unwrap(),
        ct: b64::decode(s[3]).unwrap(),
        tag: b64::decode(s[4]).unwrap(),
    }
}

fn gcm_open<C: KeyInit + AeadInOut>(key: &[u8], p: &Parts) -> Vec<u8> {
    let c = C::new_from_slice(key).unwrap();
    let nonce = aes_gcm::aead::Nonce::<C>::try_from(&p.iv[..]).unwrap();
    let tag = aes_gcm::aead::Tag::<C>::try_from(&p.tag[..]).unwrap();
    let mut buf = p.ct.clone();
    c.decrypt_inout_detached(&nonce, &p.header_b64, buf.as_mut_slice().into(), &tag)
        .unwrap();
    buf
}

/// Concat KDF (RFC 7518 §4.6.2) for one SHA-256 block, empty apu/apv.
fn concat_kdf(z: &[u8], alg: &str, key_len: usize) -> Vec<u8> {
    let mut h = Sha256::new();
    h.update(1u32.to_be_bytes());
    h.update(z);
    h.update((alg.len() as u32).to_be_bytes());
    h.update(alg.as_bytes());
    h.update(0u32.to_be_bytes());
    h.update(0u32.to_be_bytes());
    h.update(((key_len * 8) as u32).to_be_bytes());
    h.finalize()[..key_len].to_vec()
}

fn bench_one(
    c: &mut Criterion<ThreadCpu>,
    name: &str,
    alg: Alg,
    enc: Enc,
    jwk: &Jwk,
    raw: impl Fn(&Parts) -> Vec<u8>,
) {
    let payload = serde_json::to_vec(&claims()).unwrap();
    let public = if jwk.is_symmetric() {
        jwk.clone()
    } else {
        jwk.to_public().unwrap()
    };
    let ek = EncryptionKey::from_jwk(&public, alg).unwrap();
    let dk = DecryptionKey::from_jwk(jwk, alg).unwrap();
    let token = jwe::encrypt_compact(&JweHeader::new(alg, enc), &payload, &ek).unwrap();
    let opts = JweOptions::default();
    let parts = split(&token);
    let ours = || {
        CompactJwe::parse(black_box(&token), &opts)
            .unwrap()
            .decrypt(&dk)
            .unwrap()
    };
    assert_eq!(ours(), payload);
    assert_eq!(raw(&parts), payload);

    let group = format!("JWE decrypt {name}");
    let mut g = c.benchmark_group(&group);
    g.bench_function("tessera", |b| b.iter(ours));
    g.bench_function("raw", |b| b.iter(|| raw(black_box(&parts))));
    g.finish();
    interleaved(&group, &mut || ours().len(), &mut || raw(&parts).len());
}

fn jwe(c: &mut Criterion<ThreadCpu>) {
    // RSA-OAEP-256 + A256GCM with the RFC 7515 A.2 2048-bit key.
    let rsa_keys = Keys::for_alg(JwsAlgorithm::RS256);
    let rsa_sk = rsa_keys.rsa_private();
    bench_one(
        c,
        "RSA-OAEP-256+A256GCM",
        Alg::RsaOaep256,
        Enc::A256Gcm,
        &rsa_keys.private,
        |p| {
            let cek = rsa_sk
                .decrypt_blinded(
                    &mut rsa::rand_core::UnwrapErr(getrandom::SysRng),
                    Oaep::<Sha256>::new(),
                    &p.ek,
                )
                .unwrap();
            gcm_open::<Aes256Gcm>(&cek, p)
        },
    );

    // ECDH-ES+A128KW + A128GCM with the RFC 7515 A.3 P-256 key.
    let ec_keys = Keys::for_alg(JwsAlgorithm::ES256);
    let ec_sk = p256::SecretKey::from_slice(&ec_keys.ec_d()).unwrap();
    bench_one(
        c,
        "ECDH-ES+A128KW+A128GCM",
        Alg::EcdhEsA128KW,
        Enc::A128Gcm,
        &ec_keys.private,
        |p| {
            let epk = &p.header["epk"];
            let mut sec1 = vec![4u8];
            sec1.extend(b64::decode(epk["x"].as_str().unwrap()).unwrap());
            sec1.extend(b64::decode(epk["y"].as_str().unwrap()).unwrap());
            let pk = p256::PublicKey::from_sec1_bytes(&sec1).unwrap();
            let z = p256::ecdh::diffie_hellman(ec_sk.to_nonzero_scalar(), pk.as_affine());
            let kek = concat_kdf(z.raw_secret_bytes(), "ECDH-ES+A128KW", 16);
            let kw = aes_kw::KwAes128::new_from_slice(&kek).unwrap();
            let mut cek = [0u8; 16];
            kw.unwrap_key(&p.ek, &mut cek).unwrap();
            gcm_open::<Aes128Gcm>(&cek, p)
        },
    );

    // dir + A256GCM with a 256-bit shared key.
    let secret: Vec<u8> = (0u8..32)
        .map(|i| i.wrapping_mul(29).wrapping_add(7))
        .collect();
    let oct = Jwk::from_oct(&secret).unwrap();
    bench_one(c, "dir+A256GCM", Alg::Dir, Enc::A256Gcm, &oct, |p| {
        gcm_open::<Aes256Gcm>(&secret, p)
    });
}

criterion_group! {
    name = benches;
    config = common::clock::criterion();
    targets = jwe
}
criterion_main!(benches);
