//! Reading the alert lists: every open alert, and recent alerts back to a boundary.

use std::collections::HashMap;

use crate::mackerel::{Alert, Client, MackerelError, RecordError};

/// Alerts fetched in one pass, by id; later reads replace earlier ones.
#[derive(Default)]
pub struct Fetched {
    pub alerts: HashMap<String, Alert>,
    pub skipped: Vec<RecordError>,
    /// Newest `openedAt` seen in the recent list.
    pub newest_opened: Option<i64>,
    progress: Option<super::Progress>,
    read: u64,
}

impl Fetched {
    pub fn new(progress: Option<super::Progress>) -> Self {
        Fetched {
            progress,
            ..Fetched::default()
        }
    }

    fn take(&mut self, records: Vec<Result<Alert, RecordError>>) -> Vec<i64> {
        self.read += records.len() as u64;
        let mut opened = Vec::new();
        for record in records {
            match record {
                Ok(alert) => {
                    opened.push(alert.opened_at);
                    self.alerts.insert(alert.id.clone(), alert);
                }
                Err(e) => {
                    tracing::warn!(alert = %e.id, reason = %e.reason, "skipping an alert that does not parse");
                    self.skipped.push(e);
                }
            }
        }
        if let Some(&oldest) = opened.iter().min() {
            super::Progress::report(
                &self.progress,
                super::Stage::Alerts {
                    read: self.read,
                    oldest,
                },
            );
        }
        opened
    }

    /// Step 2: every open alert, all pages.
    pub async fn open_alerts(&mut self, client: &Client) -> Result<(), MackerelError> {
        let mut next: Option<String> = None;
        loop {
            let page = client.alerts_page(false, next.as_deref()).await?;
            self.take(page.alerts);
            match page.next_id {
                Some(id) => next = Some(id),
                None => return Ok(()),
            }
        }
    }

    /// Step 3: alerts with closed ones, newest first, until a page reaches back past `boundary`.
    pub async fn recent_alerts(
        &mut self,
        client: &Client,
        boundary: i64,
    ) -> Result<(), MackerelError> {
        let mut next: Option<String> = None;
        loop {
            let page = client.alerts_page(true, next.as_deref()).await?;
            let opened = self.take(page.alerts);
            if let Some(&newest) = opened.iter().max() {
                self.newest_opened = Some(self.newest_opened.map_or(newest, |n| n.max(newest)));
            }
            let reached_boundary = opened.iter().min().is_some_and(|&oldest| oldest < boundary);
            match page.next_id {
                Some(id) if !reached_boundary => next = Some(id),
                _ => return Ok(()),
            }
        }
    }
}
