//! Who may use the server (design §7): open on loopback; elsewhere only with a password
//! (HTTP Basic) or behind an authenticating proxy that names the user in a header.
//! State-changing requests from another site are refused; every answer carries the
//! security headers.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;

use super::api::ApiError;
use super::App;
use crate::config::ServerSettings;
use crate::secret::Secret;

/// How pages and `/api/*` are protected.
#[derive(Debug, Clone)]
pub enum Access {
    /// Loopback, no password: whoever can reach the port is on this machine. Only
    /// requests named for this machine pass (see [`OpenHosts`]).
    Open(OpenHosts),
    /// `ASAKAI_UI_PASSWORD`: Basic auth, any user name (recorded as the reviewer).
    Password(Secret),
    /// `[server] user_header`: the proxy in front authenticated the user.
    Proxy(String),
}

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error(
        "refusing to serve on {0} without authentication: anyone who can reach it could read \
         and change the review. Set ASAKAI_UI_PASSWORD (pages and API then need that password), \
         or [server] user_header behind an authenticating proxy, or listen on 127.0.0.1"
    )]
    Unprotected(SocketAddr),
}

impl Access {
    /// The policy for `listen`: a password wins, then a proxy header; with neither,
    /// only a loopback address may be served.
    pub fn decide(listen: SocketAddr, server: &ServerSettings) -> Result<Access, AccessError> {
        if let Some(p) = &server.ui_password {
            return Ok(Access::Password(p.clone()));
        }
        if let Some(h) = &server.user_header {
            return Ok(Access::Proxy(h.clone()));
        }
        if listen.ip().is_loopback() {
            Ok(Access::Open(OpenHosts::new(listen, server)))
        } else {
            Err(AccessError::Unprotected(listen))
        }
    }

    /// The user a request comes from: `Ok(None)` when open, `Err` when it may not pass.
    fn user(&self, headers: &HeaderMap) -> Result<Option<String>, ()> {
        match self {
            Access::Open(hosts) => Ok(hosts.reviewer.clone()),
            Access::Password(secret) => {
                let (user, password) = basic_credentials(headers).ok_or(())?;
                if secret.matches(&password) {
                    Ok(Some(user).filter(|u| !u.is_empty()))
                } else {
                    Err(())
                }
            }
            Access::Proxy(name) => headers
                .get(name.as_str())
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| Some(v.to_owned()))
                .ok_or(()),
        }
    }
}

/// The names an open (loopback, no password) server answers to. A page on another
/// site can point its own name at 127.0.0.1 (DNS rebinding); the browser then sends
/// that name as `Host` and as `Origin`, so the cross-site rule alone lets it write.
/// Refusing every name but this machine's closes that door.
#[derive(Debug, Clone)]
pub struct OpenHosts {
    listen: SocketAddr,
    /// `[server] public_url`'s host, for a proxy or tunnel that forwards to loopback.
    public: Option<String>,
    /// Whoever can reach a loopback server is on this machine: their reviews are
    /// recorded under the name of the user running it, as `asakai review` does.
    reviewer: Option<String>,
}

impl OpenHosts {
    fn new(listen: SocketAddr, server: &ServerSettings) -> OpenHosts {
        let public = server
            .public_url
            .as_deref()
            .and_then(|u| reqwest::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase));
        // A service manager may set neither variable: "local" still says where
        // the review came from.
        let reviewer = ["USER", "LOGNAME"]
            .into_iter()
            .find_map(|v| std::env::var(v).ok().filter(|u| !u.trim().is_empty()))
            .or_else(|| Some("local".to_owned()));
        OpenHosts {
            listen,
            public,
            reviewer,
        }
    }

    /// Whether `Host` names this machine: a loopback address, `localhost`, the
    /// listen address, or the public URL's host (any port). No `Host` (HTTP/1.0)
    /// comes from no browser, and passes.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(host) = headers.get(header::HOST) else {
            return true;
        };
        let Ok(authority) = host.to_str() else {
            return false;
        };
        let Ok(authority) = authority.parse::<axum::http::uri::Authority>() else {
            return false;
        };
        let name = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        if name == "localhost" || name.ends_with(".localhost") {
            return true;
        }
        if let Ok(ip) = name.parse::<std::net::IpAddr>() {
            return ip.is_loopback() || ip == self.listen.ip();
        }
        self.public.as_deref() == Some(name.as_str())
    }
}

