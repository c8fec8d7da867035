//! OpenID Connect documents on outside input: discovery documents, UserInfo responses, and
//! back-channel logout tokens (both arbitrary tokens and validly signed tokens over arbitrary
//! claims). Nothing may panic or hang; what is accepted is checked against an independent
//! `serde_json` reading: a discovery document's `issuer`, a UserInfo response's `sub` (the ID
//! token's), a logout token's event, `sid`/`sub` and the absence of `nonce`.
//!
//! Input: `[kind, rest…]`.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tessera_core::{HttpClient, HttpRequest, TransportError, UnixTime};
use tessera_jose::{Jwk, JwkSet, JwsAlgorithm, SigningKey};
use tessera_jwt::JwtBuilder;
use tessera_oidc::logout::{BACKCHANNEL_LOGOUT_EVENT, verify_logout_token};
use tessera_oidc::{Discovery, Expected, IdToken, IdTokenVerifier, Provider};

const ISS: &str = "https://op.example";
const CLIENT: &str = "c1";
const NOW: UnixTime = UnixTime(1_800_000_000);

struct Fixed {
    provider: Provider,
    verifier: IdTokenVerifier,
    signer: SigningKey,
    id_token: IdToken,
}

fn fixed() -> &'static Fixed {
    static F: OnceLock<Fixed> = OnceLock::new();
    F.get_or_init(|| {
        // A key from a seeded generator, so every run is the same.
        let jwk = {
            use rand_core::SeedableRng;
            let mut rng = chacha20::ChaCha20Rng::from_seed([7; 32]);
            Jwk::generate_with_rng(JwsAlgorithm::ES256, &mut rng)
                .expect("a key")
                .with_kid("k1")
        };
        let signer = SigningKey::from_jwk(&jwk, JwsAlgorithm::ES256).expect("signer");
        let jwks = JwkSet::from_keys([jwk.to_public().expect("public")]).to_json();
        let http: Arc<dyn HttpClient> = Arc::new(move |_req: HttpRequest| {
            let body = jwks.clone();
            async move {
                Ok::<_, TransportError>(
                    tessera_core::http::Response::builder()
                        .status(200)
                        .header("content-type", "application/json")
                        .body(body.into_bytes())
                        .expect("response"),
                )
            }
        });
        let doc = format!(
            r#"{{"issuer":"{ISS}","authorization_endpoint":"{ISS}/a","jwks_uri":"{ISS}/k","userinfo_endpoint":"{ISS}/u","id_token_signing_alg_values_supported":["ES256"]}}"#
        );
        let metadata = Discovery::new().parse(ISS, doc.as_bytes()).expect("metadata");
        let provider = Provider::new(metadata, http).expect("provider");
        let verifier = IdTokenVerifier::new(&provider, CLIENT).expect("verifier");
        let token = JwtBuilder::new()
            .issuer(ISS)
            .subject("alice")
            .audience(CLIENT)
            .issued_at(NOW)
            .expires_in(NOW, 600)
            .sign(&signer)
            .expect("token");
        let id_token = futures_executor::block_on(verifier.verify(
            &provider,
            &token,
            &Expected::none(),
            NOW,
        ))
        .expect("the fixed ID token verifies");
        Fixed {
            provider,
            verifier,
            signer,
            id_token,
        }
    })
}

fn json(body: &[u8]) -> Option<serde_json::Map<String, Value>> {
    serde_json::from_slice(body).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    match kind % 4 {
        0 => {
            let templates = kind & 4 != 0;
            let d = if templates {
                Discovery::new().allow_issuer_template()
            } else {
                Discovery::new()
            };
            if let Ok(m) = d.parse(ISS, rest) {
                let v = json(rest).expect("accepted discovery is JSON");
                assert_eq!(v["issuer"].as_str(), Some(m.issuer.as_str()));
                assert!(templates || m.issuer == ISS);
                assert!(m.jwks_uri.is_some() && m.authorization_endpoint.is_some());
            }
        }
        1 => {
            let f = fixed();
            let ct = if kind & 4 != 0 {
                "application/jwt"
            } else {
                "application/json"
            };
            let res = tessera_core::http::Response::builder()
                .status(200)
                .header("content-type", ct)
                .body(rest.to_vec())
                .expect("response");
            let out = futures_executor::block_on(tessera_oidc::userinfo::parse_response(
                &f.provider,
                &f.verifier,
                &res,
                &f.id_token,
                NOW,
            ));
            if let Ok(claims) = out {
                assert_eq!(claims["sub"], "alice");
            }
        }
        2 => {
            // An arbitrary token.
            let f = fixed();
            if let Ok(text) = std::str::from_utf8(rest) {
                let out = futures_executor::block_on(verify_logout_token(
                    &f.provider,
                    CLIENT,
                    f.provider.keys(),
                    text,
                    NOW,
                ));
                assert!(out.is_err(), "an unsigned or foreign token was accepted");
            }
        }
        _ => {
            // Arbitrary claims, validly signed: only the claim checks decide.
            let f = fixed();
            let Some(claims) = json(rest) else {
                return;
            };
            let Ok(token) = JwtBuilder::new().claims(&claims).sign(&f.signer) else {
                return;
            };
            let out = futures_executor::block_on(verify_logout_token(
                &f.provider,
                CLIENT,
                f.provider.keys(),
                &token,
                NOW,
            ));
            if let Ok(t) = out {
                assert!(claims["events"][BACKCHANNEL_LOGOUT_EVENT].is_object());
                assert!(!claims.contains_key("nonce"));
                assert!(t.sid.is_some() || t.sub.is_some());
                assert_eq!(claims["iss"], ISS);
                assert_eq!(t.sid.as_deref(), claims.get("sid").and_then(Value::as_str));
            }
        }
    }
});
