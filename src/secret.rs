//! Secrets (the Mackerel key, the Slack URL, the webhook secret, the UI password, the
//! GitHub token): no `Display`, and a `Debug` that prints a placeholder, so neither a
//! log line nor an error message nor a derived `Debug` of settings can carry one.

/// A secret value; read it with [`Secret::expose`] only where it is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// A fresh secret: 32 bytes from the system's random source, in hex.
    pub fn random() -> Secret {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the system's random source works");
        Secret(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Compares with `given` in time independent of where they differ and of how
    /// long `given` is: the SHA-256 digests of both, which are always 32 bytes, are
    /// compared in constant time.
    pub fn matches(&self, given: &str) -> bool {
        use sha2::{Digest, Sha256};
        use subtle::ConstantTimeEq;
        let ours = Sha256::digest(self.0.as_bytes());
        let theirs = Sha256::digest(given.as_bytes());
        ours.ct_eq(&theirs).into()
    }
}

/// `text` as it may be printed: every URL in it without its user name and password
/// (`https://***@host/`), and a Slack incoming webhook's path (which is its token)
/// as `/services/***`. For config errors, warnings and errors that quote a URL a
/// person configured.
pub fn redact_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        let end = after
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(after.len());
        let (url, tail) = after.split_at(end);
        out.push_str(&redact_after_scheme(url));
        rest = tail;
    }
    out.push_str(rest);
    out
}

/// The part of a URL after `scheme://`, redacted as [`redact_urls`] says.
fn redact_after_scheme(url: &str) -> String {
    let authority_end = url.find(['/', '?', '#']).unwrap_or(url.len());
    let (authority, path) = url.split_at(authority_end);
    let host = match authority.rfind('@') {
        Some(i) => format!("***@{}", &authority[i + 1..]),
        None => authority.to_owned(),
    };
    if host.ends_with("hooks.slack.com") && path.starts_with("/services/") {
        format!("{host}/services/***")
    } else {
        format!("{host}{path}")
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("hunter2-very-secret");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{:?}", Some(s)).contains("hunter2"));
    }

    #[test]
    fn matching_is_exact() {
        let s = Secret::new("abc");
        assert!(s.matches("abc"));
        assert!(!s.matches("abd") && !s.matches("ab") && !s.matches("abcd") && !s.matches(""));
    }

    #[test]
    fn the_secret_followed_by_nul_bytes_does_not_match() {
        // The old byte loop folded the length difference into a u8: 256 more bytes
        // of NUL made it zero, and the secret with them matched.
        let s = Secret::new("abc");
        for extra in [1, 255, 256, 512] {
            let given = format!("abc{}", "\0".repeat(extra));
            assert!(!s.matches(&given), "matched with {extra} NUL bytes");
        }
    }

    #[test]
    fn urls_lose_their_credentials_and_slack_tokens_when_printed() {
        let text = redact_urls(
            "base \"https://user:hunter2@api.example/api/v0/\" and \
             https://hooks.slack.com/services/T000/B000/XXXXsecret, plain http://host:8080/x?y=1",
        );
        assert!(
            !text.contains("hunter2") && !text.contains("user:"),
            "{text}"
        );
        assert!(
            !text.contains("XXXXsecret") && !text.contains("T000"),
            "{text}"
        );
        assert!(text.contains("https://***@api.example/api/v0/"), "{text}");
        assert!(
            text.contains("https://hooks.slack.com/services/***"),
            "{text}"
        );
        assert!(text.contains("http://host:8080/x?y=1"), "{text}");
        assert_eq!(redact_urls("no url here"), "no url here");
    }
}
