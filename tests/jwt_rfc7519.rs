//! RFC 7519 examples: §3.1 (the HS256 JWT, also RFC 7515 A.1) and Appendix A.
//!
//! Vectors: `tests/vectors/rfc-appendix/rfc7519_appendix_A.json` and `rfc7515_appendix_A.json`
//! (copied from the RFC texts).

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod rfc7519 {
    use serde::Deserialize;
    use serde_json::Value;
    use tessera_core::UnixTime;
    use tessera_jose::alg::KeyManagementAlgorithm as Alg;
    use tessera_jose::jwe::{CompactJwe, DecryptionKey, JweOptions};
    use tessera_jose::{Jwk, JwsAlgorithm, VerifyingKey};
    use tessera_jwt::{Claims, Error, JwtBuilder, KeyStore, Policy};

    const EXP: u64 = 1_300_819_380;

    fn vectors(name: &str) -> Value {
        let path = format!(
            "{}/tests/vectors/rfc-appendix/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
    }

    fn rfc7515(section: &str) -> Value {
        vectors("rfc7515_appendix_A.json")
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["section"] == section)
            .unwrap()
            .clone()
    }

    fn jwk(v: &Value) -> Jwk {
        Jwk::from_json(v.to_string().as_bytes()).unwrap()
    }

    /// The application's claims for the RFC examples.
    #[derive(Deserialize, Debug)]
    struct Example {
        #[serde(rename = "http://example.com/is_root")]
        is_root: bool,
    }

    fn joe_policy(alg: JwsAlgorithm) -> Policy {
        Policy::builder()
            .algorithm(alg)
            .issuer("joe")
            // The examples carry no `aud`.
            .insecure_skip_audience_check()
            .build()
            .unwrap()
    }

    #[test]
    fn section_3_1_hs256_example() {
        let v = rfc7515("RFC 7515 A.1");
        let token = v["compact"].as_str().unwrap();
        let key = VerifyingKey::from_jwk(&jwk(&v["jwk"]), JwsAlgorithm::HS256).unwrap();
        let keys = KeyStore::single(key);
        let policy = joe_policy(JwsAlgorithm::HS256);

        let ok = policy
            .verify_at::<Example>(token, &keys, UnixTime(EXP - 1))
            .unwrap();
        assert_eq!(ok.header().typ.as_deref(), Some("JWT"));
        assert_eq!(ok.claims().iss(), Some("joe"));
        assert_eq!(ok.claims().exp(), Some(UnixTime(EXP)));
        assert!(ok.custom().is_root);

        // The example expired in March 2011: precise error, leeway 30 s by default.
        match policy.verify_at::<Example>(token, &keys, UnixTime(EXP + 100)) {
            Err(Error::Expired {
                exp, by, leeway, ..
            }) => {
                assert_eq!((exp, by, leeway), (UnixTime(EXP), 100, 30))
            }
            other => panic!("{other:?}"),
        }
        // Within the leeway it is still accepted.
        assert!(
            policy
                .verify_at::<Example>(token, &keys, UnixTime(EXP + 29))
                .is_ok()
        );
    }

    #[test]
    fn a_1_claims_set() {
        // The claims set of A.1 (and of every example): build it and compare member by member.
        let v = vectors("rfc7519_appendix_A.json");
        let built = JwtBuilder::new()
            .issuer("joe")
            .expires_at(UnixTime(EXP))
            .claim("http://example.com/is_root", true);
        let built: Value = serde_json::from_slice(&built.payload().unwrap()).unwrap();
        assert_eq!(built, v["A.1_claims"]);
    }

    #[test]
    fn a_1_encrypted_jwt() {
        // A.1: the claims set encrypted to the recipient with RSA1_5 + A128CBC-HS256. RSA1_5 is
        // refused unless explicitly enabled (RFC 8725 §3.2).
        let v = vectors("rfc7519_appendix_A.json");
        let token = v["A.1_token"].as_str().unwrap();
        let key = DecryptionKey::from_jwk(&jwk(&v["A.1_key"]), Alg::Rsa1_5).unwrap();
        assert!(CompactJwe::parse(token, &JweOptions::default()).is_err());
        let jwe = CompactJwe::parse(token, &JweOptions::default().insecure_with_rsa1_5()).unwrap();
        let header = Value::Object(jwe.header().to_map());
        assert_eq!(header, v["A.1_header"]);
        let plaintext = jwe.decrypt(&key).unwrap();
        let claims = Claims::<Example>::from_json(&plaintext).unwrap();
        assert_eq!(claims.iss(), Some("joe"));
        assert_eq!(claims.exp(), Some(UnixTime(EXP)));
        assert!(claims.custom.is_root);
        let as_json: Value = serde_json::from_slice(&plaintext).unwrap();
        assert_eq!(as_json, v["A.1_claims"]);
        // An encrypted (not nested) JWT is not taken for a JWS, by structure.
        let policy = joe_policy(JwsAlgorithm::RS256);
        match policy.verify_at::<Example>(token, &KeyStore::new(), UnixTime(EXP - 1)) {
            Err(Error::Jose(tessera_jose::Error::MalformedCompact { expected, found })) => {
                assert_eq!((expected, found), (3, 5))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_2_nested_jwt() {
        // A.2: the RFC 7515 A.2 RS256 JWS, encrypted with RSA1_5 + A128CBC-HS256, cty JWT.
        let v = vectors("rfc7519_appendix_A.json");
        let token = v["A.2_token_nested"].as_str().unwrap();
        let dec = DecryptionKey::from_jwk(&jwk(&v["A.2_decryption_key"]), Alg::Rsa1_5).unwrap();
        let sig_key = jwk(&v["A.2_inner_verification_key_rfc7515_A.2"]);
        let keys = KeyStore::single(
            VerifyingKey::from_jwk(&sig_key.to_public().unwrap(), JwsAlgorithm::RS256).unwrap(),
        );
        let opts = JweOptions::default().insecure_with_rsa1_5();
        let policy = joe_policy(JwsAlgorithm::RS256);
        let nested = policy
            .verify_nested::<Example>(token, &dec, &opts, &keys, UnixTime(EXP - 1))
            .unwrap();
        assert_eq!(nested.jwe_header().cty.as_deref(), Some("JWT"));
        let jwt = nested.jwt();
        assert_eq!(jwt.header().alg, JwsAlgorithm::RS256);
        assert_eq!(jwt.claims().iss(), Some("joe"));
        assert!(jwt.custom().is_root);
        // The inner token is exactly RFC 7515 A.2's.
        let inner = rfc7515("RFC 7515 A.2");
        let direct = policy
            .verify_at::<Example>(inner["compact"].as_str().unwrap(), &keys, UnixTime(EXP - 1))
            .unwrap();
        assert_eq!(direct.claims().registered, jwt.claims().registered);
        // The policy still applies to the inner token.
        assert!(matches!(
            policy.verify_nested::<Example>(token, &dec, &opts, &keys, UnixTime(EXP + 31)),
            Err(Error::Expired { .. })
        ));
        // Without the RSA1_5 opt-in the token is refused before any decryption.
        assert!(
            policy
                .verify_nested::<Example>(
                    token,
                    &dec,
                    &JweOptions::default(),
                    &keys,
                    UnixTime(EXP - 1)
                )
                .is_err()
        );
    }

    #[test]
    fn rfc7515_a_3_es256_jwt() {
        let v = rfc7515("RFC 7515 A.3");
        let token = v["compact"].as_str().unwrap();
        let keys = KeyStore::single(
            VerifyingKey::from_jwk(&jwk(&v["jwk"]).to_public().unwrap(), JwsAlgorithm::ES256)
                .unwrap(),
        );
        let ok = joe_policy(JwsAlgorithm::ES256)
            .verify_at::<Example>(token, &keys, UnixTime(EXP - 1))
            .unwrap();
        assert!(ok.custom().is_root);
    }

    #[test]
    fn section_6_unsecured_jwt_is_refused() {
        // RFC 7519 §6.1 / RFC 7515 A.5: `alg: none` does not exist on the verify path.
        let v = rfc7515("RFC 7515 A.5");
        let token = v["compact"].as_str().unwrap();
        let keys = KeyStore::new();
        match joe_policy(JwsAlgorithm::HS256).verify_at::<Example>(token, &keys, UnixTime(EXP - 1))
        {
            Err(Error::Jose(tessera_jose::Error::UnsupportedAlgorithm { alg })) => {
                assert_eq!(alg, "none")
            }
            other => panic!("{other:?}"),
        }
    }
}
