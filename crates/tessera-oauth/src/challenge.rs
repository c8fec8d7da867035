//! `WWW-Authenticate` challenges (RFC 9110 §11.6.1), as resource servers (RFC 6750 §3, RFC 9449
//! §7.1, RFC 9728 §5.1) and token endpoints (RFC 6749 §5.2, `invalid_client`) send them.
//!
//! ```
//! use tessera_oauth::challenge::Challenge;
//!
//! let c = Challenge::parse_all(
//!     r#"Bearer realm="api", error="invalid_token", error_description="expired", DPoP algs="ES256""#,
//! )?;
//! assert_eq!(c.len(), 2);
//! assert!(c[0].is_scheme("bearer"));
//! assert_eq!(c[0].param("error"), Some("invalid_token"));
//! assert_eq!(c[1].param("ALGS"), Some("ES256"));
//! # Ok::<(), tessera_oauth::challenge::ChallengeError>(())
//! ```

use std::fmt;

/// The largest `WWW-Authenticate` value parsed; longer ones are refused unread.
pub const MAX_CHALLENGE_BYTES: usize = 8 * 1024;

/// One challenge: an authentication scheme with either a `token68` or parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Challenge {
    /// The scheme as sent (compare with [`Challenge::is_scheme`], which ignores case).
    pub scheme: String,
    /// The `token68` form of the credentials, if the challenge used it.
    pub token68: Option<String>,
    /// The parameters in order, names lowercased (they are case-insensitive), values unquoted.
    pub params: Vec<(String, String)>,
}

impl Challenge {
    /// Parses a `WWW-Authenticate` field value: one or more comma-separated challenges.
    pub fn parse_all(value: &str) -> Result<Vec<Challenge>, ChallengeError> {
        if value.len() > MAX_CHALLENGE_BYTES {
            return Err(ChallengeError {
                offset: MAX_CHALLENGE_BYTES,
                problem: ChallengeProblem::TooLong,
            });
        }
        Parser {
            s: value.as_bytes(),
            i: 0,
        }
        .challenges()
    }

    /// Parses every `WWW-Authenticate` field of `headers`, in order.
    pub fn from_headers(headers: &http::HeaderMap) -> Result<Vec<Challenge>, ChallengeError> {
        let mut out = Vec::new();
        let mut total = 0usize;
        for v in headers.get_all(http::header::WWW_AUTHENTICATE) {
            total = total.saturating_add(v.len());
            if total > MAX_CHALLENGE_BYTES {
                return Err(ChallengeError {
                    offset: MAX_CHALLENGE_BYTES,
                    problem: ChallengeProblem::TooLong,
                });
            }
            let s = v.to_str().map_err(|_| ChallengeError {
                offset: 0,
                problem: ChallengeProblem::NotAscii,
            })?;
            out.extend(Challenge::parse_all(s)?);
        }
        Ok(out)
    }

    /// Whether the scheme is `scheme`, ignoring ASCII case.
    pub fn is_scheme(&self, scheme: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(scheme)
    }

    /// The value of parameter `name` (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a `WWW-Authenticate` value did not parse, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChallengeError {
    /// The byte offset at which parsing stopped.
    pub offset: usize,
    /// What was wrong there.
    pub problem: ChallengeProblem,
}

/// What was wrong in a `WWW-Authenticate` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChallengeProblem {
    /// Longer than [`MAX_CHALLENGE_BYTES`].
    TooLong,
    /// Not visible ASCII.
    NotAscii,
    /// A scheme or parameter name was expected.
    ExpectedToken,
    /// A parameter value (a token or a quoted string) was expected after `=`.
    ExpectedValue,
    /// A quoted string does not end.
    UnterminatedQuote,
    /// A parameter appears twice in one challenge (RFC 9110 §11.2 forbids it).
    RepeatedParameter,
    /// Something other than `,` follows a parameter or `token68`.
    ExpectedComma,
    /// No challenge at all.
    Empty,
}

impl fmt::Display for ChallengeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.problem {
            ChallengeProblem::TooLong => "is too long",
            ChallengeProblem::NotAscii => "is not visible ASCII",
            ChallengeProblem::ExpectedToken => "needs a scheme or parameter name",
            ChallengeProblem::ExpectedValue => "needs a parameter value",
            ChallengeProblem::UnterminatedQuote => "has a quoted string that does not end",
            ChallengeProblem::RepeatedParameter => "repeats a parameter in one challenge",
            ChallengeProblem::ExpectedComma => "needs a comma",
            ChallengeProblem::Empty => "has no challenge",
        };
        write!(f, "WWW-Authenticate {what} (at byte {})", self.offset)
    }
}

