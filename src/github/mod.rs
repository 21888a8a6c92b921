//! GitHub issues for follow-up tasks (design §7 `[github]`): the one client that
//! talks to GitHub, its settings, and the token, which no output ever shows.

mod client;
mod error;

pub use client::{Comment, GithubClient, Issue};
pub use error::GithubError;

pub const DEFAULT_API_BASE: &str = "https://api.github.com/";

/// A GitHub token: a [`Secret`](crate::secret::Secret), which no output ever shows.
pub type Token = crate::secret::Secret;

/// `[github]` resolved: where issues go, with what labels, and the token from `GITHUB_TOKEN`.
#[derive(Debug, Clone, Default)]
pub struct GithubSettings {
    /// `owner/name`; `None` when GitHub is not set up.
    pub repo: Option<String>,
    pub api_base: String,
    pub labels: Vec<String>,
    pub token: Option<Token>,
}

impl GithubSettings {
    /// A client, or the error saying which setting is missing.
    pub fn client(&self) -> Result<GithubClient, GithubError> {
        let repo = self.repo.clone().ok_or(GithubError::NoRepo)?;
        let token = self.token.clone().ok_or(GithubError::NoToken)?;
        GithubClient::new(&self.api_base, &repo, token)
    }
}

/// Whether `repo` reads as `owner/name`.
pub fn valid_repo(repo: &str) -> bool {
    let mut parts = repo.split('/');
    let ok = |p: Option<&str>| {
        p.is_some_and(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
    };
    ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_never_prints() {
        let s = GithubSettings {
            token: Some(Token::new("ghp_supersecret")),
            ..GithubSettings::default()
        };
        assert!(!format!("{s:?}").contains("supersecret"));
    }

    #[test]
    fn a_repo_is_owner_slash_name() {
        assert!(valid_repo("example/infra-tasks"));
        assert!(!valid_repo("infra-tasks"));
        assert!(!valid_repo("a/b/c"));
        assert!(!valid_repo("a/b?x=1"));
    }
}
