//! The meeting screen's rows (design §10): the digest's review queue as the page
//! shows it, one line per item, every word in the page's language and every time in
//! the team's zone. Typed views: the template reads exactly these fields.

use chrono::{Datelike, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;

use super::meeting_words::MeetingWords;
use crate::digest::queue::{Item, Queue, QueueSection};
use crate::digest::{duration, fired_before, monitor_name, Labels, Lang};

/// The queue as rows, and which one is selected.
#[derive(Debug, Serialize)]
pub struct QueueView {
    pub sections: Vec<SectionView>,
    pub earlier: Vec<RowView>,
    /// "and 40 more", with a link to them on `/alerts`.
    pub earlier_more: Option<String>,
    pub earlier_link: String,
    pub total: usize,
    pub reviewed: usize,
    /// The 1-based position of the selected item, and how many items there are.
    pub position: usize,
    pub items: usize,
}

#[derive(Debug, Serialize)]
pub struct SectionView {
    pub title: String,
    /// "Open 1 · Closed manually 4 · Recovered 10 · recovery median 10m".
    pub summary: String,
    pub states: Vec<StateView>,
}

#[derive(Debug, Serialize)]
pub struct StateView {
    pub state: &'static str,
    pub label: &'static str,
    pub alerts: usize,
    pub rows: Vec<RowView>,
}

/// One item on one line.
#[derive(Debug, Clone, Serialize)]
pub struct RowView {
    pub key: String,
    /// Space-separated: what tools and tests read (`data-alert-ids`).
    pub alert_ids: String,
    /// Mackerel's value (the badge's class), and it in the page's words.
    pub severity: Option<String>,
    pub severity_label: Option<String>,
    pub state: &'static str,
    pub state_label: &'static str,
    pub monitor: String,
    /// The host, or for an item across hosts "3 hosts" with their names in `hosts`.
    pub host: Option<String>,
    pub hosts: String,
    pub services: String,
    pub also_in: Option<String>,
    pub when: String,
    pub duration: String,
    /// "×3", when the item holds more than one alert.
    pub times: Option<String>,
    /// "4× in 7 d", or "new".
    pub before: String,
    pub is_new: bool,
    pub flapping: bool,
    pub maintenance: bool,
    /// The outcome every alert has, in words, or "2/3" while some are reviewed.
    pub outcome: Option<String>,
    pub outcome_value: Option<&'static str>,
    pub partly: Option<String>,
    /// All of its alerts have an outcome.
    pub done: bool,
    pub task: Option<String>,
    pub selected: bool,
    /// Where the row leads without JavaScript: this page with the item selected.
    pub href: String,
}

/// How the rows are made: the page's words, zone and links.
pub struct RowMaker<'a> {
    pub labels: &'static Labels,
    pub words: &'static MeetingWords,
    pub tz: Tz,
    /// The window's end: times within the week before it are named by weekday.
    pub end: i64,
    /// The page's path and query without `item` (`/digests/D?lang=ja`).
    pub base: &'a str,
    pub selected: Option<&'a str>,
}

