//! `tessera jwt sign` and `tessera jwt verify`, with a key file and with `--jwks-url`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use crate::common::*;

const NOW: &str = "1700000000";

fn sign(key: &str, claims: &str, extra: &[&str]) -> String {
    ok(tessera()
        .args([
            "jwt", "sign", "--key", key, "--claims", claims, "--now", NOW,
        ])
        .args(extra))
}

#[test]
fn rfc7515_a_1_as_a_jwt() {
    // RFC 7515 A.1 is a JWT: {"iss":"joe","exp":1300819380,"http://example.com/is_root":true}.
    let dir = Dir::new();
    let v = rfc7515("A.1");
    let key = dir.json("hs.json", &v["jwk"]);
    let token = v["compact"].as_str().unwrap();
    let base = [
        "jwt",
        "verify",
        "--key",
        &key,
        "--alg",
        "HS256",
        "--iss",
        "joe",
        "--insecure-skip-audience",
    ];
    let claims: Value = serde_json::from_str(&ok(tessera().args(base).args([
        "--now",
        "1300819300",
        token,
    ])))
    .unwrap();
    assert_eq!(
        claims,
        json!({"iss":"joe","exp":1300819380,"http://example.com/is_root":true})
    );
    // 30 s of leeway by default: 1300819409 passes, 1300819410 does not; --leeway 0 is strict.
    ok(tessera().args(base).args(["--now", "1300819409", token]));
    let err = fails(tessera().args(base).args(["--now", "1300819410", token]), 1);
    assert!(err.contains("expired"), "{err}");
    fails(
        tessera()
            .args(base)
            .args(["--leeway", "0", "--now", "1300819380", token]),
        1,
    );
    // Issuer compared exactly; the audience must be configured or explicitly waived.
    let err = fails(
        tessera().args([
            "jwt",
            "verify",
            "--key",
            &key,
            "--alg",
            "HS256",
            "--iss",
            "Joe",
            "--insecure-skip-audience",
            "--now",
            "1300819300",
            token,
        ]),
        1,
    );
    assert!(err.contains("issuer"), "{err}");
    let err = fails(
        tessera().args([
            "jwt",
            "verify",
            "--key",
            &key,
            "--alg",
            "HS256",
            "--now",
            "1300819300",
            token,
        ]),
        2,
    );
    assert!(err.contains("--aud"), "{err}");
    let err = fails(
        tessera().args([
            "jwt",
            "verify",
            "--key",
            &key,
            "--alg",
            "HS256",
            "--aud",
            "api",
            "--now",
            "1300819300",
            token,
        ]),
        1,
    );
    assert!(err.contains("aud"), "{err}");
}

#[test]
fn sign_then_verify() {
    let dir = Dir::new();
    let key = dir.file(
        "k.json",
        ok(tessera().args(["jwk", "generate", "--alg", "ES256", "--kid", "k1"])),
    );
    let claims_file = dir.file(
        "claims.json",
        r#"{"sub":"alice","aud":["api","web"],"iss":"https://op.example","scope":"read"}"#,
    );
    let token = sign(
        &key,
        &claims_file,
        &["--expires-in", "300", "--typ", "at+jwt"],
    );
    let decoded: Value =
        serde_json::from_str(&ok(tessera().args(["jwt", "decode", &token]))).unwrap();
    assert_eq!(
        decoded["header"],
        json!({"alg":"ES256","typ":"at+jwt","kid":"k1"})
    );
    assert_eq!(decoded["claims"]["iat"], 1_700_000_000);
    assert_eq!(decoded["claims"]["exp"], 1_700_000_300);

    let verify = |extra: &[&str]| {
        let mut c = tessera();
        c.args([
            "jwt",
            "verify",
            "--key",
            &key,
            "--alg",
            "ES256",
            "--aud",
            "web",
            "--now",
            "1700000100",
        ])
        .args(extra)
        .arg(&token);
        c
    };
    let claims: Value = serde_json::from_str(&ok(&mut verify(&[
        "--iss",
        "https://op.example",
        "--typ",
        "at+jwt",
        "--require",
        "sub",
        "--require",
        "scope",
    ])))
    .unwrap();
    assert_eq!(claims["scope"], "read");
    assert_eq!(claims["aud"], json!(["api", "web"]));
    // Each check fails on its own, with one line saying what.
    for (extra, what) in [
        (&["--typ", "JWT"][..], "type"),
        (&["--require", "jti"], "jti"),
        (&["--max-age", "60"], "old"),
        (&["--iss", "https://evil.example"], "issuer"),
    ] {
        let err = fails(&mut verify(extra), 1);
        assert!(err.contains(what), "{extra:?}: {err}");
    }
    // Not yet valid: issued in the future relative to --now.
    let err = fails(
        tessera().args([
            "jwt",
            "verify",
            "--key",
            &key,
            "--alg",
            "ES256",
            "--aud",
            "web",
            "--now",
            "1699999000",
            &token,
        ]),
        1,
    );
    assert!(err.contains("future") || err.contains("not valid"), "{err}");
    // The claims from stdin; a token without exp is refused unless explicitly allowed.
    let forever = ok(tessera()
        .args(["jwt", "sign", "--key", &key, "--claims", "-", "--no-iat"])
        .write_stdin(r#"{"aud":"api"}"#));
    let err = fails(
        tessera().args([
            "jwt", "verify", "--key", &key, "--alg", "ES256", "--aud", "api", &forever,
        ]),
        1,
    );
    assert!(err.contains("exp"), "{err}");
    let claims = ok(tessera().args([
        "jwt",
        "verify",
        "--key",
        &key,
        "--alg",
        "ES256",
        "--aud",
        "api",
        "--insecure-allow-missing-exp",
        &forever,
    ]));
    assert_eq!(
        serde_json::from_str::<Value>(&claims).unwrap(),
        json!({"aud":"api"})
    );
}

#[test]
fn sign_usage_errors() {
    let dir = Dir::new();
    let key = dir.file(
        "k.json",
        ok(tessera().args(["jwk", "generate", "--alg", "HS256"])),
    );
    for claims in [
        r#"{"exp":"soon"}"#,
        r#"{"aud":1}"#,
        "[1]",
        r#"{"a":1,"a":2}"#,
        "{",
    ] {
        fails(
            tessera().args(["jwt", "sign", "--key", &key, "--claims", claims]),
            2,
        );
    }
    // exp both in the claims and from --expires-in.
    fails(
        tessera().args([
            "jwt",
            "sign",
            "--key",
            &key,
            "--claims",
            r#"{"exp":1}"#,
            "--expires-in",
            "5",
        ]),
        2,
    );
    fails(
        tessera().args(["jwt", "sign", "--key", &key, "--claims", "missing.json"]),
        2,
    );
}

/// A one-thread HTTP server on 127.0.0.1 that answers every request with `status` and `body`,
/// counting requests.
pub(crate) fn serve(status: u16, body: String) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks.json", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            counter.fetch_add(1, Ordering::SeqCst);
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, hits)
}

