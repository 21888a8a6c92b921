//! Stored alerts as result rows (`/alerts`, and an alert's earlier ones on
//! `/alerts/{id}`): each one's state now, times in the team's zone, its monitor
//! as people know it, its outcome.

use std::collections::HashMap;

use serde::Serialize;

use super::alerts_page::{severity, store_error};
use super::clock::{Clock, Stamp};
use super::render::{Page, PageError};
use super::words::Words;
use crate::alert::AlertView;
use crate::digest::Lang;
use crate::review::{Annotations, Outcome};
use crate::server::App;
use crate::store::{StoreError, StoredAlert};

/// One alert as a result row: its state now, times in the team's zone, its outcome.
#[derive(Debug, Serialize)]
pub struct AlertRow {
    pub id: String,
    pub opened: Stamp,
    pub closed: Option<Stamp>,
    /// The API's name, for the colour class; `state_label` is what people read.
    pub state: &'static str,
    pub state_label: &'static str,
    /// Mackerel's name, for the badge's class; `severity_label` is what people read.
    pub severity: Option<&'static str>,
    pub severity_label: Option<String>,
    pub monitor: String,
    pub host: Option<String>,
    pub services: String,
    pub text: Option<String>,
    pub outcome: Option<Outcome>,
    pub note: Option<String>,
}

/// What turning stored alerts into rows needs besides the alerts.
pub struct Rows {
    notes: Annotations,
    names: HashMap<String, String>,
    clock: Clock,
    lang: Lang,
}

impl Rows {
    /// The reviews, tasks and last known monitor names of `alerts`.
    pub async fn load(
        app: &App,
        page: &Page,
        alerts: &[StoredAlert],
        clock: Clock,
    ) -> Result<Rows, PageError> {
        let err = |e| store_error(page.words, e);
        let notes = Annotations::load_for(&app.store, alerts)
            .await
            .map_err(err)?;
        let names = monitor_names(app, alerts).await.map_err(err)?;
        Ok(Rows {
            notes,
            names,
            clock,
            lang: page.lang,
        })
    }

    pub fn notes(&self) -> &Annotations {
        &self.notes
    }

    pub fn row(&self, a: &StoredAlert) -> AlertRow {
        let words = super::words::words(self.lang);
        let view = AlertView::at(a, self.clock.now);
        let review = self.notes.review(&a.id);
        let sev = a.severity.as_deref().and_then(severity);
        AlertRow {
            id: a.id.clone(),
            opened: self.clock.stamp(a.opened_at),
            closed: a.closed_at.map(|c| self.clock.stamp(c)),
            state: view.state.as_str(),
            state_label: self.lang.labels().state(view.state),
            severity: sev,
            severity_label: a.severity.as_deref().map(|s| words.status(s).to_owned()),
            monitor: monitor_title(a, &self.names, words),
            host: a.host_name.clone(),
            services: a.services.join(", "),
            text: a.reason.clone().or_else(|| a.message.clone()),
            outcome: review.map(|r| r.outcome),
            note: review.and_then(|r| r.note.clone()),
        }
    }
}

/// The names asakai last knew of the monitors of `alerts` that carry none: a
/// monitor deleted before an alert of it was read keeps the name it had before.
async fn monitor_names(
    app: &App,
    alerts: &[StoredAlert],
) -> Result<HashMap<String, String>, StoreError> {
    if alerts.iter().all(|a| a.monitor_name.is_some()) {
        return Ok(HashMap::new());
    }
    Ok(app
        .store
        .monitors()
        .await?
        .into_iter()
        .filter_map(|(id, m)| m.name.map(|n| (id, n)))
        .collect())
}

/// An alert's monitor as people know it: its name, else the name asakai last knew,
/// else "deleted monitor" (never only an id); an alert with no monitor, its type.
pub fn monitor_title(a: &StoredAlert, names: &HashMap<String, String>, words: &Words) -> String {
    if let Some(name) = &a.monitor_name {
        return name.clone();
    }
    match &a.monitor_id {
        Some(id) => names
            .get(id)
            .cloned()
            .unwrap_or_else(|| words.deleted_monitor.to_owned()),
        None => a.kind.clone(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn a_deleted_monitor_is_titled_by_its_last_known_name_or_in_words() {
        let words = super::super::words::words(Lang::Ja);
        let mut a = StoredAlert {
            monitor_name: None,
            monitor_id: Some("mGone".into()),
            ..sample()
        };
        let known = HashMap::from([("mGone".to_owned(), "disk usage".to_owned())]);
        assert_eq!(monitor_title(&a, &known, words), "disk usage");
        assert_eq!(
            monitor_title(&a, &HashMap::new(), words),
            "削除されたモニター"
        );
        a.monitor_name = Some("cpu".into());
        assert_eq!(monitor_title(&a, &known, words), "cpu");
    }

    pub(crate) fn sample() -> StoredAlert {
        StoredAlert {
            id: "a1".into(),
            kind: "host".into(),
            status: "OK".into(),
            severity: Some("CRITICAL".into()),
            ..StoredAlert::default()
        }
    }
}