impl RowMaker<'_> {
    /// A severity in the page's words, as every page says it ("Critical", 重大).
    pub fn severity(&self, value: Option<&str>) -> Option<String> {
        let lang = Lang::parse(self.labels.lang).unwrap_or(Lang::En);
        value.map(|v| crate::web::words::words(lang).status(v).to_owned())
    }

    pub fn queue(&self, q: &Queue, earlier_link: String) -> QueueView {
        let sections: Vec<SectionView> = q.sections.iter().map(|s| self.section(s)).collect();
        let earlier: Vec<RowView> = q.earlier.iter().map(|i| self.row(i, None)).collect();
        let keys: Vec<&str> = sections
            .iter()
            .flat_map(|s| &s.states)
            .flat_map(|st| &st.rows)
            .chain(&earlier)
            .map(|r| r.key.as_str())
            .collect();
        let position = self
            .selected
            .and_then(|k| keys.iter().position(|x| *x == k))
            .map_or(0, |p| p + 1);
        let shown = q.earlier.iter().map(|i| i.count as i64).sum::<i64>();
        QueueView {
            earlier_more: (q.earlier_total > shown).then(|| {
                self.words
                    .earlier_more
                    .replace("{n}", &(q.earlier_total - shown).to_string())
            }),
            earlier_link,
            total: q.total,
            reviewed: q.reviewed,
            position,
            items: keys.len(),
            sections,
            earlier,
        }
    }

    fn section(&self, s: &QueueSection) -> SectionView {
        let l = self.labels;
        let title = if s.carried_over {
            l.carried_over.to_owned()
        } else {
            s.service.clone().unwrap_or_else(|| l.no_service.to_owned())
        };
        let mut parts: Vec<String> = s
            .states
            .iter()
            .map(|st| format!("{} {}", l.state(st.state), st.alerts))
            .collect();
        if let Some(m) = s.recovery_median_secs {
            parts.push(format!("{} {}", self.words.recovery_median, duration(m, l)));
        }
        let service = if s.carried_over {
            None
        } else {
            s.service.as_deref()
        };
        SectionView {
            title,
            summary: parts.join(" · "),
            states: s
                .states
                .iter()
                .map(|st| StateView {
                    state: st.state.as_str(),
                    label: l.state(st.state),
                    alerts: st.alerts,
                    rows: st.items.iter().map(|i| self.row(i, service)).collect(),
                })
                .collect(),
        }
    }

    /// `service`: the section's service; `None` from before the window and from
    /// earlier meetings, where the row names its services itself.
    pub fn row(&self, i: &Item, service: Option<&str>) -> RowView {
        let l = self.labels;
        let w = self.words;
        let hosts: Vec<&str> = i.hosts.iter().filter_map(|h| h.host.as_deref()).collect();
        let host = match (&i.host, hosts.len()) {
            (Some(h), _) => Some(h.clone()),
            (None, 0) => None,
            (None, 1) => Some(hosts[0].to_owned()),
            (None, n) => Some(w.hosts.replace("{n}", &n.to_string())),
        };
        let outcome_value = i.outcome.map(|o| o.as_str());
        RowView {
            key: i.key.clone(),
            alert_ids: i.alert_ids.join(" "),
            severity: i.severity.clone(),
            severity_label: self.severity(i.severity.as_deref()),
            state: i.state.as_str(),
            state_label: l.state(i.state),
            monitor: monitor_name(i.monitor.as_deref(), i.monitor_id.as_deref(), &i.kind, l),
            host,
            hosts: hosts.join(", "),
            services: match service {
                Some(_) => String::new(),
                None => i.services.join(" · "),
            },
            also_in: (!i.also_in.is_empty())
                .then(|| w.also_in.replace("{services}", &i.also_in.join(", "))),
            when: self.span(i.opened_at, i.closed_at),
            duration: duration(i.duration_secs, l),
            times: (i.count > 1).then(|| format!("×{}", i.count)),
            before: fired_before(i.fired_before_7d, l),
            is_new: i.fired_before_7d == 0,
            flapping: i.flapping,
            maintenance: i.in_maintenance,
            outcome: i.outcome.map(|o| l.outcomes[o.index()].to_owned()),
            outcome_value,
            partly: (i.reviewed > 0 && i.outcome.is_none())
                .then(|| format!("{}/{}", i.reviewed, i.count)),
            done: i.reviewed == i.count,
            task: i.task.as_ref().map(|t| format!("→ {} #{}", l.task, t.id)),
            selected: self.selected == Some(i.key.as_str()),
            href: format!("{}{}item={}#detail", self.base, sep(self.base), i.key),
        }
    }

    /// "Fri 16:28 → 18:40", "11-27 16:28 →" (still open), in the team's zone.
    pub fn span(&self, opened: i64, closed: Option<i64>) -> String {
        let from = self.time(opened);
        match closed {
            None => format!("{from} →"),
            Some(c) if self.day(c) == self.day(opened) => {
                format!("{from} → {}", self.at(c).format("%H:%M"))
            }
            Some(c) => format!("{from} → {}", self.time(c)),
        }
    }

    /// A time named by weekday within the week before the window's end, else by date.
    pub fn time(&self, t: i64) -> String {
        let d = self.at(t);
        if self.end - t < 6 * 86_400 && t <= self.end + 86_400 {
            let wd = self.labels.weekdays[d.weekday().num_days_from_monday() as usize];
            format!("{wd} {}", d.format("%H:%M"))
        } else {
            d.format("%m-%d %H:%M").to_string()
        }
    }

    /// "Fri 12-04 00:00 → Mon 12-07 00:00 JST": the window, short enough for the bar.
    pub fn window(&self, start: i64, end: i64) -> String {
        let full = |t: i64| {
            let d = self.at(t);
            let wd = self.labels.weekdays[d.weekday().num_days_from_monday() as usize];
            format!("{wd} {}", d.format("%m-%d %H:%M"))
        };
        format!(
            "{} → {} {}",
            full(start),
            full(end),
            self.at(end).format("%Z")
        )
    }

    fn at(&self, t: i64) -> chrono::DateTime<Tz> {
        self.tz
            .timestamp_opt(t, 0)
            .single()
            .unwrap_or_else(|| self.tz.timestamp_opt(0, 0).unwrap())
    }

    fn day(&self, t: i64) -> chrono::NaiveDate {
        self.at(t).date_naive()
    }
}

/// `?` or `&`, to add a parameter to `base`.
pub fn sep(base: &str) -> &'static str {
    if base.contains('?') {
        "&"
    } else {
        "?"
    }
}
