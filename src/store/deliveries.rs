//! Digests delivered: a window is claimed before it is sent and marked sent after, so
//! that it reaches a channel at most once, across crashes and restarts (design §8).

use super::{Store, StoreError};

/// What the store says of a window before it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This process may send it now.
    Granted,
    /// It was sent at this time.
    Sent(i64),
    /// A send began at this time and its outcome was never recorded.
    Unknown(i64),
}

/// The window a delivery is for, and where it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryKey<'a> {
    pub start: i64,
    pub end: i64,
    pub channel: &'a str,
}

impl Store {
    /// Claims the window for sending, in one write transaction. With `force`, a window
    /// already sent or of unknown outcome is claimed again.
    pub async fn claim_delivery(
        &self,
        key: DeliveryKey<'_>,
        now: i64,
        force: bool,
    ) -> Result<Claim, StoreError> {
        on_backend!(self, b => b.claim_delivery(key, now, force).await)
    }

    /// Records that the claimed window was sent at `at`.
    pub async fn mark_delivered(&self, key: DeliveryKey<'_>, at: i64) -> Result<(), StoreError> {
        on_backend!(self, b => b.mark_delivered(key, at).await)
    }

    /// Gives a claim back when the send surely did not happen.
    pub async fn release_delivery(&self, key: DeliveryKey<'_>) -> Result<(), StoreError> {
        on_backend!(self, b => b.release_delivery(key).await)
    }

    /// The state of a window's delivery, if any: `("sent" | "claimed", time)`.
    pub async fn delivery(
        &self,
        key: DeliveryKey<'_>,
    ) -> Result<Option<(String, i64)>, StoreError> {
        on_backend!(self, b => b.delivery(key).await)
    }
}
