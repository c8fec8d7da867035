//! JWE against published vectors: RFC 7516 Appendix A, RFC 7517 Appendix C, the RFC 7520
//! cookbook (section 5 and 6) and RFC 8037's X25519 example. Vectors are in `tests/vectors/`.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions
use serde_json::{Map, Value};
use tessera::core::b64;
use tessera::jose::Jwk;
use tessera::jose::alg::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Alg};
use tessera::jose::jwe::{
    CompactJwe, DecryptionKey, EncryptionKey, FixedRandomnessForTesting, JweJson, JweJsonBuilder,
    JweOptions,
};

fn load(path: &str) -> Value {
    let full = format!("{}/tests/vectors/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(&full).unwrap()).unwrap()
}

fn jwk(v: &Value) -> Jwk {
    Jwk::from_json(v.to_string().as_bytes()).unwrap()
}

fn bytes(v: &Value) -> Vec<u8> {
    b64::decode(v.as_str().unwrap()).unwrap()
}

fn json_map(s: &str) -> Map<String, Value> {
    match serde_json::from_str(s).unwrap() {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

fn all_enabled() -> JweOptions {
    JweOptions::default()
        .with_pbes2(10_000)
        .with_zip(1 << 20)
        .insecure_with_rsa1_5()
}

/// Decrypts every serialization a cookbook vector publishes and checks the plaintext.
fn decrypt_cookbook(v: &Value, key: &DecryptionKey, opts: &JweOptions) {
    let plaintext = v["input"]["plaintext"].as_str().unwrap().as_bytes();
    let out = &v["output"];
    if let Some(c) = out["compact"].as_str() {
        let jwe = CompactJwe::parse(c, opts).unwrap();
        assert_eq!(jwe.decrypt(key).unwrap(), plaintext, "compact");
    }
    for form in ["json", "json_flat"] {
        if out[form].is_object() {
            let s = out[form].to_string();
            let d = JweJson::parse(s.as_bytes(), opts)
                .unwrap()
                .decrypt(key)
                .unwrap();
            assert_eq!(d.plaintext, plaintext, "{form}");
        }
    }
}

/// Encrypts a cookbook vector again with its published CEK, IV, ephemeral key and salt, and
/// checks that every serialization comes out byte for byte (JSON compared member by member).
fn reproduce_cookbook(v: &Value, key: &EncryptionKey) {
    let ec = &v["encrypting_content"];
    let enc: Enc = ec["protected"]["enc"]
        .as_str()
        .or(ec["unprotected"]["enc"].as_str())
        .unwrap()
        .parse()
        .unwrap();
    let mut b = JweJsonBuilder::new(enc);
    if let Some(p) = ec["protected"].as_object() {
        for (k, val) in p {
            if !["epk", "iv", "tag", "p2s", "p2c"].contains(&k.as_str()) {
                b = b.protected(k.clone(), val.clone());
            }
        }
    }
    if let Some(u) = ec["unprotected"].as_object() {
        for (k, val) in u {
            b = b.unprotected(k.clone(), val.clone());
        }
    }
    let aad;
    if let Some(a) = v["input"]["aad"].as_str() {
        aad = a.as_bytes().to_vec();
        b = b.aad(&aad);
    }
    b = b.recipient(key);
    let g = &v["generated"];
    let fixed = FixedRandomnessForTesting {
        cek: g["cek"].as_str().map(|s| b64::decode(s).unwrap()),
        iv: Some(bytes(&g["iv"])),
        epk: v["encrypting_key"]["epk"]
            .as_object()
            .map(|_| jwk(&v["encrypting_key"]["epk"])),
        kw_iv: ec["protected"]["iv"]
            .as_str()
            .map(|s| b64::decode(s).unwrap()),
        p2s: ec["protected"]["p2s"]
            .as_str()
            .map(|s| b64::decode(s).unwrap()),
        p2c: ec["protected"]["p2c"].as_u64().map(|n| n as u32),
        protected_b64: ec["protected_b64u"].as_str().map(str::to_owned),
    };
    let plaintext = v["input"]["plaintext"].as_str().unwrap().as_bytes();
    let jwe = b
        .encrypt_with_fixed_randomness_for_testing(plaintext, &fixed)
        .unwrap();
    let out = &v["output"];
    if let Some(c) = out["compact"].as_str() {
        assert_eq!(jwe.to_compact().unwrap(), c, "compact");
    }
    // For `dir` and `ECDH-ES` the cookbook's "json" has no `recipients` member: that is the
    // flattened form, since RFC 7516 §7.2.1 requires `recipients` in the general one.
    let general = if out["json"].get("recipients").is_some() {
        jwe.to_general_json()
    } else {
        jwe.to_flattened_json().unwrap()
    };
    assert_eq!(
        json_map(&general),
        *out["json"].as_object().unwrap(),
        "general JSON"
    );
    assert_eq!(
        json_map(&jwe.to_flattened_json().unwrap()),
        *out["json_flat"].as_object().unwrap(),
        "flattened JSON"
    );
}

mod rfc7516 {
    use super::*;

    fn vector(i: usize) -> Value {
        load("rfc-appendix/rfc7516_appendix_A.json")[i].clone()
    }

    // RFC 7516 A.2.1 / A.3.1: the CEK of examples A.2 and A.3; A.2.4 / A.3.4: their IV.
    const CEK_A2_A3: [u8; 32] = [
        4, 211, 31, 197, 84, 157, 252, 254, 11, 100, 157, 250, 63, 170, 106, 206, 107, 124, 212,
        45, 111, 107, 9, 219, 200, 177, 0, 240, 143, 156, 44, 207,
    ];
    const IV_A2_A3: [u8; 16] = [
        3, 22, 60, 12, 43, 67, 104, 105, 108, 108, 105, 99, 111, 116, 104, 101,
    ];

    #[test]
    fn a_1_rsa_oaep_a256gcm() {
        let v = vector(0);
        let key = DecryptionKey::from_jwk(&jwk(&v["jwk"]), Alg::RsaOaep).unwrap();
        let jwe =
            CompactJwe::parse(v["compact"].as_str().unwrap(), &JweOptions::default()).unwrap();
        assert_eq!(jwe.header().enc, Enc::A256Gcm);
        assert_eq!(
            jwe.decrypt(&key).unwrap(),
            v["plaintext_utf8"].as_str().unwrap().as_bytes()
        );
    }

    #[test]
    fn a_2_rsa1_5_a128cbc_hs256_needs_the_insecure_opt_in() {
        let v = vector(1);
        let token = v["compact"].as_str().unwrap();
        let err = CompactJwe::parse(token, &JweOptions::default()).unwrap_err();
        assert!(
            matches!(err, tessera::jose::Error::Disabled { .. }),
            "{err}"
        );
        let key = DecryptionKey::from_jwk(&jwk(&v["jwk"]), Alg::Rsa1_5).unwrap();
        let opts = JweOptions::default().insecure_with_rsa1_5();
        let jwe = CompactJwe::parse(token, &opts).unwrap();
        assert_eq!(jwe.decrypt(&key).unwrap(), b"Live long and prosper.");
    }

    #[test]
    fn a_3_a128kw_a128cbc_hs256() {
        let v = vector(2);
        let k = jwk(&v["jwk"]);
        let key = DecryptionKey::from_jwk(&k, Alg::A128KW).unwrap();
        let token = v["compact"].as_str().unwrap();
        let jwe = CompactJwe::parse(token, &JweOptions::default()).unwrap();
        assert_eq!(jwe.decrypt(&key).unwrap(), b"Live long and prosper.");

        // Deterministic: the published CEK and IV give the published token, byte for byte.
        let enc_key = EncryptionKey::from_jwk(&k, Alg::A128KW).unwrap();
        let fixed = FixedRandomnessForTesting {
            cek: Some(CEK_A2_A3.to_vec()),
            iv: Some(IV_A2_A3.to_vec()),
            ..Default::default()
        };
        let header = tessera::jose::jwe::JweHeader::new(Alg::A128KW, Enc::A128CbcHs256);
        let ours = tessera::jose::jwe::encrypt_compact_with_fixed_randomness_for_testing(
            &header,
            b"Live long and prosper.",
            &enc_key,
            &fixed,
        )
        .unwrap();
        assert_eq!(ours, token);
    }

    #[test]
    fn a_4_general_json_two_recipients() {
        let v = vector(3);
        let json = v["json"].to_string();
        let opts = JweOptions::default().insecure_with_rsa1_5();
        let parsed = JweJson::parse(json.as_bytes(), &opts).unwrap();
        assert_eq!(parsed.recipient_count(), 2);

        let kw = DecryptionKey::from_jwk(&jwk(&v["jwks"][1]), Alg::A128KW).unwrap();
        let d = parsed.decrypt(&kw).unwrap();
        assert_eq!(d.plaintext, b"Live long and prosper.");
        assert_eq!(d.recipient, 1);
        assert_eq!(d.header.kid.as_deref(), Some("7"));
        assert_eq!(
            d.header.other["jku"],
            Value::from("https://server.example.com/keys.jwks")
        );

        let rsa = DecryptionKey::from_jwk(&jwk(&v["jwks"][0]), Alg::Rsa1_5).unwrap();
        let d = parsed.decrypt(&rsa).unwrap();
        assert_eq!(d.plaintext, b"Live long and prosper.");
        assert_eq!(d.recipient, 0);

        // Without the opt-in the RSA1_5 recipient is refused, the A128KW one still works.
        let strict = JweJson::parse(json.as_bytes(), &JweOptions::default()).unwrap();
        assert!(strict.decrypt(&rsa).is_err());
        assert!(strict.decrypt(&kw).is_ok());
    }

    #[test]
    fn a_5_flattened_json() {
        let v = vector(4);
        let key = DecryptionKey::from_jwk(&jwk(&v["jwk"]), Alg::A128KW).unwrap();
        let json = v["json"].to_string();
        let d = JweJson::parse(json.as_bytes(), &JweOptions::default())
            .unwrap()
            .decrypt(&key)
            .unwrap();
        assert_eq!(d.plaintext, b"Live long and prosper.");

        // Same CEK and IV as A.3, so the published ciphertext and tag come out again.
        let enc_key = EncryptionKey::from_jwk(&jwk(&v["jwk"]), Alg::A128KW).unwrap();
        let mut header = Map::new();
        header.insert("alg".into(), "A128KW".into());
        header.insert("kid".into(), "7".into());
        let ours = JweJsonBuilder::new(Enc::A128CbcHs256)
            .unprotected("jku", "https://server.example.com/keys.jwks")
            .recipient_with_header(&enc_key, header)
            .encrypt_with_fixed_randomness_for_testing(
                b"Live long and prosper.",
                &FixedRandomnessForTesting {
                    cek: Some(CEK_A2_A3.to_vec()),
                    iv: Some(IV_A2_A3.to_vec()),
                    protected_b64: Some("eyJlbmMiOiJBMTI4Q0JDLUhTMjU2In0".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        assert_eq!(
            json_map(&ours.to_flattened_json().unwrap()),
            *v["json"].as_object().unwrap()
        );
    }
}

mod rfc7517 {
    use super::*;

    #[test]
    fn c_pbes2_encrypted_private_jwk() {
        let v = load("rfc-appendix/rfc7517_appendix_C.json");
        let password = v["password_utf8"].as_str().unwrap().as_bytes();
        let token = v["compact"].as_str().unwrap();

        // PBES2 is off by default.
        let err = CompactJwe::parse(token, &JweOptions::default()).unwrap_err();
        assert!(
            matches!(err, tessera::jose::Error::Disabled { .. }),
            "{err}"
        );

        let opts = JweOptions::default().with_pbes2(10_000);
        let jwe = CompactJwe::parse(token, &opts).unwrap();
        assert_eq!(jwe.header().p2c, Some(4096));
        assert_eq!(jwe.header().cty.as_deref(), Some("jwk+json"));
        let key = DecryptionKey::from_password(password, Alg::Pbes2Hs256A128KW).unwrap();
        let plaintext = jwe.decrypt(&key).unwrap();

        // The plaintext is the RSA private key of Appendix C.1.
        let got = Jwk::from_json(&plaintext).unwrap();
        let want = jwk(&load("rfc-appendix/rfc7517_appendix.json")["C.1_rsa_private_key"]);
        assert_eq!(got.to_json_value(), want.to_json_value());

        // A wrong password fails opaquely.
        let wrong =
            DecryptionKey::from_password(b"Thus from my lips", Alg::Pbes2Hs256A128KW).unwrap();
        assert!(matches!(
            jwe.decrypt(&wrong),
            Err(tessera::jose::Error::DecryptionFailed)
        ));
    }
}

mod rfc7520 {
    use super::*;

    fn vector(name: &str) -> Value {
        load(&format!("rfc7520-cookbook/jwe/{name}.json"))
    }

    fn key_alg(v: &Value) -> Alg {
        v["input"]["alg"].as_str().unwrap().parse().unwrap()
    }

    #[test]
    fn jwe_5_1_rsa1_5_a128cbc_hs256() {
        let v = vector("5_1.key_encryption_using_rsa_v15_and_aes-hmac-sha2");
        let key = DecryptionKey::from_jwk(&jwk(&v["input"]["key"]), Alg::Rsa1_5).unwrap();
        decrypt_cookbook(&v, &key, &all_enabled());
        assert!(EncryptionKey::from_jwk(&jwk(&v["input"]["key"]), Alg::Rsa1_5).is_err());
    }

    #[test]
    fn jwe_5_2_rsa_oaep_a256gcm() {
        let v = vector("5_2.key_encryption_using_rsa-oaep_with_aes-gcm");
        let key = DecryptionKey::from_jwk(&jwk(&v["input"]["key"]), Alg::RsaOaep).unwrap();
        decrypt_cookbook(&v, &key, &JweOptions::default());
    }

    #[test]
    fn jwe_5_3_pbes2_hs512_a256kw_a128cbc_hs256() {
        let v = vector("5_3.key_wrap_using_pbes2-aes-keywrap_with-aes-cbc-hmac-sha2");
        let pwd = v["input"]["pwd"].as_str().unwrap().as_bytes();
        let key = DecryptionKey::from_password(pwd, Alg::Pbes2Hs512A256KW).unwrap();
        decrypt_cookbook(&v, &key, &JweOptions::default().with_pbes2(10_000));
        let ek = EncryptionKey::from_password(pwd, Alg::Pbes2Hs512A256KW).unwrap();
        reproduce_cookbook(&v, &ek);
    }

    #[test]
    fn jwe_5_4_ecdh_es_a128kw_p384_a128gcm() {
        let v = vector(
            "5_4.key_agreement_with_key_wrapping_using_ecdh-es_and_aes-keywrap_with_aes-gcm",
        );
        let k = jwk(&v["input"]["key"]);
        let key = DecryptionKey::from_jwk(&k, key_alg(&v)).unwrap();
        decrypt_cookbook(&v, &key, &JweOptions::default());
        let ek = EncryptionKey::from_jwk(&k.to_public().unwrap(), key_alg(&v)).unwrap();
        reproduce_cookbook(&v, &ek);
    }

    #[test]
    fn jwe_5_5_ecdh_es_p256_a128cbc_hs256() {
        let v = vector("5_5.key_agreement_using_ecdh-es_with_aes-cbc-hmac-sha2");
        let k = jwk(&v["input"]["key"]);
        let key = DecryptionKey::from_jwk(&k, key_alg(&v)).unwrap();
        decrypt_cookbook(&v, &key, &JweOptions::default());
        let ek = EncryptionKey::from_jwk(&k.to_public().unwrap(), key_alg(&v)).unwrap();
        reproduce_cookbook(&v, &ek);
    }

    #[test]
    fn jwe_5_6_dir_a128gcm() {
        let v = vector("5_6.direct_encryption_using_aes-gcm");
        let k = jwk(&v["input"]["key"]);
        let key = DecryptionKey::from_jwk(&k, Alg::Dir).unwrap();
        decrypt_cookbook(&v, &key, &JweOptions::default());
        reproduce_cookbook(&v, &EncryptionKey::from_jwk(&k, Alg::Dir).unwrap());
    }

    #[test]
    fn jwe_5_7_a256gcmkw_a128cbc_hs256() {
        let v = vector("5_7.key_wrap_using_aes-gcm_keywrap_with_aes-cbc-hmac-sha2");
        let k = jwk(&v["input"]["key"]);
        let key = DecryptionKey::from_jwk(&k, Alg::A256GCMKW).unwrap();
        decrypt_cookbook(&v, &key, &JweOptions::default());
        reproduce_cookbook(&v, &EncryptionKey::from_jwk(&k, Alg::A256GCMKW).unwrap());
    }

    #[test]
    fn jwe_5_8_a128kw_a128gcm() {
        let v = vector("5_8.key_wrap_using_aes-keywrap_with_aes-gcm");
        let k = jwk(&v["input"]["key"]);
        let key = DecryptionKey::from_jwk(&k, Alg::A128KW).unwrap();
        decrypt_cookbook(&v, &key, &JweOptions::default());
        reproduce_cookbook(&v, &EncryptionKey::from_jwk(&k, Alg::A128KW).unwrap());
    }

    #[test]
    fn jwe_5_9_compressed_content() {
        let v = vector("5_9.compressed_content");
        let k = jwk(&v["input"]["key"]);
        let key = DecryptionKey::from_jwk(&k, Alg::A128KW).unwrap();
        let token = v["output"]["compact"].as_str().unwrap();
        let err = CompactJwe::parse(token, &JweOptions::default()).unwrap_err();
        assert!(
            matches!(err, tessera::jose::Error::Disabled { .. }),
            "{err}"
        );
        decrypt_cookbook(&v, &key, &JweOptions::default().with_zip(4096));
    }

    #[test]
    fn jwe_5_10_additional_authenticated_data() {
        let v = vector("5_10.including_additional_authentication_data");
        let k = jwk(&v["input"]["key"]);
        let key = DecryptionKey::from_jwk(&k, Alg::A128KW).unwrap();
        decrypt_cookbook(&v, &key, &JweOptions::default());
        let json = v["output"]["json"].to_string();
        let d = JweJson::parse(json.as_bytes(), &JweOptions::default())
            .unwrap()
            .decrypt(&key)
            .unwrap();
        assert_eq!(
            d.aad.unwrap(),
            v["input"]["aad"].as_str().unwrap().as_bytes()
        );
        reproduce_cookbook(&v, &EncryptionKey::from_jwk(&k, Alg::A128KW).unwrap());
    }

    #[test]
    fn jwe_5_11_protecting_specific_header_fields() {
        let v = vector("5_11.protecting_specific_header_fields");
        let k = jwk(&v["input"]["key"]);
        let key = DecryptionKey::from_jwk(&k, Alg::A128KW).unwrap();
        decrypt_cookbook(&v, &key, &JweOptions::default());
        reproduce_cookbook(&v, &EncryptionKey::from_jwk(&k, Alg::A128KW).unwrap());
    }

    #[test]
    fn jwe_5_12_protecting_content_only() {
        let v = vector("5_12.protecting_content_only");
        let k = jwk(&v["input"]["key"]);
        let key = DecryptionKey::from_jwk(&k, Alg::A128KW).unwrap();
        decrypt_cookbook(&v, &key, &JweOptions::default());
        reproduce_cookbook(&v, &EncryptionKey::from_jwk(&k, Alg::A128KW).unwrap());
    }

    #[test]
    fn jwe_5_13_multiple_recipients() {
        let v = vector("5_13.encrypting_to_multiple_recipients");
        let plaintext = v["input"]["plaintext"].as_str().unwrap().as_bytes();
        let json = v["output"]["json"].to_string();
        let parsed = JweJson::parse(json.as_bytes(), &all_enabled()).unwrap();
        for (i, alg) in [Alg::Rsa1_5, Alg::EcdhEsA256KW, Alg::A256GCMKW]
            .into_iter()
            .enumerate()
        {
            let k = jwk(&v["input"]["key"][i]);
            let key = DecryptionKey::from_jwk(&k, alg).unwrap();
            let d = parsed.decrypt(&key).unwrap();
            assert_eq!(d.plaintext, plaintext, "{alg}");
            assert_eq!(d.recipient, i);
            assert_eq!(d.header.cty.as_deref(), Some("text/plain"));
        }
    }

    #[test]
    fn nesting_6_ps256_inside_rsa_oaep() {
        let v = load("rfc7520-cookbook/6.nesting_signatures_and_encryption.json");
        let token = v["encrypt"]["output"]["compact"].as_str().unwrap();
        let dec =
            DecryptionKey::from_jwk(&jwk(&v["encrypt"]["input"]["key"]), Alg::RsaOaep).unwrap();
        let sig_key = jwk(&v["sign"]["input"]["key"]).to_public().unwrap();
        let verifier =
            tessera::jose::VerifyingKey::from_jwk(&sig_key, tessera::jose::JwsAlgorithm::PS256)
                .unwrap();
        let nested = tessera::jose::jwe::decrypt_then_verify(
            token,
            &JweOptions::default(),
            &dec,
            &tessera::jose::jws::JwsOptions::default(),
            &verifier,
        )
        .unwrap();
        assert_eq!(
            nested.payload,
            v["sign"]["input"]["payload"].as_str().unwrap().as_bytes()
        );
        assert_eq!(nested.jws_header.typ.as_deref(), Some("JWT"));
        assert_eq!(nested.jwe_header.cty.as_deref(), Some("JWT"));
    }
}

mod rfc8037 {
    use super::*;

    // RFC 8037 Appendix A.6: Bob's X25519 key, the ephemeral secret (hex
    // 77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a) and its public key.
    fn a6() -> Value {
        load("rfc-appendix/rfc8037_appendix_A6.json")
    }

    #[test]
    fn a_6_ecdh_es_x25519() {
        let v = a6();
        let bob = jwk(&v["bob_private"]);
        let eph = jwk(&v["ephemeral_private"]);
        // The ephemeral public key RFC 8037 publishes is the one tessera derives and sends.
        let ek = EncryptionKey::from_jwk(&bob.to_public().unwrap(), Alg::EcdhEsA128KW).unwrap();
        let header =
            tessera::jose::jwe::JweHeader::new(Alg::EcdhEsA128KW, Enc::A128Gcm).with_kid("Bob");
        let token = tessera::jose::jwe::encrypt_compact_with_fixed_randomness_for_testing(
            &header,
            b"RFC 8037 A.6",
            &ek,
            &FixedRandomnessForTesting {
                epk: Some(eph),
                ..Default::default()
            },
        )
        .unwrap();
        let jwe = CompactJwe::parse(&token, &JweOptions::default()).unwrap();
        let epk = jwe.header().epk.as_ref().unwrap();
        assert_eq!(
            epk.to_json_value()["x"],
            v["ephemeral_public"]["x"],
            "epk of A.6"
        );
        let key = DecryptionKey::from_jwk(&bob, Alg::EcdhEsA128KW).unwrap();
        assert_eq!(jwe.decrypt(&key).unwrap(), b"RFC 8037 A.6");
    }

    #[test]
    fn cookbook_curve25519_ecdh_es_a128gcm() {
        let v = load("rfc7520-cookbook/curve25519/ecdh-es.json");
        let key = DecryptionKey::from_jwk(&jwk(&v["input"]["key"]), Alg::EcdhEs).unwrap();
        let plaintext = v["input"]["plaintext"].as_str().unwrap().as_bytes();
        let token = v["output"]["compact"].as_str().unwrap();
        let jwe = CompactJwe::parse(token, &JweOptions::default()).unwrap();
        assert_eq!(jwe.decrypt(&key).unwrap(), plaintext);
        let json = v["output"]["json_flat"].to_string();
        let d = JweJson::parse(json.as_bytes(), &JweOptions::default())
            .unwrap()
            .decrypt(&key)
            .unwrap();
        assert_eq!(d.plaintext, plaintext);
    }
}
