//! Remote JWK Set responses (tessera-jose `remote`): the JwksCache state machine fed a fuzzed
//! HTTP response (first input line: `Cache-Control` value; the rest: the body), with and
//! without symmetric keys allowed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_core::http::{HeaderValue, StatusCode, header};
use tessera_core::{HttpResponse, UnixTime};
use tessera_jose::JwsAlgorithm;
use tessera_jose::remote::{JwksCache, RemoteJwkSetConfig, Step};

fuzz_target!(|data: &[u8]| {
    let (head, body) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&[][..], data),
    };
    let mut res = HttpResponse::new(body.to_vec());
    *res.status_mut() = StatusCode::OK;
    if let Ok(v) = HeaderValue::from_bytes(head) {
        res.headers_mut().insert(header::CACHE_CONTROL, v);
    }

    let config = RemoteJwkSetConfig::new("https://issuer.example/jwks").expect("config");
    let config = if head.first() == Some(&b'!') {
        config.insecure_allow_symmetric_keys()
    } else {
        config
    };
    let allow_symmetric = config.allows_symmetric_keys();
    let mut cache = JwksCache::new(config);
    let now = UnixTime(1_700_000_000);
    let Step::Fetch(fetch) = cache.step(now, Some("k"), JwsAlgorithm::RS256) else {
        panic!("an empty cache asks for a fetch");
    };
    if let Ok(snapshot) = cache.on_response(fetch.ticket(), now, Ok(res)) {
        assert!(snapshot.fresh_until() >= snapshot.fetched_at());
        assert_eq!(
            snapshot.set().len(),
            cache.keys().map_or(0, |k| k.set().len())
        );
        // Without the opt-in, no symmetric key survives the fetch.
        assert!(allow_symmetric || snapshot.set().keys().iter().all(|k| k.kty() != "oct"));
        // A later step within freshness uses the keys without I/O (or refetches for an unknown
        // kid, after the cooldown) — never panics.
        let _ = cache.step(UnixTime(now.0 + 1), Some("k"), JwsAlgorithm::RS256);
        let _ = cache.step(UnixTime(now.0 + 400_000_000), None, JwsAlgorithm::ES256);
    }
});
