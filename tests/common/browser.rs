//! A headless "browser" for panva's oidc-provider in the interop tests: it keeps cookies,
//! follows redirects by hand, and fills in the provider's development login and consent forms
//! (`devInteractions`: any login and password are accepted), the device flow's user code
//! form, and the RP-initiated logout confirmation. It speaks HTTP through `tessera-reqwest`
//! (which never follows redirects itself).
//!
//! Shared by the root test `oidc_provider` and the CLI's `op_cli` (included by `#[path]`), with
//! the settings of `tests/interop/node/op/server.mjs` both need.
#![allow(dead_code, clippy::unwrap_used, unreachable_pub)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tessera_core::http::{Method, Request, header};
use tessera_core::{HttpClient, HttpResponse};

/// The resource server whose tokens the provider issues as RFC 9068 JWTs.
pub const API: &str = "https://api.interop.example/";

/// The user the tests log in as.
pub const ALICE: User<'static> = User { login: "alice" };

/// The environment variable `name`, which `cargo xtask interop` sets to a server's URL.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: these tests run against oidc-provider; run `cargo xtask interop`"
        )
    })
}

/// The provider most tests use.
pub fn issuer() -> String {
    env("TESSERA_OP_ISSUER")
}

/// The secret of the static client `id` (and of the exchange server's `agent`).
pub fn secret_of(id: &str) -> String {
    format!("{id}-secret-0123456789abcdef0123456789abcdef")
}

/// One user agent: a cookie jar (one provider's, so paths and ports are ignored) and the
/// provider's origin, against which relative `Location`s are resolved.
pub struct Browser {
    http: Arc<dyn HttpClient>,
    origin: String,
    cookies: Mutex<BTreeMap<String, String>>,
}

/// Who logs in at the provider's login form.
#[derive(Clone, Copy, Debug)]
pub struct User<'a> {
    /// The login name (the account id, and so `sub`).
    pub login: &'a str,
}

impl Browser {
    /// A browser for the provider at `issuer` (its origin).
    pub fn new(http: Arc<dyn HttpClient>, issuer: &str) -> Self {
        Browser {
            http,
            origin: issuer.trim_end_matches('/').to_owned(),
            cookies: Mutex::new(BTreeMap::new()),
        }
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with("http://") || url.starts_with("https://") {
            url.to_owned()
        } else {
            format!("{}{url}", self.origin)
        }
    }

