//! The flat-object JSON fast path against serde_json: whenever the fast path succeeds, its
//! visitor calls equal serde_json's, for every `deserialize_*` method at every position; and it
//! does succeed on the shapes it is for (JWT claims, JOSE headers, token responses).

mod support {
    pub mod trace;
}

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use support::trace::check;
use tessera_core::json::flat::FlatObject;

const ID_TOKEN: &str = r#"{"iss":"https://accounts.example.com","sub":"248289761001","aud":"s6BhdRkqt3","exp":1795000000,"iat":1763000000,"nbf":1762999940,"nonce":"n-0S6_WzA2Mj","email":"jane@example.com","name":"Jane Doe"}"#;

/// Documents the fast path must agree with serde_json on (most also succeed fast).
const CORPUS: &[&str] = &[
    ID_TOKEN,
    "{}",
    " { } ",
    "\t{\n\"a\" : 1 ,\r\n \"b\":\"x\" }\n",
    r#"{"a":0,"b":18446744073709551615,"c":18446744073709551616,"d":-1,"e":-0,"f":1.5,"g":1e3,"h":1E-3,"i":0.0}"#,
    r#"{"a":true,"b":false,"c":null}"#,
    r#"{"a":"plain","b":"esc\"aped","c":"\u00e9\ud83d\ude00","d":"é😀","e":"","f":"\\"}"#,
    r#"{"aud":["a","b"],"cnf":{"jkt":"abc"},"x":[],"y":{},"z":[[1,[2,{"q":[3]}]]]}"#,
    r#"{"s":"A","t":{"B":1},"u":"C"}"#,
    r#"{"esc\"key":1}"#,
    r#"{"a":1,}"#,
    r#"{"a":1 "b":2}"#,
    r#"{"a":01}"#,
    r#"{"a":1.}"#,
    r#"{"a":-}"#,
    r#"{"a":tru}"#,
    r#"{"a":nul}"#,
    r#"{"a":"unterminated}"#,
    "{\"a\":\"ctl\u{1}\"}",
    "{\"a\u{1}\":1}",
    r#"{"a":1}x"#,
    r#"{"a":1}{}"#,
    r#"[1,2]"#,
    r#""str""#,
    "",
    "{",
    r#"{"a"}"#,
    r#"{"a":}"#,
    r#"{"a":[1,2}"#,
    r#"{"a":{"b":1]}"#,
    r#"{"a":"x","a":"y"}"#,
    r#"{"1":1,"true":2,"-5":3,"1.5":4}"#,
    r#"{"big":123456789012345678901234567890,"neg":-9223372036854775809,"f32":3.4028235e39}"#,
    r#"{"c":"x","cc":"xy","b64":"AQID"}"#,
    r#"{"a":1234567890,"b":12345678,"c":123456789012345678,"d":10000000000000000000,"e":99999999999999999999,"f":7}"#,
    r#"{"a":12345678.5,"b":123456789e3,"c":1234567890123456789E1}"#,
    r#"{"a":0012345678}"#,
    r#"{"a":123456789"#,
    r#"{"a":18446744073709551615}"#,
];

#[test]
fn every_method_at_every_position_matches_serde_json() {
    let mut fast = 0;
    for doc in CORPUS {
        fast += check(doc);
    }
    // The fast path must actually engage on most rotations of the valid documents.
    assert!(fast >= 70, "fast path succeeded only {fast} times");
}

#[test]
fn id_token_claims_take_the_fast_path_with_borrowed_strings() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Claims<'a> {
        iss: &'a str,
        #[serde(borrow)]
        sub: Cow<'a, str>,
        aud: String,
        exp: u64,
        iat: i64,
        nbf: f64,
        nonce: Option<&'a str>,
        #[serde(flatten)]
        rest: BTreeMap<String, serde_json::Value>,
    }
    let mut de = FlatObject::new(ID_TOKEN);
    let fast = Claims::deserialize(&mut de).unwrap();
    de.end().unwrap();
    let slow: Claims = serde_json::from_str(ID_TOKEN).unwrap();
    assert_eq!(fast, slow);
    assert!(matches!(fast.sub, Cow::Borrowed(_)));
    assert_eq!(fast.rest.len(), 2);
    let mut de = FlatObject::new(ID_TOKEN);
    let value = serde_json::Value::deserialize(&mut de).unwrap();
    assert_eq!(
        value,
        serde_json::from_str::<serde_json::Value>(ID_TOKEN).unwrap()
    );
}

#[test]
fn nested_values_are_handed_to_serde_json() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Cnf {
        jkt: String,
    }
    #[derive(Deserialize, Debug, PartialEq)]
    struct Claims {
        aud: Vec<String>,
        cnf: Cnf,
        amount: f64,
        delta: i32,
        note: String,
    }
    let text = r#"{"aud":["a","b"],"cnf":{"jkt":"t"},"amount":12.5,"delta":-3,"note":"a\nb"}"#;
    let mut de = FlatObject::new(text);
    let fast = Claims::deserialize(&mut de).unwrap();
    de.end().unwrap();
    assert_eq!(fast.aud, ["a", "b"]);
    assert_eq!(fast.cnf.jkt, "t");
    assert_eq!(fast.amount, 12.5);
    assert_eq!(fast.delta, -3);
    assert_eq!(fast.note, "a\nb");
}

