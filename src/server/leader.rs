//! Which `serve` process runs the background work (design §13). Several may share
//! one PostgreSQL database behind a load balancer: all of them serve pages, API,
//! webhooks and Slack, and exactly one at a time, the leader, runs the sync passes,
//! the scheduled posts and the GitHub sync. The others ask for the lead once a tick,
//! so one of them takes over within an interval or two of the leader's death.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::store::{Leadership, Store};

/// How long asking for the lead may take: a tick that cannot reach the database
/// leads nothing, and shutdown may wait for it (see [`Lead::resign`]).
const ASK_PATIENCE: Duration = Duration::from_secs(5);

/// This process's part: the lead while it holds it, and whether it may still take it.
#[derive(Default)]
pub struct Lead {
    held: tokio::sync::Mutex<Option<Leadership>>,
    /// Read by `/healthz` without waiting for a tick's check.
    leading: AtomicBool,
    /// Shutting down: the lead is given up and never taken again.
    resigned: AtomicBool,
}

impl Lead {
    /// Whether this process led as of its last tick.
    pub fn leading(&self) -> bool {
        self.leading.load(Ordering::Relaxed)
    }

    /// `"leader"` or `"follower"`, as `/healthz` says it.
    pub fn role(&self) -> &'static str {
        if self.leading() {
            "leader"
        } else {
            "follower"
        }
    }

    /// Once a tick: a leader checks that its lock is still held (its connection may
    /// have died with the database's restart; another process may lead by now), a
    /// follower asks for the lead. Returns whether this process leads.
    pub async fn refresh(&self, store: &Store) -> bool {
        let mut held = self.held.lock().await;
        if self.resigned.load(Ordering::Relaxed) {
            return false;
        }
        if let Some(lead) = held.as_mut() {
            if lead.still_held().await {
                return true;
            }
            self.leading.store(false, Ordering::Relaxed);
            tracing::warn!(
                "lost the lead: the connection holding it is gone; another process may \
                 run the passes and posts now"
            );
            if let Some(lost) = held.take() {
                lost.release().await;
            }
        }
        match tokio::time::timeout(ASK_PATIENCE, store.try_lead()).await {
            Ok(Ok(Some(lead))) => {
                *held = Some(lead);
                self.leading.store(true, Ordering::Relaxed);
                tracing::info!("leading: this process runs the sync passes and the posts");
                true
            }
            Ok(Ok(None)) => false,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "could not ask for the lead; trying again next tick");
                false
            }
            Err(_) => {
                tracing::warn!("asking for the lead took too long; trying again next tick");
                false
            }
        }
    }

    /// Gives the lead up at once and for good (on shutdown), so another process takes
    /// over without waiting for this one's pass to wind down.
    pub async fn resign(&self) {
        self.resigned.store(true, Ordering::Relaxed);
        let lead = self.held.lock().await.take();
        self.leading.store(false, Ordering::Relaxed);
        if let Some(lead) = lead {
            lead.release().await;
            tracing::info!("gave up the lead");
        }
    }
}
