//! `tessera demo`: a narrated, self-checking walk-through on 127.0.0.1.
//!
//! A provider (a signing key and a tiny HTTP server publishing its JWK Set), a relying party
//! (the remote JWK Set cache over `tessera-reqwest`, a verification policy), the tokens that
//! pass between them and the ones that must not. Each step states what it expects and checks
//! it; the first step that does not behave ends the demo with status 1.
//!
//! Time is a fixed clock so that the narration is the same on every run apart from keys,
//! tokens and the port.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tessera_core::{HttpClient, SecretString, UnixTime, b64};
use tessera_jose::alg::{ContentEncryptionAlgorithm as Enc, KeyManagementAlgorithm as Alg};
use tessera_jose::jwe::{DecryptionKey, EncryptionKey, JweHeader, JweOptions};
use tessera_jose::jwk::{EcCurve, OkpCurve, ThumbprintHash};
use tessera_jose::remote::RemoteJwkSet;
use tessera_jose::{Error as JoseError, Jwk, JwkSet, JwsAlgorithm, SigningKey};
use tessera_jwt::{Error as JwtError, JwtBuilder, Policy, RemoteKeys};
use tessera_pkce::{CodeVerifier, Error as PkceError, ServerVerifier};

use crate::CmdResult;
use crate::cli::DemoArgs;
use crate::error::{CliError, Result, chain};
use crate::http::FetchLog;
use crate::io::Output;

/// The demo's "now": 2027-01-15T08:00:00Z.
const NOW: UnixTime = UnixTime(1_800_000_000);
/// The relying party's client ID, the ID token's audience.
const CLIENT_ID: &str = "demo-app";
/// The nonce the relying party sent in its authorization request (OpenID Connect Core §3.1.2.1).
const NONCE: &str = "n-0S6_WzA2Mj";
const SUB: &str = "alice";
const EMAIL: &str = "alice@example.com";

/// A step that did not behave as expected: which step, and what happened instead.
struct Unexpected(String);

type Step<T = ()> = std::result::Result<T, Unexpected>;

fn unexpected(what: impl Into<String>) -> Unexpected {
    Unexpected(what.into())
}

/// Expects `r` to be an error matching `check`; returns the error's message.
fn expect_err<T>(
    r: std::result::Result<T, JwtError>,
    what: &str,
    check: impl FnOnce(&JwtError) -> bool,
) -> Step<String> {
    match r {
        Ok(_) => Err(unexpected(format!("{what}: the token was ACCEPTED"))),
        Err(e) if check(&e) => Ok(e.to_string()),
        Err(e) => Err(unexpected(format!(
            "{what}: refused for the wrong reason: {e}"
        ))),
    }
}

pub(crate) fn run(args: DemoArgs) -> CmdResult {
    let out = match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| {
                CliError::usage(format!("--out: cannot create {}: {e}", dir.display()))
            })?;
            Some(dir.clone())
        }
        None => None,
    };
    let server = JwksServer::start()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::usage(format!("cannot start the I/O runtime: {}", chain(&e))))?;
    let mut demo = Demo {
        out,
        say: Narrator::default(),
    };
    let result = runtime.block_on(demo.run(&server));
    let (addr, fetches) = (server.addr, server.shutdown());
    if result.is_ok() {
        let say = &mut demo.say;
        say.line("");
        say.line(format!(
            "All 7 steps behaved as expected. The JWK Set server on {addr} served {fetches} \
             fetches and has stopped."
        ));
        if let Some(dir) = &demo.out {
            let dir = dir.display();
            say.line(format!(
                "Files are in {dir}/. Replay: tessera jwt verify --key {dir}/jwks.json --alg ES256 \
                 --aud {CLIENT_ID} --now {} < {dir}/id-token.jwt",
                NOW.0
            ));
        }
    }
    demo.say.flush()?;
    match result {
        Ok(()) => Ok(Output::Bytes(Vec::new())),
        Err(Unexpected(msg)) => Err(CliError::rejected(format!(
            "demo: a step did not behave as expected: {msg}"
        ))),
    }
}