impl std::error::Error for ChallengeError {}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token68_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn err(&self, problem: ChallengeProblem) -> ChallengeError {
        ChallengeError {
            offset: self.i,
            problem,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    /// Skips whitespace and empty list elements (RFC 9110 §5.6.1 lets senders write `a, , b`).
    fn skip_commas(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b',')) {
            self.i += 1;
        }
    }

    fn token(&mut self) -> Option<String> {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn quoted(&mut self) -> Result<String, ChallengeError> {
        // At the opening quote.
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(self.err(ChallengeProblem::UnterminatedQuote)),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(b'\\') => {
                    self.i += 1;
                    match self.peek() {
                        Some(b) if b == b'\t' || (0x20..0x7f).contains(&b) => {
                            out.push(b);
                            self.i += 1;
                        }
                        _ => return Err(self.err(ChallengeProblem::UnterminatedQuote)),
                    }
                }
                Some(b) if b == b'\t' || (0x20..0x7f).contains(&b) => {
                    out.push(b);
                    self.i += 1;
                }
                Some(_) => return Err(self.err(ChallengeProblem::NotAscii)),
            }
        }
    }

    /// Whether, at the current position, a `name BWS "="` that is an auth-param begins (as
    /// opposed to a `token68`, which may end in `=` padding, or a new challenge's scheme).
    fn at_param(&self) -> bool {
        let mut j = self.i;
        while self.s.get(j).copied().is_some_and(is_tchar) {
            j += 1;
        }
        if j == self.i {
            return false;
        }
        while matches!(self.s.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        if self.s.get(j) != Some(&b'=') {
            return false;
        }
        j += 1;
        while matches!(self.s.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        // `abc=` followed by the end, a comma or another `=` is token68 padding.
        matches!(self.s.get(j), Some(&b) if b == b'"' || is_tchar(b))
    }

    fn challenges(mut self) -> Result<Vec<Challenge>, ChallengeError> {
        let mut out = Vec::new();
        self.skip_commas();
        while self.peek().is_some() {
            out.push(self.challenge()?);
            self.skip_commas();
        }
        if out.is_empty() {
            return Err(self.err(ChallengeProblem::Empty));
        }
        Ok(out)
    }

    fn challenge(&mut self) -> Result<Challenge, ChallengeError> {
        let scheme = self
            .token()
            .ok_or_else(|| self.err(ChallengeProblem::ExpectedToken))?;
        let mut c = Challenge {
            scheme,
            token68: None,
            params: Vec::new(),
        };
        // A scheme alone, followed by the end or a comma.
        if !matches!(self.peek(), Some(b' ' | b'\t')) {
            return match self.peek() {
                None | Some(b',') => Ok(c),
                Some(_) => Err(self.err(ChallengeProblem::ExpectedComma)),
            };
        }
        self.skip_ws();
        if self.peek().is_none_or(|b| b == b',') {
            return Ok(c);
        }
        if !self.at_param() {
            // token68
            let start = self.i;
            while self.peek().is_some_and(is_token68_char) {
                self.i += 1;
            }
            while self.peek() == Some(b'=') {
                self.i += 1;
            }
            if self.i == start {
                return Err(self.err(ChallengeProblem::ExpectedToken));
            }
            c.token68 = Some(String::from_utf8_lossy(&self.s[start..self.i]).into_owned());
            self.skip_ws();
            return match self.peek() {
                None | Some(b',') => Ok(c),
                Some(_) => Err(self.err(ChallengeProblem::ExpectedComma)),
            };
        }
        loop {
            let name = self
                .token()
                .ok_or_else(|| self.err(ChallengeProblem::ExpectedToken))?
                .to_ascii_lowercase();
            self.skip_ws();
            // at_param saw the `=`.
            self.i += 1;
            self.skip_ws();
            let value = match self.peek() {
                Some(b'"') => self.quoted()?,
                _ => self
                    .token()
                    .ok_or_else(|| self.err(ChallengeProblem::ExpectedValue))?,
            };
            if c.params.iter().any(|(n, _)| *n == name) {
                return Err(self.err(ChallengeProblem::RepeatedParameter));
            }
            c.params.push((name, value));
            self.skip_ws();
            match self.peek() {
                None => return Ok(c),
                Some(b',') => {
                    // Another parameter of this challenge, or the next challenge.
                    let save = self.i;
                    self.skip_commas();
                    if self.at_param() {
                        continue;
                    }
                    self.i = save;
                    return Ok(c);
                }
                Some(_) => return Err(self.err(ChallengeProblem::ExpectedComma)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Challenge {
        let mut v = Challenge::parse_all(s).unwrap();
        assert_eq!(v.len(), 1, "{s}");
        v.remove(0)
    }

    #[test]
    fn rfc6750_examples() {
        let c = one(r#"Bearer realm="example""#);
        assert_eq!(c.param("realm"), Some("example"));
        let c = one(
            r#"Bearer realm="example", error="invalid_token", error_description="The access token expired""#,
        );
        assert_eq!(c.param("error"), Some("invalid_token"));
        assert_eq!(
            c.param("error_description"),
            Some("The access token expired")
        );
    }

    #[test]
    fn several_challenges_token68_and_bare_schemes() {
        let v = Challenge::parse_all(
            r#"Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple", Negotiate abc+/de==, Bare"#,
        )
        .unwrap();
        assert_eq!(v.len(), 4);
        assert_eq!(v[0].param("type"), Some("1"));
        assert_eq!(v[0].param("title"), Some(r#"Login to "apps""#));
        assert!(v[1].is_scheme("BASIC"));
        assert_eq!(v[2].token68.as_deref(), Some("abc+/de=="));
        assert!(v[3].is_scheme("bare") && v[3].params.is_empty());
    }

    #[test]
    fn rfc9449_and_rfc9728_parameters() {
        let v = Challenge::parse_all(
            r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof", algs="ES256 PS256", Bearer resource_metadata="https://rs.example/.well-known/oauth-protected-resource""#,
        )
        .unwrap();
        assert_eq!(v[0].param("algs"), Some("ES256 PS256"));
        assert_eq!(
            v[1].param("resource_metadata"),
            Some("https://rs.example/.well-known/oauth-protected-resource")
        );
    }

    #[test]
    fn malformed_values_are_typed_errors() {
        for (s, p) in [
            ("", ChallengeProblem::Empty),
            (" , ", ChallengeProblem::Empty),
            (r#"Bearer realm="x"#, ChallengeProblem::UnterminatedQuote),
            (
                r#"Bearer realm="a", realm="b""#,
                ChallengeProblem::RepeatedParameter,
            ),
            (
                r#"Bearer realm="a" error="b""#,
                ChallengeProblem::ExpectedComma,
            ),
            ("Bearer a==b", ChallengeProblem::ExpectedComma),
            ("=x", ChallengeProblem::ExpectedToken),
        ] {
            let e = Challenge::parse_all(s).unwrap_err();
            assert_eq!(e.problem, p, "{s:?}");
        }
        // `name=` with nothing after it is a token68 with padding, not a parameter.
        assert_eq!(one("Bearer realm=,").token68.as_deref(), Some("realm="));
        let long = format!("Bearer realm=\"{}\"", "a".repeat(MAX_CHALLENGE_BYTES));
        assert_eq!(
            Challenge::parse_all(&long).unwrap_err().problem,
            ChallengeProblem::TooLong
        );
    }

    #[test]
    fn hostile_quoting_and_many_challenges() {
        // Hundreds of challenges in one field, up to the cap: all read, in order.
        let many: String = (0..500).map(|i| format!("S{i} p=\"{i}\", ")).collect();
        assert!(many.len() < MAX_CHALLENGE_BYTES);
        let v = Challenge::parse_all(&many).unwrap();
        assert_eq!(v.len(), 500);
        assert_eq!(v[499].param("p"), Some("499"));
        // Escapes inside quotes: an escaped quote and backslash are data; a comma inside a
        // quoted string does not split the challenge.
        let c = one(r#"Bearer error_description="a \"quoted\", \\ value, with commas""#);
        assert_eq!(
            c.param("error_description"),
            Some(r#"a "quoted", \ value, with commas"#)
        );
        // A quote that never ends, a backslash at the very end, control characters and line
        // breaks (header injection) are refused.
        for bad in [
            r#"Bearer realm="abc"#,
            "Bearer realm=\"abc\\",
            "Bearer realm=\"a\u{1}b\"",
            "Bearer realm=\"a\r\nSet-Cookie: x\"",
            "Bearer realm=\"\u{7f}\"",
        ] {
            assert!(Challenge::parse_all(bad).is_err(), "{bad:?}");
        }
        // Just over the cap: refused unread.
        let big = "Bearer a=b, ".repeat(MAX_CHALLENGE_BYTES / 12 + 1);
        assert_eq!(
            Challenge::parse_all(&big).unwrap_err().problem,
            ChallengeProblem::TooLong
        );
        // Header values that are not visible ASCII.
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::WWW_AUTHENTICATE,
            http::HeaderValue::from_bytes(b"Bearer realm=\"\xff\"").unwrap(),
        );
        assert_eq!(
            Challenge::from_headers(&h).unwrap_err().problem,
            ChallengeProblem::NotAscii
        );
    }

    #[test]
    fn parameter_names_ignore_case_and_whitespace_around_equals() {
        let c = one("Bearer Error = invalid_token ,SCOPE=\"a b\"");
        assert_eq!(c.params[0].0, "error");
        assert_eq!(c.param("error"), Some("invalid_token"));
        assert_eq!(c.param("scope"), Some("a b"));
    }
}
