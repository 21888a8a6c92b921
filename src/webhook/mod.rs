//! Mackerel's webhooks (design §2, §7 `POST /webhooks/mackerel`): the library half
//! the HTTP route calls. An alert event updates its alert at once; host events update
//! their host; every other well-formed event is accepted and ignored. Polling remains
//! the source of truth: a webhook adds what only it carries (graph image, the acting
//! user, the close trigger) and never makes a row older than it was.

mod alert;
mod apply;
mod event;
mod host;

pub use alert::close_cause;
pub use event::{parse, Event};

use crate::store::{Store, StoreError};

/// Bodies above this are refused (the route answers 413 before; this guards other callers).
pub const MAX_BODY: usize = 1024 * 1024;

/// What an accepted event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// An alert event: `new` when the store did not hold the alert, `changed` when
    /// anything was written (a redelivered or older event changes nothing).
    AlertUpdated {
        id: String,
        new: bool,
        changed: bool,
    },
    /// A host event (status, register, retire).
    HostUpdated { id: String, changed: bool },
    /// A well-formed event asakai keeps nothing of, by its `event` name.
    Ignored { event: String },
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The body is not a Mackerel webhook (the route answers 400); nothing was changed.
    #[error("not a Mackerel webhook: {0}")]
    BadBody(String),
    /// The store could not be written (the route answers 500; Mackerel may retry).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl WebhookError {
    /// Whether the sender is at fault (400) rather than asakai (500).
    pub fn is_bad_body(&self) -> bool {
        matches!(self, WebhookError::BadBody(_))
    }
}

/// Takes one webhook body received at `now` (Unix seconds) and updates the store.
pub async fn receive(store: &Store, body: &[u8], now: i64) -> Result<Received, WebhookError> {
    if body.len() > MAX_BODY {
        return Err(WebhookError::BadBody(format!(
            "the body is {} bytes, over the limit of {MAX_BODY}",
            body.len()
        )));
    }
    let received = match parse(body).map_err(WebhookError::BadBody)? {
        Event::Alert(ev) => apply::alert_event(store, &ev, now).await?,
        Event::Host(kind, ev) => apply::host_event(store, kind, &ev.host, now).await?,
        Event::Other(event) => Received::Ignored { event },
    };
    tracing::debug!(?received, "webhook received");
    Ok(received)
}
