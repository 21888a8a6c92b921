/// What can go wrong with GitHub, each with what to do. No variant carries the
/// token: messages are built from the status, the repository and GitHub's own
/// message, which is scrubbed of the token besides.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GithubError {
    #[error("GitHub is not set up: set [github] repo = \"owner/name\" in the config file")]
    NoRepo,
    #[error("GitHub is not set up: export GITHUB_TOKEN (a token allowed to read and write issues of the repository)")]
    NoToken,
    #[error("the GitHub API base {0:?} is not a valid http(s) URL (set [github] api_base)")]
    BadBase(String),
    #[error("GitHub rejected the token (401: {message}): check that GITHUB_TOKEN is valid and not expired")]
    Unauthorized { message: String },
    #[error("GitHub refused access to {repo} (403: {message}): the token needs permission to write issues there, or a rate limit was hit; try again later")]
    Forbidden { repo: String, message: String },
    #[error("GitHub knows no {what} (404: {message}): check [github] repo, and that the token can see the repository")]
    NotFound { what: String, message: String },
    #[error("GitHub refused the request (422: {message}): check the title and [github] labels")]
    Invalid { message: String },
    #[error(
        "GitHub had a server error ({status}); nothing was linked: `asakai task sync` tries again"
    )]
    Server { status: u16 },
    #[error("GitHub answered HTTP {status}: {message}")]
    Unexpected { status: u16, message: String },
    #[error("cannot reach GitHub: {0}; nothing was linked: `asakai task sync` tries again")]
    Transport(String),
    #[error("GitHub's answer does not parse: {0}")]
    Decode(String),
}