    async fn send(&self, method: Method, url: &str, form: Option<&[(&str, &str)]>) -> HttpResponse {
        let url = self.absolute(url);
        let mut b = Request::builder().method(method).uri(&url);
        let cookie = {
            let jar = self.cookies.lock().unwrap();
            jar.iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        if !cookie.is_empty() {
            b = b.header(header::COOKIE, cookie);
        }
        let body = match form {
            Some(f) => {
                b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(f.iter())
                    .finish()
                    .into_bytes()
            }
            None => Vec::new(),
        };
        let res = self
            .http
            .execute(b.body(body).unwrap())
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"));
        let mut jar = self.cookies.lock().unwrap();
        for v in res.headers().get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let pair = v.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let expired = v.to_ascii_lowercase().contains("expires=thu, 01 jan 1970");
            if value.is_empty() || expired {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
        res
    }

    /// `GET url`.
    pub async fn get(&self, url: &str) -> HttpResponse {
        self.send(Method::GET, url, None).await
    }

    /// `POST url` with a form.
    pub async fn post(&self, url: &str, form: &[(&str, &str)]) -> HttpResponse {
        self.send(Method::POST, url, Some(form)).await
    }

    /// Opens `url` and follows redirects, logging in as `user` and consenting on the way,
    /// until a redirect leaves for a URL starting with `stop_at` (the client's redirect URI);
    /// returns that URL. Panics when the provider shows anything else.
    pub async fn authorize(&self, url: &str, user: User<'_>, stop_at: &str) -> String {
        self.follow(url, user, stop_at)
            .await
            .unwrap_or_else(|page| {
                panic!("the provider did not redirect to {stop_at}; it showed:\n{page}")
            })
    }

    /// [`authorize`](Self::authorize), but returns the last page when no redirect reaches
    /// `stop_at`.
    pub async fn follow(&self, url: &str, user: User<'_>, stop_at: &str) -> Result<String, String> {
        let mut next = self.absolute(url);
        let mut res = self.get(&next).await;
        for _ in 0..20 {
            if res.status().is_redirection() {
                let location = location(&res);
                let target = self.absolute(&location);
                if target.starts_with(stop_at) {
                    return Ok(target);
                }
                next = target;
                res = self.get(&next).await;
                continue;
            }
            let page = String::from_utf8_lossy(res.body()).into_owned();
            if res.status() != 200 || !next.contains("/interaction/") {
                return Err(format!("{} at {next}:\n{}", res.status(), text_of(&page)));
            }
            res = match form_value(&page, "prompt").as_deref() {
                Some("login") => {
                    self.post(
                        &next,
                        &[
                            ("prompt", "login"),
                            ("login", user.login),
                            ("password", "any"),
                        ],
                    )
                    .await
                }
                Some("consent") => self.post(&next, &[("prompt", "consent")]).await,
                other => return Err(format!("an interaction page with prompt {other:?}")),
            };
        }
        Err("more than 20 redirects".into())
    }

    /// Enters `user_code` at the provider's device page and then approves (login and consent)
    /// or denies ("abort") it.
    pub async fn device(
        &self,
        verification_uri: &str,
        user_code: &str,
        user: User<'_>,
        approve: bool,
    ) {
        let page = self.get(verification_uri).await;
        assert_eq!(page.status(), 200);
        let xsrf = form_value(&String::from_utf8_lossy(page.body()), "xsrf").unwrap();
        let confirm = self
            .post(
                verification_uri,
                &[("xsrf", &xsrf), ("user_code", user_code)],
            )
            .await;
        assert_eq!(confirm.status(), 200, "the user code was not accepted");
        let page = String::from_utf8_lossy(confirm.body()).into_owned();
        let xsrf = form_value(&page, "xsrf").unwrap();
        let mut form = vec![
            ("xsrf", xsrf.as_str()),
            ("user_code", user_code),
            ("confirm", "yes"),
        ];
        if !approve {
            form.push(("abort", "yes"));
        }
        let res = self.post(verification_uri, &form).await;
        if !approve {
            assert_eq!(res.status(), 200);
            return;
        }
        assert!(res.status().is_redirection(), "{}", res.status());
        // Login and consent, then the provider's "Sign-in Success" page.
        let end = self
            .follow(&location(&res), user, "\u{0}")
            .await
            .unwrap_err();
        assert!(end.contains("Sign-in Success"), "{end}");
    }

    /// Opens an RP-initiated logout URL and confirms the logout on the provider's page; returns
    /// where the provider redirects afterwards (the `post_logout_redirect_uri` with `state`).
    pub async fn logout(&self, end_session_url: &str) -> String {
        let page = self.get(end_session_url).await;
        assert_eq!(
            page.status(),
            200,
            "{}",
            String::from_utf8_lossy(page.body())
        );
        let html = String::from_utf8_lossy(page.body()).into_owned();
        let xsrf = form_value(&html, "xsrf").unwrap();
        let action = form_action(&html).unwrap();
        let res = self
            .post(&action, &[("xsrf", &xsrf), ("logout", "yes")])
            .await;
        assert!(res.status().is_redirection(), "{}", res.status());
        self.absolute(&location(&res))
    }
}

/// The `Location` of a redirect.
pub fn location(res: &HttpResponse) -> String {
    res.headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("a {} without Location", res.status()))
        .to_owned()
}

/// The `value` of the form field `name` in `html`.
fn form_value(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let v = tag.find("value=\"")? + "value=\"".len();
    Some(tag[v..v + tag[v..].find('"')?].to_owned())
}

/// The `action` of the first form in `html`.
fn form_action(html: &str) -> Option<String> {
    let at = html.find("<form")?;
    let tag = &html[at..at + html[at..].find('>')?];
    let v = tag.find("action=\"")? + "action=\"".len();
    Some(tag[v..v + tag[v..].find('"')?].to_owned())
}

/// A page without its style sheet, whitespace folded, for a panic message.
fn text_of(page: &str) -> String {
    let page = match (page.find("<style>"), page.find("</style>")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &page[..a], &page[b..]),
        _ => page.to_owned(),
    };
    page.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(2000)
        .collect()
}
