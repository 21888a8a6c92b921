//! What templates see: the digest, with times in the team's zone, labels in the
//! team's language, and alerts grouped by state and monitor.

use chrono::Datelike;
use serde::Serialize;

use super::build::STATE_ORDER;
use super::labels::{duration, Labels};
use super::model::{Counts, Digest, DigestAlert, MonitorCount};
use super::window::Window;

#[derive(Debug, Serialize)]
pub struct Context<'a> {
    pub t: &'static Labels,
    pub digest: &'a Digest,
    pub title: String,
    pub window_text: String,
    pub quiet: bool,
    pub quiet_text: String,
    pub totals: Vec<CountView>,
    pub sections: Vec<SectionView>,
    pub carried_over: Vec<AlertLine>,
    pub flapping: &'a [MonitorCount],
    pub noisy: &'a [MonitorCount],
    pub maintenance: Vec<MaintenanceView>,
    pub generated: String,
    /// The HTML format's chart (safe markup made by asakai, numbers only).
    pub chart_svg: String,
}

#[derive(Debug, Serialize)]
pub struct CountView {
    pub state: &'static str,
    pub label: &'static str,
    pub count: i64,
    pub change: String,
}

#[derive(Debug, Serialize)]
pub struct SectionView {
    pub name: String,
    pub counts: Vec<CountView>,
    pub groups: Vec<GroupView>,
    pub recovery: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct GroupView {
    pub state: &'static str,
    pub label: &'static str,
    pub monitors: Vec<MonitorGroup>,
}

#[derive(Debug, Serialize)]
pub struct MonitorGroup {
    pub monitor: String,
    pub alerts: Vec<AlertLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertLine {
    pub id: String,
    pub url: Option<String>,
    pub monitor: String,
    pub host: Option<String>,
    pub host_url: Option<String>,
    pub severity: String,
    pub opened: String,
    pub closed: Option<String>,
    pub duration: String,
    /// The close reason, else the message: one line, cut at 200 characters.
    pub text: Option<String>,
    pub flags: String,
    pub image_url: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MaintenanceView {
    pub name: String,
    pub url: Option<String>,
    pub services: String,
    pub since: String,
}

fn local(w: &Window, t: i64, l: &Labels) -> String {
    let d = w.local(t);
    let wd = l.weekdays[d.weekday().num_days_from_monday() as usize];
    if l.lang == "ja" {
        format!("{}({wd}) {}", d.format("%m/%d"), d.format("%H:%M"))
    } else {
        format!("{wd} {}", d.format("%m-%d %H:%M"))
    }
}

fn parse(t: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| d.timestamp())
        .unwrap_or_default()
}

pub fn line(a: &DigestAlert, w: &Window, l: &'static Labels) -> AlertLine {
    let v = &a.alert;
    let mut flags = Vec::new();
    if a.flapping {
        flags.push(l.flapping.to_lowercase());
    }
    flags.push(if a.recurring { l.recurring } else { l.new }.to_owned());
    if a.state_guessed {
        flags.push(l.guessed.to_owned());
    }
    let text = v
        .reason
        .clone()
        .or_else(|| v.message.clone())
        .map(|t| one_line(&t, 200));
    AlertLine {
        id: v.id.clone(),
        url: v.url.clone(),
        monitor: v
            .monitor
            .clone()
            .or_else(|| v.monitor_id.clone())
            .unwrap_or_else(|| v.kind.clone()),
        host: v.host.clone(),
        host_url: a.host_url.clone(),
        severity: v.severity.clone().unwrap_or_else(|| "-".into()),
        opened: local(w, a.opened_secs, l),
        closed: a.closed_secs.map(|c| local(w, c, l)),
        duration: duration(a.duration_secs, l),
        text,
        flags: flags.join(", "),
        image_url: a.image_url.clone(),
    }
}

fn one_line(s: &str, max: usize) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &joined[..i]),
        None => joined,
    }
}

fn counts(c: &Counts, previous: Option<&Counts>, l: &'static Labels) -> Vec<CountView> {
    STATE_ORDER
        .iter()
        .map(|s| CountView {
            state: s.as_str(),
            label: l.state(*s),
            count: c.get(*s),
            change: previous
                .map(|p| signed(c.get(*s) - p.get(*s)))
                .unwrap_or_default(),
        })
        .collect()
}

fn signed(n: i64) -> String {
    match n {
        0 => "±0".into(),
        n if n > 0 => format!("+{n}"),
        n => n.to_string(),
    }
}

fn section(s: &super::model::ServiceDigest, w: &Window, l: &'static Labels) -> SectionView {
    let groups = STATE_ORDER
        .iter()
        .filter_map(|state| {
            let mut monitors: Vec<MonitorGroup> = Vec::new();
            for a in s.alerts.iter().filter(|a| a.alert.state == *state) {
                let line = line(a, w, l);
                match monitors.last_mut() {
                    Some(g) if g.monitor == line.monitor => g.alerts.push(line),
                    _ => monitors.push(MonitorGroup {
                        monitor: line.monitor.clone(),
                        alerts: vec![line],
                    }),
                }
            }
            (!monitors.is_empty()).then_some(GroupView {
                state: state.as_str(),
                label: l.state(*state),
                monitors,
            })
        })
        .collect();
    let recovery = s
        .recovery_median_secs
        .zip(s.recovery_p90_secs)
        .map(|(m, p)| format!("{} {}, p90 {}", l.median, duration(m, l), duration(p, l)));
    SectionView {
        name: s.service.clone().unwrap_or_else(|| l.no_service.to_owned()),
        counts: counts(&s.counts, None, l),
        groups,
        recovery,
    }
}

pub fn context<'a>(
    d: &'a Digest,
    w: &Window,
    l: &'static Labels,
    chart_svg: String,
) -> Context<'a> {
    let quiet = d.totals.total() == 0;
    let quiet_text = match &d.last_alert_before {
        Some(t) => format!("{} {}", l.quiet, local(w, parse(t), l)),
        None => l.quiet_ever.to_owned(),
    };
    let title = match &d.window.meeting {
        Some(m) => format!("{} {m}", l.title),
        None => l.title.to_owned(),
    };
    Context {
        t: l,
        digest: d,
        title,
        window_text: format!(
            "{} → {} ({})",
            local(w, w.start, l),
            local(w, w.end, l),
            d.window.timezone
        ),
        quiet,
        quiet_text,
        totals: counts(&d.totals, Some(&d.previous_totals), l),
        sections: d.services.iter().map(|s| section(s, w, l)).collect(),
        carried_over: d
            .carried_over
            .iter()
            .map(|a| AlertLine {
                duration: format!("{} {}", l.open_for, duration(a.duration_secs, l)),
                ..line(a, w, l)
            })
            .collect(),
        flapping: &d.flapping,
        noisy: &d.noisy_monitors,
        maintenance: d
            .maintenance_hosts
            .iter()
            .map(|h| maintenance(h, w, l))
            .collect(),
        generated: local(w, parse(&d.generated_at), l),
        chart_svg,
    }
}

fn maintenance(h: &super::model::MaintenanceHost, w: &Window, l: &Labels) -> MaintenanceView {
    let since = match (&h.since, &h.seen_since) {
        (Some(t), _) => format!("{} {}", l.since, local(w, parse(t), l)),
        (None, Some(t)) => format!("{} {}", l.seen_since, local(w, parse(t), l)),
        (None, None) => String::new(),
    };
    MaintenanceView {
        name: h.name.clone(),
        url: h.url.clone(),
        services: h.services.join(", "),
        since,
    }
}
