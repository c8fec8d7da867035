//! Fixtures shared by the benches: published RFC example keys, one ID-token-sized claim set,
//! and the same keys in the forms the peers and the raw primitives take.
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{BoxedUint, PrivateKey as RsaPrivateKey, PublicKey as RsaPublicKey};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tessera::core::b64;
use tessera::jose::{Jwk, JwsAlgorithm};

/// RFC 7515 Appendix A.1 (HS256): 64-byte shared secret.
pub(crate) const HMAC_JWK: &str = r#"{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#;
/// RFC 8037 Appendix A.1 (Ed25519).
pub(crate) const ED25519_JWK: &str = r#"{"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

pub(crate) const KID: &str = "2026-11-signing-key-01";
pub(crate) const ISS: &str = "https://accounts.example.com";
pub(crate) const AUD: &str = "s6BhdRkqt3-web-client.apps.example.com";

fn vector(path: &str) -> Value {
    let p = format!("{}/../tests/vectors/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap()
}

/// The RFC 7515 Appendix A JWK for `section` ("A.2" RSA-2048 private, "A.3" P-256 private).
fn rfc7515_jwk(section: &str) -> String {
    let v = vector("rfc-appendix/rfc7515_appendix_A.json");
    let entry = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["section"] == format!("RFC 7515 {section}"))
        .unwrap();
    let mut jwk = entry["jwk"].as_object().unwrap().clone();
    jwk.remove("kid");
    jwk.remove("alg");
    Value::Object(jwk).to_string()
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// An ID token's claims, owned (what the peers require).
#[derive(Serialize, Deserialize, Clone, Debug)]
pub(crate) struct IdClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: u64,
    pub iat: u64,
    pub nbf: u64,
    pub nonce: String,
    pub email: String,
    pub name: String,
}

/// The custom (non-registered) part, for jwt-simple's `JWTClaims<Custom>`.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub(crate) struct Custom {
    pub email: String,
    pub name: String,
}

pub(crate) fn claims() -> IdClaims {
    let now = now();
    IdClaims {
        iss: ISS.into(),
        sub: "248289761001-a7c3e0f2-5d1b-4c8e-9f6a-2b7d8e1c4a90".into(),
        aud: AUD.into(),
        exp: now + 365 * 86400,
        iat: now,
        nbf: now - 60,
        nonce: "n-0S6_WzA2Mj-7f3c9a1e5b2d8f4a6c0e1b3d5f7a9c2e".into(),
        email: "jane.alexandra.doe-smithson@mail.example.com".into(),
        name: "Jane Alexandra Doe-Smithson".into(),
    }
}

/// The same key in every form: tessera JWK (private and public), peers' inputs, raw material.
pub(crate) struct Keys {
    pub private: Jwk,
    pub public: Jwk,
}

impl Keys {
    pub(crate) fn for_alg(alg: JwsAlgorithm) -> Keys {
        let json = match alg {
            JwsAlgorithm::HS256 => HMAC_JWK.to_owned(),
            JwsAlgorithm::RS256 | JwsAlgorithm::PS256 => rfc7515_jwk("A.2"),
            JwsAlgorithm::ES256 => rfc7515_jwk("A.3"),
            JwsAlgorithm::EdDSA => ED25519_JWK.to_owned(),
            other => panic!("no bench key for {other}"),
        };
        let private = Jwk::from_json(json.as_bytes()).unwrap().with_kid(KID);
        let public = if alg == JwsAlgorithm::HS256 {
            private.clone()
        } else {
            private.to_public().unwrap()
        };
        Keys { private, public }
    }

    fn member(&self, name: &str) -> Vec<u8> {
        let v: Value = serde_json::from_str(&self.private.to_json()).unwrap();
        b64::decode(v[name].as_str().unwrap()).unwrap()
    }

    fn member_b64(&self, name: &str) -> String {
        let v: Value = serde_json::from_str(&self.private.to_json()).unwrap();
        v[name].as_str().unwrap().to_owned()
    }

    pub(crate) fn secret(&self) -> Vec<u8> {
        self.member("k")
    }