/// Writes the narration to stdout as it goes, remembering the first write error.
#[derive(Debug, Default)]
struct Narrator {
    error: Option<std::io::Error>,
}

impl Narrator {
    fn line(&mut self, s: impl AsRef<str>) {
        if self.error.is_some() {
            return;
        }
        let mut out = std::io::stdout().lock();
        if let Err(e) = out
            .write_all(s.as_ref().as_bytes())
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush())
        {
            self.error = Some(e);
        }
    }

    /// A labelled value, aligned.
    fn kv(&mut self, label: &str, value: impl AsRef<str>) {
        self.line(format!("   {label:<18} {}", value.as_ref()));
    }

    fn flush(&mut self) -> Result<()> {
        match self.error.take() {
            None => Ok(()),
            // A reader that went away (`tessera demo | head`) is a normal end of the narration.
            Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            Some(e) => Err(CliError::usage(format!(
                "cannot write to stdout: {}",
                chain(&e)
            ))),
        }
    }
}

struct Demo {
    out: Option<PathBuf>,
    say: Narrator,
}

/// Shortens a token for narration: its start, its end and its length.
fn short(token: &str) -> String {
    let (head, tail) = (token.get(..24), token.get(token.len().saturating_sub(8)..));
    match (head, tail) {
        (Some(h), Some(t)) if token.len() > 40 => format!("{h}…{t} ({} chars)", token.len()),
        _ => token.to_owned(),
    }
}

/// The protected header of a compact token, as JSON text.
fn header_json(token: &str) -> String {
    token
        .split('.')
        .next()
        .and_then(|h| b64::decode(h).ok())
        .and_then(|h| String::from_utf8(h).ok())
        .unwrap_or_else(|| "?".into())
}

fn generate_err(e: JoseError) -> Unexpected {
    unexpected(format!("key generation failed: {}", chain(&e)))
}

impl Demo {
    fn save(&mut self, name: &str, contents: &str) -> Step {
        if let Some(dir) = &self.out {
            let path = dir.join(name);
            std::fs::write(&path, format!("{contents}\n"))
                .map_err(|e| unexpected(format!("cannot write {}: {e}", path.display())))?;
        }
        Ok(())
    }

