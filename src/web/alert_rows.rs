//! Stored alerts as result rows (`/alerts`, and an alert's earlier ones on
//! `/alerts/{id}`): each one's state now, times in the team's zone, its monitor
//! as people know it, its outcome.
//!
//! The results table's rows are written here as HTML rather than by a handlebars
//! partial per row: on `/alerts` (100 rows and more) the partial, with each row
//! made into JSON first, cost about as much again as the whole search behind the
//! page. Every value is escaped with the escape function the templates use, so
//! the rows read exactly as the partial wrote them.

use std::collections::HashMap;
use std::fmt::Write;

use handlebars::html_escape;
use serde::Serialize;

use super::alerts_page::{severity, store_error};
use super::clock::{Clock, Stamp};
use super::render::{Page, PageError};
use super::words::Words;
use crate::alert::{state_at, State};
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
    words: &'static Words,
}

impl Rows {
    /// The reviews and last known monitor names of `alerts` (a row shows no task).
    pub async fn load(
        app: &App,
        page: &Page,
        alerts: &[StoredAlert],
        clock: Clock,
    ) -> Result<Rows, PageError> {
        let err = |e| store_error(page.words, e);
        let notes = Annotations::reviews_of(&app.store, alerts)
            .await
            .map_err(err)?;
        let names = monitor_names(app, alerts).await.map_err(err)?;
        Ok(Rows {
            notes,
            names,
            clock,
            lang: page.lang,
            words: page.words,
        })
    }

    pub fn row(&self, a: &StoredAlert) -> AlertRow {
        let state = self.state(a);
        let review = self.notes.review(&a.id);
        AlertRow {
            id: a.id.clone(),
            opened: self.clock.stamp(a.opened_at),
            closed: a.closed_at.map(|c| self.clock.stamp(c)),
            state: state.as_str(),
            state_label: self.lang.labels().state(state),
            severity: a.severity.as_deref().and_then(severity),
            severity_label: self.severity_label(a).map(str::to_owned),
            monitor: self.monitor(a).to_owned(),
            host: a.host_name.clone(),
            services: a.services.join(", "),
            text: text(a).map(str::to_owned),
            outcome: review.map(|r| r.outcome),
            note: review.and_then(|r| r.note.clone()),
        }
    }

    /// The results table's rows of `alerts` (`<tr>` each), their links keeping
    /// `lang_query`.
    pub fn html(&self, alerts: &[StoredAlert], lang_query: &str) -> String {
        let lang_query = html_escape(lang_query);
        let mut out = String::with_capacity(alerts.len() * 512);
        for a in alerts {
            self.write_row(&mut out, a, &lang_query);
        }
        out
    }

    /// One row, as the `alert_row` partial wrote it: empty values leave their
    /// cell empty, as `{{#if}}` did.
    fn write_row(&self, out: &mut String, a: &StoredAlert, lang_query: &str) {
        let id = html_escape(&a.id);
        let opened = self.clock.moment(a.opened_at);
        let state = self.state(a);
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "<tr class=\"alert\" data-id=\"{id}\"><td class=\"time\"><a href=\"/alerts/{id}?{lang_query}\">\
             <time datetime=\"{}\">{}</time></a></td><td class=\"st-{}\">{}</td><td class=\"nowrap\">",
            opened.iso(),
            opened.text(),
            html_escape(state.as_str()),
            html_escape(self.lang.labels().state(state)),
        );
        let label = self.severity_label(a).filter(|l| !l.is_empty());
        match (a.severity.as_deref().and_then(severity), label) {
            (Some(sev), label) => {
                let label = html_escape(label.unwrap_or_default());
                let _ = write!(
                    out,
                    "<span class=\"sev sev-{}\">{label}</span>",
                    html_escape(sev)
                );
            }
            (None, Some(label)) => out.push_str(&html_escape(label)),
            (None, None) => {}
        }
        out.push_str("</td><td>");
        out.push_str(&html_escape(self.monitor(a)));
        out.push_str("</td><td>");
        out.push_str(&html_escape(a.host_name.as_deref().unwrap_or_default()));
        out.push_str("</td><td class=\"text\">");
        out.push_str(&html_escape(text(a).unwrap_or_default()));
        out.push_str("</td><td>");
        if let Some(review) = self.notes.review(&a.id) {
            out.push_str(&html_escape(self.words.outcome(review.outcome)));
            if let Some(note) = review.note.as_deref().filter(|n| !n.is_empty()) {
                out.push_str(" — ");
                out.push_str(&html_escape(note));
            }
        }
        out.push_str("</td></tr>\n");
    }

    /// How the alert stands now (not as stored: an open alert may have recovered).
    fn state(&self, a: &StoredAlert) -> State {
        let cause = a.close_cause.as_deref();
        state_at(a.closed_at, cause, a.reason.as_deref(), self.clock.now).0
    }

    /// The alert's severity in words; Mackerel's name for one asakai does not know.
    fn severity_label<'a>(&self, a: &'a StoredAlert) -> Option<&'a str> {
        let words: &'a Words = self.words;
        a.severity.as_deref().map(|s| words.status(s))
    }

    fn monitor<'a>(&'a self, a: &'a StoredAlert) -> &'a str {
        monitor_name(a, &self.names, self.words)
    }
}

