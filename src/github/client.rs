//! The one type that talks HTTP to GitHub: base URL (GitHub Enterprise too),
//! repository, token, timeouts, and GitHub's statuses turned into clear errors.

use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{GithubError, Token};

/// The fields of an issue asakai reads (GitHub sends many more).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Issue {
    pub number: i64,
    pub html_url: String,
    /// `open` or `closed`.
    pub state: String,
    #[serde(default)]
    pub state_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Comment {
    pub id: i64,
    pub html_url: String,
}

pub struct GithubClient {
    http: reqwest::Client,
    base: Url,
    repo: String,
    token: Token,
}

impl GithubClient {
    pub fn new(api_base: &str, repo: &str, token: Token) -> Result<GithubClient, GithubError> {
        let mut text = api_base.to_owned();
        if !text.ends_with('/') {
            text.push('/');
        }
        let base = Url::parse(&text)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| GithubError::BadBase(crate::secret::redact_urls(api_base)))?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("asakai/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| GithubError::Transport(e.to_string()))?;
        Ok(GithubClient {
            http,
            base,
            repo: repo.to_owned(),
            token,
        })
    }

    pub fn repo(&self) -> &str {
        &self.repo
    }

    /// `POST /repos/{repo}/issues`: only a 201 counts as created.
    pub async fn create_issue(
        &self,
        title: &str,
        body: &str,
        labels: &[String],
    ) -> Result<Issue, GithubError> {
        let payload = json!({"title": title, "body": body, "labels": labels});
        self.send(
            Method::POST,
            "issues",
            Some(payload),
            StatusCode::CREATED,
            "repository",
        )
        .await
    }

    /// `GET /repos/{repo}/issues/{number}`.
    pub async fn issue(&self, number: i64) -> Result<Issue, GithubError> {
        let what = format!("issue #{number} in {}", self.repo);
        self.send(
            Method::GET,
            &format!("issues/{number}"),
            None,
            StatusCode::OK,
            &what,
        )
        .await
    }

    /// `POST /repos/{repo}/issues/{number}/comments`.
    pub async fn comment(&self, number: i64, body: &str) -> Result<Comment, GithubError> {
        let what = format!("issue #{number} in {}", self.repo);
        let path = format!("issues/{number}/comments");
        self.send(
            Method::POST,
            &path,
            Some(json!({"body": body})),
            StatusCode::CREATED,
            &what,
        )
        .await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        expected: StatusCode,
        what: &str,
    ) -> Result<T, GithubError> {
        let url = self
            .base
            .join(&format!("repos/{}/{path}", self.repo))
            .map_err(|e| GithubError::BadBase(e.to_string()))?;
        let mut req = self
            .http
            .request(method, url)
            .bearer_auth(self.token.expose())
            .header("Accept", "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28");
        if let Some(b) = body {
            req = req.json(&b);
        }
        // reqwest's error text names the URL, never the headers: no token in it.
        let resp = req
            .send()
            .await
            .map_err(|e| GithubError::Transport(self.scrub(&e.to_string())))?;
        let status = resp.status();
        let text = resp
            .text()
            .await
            .map_err(|e| GithubError::Transport(self.scrub(&e.to_string())))?;
        if status == expected {
            return serde_json::from_str(&text).map_err(|e| GithubError::Decode(e.to_string()));
        }
        Err(self.error(status, &text, what))
    }

    fn error(&self, status: StatusCode, body: &str, what: &str) -> GithubError {
        let message = self.scrub(&message_of(body));
        match status.as_u16() {
            401 => GithubError::Unauthorized { message },
            403 | 429 => GithubError::Forbidden {
                repo: self.repo.clone(),
                message,
            },
            404 | 410 => GithubError::NotFound {
                what: what.to_owned(),
                message,
            },
            422 => GithubError::Invalid { message },
            s if s >= 500 => GithubError::Server { status: s },
            s => GithubError::Unexpected { status: s, message },
        }
    }

    /// Whatever GitHub or the network said, without the token in it.
    fn scrub(&self, text: &str) -> String {
        let token = self.token.expose();
        if token.is_empty() {
            text.to_owned()
        } else {
            text.replace(token, "<redacted>")
        }
    }
}

/// GitHub's `message`, with the `errors` of a validation failure (field and code).
fn message_of(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return body.chars().take(200).collect();
    };
    let mut message = v["message"].as_str().unwrap_or("no message").to_owned();
    let details: Vec<String> = v["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let field = e["field"].as_str().unwrap_or("?");
            let code = e["message"].as_str().or(e["code"].as_str()).unwrap_or("?");
            format!("{field}: {code}")
        })
        .collect();
    if !details.is_empty() {
        message = format!("{message} — {}", details.join("; "));
    }
    message
}
