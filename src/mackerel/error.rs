use std::time::Duration;

/// What can go wrong talking to Mackerel. No variant ever carries the API key.
#[derive(Debug, thiserror::Error)]
pub enum MackerelError {
    #[error(
        "Mackerel rejected the API key (HTTP {status} on {path}: {message}). \
         Check MACKEREL_APIKEY: asakai needs a key of this organisation with Read permission, \
         used from an IP address the organisation allows."
    )]
    KeyRejected {
        status: u16,
        path: String,
        message: String,
    },

    #[error("Mackerel answered HTTP {status} on {path}: {message}")]
    Api {
        status: u16,
        path: String,
        message: String,
    },

    #[error("request to Mackerel at {url} failed: {detail}")]
    Transport { url: String, detail: String },

    /// A body that is not whole JSON: cut off on the way, most likely.
    #[error("Mackerel's answer to {path} was cut off or is not JSON: {detail}")]
    Decode { path: String, detail: String },

    /// Whole JSON of an unexpected shape: trying again gives the same answer.
    #[error("Mackerel's answer to {path} does not have the expected shape: {detail}")]
    Shape { path: String, detail: String },

    #[error("no MACKEREL_APIKEY is set: export the API key of your Mackerel organisation (Read permission is enough)")]
    NoKey,

    #[error("the Mackerel API base {0:?} is not a valid http(s) URL (set MACKEREL_APIBASE or [mackerel] api_base)")]
    BadBase(String),
}

impl MackerelError {
    /// Whether another try may succeed: throttling, server errors, timeouts,
    /// broken connections and cut-off bodies.
    pub fn is_transient(&self) -> bool {
        match self {
            MackerelError::Api { status, .. } => *status == 429 || *status >= 500,
            MackerelError::Transport { .. } | MackerelError::Decode { .. } => true,
            _ => false,
        }
    }
}

/// How long Mackerel asked us to wait (`Retry-After` in seconds), capped.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap, cap: Duration) -> Option<Duration> {
    let secs: u64 = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs).min(cap))
}