/// What a row shows of the alert's text: why it closed, else its message.
fn text(a: &StoredAlert) -> Option<&str> {
    a.reason.as_deref().or(a.message.as_deref())
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
    monitor_name(a, names, words).to_owned()
}

fn monitor_name<'a>(
    a: &'a StoredAlert,
    names: &'a HashMap<String, String>,
    words: &'a Words,
) -> &'a str {
    if let Some(name) = &a.monitor_name {
        return name;
    }
    match &a.monitor_id {
        Some(id) => names.get(id).map_or(words.deleted_monitor, String::as_str),
        None => &a.kind,
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

    fn rows(lang: Lang, names: HashMap<String, String>) -> Rows {
        Rows {
            notes: Annotations::default(),
            names,
            clock: Clock {
                tz: chrono_tz::Asia::Tokyo,
                now: 1_764_000_000, // 2025-11-25 01:00 in Tokyo
            },
            lang,
            words: super::super::words::words(lang),
        }
    }

    #[test]
    fn a_row_is_written_as_the_partial_wrote_it_with_every_value_escaped() {
        let a = StoredAlert {
            id: "a\"1".into(),
            monitor_name: Some("<script>alert(1)</script>".into()),
            host_name: Some("db's & web".into()),
            message: Some("load = `5` > 4".into()),
            opened_at: 1_763_996_400, // 2025-11-25 00:00 in Tokyo
            ..sample()
        };
        let html = rows(Lang::En, HashMap::new()).html(&[a], "&lang=en");
        assert_eq!(
            html,
            "<tr class=\"alert\" data-id=\"a&quot;1\"><td class=\"time\">\
             <a href=\"/alerts/a&quot;1?&amp;lang&#x3D;en\">\
             <time datetime=\"2025-11-25T00:00:00+09:00\">11-25 00:00</time></a></td>\
             <td class=\"st-open\">Open</td><td class=\"nowrap\">\
             <span class=\"sev sev-CRITICAL\">Critical</span></td>\
             <td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>db&#x27;s &amp; web</td>\
             <td class=\"text\">load &#x3D; &#x60;5&#x60; &gt; 4</td><td></td></tr>\n"
        );
    }

    #[test]
    fn a_row_of_an_unknown_severity_and_a_deleted_monitor_says_so_in_words() {
        let a = StoredAlert {
            severity: Some("FATAL".into()),
            monitor_id: Some("mGone".into()),
            closed_at: Some(1_763_996_400),
            close_cause: Some("manual".into()),
            ..sample()
        };
        let html = rows(Lang::Ja, HashMap::new()).html(&[a], "");
        assert!(html.contains("<td class=\"nowrap\">FATAL</td>"), "{html}");
        assert!(html.contains("<td>削除されたモニター</td>"), "{html}");
        assert!(html.contains("?\"><time"), "{html}");
        assert!(!html.contains("sev-"), "{html}");
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
