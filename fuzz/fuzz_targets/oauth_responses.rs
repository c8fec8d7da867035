//! The token endpoint's responses and the other protocol documents tessera-oauth reads, on
//! outside input: token responses (success and error, JSON or — with the leniency —
//! form-encoded), authorization-server metadata, introspection and device authorization
//! responses, pushed authorization responses (RFC 9126), client registration responses
//! (RFC 7591) and protected resource metadata (RFC 9728). Nothing may panic or hang; what is
//! accepted is checked against an independent `serde_json` reading of the same body.
//!
//! Input: `[kind, status, content_type, body…]`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tessera_core::{HttpResponse, UnixTime};
use tessera_oauth::device::DeviceAuthorizationRequest;
use tessera_oauth::introspection::Introspect;
use tessera_oauth::{AuthorizationServerMetadata, Client, ClientAuth, Leniency, TokenResponse};

fn response(status: u8, content_type: u8, body: &[u8]) -> HttpResponse {
    let status = match status % 6 {
        0 | 1 => 200,
        5 => 201,
        2 => 400,
        3 => 401,
        _ => 503,
    };
    let ct = match content_type % 4 {
        0 | 1 => "application/json",
        2 => "application/x-www-form-urlencoded",
        _ => "text/html",
    };
    tessera_core::http::Response::builder()
        .status(status)
        .header("content-type", ct)
        .header("www-authenticate", r#"Bearer error="invalid_token""#)
        .body(body.to_vec())
        .expect("valid response")
}

/// The body as JSON, read independently (serde_json keeps the last of repeated members, which
/// tessera refuses, so this is only consulted for accepted bodies).
fn json(body: &[u8]) -> Option<serde_json::Map<String, Value>> {
    serde_json::from_slice(body).ok()
}

fuzz_target!(|data: &[u8]| {
    let [kind, status, ct, body @ ..] = data else {
        return;
    };
    let res = response(*status, *ct, body);
    let client = Client::new(
        "c",
        ClientAuth::none(),
        AuthorizationServerMetadata::new("https://as.example"),
    )
    .with_leniency(
        Leniency::default()
            .allow_form_encoded_responses()
            .allow_verification_url(),
    );
    match kind % 7 {
        0 => {
            for leniency in [Leniency::strict(), client.leniency().clone()] {
                if let Ok(t) = TokenResponse::parse(&res, UnixTime(1000), &leniency) {
                    assert_eq!(res.status(), 200);
                    assert!(!t.access_token().secret().is_empty());
                    if let Some(m) = json(body) {
                        assert_eq!(m["access_token"].as_str(), Some(t.access_token().secret()));
                        if let Some(Value::Number(n)) = m.get("expires_in") {
                            assert_eq!(n.as_u64(), t.expires_in());
                        }
                    }
                    if let (Some(e), Some(at)) = (t.expires_in(), t.expires_at()) {
                        assert_eq!(at, UnixTime(1000).saturating_add(e));
                    }
                }
            }
        }
        1 => {
            if let Ok(m) = AuthorizationServerMetadata::parse_response("https://as.example", &res) {
                assert_eq!(m.issuer, "https://as.example");
                let v = json(body).expect("accepted metadata is JSON");
                assert_eq!(v["issuer"], "https://as.example");
            }
        }
        2 => {
            if let Ok(i) = Introspect::new("t").parse_response(&res) {
                let v = json(body).expect("accepted introspection is JSON");
                assert_eq!(v["active"].as_bool(), Some(i.active()));
                if !i.active() {
                    assert_eq!(i.get_str("sub"), None);
                }
            }
        }
        4 => {
            let mut m = AuthorizationServerMetadata::new("https://as.example")
                .with_authorization_endpoint("https://as.example/authorize");
            m.pushed_authorization_request_endpoint = Some("https://as.example/par".into());
            let c = Client::new("c", ClientAuth::none(), m);
            if let Ok(url) =
                tessera_oauth::authorization::AuthorizationRequest::pushed_url(&c, &res)
            {
                let v = json(body).expect("accepted PAR response is JSON");
                let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
                assert_eq!(pairs.len(), 2);
                assert_eq!(v["request_uri"].as_str(), Some(pairs[1].1.as_str()));
            }
        }
        5 => {
            if let Ok(c) = tessera_oauth::registration::Registration::parse_response(&res) {
                let v = json(body).expect("accepted registration is JSON");
                assert_eq!(v["client_id"].as_str(), Some(c.client_id()));
            }
        }
        6 => {
            if let Ok(m) = tessera_oauth::resource::ResourceMetadata::parse_response(
                "https://api.example",
                &res,
            ) {
                let v = json(body).expect("accepted resource metadata is JSON");
                assert_eq!(v["resource"], "https://api.example");
                assert_eq!(m.resource, "https://api.example");
            }
        }
        _ => {
            if let Ok(a) =
                DeviceAuthorizationRequest::new().parse_response(&client, &res, UnixTime(0))
            {
                let v = json(body).expect("accepted device response is JSON");
                assert_eq!(v["user_code"].as_str(), Some(a.user_code()));
                assert!(a.interval() >= 1);
            }
        }
    }
});
