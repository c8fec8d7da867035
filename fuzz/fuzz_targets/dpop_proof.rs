//! DPoP proofs (RFC 9449 §4.3) at a resource server, on outside input: arbitrary proof strings,
//! and validly signed proofs over arbitrary headers' claims. Nothing may panic; what is accepted
//! must, by an independent reading of the proof's JSON, carry `typ: dpop+jwt`, the request's
//! method, the request's URL, a `jti`, an `iat` in the window and — when a token is presented —
//! `ath` equal to BASE64URL(SHA-256(token)) computed here with `sha2`.
//!
//! Input: `[mode, rest…]`: mode 0, `rest` is a proof; otherwise `rest` is a JSON claims object
//! signed here with a fixed key (whose public JWK goes in the header).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tessera_core::{UnixTime, b64};
use tessera_jose::{Jwk, JwsAlgorithm, SigningKey};
use tessera_jwt::JwtBuilder;
use tessera_oauth::dpop::{MemoryReplayCache, ProofVerifier, Request};

const NOW: UnixTime = UnixTime(1_800_000_000);
const URL: &str = "https://api.example/orders";

struct Fixed {
    signer: SigningKey,
    public: Value,
}

fn fixed() -> &'static Fixed {
    static F: OnceLock<Fixed> = OnceLock::new();
    F.get_or_init(|| {
        use rand_core::SeedableRng;
        let mut rng = chacha20::ChaCha20Rng::from_seed([3; 32]);
        let jwk = Jwk::generate_with_rng(JwsAlgorithm::ES256, &mut rng).expect("key");
        let signer = SigningKey::from_jwk(&jwk, JwsAlgorithm::ES256).expect("signer");
        let public =
            serde_json::from_str(&jwk.to_public().expect("public").to_json()).expect("json");
        Fixed { signer, public }
    })
}

fn part(token: &str, i: usize) -> Option<Value> {
    serde_json::from_slice(&b64::decode(token.split('.').nth(i)?).ok()?).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let proof = if mode == 0 {
        match std::str::from_utf8(rest) {
            Ok(s) => s.to_owned(),
            Err(_) => return,
        }
    } else {
        let Ok(Value::Object(claims)) = serde_json::from_slice::<Value>(rest) else {
            return;
        };
        let f = fixed();
        let b = JwtBuilder::new().typ("dpop+jwt").claims(&claims);
        let mut h = b.header_for(&f.signer);
        h.jwk = Some(f.public.clone());
        let Ok(payload) = b.payload() else { return };
        match tessera_jose::jws::sign_compact(&h, &payload, &f.signer) {
            Ok(p) => p,
            Err(_) => return,
        }
    };
    let verifier = ProofVerifier::new(MemoryReplayCache::new(16));
    let token = if mode & 2 != 0 {
        Some("the-access-token")
    } else {
        None
    };
    let request = Request {
        method: "GET",
        url: URL,
        access_token: token,
        jkt: None,
        nonce: None,
    };
    if let Ok(checked) = verifier.verify(&proof, &request, NOW) {
        let header = part(&proof, 0).expect("an accepted proof has a JSON header");
        let claims = part(&proof, 1).expect("an accepted proof has JSON claims");
        assert_eq!(
            header["typ"]
                .as_str()
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("dpop+jwt")
        );
        assert!(
            header["jwk"].get("d").is_none(),
            "a private key in the header"
        );
        assert_eq!(claims["htm"], "GET");
        let htu = claims["htu"].as_str().expect("htu");
        let u = url::Url::parse(htu).expect("htu is a URL");
        assert_eq!(u.host_str(), Some("api.example"));
        assert_eq!(u.path(), "/orders");
        assert_eq!(claims["jti"].as_str(), Some(checked.jti.as_str()));
        let iat = claims["iat"].as_f64().expect("iat");
        assert!(iat <= (NOW.0 + 5) as f64 && iat + 305.0 >= NOW.0 as f64);
        if let Some(t) = token {
            assert_eq!(
                claims["ath"].as_str(),
                Some(b64::encode(Sha256::digest(t)).as_str())
            );
        }
        // The same proof twice is a replay.
        assert!(verifier.verify(&proof, &request, NOW).is_err());
    }
});
