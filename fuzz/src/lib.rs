//! Fixed keys shared by the fuzz targets, so that parsed inputs reach the verification paths.
//!
//! All keys are published RFC example keys (RFC 7515 Appendix A, RFC 8037 Appendix A).

use std::sync::OnceLock;

use tessera_jose::{Jwk, JwsAlgorithm, VerifyingKey};

const HMAC_JWK: &str = r#"{"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"}"#;
const RSA_JWK: &str = r#"{"kty":"RSA","e":"AQAB","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"}"#;
const P256_JWK: &str = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;
const P521_JWK: &str = r#"{"kty":"EC","crv":"P-521","x":"AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk","y":"ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2"}"#;
const ED25519_JWK: &str =
    r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

fn all() -> &'static [VerifyingKey] {
    static KEYS: OnceLock<Vec<VerifyingKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut out = Vec::new();
        for (json, algs) in [
            (
                HMAC_JWK,
                &[
                    JwsAlgorithm::HS256,
                    JwsAlgorithm::HS384,
                    JwsAlgorithm::HS512,
                ][..],
            ),
            (
                RSA_JWK,
                &[
                    JwsAlgorithm::RS256,
                    JwsAlgorithm::RS384,
                    JwsAlgorithm::RS512,
                    JwsAlgorithm::PS256,
                    JwsAlgorithm::PS384,
                    JwsAlgorithm::PS512,
                ][..],
            ),
            (P256_JWK, &[JwsAlgorithm::ES256][..]),
            (P521_JWK, &[JwsAlgorithm::ES512][..]),
            (ED25519_JWK, &[JwsAlgorithm::EdDSA][..]),
        ] {
            let jwk = Jwk::from_json(json.as_bytes()).expect("fixed key parses");
            for &alg in algs {
                out.push(VerifyingKey::from_jwk(&jwk, alg).expect("fixed key prepares"));
            }
        }
        out
    })
}

/// The fixed verifying key for `alg`, if there is one.
pub fn verifier_for(alg: JwsAlgorithm) -> Option<&'static VerifyingKey> {
    all().iter().find(|k| k.alg() == alg)
}

/// Some verifying key whose algorithm is *not* `alg` (to exercise the algorithm check).
pub fn other_verifier(alg: JwsAlgorithm) -> Option<&'static VerifyingKey> {
    all().iter().find(|k| k.alg() != alg)
}

/// The fixed decryption keys of the RFC 7520 JOSE cookbook §5 examples (RSA1_5, RSA-OAEP,
/// PBES2, ECDH-ES(+A128KW) on P-256/P-384, `dir`, A256GCMKW, A128KW), so that the cookbook
/// tokens in the seed corpus decrypt and mutated ones run the decryption paths.
pub fn jwe_keys() -> &'static [tessera_jose::jwe::DecryptionKey] {
    use tessera_jose::KeyManagementAlgorithm as Alg;
    use tessera_jose::jwe::DecryptionKey;
    static KEYS: OnceLock<Vec<DecryptionKey>> = OnceLock::new();
    const COOKBOOK: &[&str] = &[
        include_str!(
            "../../tests/vectors/rfc7520-cookbook/jwe/5_1.key_encryption_using_rsa_v15_and_aes-hmac-sha2.json"
        ),
        include_str!(
            "../../tests/vectors/rfc7520-cookbook/jwe/5_2.key_encryption_using_rsa-oaep_with_aes-gcm.json"
        ),
        include_str!(
            "../../tests/vectors/rfc7520-cookbook/jwe/5_3.key_wrap_using_pbes2-aes-keywrap_with-aes-cbc-hmac-sha2.json"
        ),
        include_str!(
            "../../tests/vectors/rfc7520-cookbook/jwe/5_4.key_agreement_with_key_wrapping_using_ecdh-es_and_aes-keywrap_with_aes-gcm.json"
        ),
        include_str!(
            "../../tests/vectors/rfc7520-cookbook/jwe/5_5.key_agreement_using_ecdh-es_with_aes-cbc-hmac-sha2.json"
        ),
        include_str!(
            "../../tests/vectors/rfc7520-cookbook/jwe/5_6.direct_encryption_using_aes-gcm.json"
        ),
        include_str!(
            "../../tests/vectors/rfc7520-cookbook/jwe/5_7.key_wrap_using_aes-gcm_keywrap_with_aes-cbc-hmac-sha2.json"
        ),
        include_str!(
            "../../tests/vectors/rfc7520-cookbook/jwe/5_8.key_wrap_using_aes-keywrap_with_aes-gcm.json"
        ),
    ];
    KEYS.get_or_init(|| {
        let mut out = Vec::new();
        for text in COOKBOOK {
            let v: serde_json::Value = serde_json::from_str(text).expect("cookbook JSON");
            let input = &v["input"];
            let alg: Alg = input["alg"]
                .as_str()
                .expect("alg")
                .parse()
                .expect("known alg");
            let key = if let Some(pwd) = input["pwd"].as_str() {
                DecryptionKey::from_password(pwd.as_bytes(), alg)
            } else {
                let jwk =
                    Jwk::from_json(input["key"].to_string().as_bytes()).expect("cookbook key");
                DecryptionKey::from_jwk(&jwk, alg)
            };
            out.push(key.expect("cookbook key prepares"));
        }
        out
    })
}

/// JWE options for fuzzing: everything enabled (PBES2 with a low `p2c` cap, `zip` with the
/// default inflate cap, RSA1_5) so that every decryption path is reachable.
pub fn jwe_options() -> tessera_jose::jwe::JweOptions {
    let defaults = tessera_jose::jwe::JweOptions::default();
    let max_inflated = defaults.max_inflated;
    defaults
        .with_pbes2(8192)
        .with_zip(max_inflated)
        .insecure_with_rsa1_5()
}