    pub(crate) fn rsa_private(&self) -> RsaPrivateKey {
        let n = BoxedUint::from_be_slice_vartime(&self.member("n"));
        let e = BoxedUint::from_be_slice_vartime(&self.member("e"));
        let prec = n.bits_precision();
        let s = |m: &str| BoxedUint::from_be_slice(&self.member(m), prec).unwrap();
        let mut k = RsaPrivateKey::from_components(n, e, s("d"), vec![s("p"), s("q")]).unwrap();
        k.precompute().unwrap();
        k
    }

    pub(crate) fn rsa_public(&self) -> RsaPublicKey {
        self.rsa_private().to_public_key()
    }

    pub(crate) fn rsa_pkcs1_der(&self) -> Vec<u8> {
        self.rsa_private()
            .to_pkcs1_der()
            .unwrap()
            .as_bytes()
            .to_vec()
    }

    pub(crate) fn rsa_n_e(&self) -> (Vec<u8>, Vec<u8>) {
        let k = self.rsa_public();
        (k.n().to_be_bytes().to_vec(), k.e().to_be_bytes().to_vec())
    }

    /// Base64url `n`/`e` or `x`/`y`, as jsonwebtoken's `from_*_components` take them.
    pub(crate) fn b64(&self, name: &str) -> String {
        self.member_b64(name)
    }

    pub(crate) fn ec_d(&self) -> Vec<u8> {
        self.member("d")
    }

    pub(crate) fn ec_sec1(&self) -> Vec<u8> {
        let mut out = vec![4u8];
        out.extend(self.member("x"));
        out.extend(self.member("y"));
        out
    }

    pub(crate) fn ed_seed(&self) -> [u8; 32] {
        self.member("d").try_into().unwrap()
    }

    pub(crate) fn ed_public(&self) -> [u8; 32] {
        self.member("x").try_into().unwrap()
    }
}

/// The file the interleaved ratios go to (appended; `cargo xtask bench` clears it before a
/// full run and adds the ratios to its table; the last line for an operation wins).
pub(crate) fn interleaved_file() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/criterion/interleaved.tsv")
}

/// The filter criterion was given, if any (the first free argument).
pub(crate) fn criterion_filter() -> Option<String> {
    const WITH_VALUE: &[&str] = &[
        "--warm-up-time",
        "--measurement-time",
        "--sample-size",
        "--noise-threshold",
        "--confidence-level",
        "--significance-level",
        "--nresamples",
        "--save-baseline",
        "--baseline",
        "--load-baseline",
        "--profile-time",
        "--output-format",
        "--color",
        "--plotting-backend",
    ];
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if WITH_VALUE.contains(&a.as_str()) {
            args.next();
        } else if !a.starts_with('-') {
            return Some(a);
        }
    }
    None
}