#[test]
fn invalid_documents_never_succeed() {
    for doc in [
        r#"{"a":1,}"#,
        r#"{"a":01}"#,
        r#"{"a":1}x"#,
        "{\"a\":\"ctl\u{1}\"}",
        r#"{"a":[1,}"#,
        r#"{"a":{"b":}}"#,
        r#"{"a" 1}"#,
        r#"{,"a":1}"#,
        "{\"a\":1",
    ] {
        let mut de = FlatObject::new(doc);
        let r = serde_json::Value::deserialize(&mut de).and_then(|v| de.end().map(|()| v));
        assert!(r.is_err(), "accepted {doc:?}");
        assert!(serde_json::from_str::<serde_json::Value>(doc).is_err());
    }
}

#[test]
fn deep_nesting_is_left_to_serde_json_limit() {
    for depth in [100, 126, 127, 128, 129, 200] {
        let text = format!("{{\"a\":{}1{}}}", "[".repeat(depth), "]".repeat(depth));
        check(&text);
        let mut de = FlatObject::new(&text);
        let fast = serde_json::Value::deserialize(&mut de).and_then(|v| de.end().map(|()| v));
        let slow = serde_json::from_str::<serde_json::Value>(&text);
        if fast.is_ok() {
            assert!(slow.is_ok(), "depth {depth}");
        }
    }
}

/// Deterministic mutations of the corpus (byte flips, insertions, deletions): the contract
/// holds on every mutant that is still UTF-8.
#[test]
fn mutated_documents_keep_the_contract() {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const BYTES: &[u8] = b"{}[]\":,\\ -+.eE0129aZtfnu\t\n";
    let mut checked = 0;
    for _ in 0..4000 {
        let base = CORPUS[(next() % CORPUS.len() as u64) as usize].as_bytes();
        let mut doc = base.to_vec();
        for _ in 0..1 + next() % 3 {
            let at = if doc.is_empty() {
                0
            } else {
                (next() % doc.len() as u64) as usize
            };
            let b = BYTES[(next() % BYTES.len() as u64) as usize];
            match next() % 3 {
                0 if !doc.is_empty() => doc[at] = b,
                1 => doc.insert(at, b),
                _ if !doc.is_empty() => {
                    doc.remove(at);
                }
                _ => doc.push(b),
            }
        }
        if let Ok(text) = std::str::from_utf8(&doc) {
            check(text);
            checked += 1;
        }
    }
    assert!(checked > 3000);
}

#[test]
fn rejecting_duplicates_declines_repeated_names_at_any_depth() {
    let parse = |text: &str, strict: bool| {
        let mut de = if strict {
            FlatObject::rejecting_duplicates(text)
        } else {
            FlatObject::new(text)
        };
        serde_json::Value::deserialize(&mut de).and_then(|v| de.end().map(|()| v))
    };
    for dup in [
        r#"{"a":{"x":1,"x":2}}"#,
        r#"{"a":[1,{"b":{"y":[],"y":{}}}]}"#,
        r#"{"ok":1,"a":[{"x":1,"x":1}]}"#,
    ] {
        assert!(parse(dup, true).is_err(), "{dup}");
        assert!(parse(dup, false).is_ok(), "{dup}");
    }
    for fine in [
        r#"{"a":{"x":1,"y":2}}"#,
        r#"{"a":[{"x":1},{"x":2}],"b":{"x":{"x":1}}}"#,
    ] {
        assert_eq!(parse(fine, true).unwrap(), parse(fine, false).unwrap());
    }
}

#[test]
fn member_walk_reads_each_value_once() {
    // The usual walk: names, plain values, a handed-over value.
    let mut de = FlatObject::new(r#" {"a" : "x", "b":17,"c":[1]} "#);
    de.open().unwrap();
    assert_eq!(de.next_name().unwrap(), Some("a"));
    assert_eq!(de.plain_u64_value(), None, "a string is not a number");
    assert_eq!(de.plain_str_value(), Some("x"));
    assert_eq!(de.plain_str_value(), None, "one value per name");
    assert!(de.value().is_err(), "one value per name");
    assert_eq!(de.next_name().unwrap(), Some("b"));
    assert_eq!(de.plain_u64_value(), Some(17));
    assert_eq!(de.next_name().unwrap(), Some("c"));
    let v = serde_json::Value::deserialize(de.value().unwrap()).unwrap();
    assert_eq!(v, serde_json::json!([1]));
    assert_eq!(de.next_name().unwrap(), None);
    assert_eq!(de.next_name().unwrap(), None);
    de.end().unwrap();

    // A name whose value is never read: the next name is refused, even where the text would
    // let it through (a missing value).
    for text in [r#"{"a":,"b":1}"#, r#"{"a":1,"b":2}"#] {
        let mut de = FlatObject::new(text);
        de.open().unwrap();
        assert_eq!(de.next_name().unwrap(), Some("a"));
        assert!(de.next_name().is_err(), "{text}");
    }
    // Nothing before `open`, and `open` once.
    let mut de = FlatObject::new(r#"{"a":1}"#);
    assert!(de.next_name().is_err());
    assert!(de.value().is_err());
    assert_eq!(de.plain_u64_value(), None);
    de.open().unwrap();
    assert!(de.open().is_err());
}

#[test]
fn a_seed_that_reads_nothing_does_not_skip_a_missing_value() {
    /// Deserializes without asking the deserializer for anything (legal serde).
    #[derive(Debug)]
    struct Nothing;
    impl<'de> Deserialize<'de> for Nothing {
        fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
            Ok(Nothing)
        }
    }
    let text = r#"{"a":,"b":1}"#;
    let mut de = FlatObject::new(text);
    let fast = BTreeMap::<String, Nothing>::deserialize(&mut de).and_then(|m| de.end().map(|()| m));
    assert!(fast.is_err());
    assert!(serde_json::from_str::<BTreeMap<String, Nothing>>(text).is_err());
}
