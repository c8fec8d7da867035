//! `application/x-www-form-urlencoded` encoding and strict parsing (RFC 6749 §3.1, Appendix B).

use std::collections::BTreeMap;

use crate::Error;

/// Encodes name/value pairs as a form body or query string.
pub fn encode<'a, I>(pairs: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Parses a form body or query string into its pairs, in order.
pub fn parse(input: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(input).into_owned().collect()
}

/// Parses a form body or query string, rejecting any parameter that appears twice
/// (RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than once").
pub fn parse_unique(input: &[u8]) -> Result<BTreeMap<String, String>, Error> {
    let mut out = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(input) {
        if out.contains_key(k.as_ref()) {
            return Err(Error::DuplicateParameter {
                name: k.into_owned(),
            });
        }
        out.insert(k.into_owned(), v.into_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_parses() {
        let body = encode([("grant_type", "authorization_code"), ("code", "a b+c&d")]);
        assert_eq!(body, "grant_type=authorization_code&code=a+b%2Bc%26d");
        let m = parse_unique(body.as_bytes()).unwrap();
        assert_eq!(m["code"], "a b+c&d");
        assert!(matches!(
            parse_unique(b"state=a&state=b"),
            Err(Error::DuplicateParameter { .. })
        ));
        assert_eq!(parse(b"a=1&a=2").len(), 2);
    }
}