    async fn run(&mut self, server: &JwksServer) -> Step {
        let base = server.base_url();
        self.say.line(
            "tessera demo — an OpenID-style provider and relying party, all on 127.0.0.1, \
             at a fixed time",
        );
        self.say.line(format!(
            "   (now = {} = 2027-01-15T08:00:00Z; keys, tokens and the port change per run)",
            NOW.0
        ));

        // 1. The provider: a signing key and its published JWK Set.
        self.say.line("");
        self.say
            .line("1. Provider: generate an ES256 signing key and publish the public JWK Set");
        let key1 = Jwk::generate_ec(EcCurve::P256)
            .map_err(generate_err)?
            .with_kid("key-1")
            .with_alg("ES256");
        let public1 = key1
            .to_public()
            .ok_or_else(|| unexpected("the EC key has no public half"))?;
        let signer1 = SigningKey::from_jwk(&key1, JwsAlgorithm::ES256)
            .map_err(|e| unexpected(format!("cannot prepare the signing key: {}", chain(&e))))?;
        let jwks = JwkSet::from_keys([public1.clone()]).to_json();
        server.publish(jwks.clone());
        let jwks_url = format!("{base}/jwks");
        self.say.kv("public JWK", public1.to_json());
        self.say
            .kv("thumbprint", public1.thumbprint_uri(ThumbprintHash::Sha256));
        self.say.kv("JWK Set served at", &jwks_url);
        self.save("provider-key-1.json", &key1.to_json())?;

        // 2. An ID token.
        self.say.line("");
        self.say
            .line("2. Provider issues an ID token for alice (valid 10 minutes)");
        let id_token = JwtBuilder::new()
            .issuer(&base)
            .subject(SUB)
            .audience(CLIENT_ID)
            .issued_at(NOW)
            .expires_in(NOW, 600)
            .claim("nonce", NONCE)
            .claim("email", EMAIL)
            .kid("key-1")
            .sign(&signer1)
            .map_err(|e| unexpected(format!("signing failed: {}", chain(&e))))?;
        self.say.kv("header", header_json(&id_token));
        self.say.kv("token", &id_token);
        self.save("id-token.jwt", &id_token)?;

        // 3. The relying party verifies it through the remote JWK Set.
        self.say.line("");
        self.say.line(
            "3. Relying party verifies it: JWK Set fetched over HTTP (tessera-reqwest), cached",
        );
        // Straight to 127.0.0.1: a proxy from the environment must not see (or break) the fetch.
        let client = tessera_reqwest::ReqwestClient::builder()
            .no_proxy()
            .build()
            .map_err(|e| unexpected(format!("cannot build the HTTP client: {}", chain(&e))))?;
        // Failed fetches are kept with their URL and causes, for the message if a step fails.
        let log = FetchLog::default();
        let http: Arc<dyn HttpClient> = log.wrap(client);
        let remote = RemoteJwkSet::from_uri(&jwks_url, http)
            .map_err(|e| unexpected(format!("JWK Set URL refused: {}", chain(&e))))?;
        let keys = RemoteKeys::new(remote);
        let policy = Policy::builder()
            .algorithm(JwsAlgorithm::ES256)
            .issuer(&base)
            .audience(CLIENT_ID)
            .require("sub")
            .require("iat")
            .build()
            .map_err(|e| unexpected(format!("policy: {}", chain(&e))))?;
        self.say.kv(
            "policy",
            format!(
                "alg [ES256], iss {base}, aud {CLIENT_ID}, leeway {} s",
                policy.leeway()
            ),
        );
        let verified = policy
            .verify_async_at::<Map<String, Value>>(&id_token, &keys, NOW)
            .await
            .map_err(|e| {
                unexpected(format!(
                    "the valid ID token was refused: {}",
                    log.describe(&e)
                ))
            })?;
        let claims = verified.claims();
        let nonce = verified.custom().get("nonce").and_then(Value::as_str);
        // The nonce is compared in constant time, as a relying party must.
        if !nonce.is_some_and(|n| SecretString::new(NONCE).ct_eq(n)) {
            return Err(unexpected(format!(
                "nonce mismatch: sent {NONCE:?}, got {nonce:?}"
            )));
        }
        if claims.sub() != Some(SUB) {
            return Err(unexpected(format!("sub is {:?}", claims.sub())));
        }
        let email = verified
            .custom()
            .get("email")
            .and_then(Value::as_str)
            .unwrap_or("?");
        self.say.kv(
            "verified",
            format!(
                "sub {:?}, email {email:?}, exp {}; iss, aud, nonce match",
                claims.sub().unwrap_or("?"),
                claims.exp().map_or(0, |e| e.0),
            ),
        );
        for _ in 0..3 {
            policy
                .verify_async_at::<Map<String, Value>>(&id_token, &keys, NOW)
                .await
                .map_err(|e| {
                    unexpected(format!(
                        "a repeated verification failed: {}",
                        log.describe(&e)
                    ))
                })?;
        }
        let fetches = server.fetches();
        if fetches != 1 {
            return Err(unexpected(format!(
                "expected 1 JWK Set fetch for 4 verifications, the server saw {fetches}"
            )));
        }
        self.say.kv(
            "JWK Set fetches",
            "1 (the server's count) for 4 verifications: the keys are cached",
        );

        // 4. Tokens that must be refused.
        self.say.line("");
        self.say
            .line("4. Relying party refuses bad tokens, saying precisely why");
        let mut parts = id_token.split('.');
        let (h, _, s) = (parts.next(), parts.next(), parts.next());
        let forged_claims = json!({
            "iss": base, "sub": "admin", "aud": CLIENT_ID, "iat": NOW.0,
            "exp": NOW.0 + 600, "nonce": NONCE, "email": EMAIL,
        });
        let tampered = format!(
            "{}.{}.{}",
            h.unwrap_or(""),
            b64::encode(forged_claims.to_string().as_bytes()),
            s.unwrap_or("")
        );
        let msg = expect_err(
            policy
                .verify_async_at::<Map<String, Value>>(&tampered, &keys, NOW)
                .await,
            "tampered token",
            |e| matches!(e, JwtError::Jose(JoseError::InvalidSignature)),
        )?;
        self.say.kv("sub → \"admin\"", format!("refused: {msg}"));

        let other_rp = Policy::builder()
            .algorithm(JwsAlgorithm::ES256)
            .issuer(&base)
            .audience("other-app")
            .build()
            .map_err(|e| unexpected(format!("policy: {}", chain(&e))))?;
        let msg = expect_err(
            other_rp
                .verify_async_at::<Map<String, Value>>(&id_token, &keys, NOW)
                .await,
            "wrong audience",
            |e| {
                matches!(e, JwtError::WrongAudience { expected, found }
                    if expected == &["other-app"] && found == &[CLIENT_ID])
            },
        )?;
        self.say.kv("other-app's RP", format!("refused: {msg}"));

        let expired = JwtBuilder::new()
            .issuer(&base)
            .subject(SUB)
            .audience(CLIENT_ID)
            .issued_at(UnixTime(NOW.0 - 690))
            .expires_at(UnixTime(NOW.0 - 90))
            .claim("nonce", NONCE)
            .kid("key-1")
            .sign(&signer1)
            .map_err(|e| unexpected(format!("signing failed: {}", chain(&e))))?;
        let msg = expect_err(
            policy
                .verify_async_at::<Map<String, Value>>(&expired, &keys, NOW)
                .await,
            "expired token",
            |e| {
                matches!(
                    e,
                    JwtError::Expired {
                        by: 90,
                        leeway: 30,
                        ..
                    }
                )
            },
        )?;
        self.say.kv("exp = now − 90 s", format!("refused: {msg}"));

        let none_header = b64::encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = id_token.split('.').nth(1).unwrap_or("");
        let unsigned = format!("{none_header}.{payload}.");
        let msg = expect_err(
            policy
                .verify_async_at::<Map<String, Value>>(&unsigned, &keys, NOW)
                .await,
            "alg none",
            |e| matches!(e, JwtError::Jose(JoseError::UnsupportedAlgorithm { alg }) if alg == "none"),
        )?;
        self.say.kv("alg \"none\"", format!("refused: {msg}"));

        // Algorithm confusion: HS256 with the provider's public key as the HMAC secret.
        let confused = SigningKey::from_jwk(
            &Jwk::from_oct(public1.to_json().as_bytes())
                .map_err(|e| unexpected(format!("oct key: {}", chain(&e))))?,
            JwsAlgorithm::HS256,
        )
        .map_err(|e| unexpected(format!("HMAC key: {}", chain(&e))))?;
        let hs256 = JwtBuilder::new()
            .issuer(&base)
            .subject("admin")
            .audience(CLIENT_ID)
            .issued_at(NOW)
            .expires_in(NOW, 600)
            .kid("key-1")
            .sign(&confused)
            .map_err(|e| unexpected(format!("signing failed: {}", chain(&e))))?;
        let msg = expect_err(
            policy
                .verify_async_at::<Map<String, Value>>(&hs256, &keys, NOW)
                .await,
            "HS256 token",
            |e| matches!(e, JwtError::Jose(JoseError::AlgorithmNotAllowed { alg }) if alg == "HS256"),
        )?;
        self.say.kv("HS256, public key", format!("refused: {msg}"));
        let fetches = server.fetches();
        if fetches != 1 {
            return Err(unexpected(format!(
                "the refused tokens caused JWK Set fetches: the server saw {fetches}, expected 1"
            )));
        }

        // 5. Key rotation.
        let later = UnixTime(NOW.0 + 60);
        self.say.line("");
        self.say.line(
            "5. One minute later the provider rotates to key-2 (key-1 stays published a while)",
        );
        let key2 = Jwk::generate_ec(EcCurve::P256)
            .map_err(generate_err)?
            .with_kid("key-2")
            .with_alg("ES256");
        let public2 = key2
            .to_public()
            .ok_or_else(|| unexpected("the EC key has no public half"))?;
        let signer2 = SigningKey::from_jwk(&key2, JwsAlgorithm::ES256)
            .map_err(|e| unexpected(format!("cannot prepare the signing key: {}", chain(&e))))?;
        let jwks = JwkSet::from_keys([public2, public1]).to_json();
        server.publish(jwks.clone());
        self.save("provider-key-2.json", &key2.to_json())?;
        self.save("jwks.json", &jwks)?;
        self.say.kv("JWK Set now", "[key-2, key-1]");
        let rotated = JwtBuilder::new()
            .issuer(&base)
            .subject(SUB)
            .audience(CLIENT_ID)
            .issued_at(later)
            .expires_in(later, 600)
            .claim("nonce", NONCE)
            .kid("key-2")
            .sign(&signer2)
            .map_err(|e| unexpected(format!("signing failed: {}", chain(&e))))?;
        for _ in 0..3 {
            policy
                .verify_async_at::<Map<String, Value>>(&rotated, &keys, later)
                .await
                .map_err(|e| {
                    unexpected(format!("the key-2 token was refused: {}", log.describe(&e)))
                })?;
        }
        let refetches = server.fetches().saturating_sub(1);
        if refetches != 1 {
            return Err(unexpected(format!(
                "expected exactly 1 refetch for the unknown kid, the server saw {refetches}"
            )));
        }
        self.say.kv(
            "kid key-2 token",
            "verified 3 times; the unknown kid cost 1 refetch (server count 1 → 2)",
        );
        let invented = JwtBuilder::new()
            .issuer(&base)
            .subject("admin")
            .audience(CLIENT_ID)
            .issued_at(later)
            .expires_in(later, 600)
            .kid("key-99")
            .sign(&signer2)
            .map_err(|e| unexpected(format!("signing failed: {}", chain(&e))))?;
        let msg = expect_err(
            policy
                .verify_async_at::<Map<String, Value>>(&invented, &keys, later)
                .await,
            "invented kid",
            |e| matches!(e, JwtError::Jose(JoseError::NoMatchingKey { .. })),
        )?;
        let fetches = server.fetches();
        if fetches != 2 {
            return Err(unexpected(format!(
                "an invented kid within the 30 s cooldown caused a fetch (server count {fetches})"
            )));
        }
        self.say.kv("kid key-99 token", format!("refused: {msg}"));
        self.say.kv(
            "",
            "no refetch: at most one per 30 s cooldown (server count still 2)",
        );

        // 6. A nested JWT: signed by the provider, encrypted to the relying party.
        self.say.line("");
        self.say
            .line("6. Nested JWT: signed with key-2, then encrypted to the RP's X25519 key (JWE)");
        let (kw, enc) = (Alg::EcdhEsA256KW, Enc::A256Gcm);
        let rp_key = Jwk::generate_okp(OkpCurve::X25519)
            .map_err(generate_err)?
            .with_kid("rp-enc-1")
            .with_alg(kw.as_str());
        let rp_public = rp_key
            .to_public()
            .ok_or_else(|| unexpected("the X25519 key has no public half"))?;
        self.save("rp-enc-key.json", &rp_key.to_json())?;
        let recipient = EncryptionKey::from_jwk(&rp_public, kw)
            .map_err(|e| unexpected(format!("encryption key: {}", chain(&e))))?;
        let jwe_header = JweHeader::new(kw, enc).with_kid("rp-enc-1");
        let nested = JwtBuilder::new()
            .issuer(&base)
            .subject(SUB)
            .audience(CLIENT_ID)
            .issued_at(later)
            .expires_in(later, 600)
            .claim("nonce", NONCE)
            .claim("email", EMAIL)
            .kid("key-2")
            .sign_then_encrypt(&signer2, &jwe_header, &recipient)
            .map_err(|e| unexpected(format!("sign-then-encrypt failed: {}", chain(&e))))?;
        self.save("nested-id-token.jwe", &nested)?;
        self.say.kv("RP public key", rp_public.to_json());
        self.say.kv("JWE header", header_json(&nested));
        self.say.kv("JWE", short(&nested));
        let decryptor = DecryptionKey::from_jwk(&rp_key, kw)
            .map_err(|e| unexpected(format!("decryption key: {}", chain(&e))))?;
        let options = JweOptions::default().with_algs([kw]).with_encs([enc]);
        let opened = policy
            .verify_nested_async::<Map<String, Value>>(&nested, &decryptor, &options, &keys, later)
            .await
            .map_err(|e| unexpected(format!("the nested JWT was refused: {}", log.describe(&e))))?;
        let inner = opened.jwt();
        if inner.claims().sub() != Some(SUB) || inner.header().kid.as_deref() != Some("key-2") {
            return Err(unexpected("the nested JWT's claims or kid differ"));
        }
        self.say.kv(
            "decrypted",
            format!(
                "inner JWS {}, signed by key-2, sub {SUB:?}, email {EMAIL:?}",
                inner.header().alg.as_str()
            ),
        );
        // Another X25519 key under the same kid: the JWE must not open.
        let wrong_rp = Jwk::generate_okp(OkpCurve::X25519)
            .map_err(generate_err)?
            .with_kid("rp-enc-1");
        let wrong = DecryptionKey::from_jwk(&wrong_rp, kw)
            .map_err(|e| unexpected(format!("decryption key: {}", chain(&e))))?;
        let msg = expect_err(
            policy
                .verify_nested_async::<Map<String, Value>>(&nested, &wrong, &options, &keys, later)
                .await,
            "JWE with the wrong key",
            |e| matches!(e, JwtError::Jose(JoseError::DecryptionFailed)),
        )?;
        self.say.kv("another X25519 key", format!("refused: {msg}"));

        // 7. PKCE.
        self.say.line("");
        self.say
            .line("7. PKCE: the client's verifier and S256 challenge; the server's check");
        let verifier = CodeVerifier::generate()
            .map_err(|e| unexpected(format!("PKCE verifier: {}", chain(&e))))?;
        let challenge = verifier.challenge();
        self.say.kv("code_verifier", verifier.secret());
        self.say.kv(
            "code_challenge",
            format!(
                "{} (method {})",
                challenge.as_str(),
                challenge.method().as_str()
            ),
        );
        let server = ServerVerifier::new();
        server
            .check_challenge(Some("S256"), challenge.as_str())
            .map_err(|e| unexpected(format!("the S256 challenge was refused: {}", chain(&e))))?;
        server
            .verify(Some("S256"), challenge.as_str(), verifier.secret())
            .map_err(|e| unexpected(format!("the right verifier was refused: {}", chain(&e))))?;
        let other = CodeVerifier::generate()
            .map_err(|e| unexpected(format!("PKCE verifier: {}", chain(&e))))?;
        let wrong = server.verify(Some("S256"), challenge.as_str(), other.secret());
        if wrong != Err(PkceError::Mismatch) {
            return Err(unexpected(format!(
                "another verifier was not refused as a mismatch: {wrong:?}"
            )));
        }
        let plain = server.check_challenge(Some("plain"), verifier.secret());
        let Err(plain_err @ PkceError::MethodNotAllowed { .. }) = plain else {
            return Err(unexpected(format!("plain was not refused: {plain:?}")));
        };
        self.say.kv(
            "token endpoint",
            "right verifier: accepted (constant-time compare)",
        );
        self.say.kv(
            "",
            format!("another verifier: refused: {}", PkceError::Mismatch),
        );
        self.say
            .kv("", format!("method plain: refused: {plain_err}"));
        self.save(
            "pkce.json",
            &json!({
                "code_verifier": verifier.secret(),
                "code_challenge": challenge.as_str(),
                "code_challenge_method": challenge.method().as_str(),
            })
            .to_string(),
        )?;

        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------

/// The provider's JWK Set endpoint: a tiny HTTP/1.1 server on 127.0.0.1, one thread, one
/// connection at a time, `GET /jwks` only. It counts fetches so the demo can show what the
/// cache did.
struct JwksServer {
    addr: SocketAddr,
    state: Arc<ServerState>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct ServerState {
    jwks: Mutex<String>,
    fetches: AtomicUsize,
    stop: AtomicBool,
}

impl JwksServer {
    fn start() -> Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| CliError::usage(format!("cannot listen on 127.0.0.1: {}", chain(&e))))?;
        let addr = listener
            .local_addr()
            .map_err(|e| CliError::usage(format!("cannot listen on 127.0.0.1: {}", chain(&e))))?;
        let state = Arc::new(ServerState::default());
        let shared = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name("demo-jwks-server".into())
            .spawn(move || serve(&listener, &shared))
            .map_err(|e| {
                CliError::usage(format!("cannot start the JWK Set server: {}", chain(&e)))
            })?;
        Ok(JwksServer {
            addr,
            state,
            thread: Some(thread),
        })
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn publish(&self, jwks: String) {
        *self
            .state
            .jwks
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = jwks;
    }

    fn fetches(&self) -> usize {
        self.state.fetches.load(Ordering::SeqCst)
    }

    /// Stops the server and waits for its thread; returns how many fetches it served.
    fn shutdown(mut self) -> usize {
        self.stop();
        self.fetches()
    }

    /// Sets the stop flag, wakes the blocked `accept` with one connection, and joins the thread.
    fn stop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
            let _ = t.join();
        }
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(listener: &TcpListener, state: &ServerState) {
    for conn in listener.incoming() {
        if state.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = conn else { continue };
        let _ = handle(stream, state);
    }
}

/// Answers one request. Reads at most 8 KiB of request head, with a timeout.
fn handle(stream: TcpStream, state: &ServerState) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(std::io::Read::take(&stream, 8192));
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut words = request_line.split_ascii_whitespace();
    let (status, body) = match (words.next(), words.next()) {
        (Some("GET"), Some("/jwks")) => {
            state.fetches.fetch_add(1, Ordering::SeqCst);
            let body = state
                .jwks
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            ("200 OK", body)
        }
        _ => ("404 Not Found", String::new()),
    };
    let mut w = &stream;
    write!(
        w,
        "HTTP/1.1 {status}\r\nContent-Type: application/jwk-set+json\r\n\
         Cache-Control: max-age=300\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn expectations_fail_on_acceptance_and_on_the_wrong_reason() {
        let accepted: std::result::Result<(), JwtError> = Ok(());
        let Err(Unexpected(msg)) = expect_err(accepted, "forged", |_| true) else {
            panic!("an accepted token must fail the step");
        };
        assert!(msg.contains("ACCEPTED"), "{msg}");
        let wrong: std::result::Result<(), JwtError> = Err(JwtError::KeysUnavailable);
        let Err(Unexpected(msg)) = expect_err(wrong, "forged", |e| {
            matches!(e, JwtError::Jose(JoseError::InvalidSignature))
        }) else {
            panic!("the wrong error must fail the step");
        };
        assert!(msg.contains("wrong reason"), "{msg}");
        let right: std::result::Result<(), JwtError> =
            Err(JwtError::Jose(JoseError::InvalidSignature));
        assert_eq!(
            expect_err(right, "forged", |e| matches!(
                e,
                JwtError::Jose(JoseError::InvalidSignature)
            ))
            .ok()
            .as_deref(),
            Some("invalid signature")
        );
    }

    fn get(addr: SocketAddr, path: &str) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn server_serves_the_published_set_counts_fetches_and_stops() {
        let server = JwksServer::start().unwrap();
        server.publish(r#"{"keys":[]}"#.into());
        let res = get(server.addr, "/jwks");
        assert!(res.starts_with("HTTP/1.1 200 OK\r\n"), "{res}");
        assert!(res.ends_with("\r\n\r\n{\"keys\":[]}"), "{res}");
        assert!(get(server.addr, "/other").starts_with("HTTP/1.1 404"));
        assert_eq!(server.fetches(), 1);
        let addr = server.addr;
        assert_eq!(server.shutdown(), 1);
        assert!(
            TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err(),
            "the listener is closed"
        );
    }
}