#[test]
fn verify_with_jwks_url() {
    let dir = Dir::new();
    let key = dir.file(
        "k.json",
        ok(tessera().args(["jwk", "generate", "--alg", "RS256", "--kid", "r1"])),
    );
    let other = dir.file(
        "o.json",
        ok(tessera().args(["jwk", "generate", "--alg", "RS256", "--kid", "r2"])),
    );
    let public: Value = serde_json::from_str(&ok(tessera().args(["jwk", "public", &key]))).unwrap();
    let (url, hits) = serve(200, json!({ "keys": [public] }).to_string());
    let token = sign(
        &key,
        r#"{"sub":"bob","aud":"api"}"#,
        &["--expires-in", "60"],
    );
    let claims: Value = serde_json::from_str(&ok(tessera()
        .args([
            "jwt",
            "verify",
            "--jwks-url",
            &url,
            "--alg",
            "RS256",
            "--aud",
            "api",
            "--now",
            NOW,
            "-",
        ])
        .write_stdin(token)))
    .unwrap();
    assert_eq!(claims["sub"], "bob");
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    // A token from a key the set does not hold: rejected, naming the kid.
    let stranger = sign(&other, r#"{"aud":"api"}"#, &["--expires-in", "60"]);
    let err = fails(
        tessera().args([
            "jwt",
            "verify",
            "--jwks-url",
            &url,
            "--alg",
            "RS256",
            "--aud",
            "api",
            "--now",
            NOW,
            &stranger,
        ]),
        1,
    );
    assert!(err.contains("r2"), "{err}");
    // A failing endpoint or a non-loopback http URL: the keys cannot be read (status 2).
    let (bad_url, _) = serve(500, "oops".into());
    let token = sign(&key, r#"{"aud":"api"}"#, &["--expires-in", "60"]);
    let err = fails(
        tessera().args([
            "jwt",
            "verify",
            "--jwks-url",
            &bad_url,
            "--alg",
            "RS256",
            "--aud",
            "api",
            "--now",
            NOW,
            &token,
        ]),
        2,
    );
    assert!(err.contains("500"), "{err}");
    fails(
        tessera().args([
            "jwt",
            "verify",
            "--jwks-url",
            "http://example.com/jwks",
            "--alg",
            "RS256",
            "--aud",
            "api",
            &token,
        ]),
        2,
    );
    // --key and --jwks-url are exclusive, and one is required.
    let (code, out, _) = run(tessera().args([
        "jwt",
        "verify",
        "--key",
        &key,
        "--jwks-url",
        &url,
        "--alg",
        "RS256",
        "--aud",
        "api",
        &token,
    ]));
    assert_eq!((code, out.len()), (2, 0));
}