/// ours/raw measured interleaved: 41 rounds, each timing a batch of `ours` and a batch of
/// `raw` back to back (alternating which goes first), in thread CPU time; the median and
/// quartiles of the per-round ratios. Load that drifts during a run moves both sides of a
/// round alike, so this ratio is far steadier than two medians taken seconds apart.
pub(crate) fn interleaved(
    name: &str,
    ours: &mut dyn FnMut() -> usize,
    raw: &mut dyn FnMut() -> usize,
) {
    use std::io::Write;
    if !std::env::args().any(|a| a == "--bench")
        || criterion_filter().is_some_and(|f| !name.contains(&f))
    {
        return;
    }
    let time = |f: &mut dyn FnMut() -> usize, n: u32| {
        let t = cpu_time::ThreadTime::now();
        for _ in 0..n {
            black_box(f());
        }
        t.elapsed().as_secs_f64()
    };
    // Batches of about 5 ms of the raw primitive.
    let one = time(raw, 3) / 3.0;
    let n = ((0.005 / one.max(1e-9)) as u32).clamp(1, 1_000_000);
    time(ours, n);
    let mut ratios: Vec<f64> = (0..41)
        .map(|round| {
            let (a, b) = if round % 2 == 0 {
                let a = time(ours, n);
                (a, time(raw, n))
            } else {
                let b = time(raw, n);
                (time(ours, n), b)
            };
            a / b
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let (q1, med, q3) = (ratios[10], ratios[20], ratios[30]);
    println!(
        "{name}: ours/raw interleaved {med:.3} (IQR {q1:.3}..{q3:.3}, {n} iterations per batch)"
    );
    let path = interleaved_file();
    let _ = std::fs::create_dir_all(path.parent().unwrap());
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap();
    writeln!(f, "{name}\t{med}\t{q1}\t{q3}").unwrap();
}

/// Thread CPU time as criterion's measurement.
///
/// The bench machine is shared (2 cores, other builds running), so wall time mostly measures
/// the scheduler. The CPU time of the benchmarking thread does not count time spent
/// descheduled, which keeps medians and, above all, ratios stable under load. Set
/// `TESSERA_BENCH_CLOCK=wall` to use criterion's wall clock instead.
pub(crate) mod clock {
    use std::time::Duration;

    use criterion::Throughput;
    use criterion::measurement::{Measurement, ValueFormatter};

    #[derive(Debug)]
    pub(crate) struct ThreadCpu {
        wall: bool,
    }

    impl ThreadCpu {
        pub(crate) fn from_env() -> Self {
            ThreadCpu {
                wall: std::env::var("TESSERA_BENCH_CLOCK").is_ok_and(|v| v == "wall"),
            }
        }
    }

    pub(crate) enum Start {
        Cpu(cpu_time::ThreadTime),
        Wall(std::time::Instant),
    }

    impl Measurement for ThreadCpu {
        type Intermediate = Start;
        type Value = Duration;

        fn start(&self) -> Start {
            if self.wall {
                Start::Wall(std::time::Instant::now())
            } else {
                Start::Cpu(cpu_time::ThreadTime::now())
            }
        }
        fn end(&self, i: Start) -> Duration {
            match i {
                Start::Cpu(t) => t.elapsed(),
                Start::Wall(t) => t.elapsed(),
            }
        }
        fn add(&self, a: &Duration, b: &Duration) -> Duration {
            *a + *b
        }
        fn zero(&self) -> Duration {
            Duration::ZERO
        }
        fn to_f64(&self, v: &Duration) -> f64 {
            v.as_nanos() as f64
        }
        fn formatter(&self) -> &dyn ValueFormatter {
            &Nanos
        }
    }

    struct Nanos;

    impl ValueFormatter for Nanos {
        fn scale_values(&self, ns: f64, values: &mut [f64]) -> &'static str {
            let (factor, unit) = if ns < 1e3 {
                (1.0, "ns")
            } else if ns < 1e6 {
                (1e-3, "µs")
            } else if ns < 1e9 {
                (1e-6, "ms")
            } else {
                (1e-9, "s")
            };
            for v in values {
                *v *= factor;
            }
            unit
        }
        fn scale_throughputs(&self, _: f64, _: &Throughput, _: &mut [f64]) -> &'static str {
            "(no throughput)"
        }
        fn scale_for_machines(&self, _: &mut [f64]) -> &'static str {
            "ns"
        }
    }

    /// Criterion configured with this clock.
    pub(crate) fn criterion() -> criterion::Criterion<ThreadCpu> {
        criterion::Criterion::default()
            .with_measurement(ThreadCpu::from_env())
            .configure_from_args()
    }
}

/// Picks jsonwebtoken's backend for what follows: `rust_crypto` (the peer of every row) or
/// `aws_lc_rs` (the peer of the `ring` provider rows). This package enables both of
/// jsonwebtoken's backend features, and with both on jsonwebtoken needs a process-wide
/// `CryptoProvider` installed: the first call installs one whose factories ask this switch.
pub(crate) fn jsonwebtoken_backend(aws_lc: bool) {
    use jsonwebtoken::crypto::{CryptoProvider, aws_lc, rust_crypto};
    use std::sync::Once;
    use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
    static AWS_LC: AtomicBool = AtomicBool::new(false);
    static INSTALL: Once = Once::new();
    fn chosen() -> &'static CryptoProvider {
        if AWS_LC.load(Relaxed) {
            &aws_lc::DEFAULT_PROVIDER
        } else {
            &rust_crypto::DEFAULT_PROVIDER
        }
    }
    INSTALL.call_once(|| {
        let provider = CryptoProvider {
            signer_factory: |alg, key| (chosen().signer_factory)(alg, key),
            verifier_factory: |alg, key| (chosen().verifier_factory)(alg, key),
            key_utils: rust_crypto::DEFAULT_PROVIDER.key_utils.clone(),
        };
        Box::leak(Box::new(provider)).install_default().unwrap();
    });
    AWS_LC.store(aws_lc, Relaxed);
}