/// The user name and password of an `Authorization: Basic` header.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Who is using the server, for the reviewer of a review (on an open loopback, the
/// user running it; `None` when the system names nobody).
#[derive(Debug, Clone)]
pub struct User(pub Option<String>);

/// Pages and `/api/*`: the access policy, then the cross-site rule.
pub async fn guard(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    if let Access::Open(hosts) = &app.access {
        if !hosts.allows(req.headers()) {
            return ApiError::new(
                StatusCode::MISDIRECTED_REQUEST,
                "this server answers only to its own address (such as 127.0.0.1 or localhost); \
                 to reach it by another name, set [server] public_url, or ASAKAI_UI_PASSWORD",
            )
            .into_response();
        }
    }
    let user = match app.access.user(req.headers()) {
        Ok(u) => u,
        Err(()) => {
            let mut r =
                ApiError::new(StatusCode::UNAUTHORIZED, "authentication required").into_response();
            if matches!(app.access, Access::Password(_)) {
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Basic realm=\"asakai\", charset=\"UTF-8\""),
                );
            }
            return r;
        }
    };
    if changes_state(req.method()) && is_cross_site(req.headers()) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "cross-site request refused: send it from asakai's own pages",
        )
        .into_response();
    }
    req.extensions_mut().insert(User(user));
    next.run(req).await
}

fn changes_state(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// `Sec-Fetch-Site` of another site, or an `Origin` whose host is not ours.
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    let site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if matches!(site, "cross-site" | "same-site") {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    // `Origin: null` (a sandboxed or file page) is another site too.
    origin_host.is_none() || origin_host != host
}

/// Every answer: no sniffing, no framing, and a CSP that allows only our own files
/// and Mackerel's graph images.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data: https://mackerel.io https://*.mackerel.io \
             https://*.mackerelio.com; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    header::HeaderName::from_static(k),
                    HeaderValue::from_str(v).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn another_sites_origin_or_fetch_site_is_cross_site() {
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(is_cross_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "asakai.internal")
        ])));
        assert!(is_cross_site(&headers(&[
            ("origin", "null"),
            ("host", "a")
        ])));
        assert!(!is_cross_site(&headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(!is_cross_site(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_cross_site(&headers(&[])));
    }

    #[test]
    fn an_open_server_answers_only_to_its_own_names() {
        let server = ServerSettings {
            public_url: Some("https://Asakai.Example.Internal/".into()),
            ..crate::config::Settings::load(None, &Default::default())
                .unwrap()
                .server
        };
        let hosts = OpenHosts::new("127.0.0.1:8080".parse().unwrap(), &server);
        let allows = |host: &str| hosts.allows(&headers(&[("host", host)]));
        for ok in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "localhost:8080",
            "LOCALHOST",
            "[::1]:8080",
            "127.9.9.9:1",
            "asakai.example.internal",
        ] {
            assert!(allows(ok), "{ok}");
        }
        for refused in [
            "evil.example",
            "evil.example:8080",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
            "10.0.0.1:8080",
            "",
        ] {
            assert!(!allows(refused), "{refused}");
        }
        assert!(hosts.allows(&headers(&[])), "no Host: not a browser");
    }

    #[test]
    fn basic_credentials_are_decoded() {
        let h = headers(&[("authorization", "Basic c2F0bzpzM2NyZXQ6eA==")]);
        assert_eq!(
            basic_credentials(&h),
            Some(("sato".into(), "s3cret:x".into()))
        );
        assert_eq!(
            basic_credentials(&headers(&[("authorization", "Bearer x")])),
            None
        );
    }
}
