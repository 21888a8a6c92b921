//! What templates see: the digest, with times in the team's zone, labels in the
//! team's language, and alerts grouped by state and monitor.

use chrono::Datelike;
use serde::Serialize;

use crate::alert::Time;

use super::build::STATE_ORDER;
use super::labels::{duration, Labels};
use super::model::{Counts, Digest, DigestAlert, MaintenanceHost, MonitorCount, WindowView};
use super::sections::{self, GroupView, More, Shape};
use super::window::Window;

#[derive(Debug, Serialize)]
pub struct Context<'a> {
    pub t: &'static Labels,
    pub digest: DigestHead<'a>,
    pub title: String,
    pub window_text: String,
    pub quiet: bool,
    pub quiet_text: String,
    /// What could mislead if unsaid: a day off, a window not over, totals that overlap.
    pub notes: Vec<String>,
    /// "vs previous window <dates>", and how the change is computed.
    pub previous_text: String,
    pub totals: Vec<CountView>,
    pub sections: Vec<SectionView>,
    pub carried_over: Vec<AlertLine>,
    pub carried_more: Option<More>,
    pub flapping: &'a [MonitorCount],
    pub noisy: &'a [MonitorCount],
    pub maintenance: Vec<MaintenanceView>,
    pub generated: String,
    /// The HTML format's chart (safe markup made by asakai, numbers only).
    pub chart_svg: String,
    /// "5 of 7 reviewed", when the window has alerts.
    pub review_text: Option<String>,
    pub unreviewed_earlier: Vec<EarlierLine>,
    /// "and N more", with the command that lists the alerts of those 7 days.
    pub unreviewed_earlier_more: Option<More>,
    pub open_tasks: Vec<TaskLine>,
}

/// The digest without its alert lists, as user templates read it (`digest.totals`, ...):
/// handlebars serializes its whole context, and every alert of a heavy day would
/// cost seconds for a page that shows a few dozen of them.
#[derive(Debug, Serialize)]
pub struct DigestHead<'a> {
    pub window: &'a WindowView,
    pub generated_at: Time,
    pub totals: &'a Counts,
    pub previous_window: Option<&'a WindowView>,
    pub previous_totals: &'a Counts,
    pub compare_per_day: bool,
    pub extra_service_listings: i64,
    pub flapping: &'a [MonitorCount],
    pub noisy_monitors: &'a [MonitorCount],
    pub maintenance_hosts: &'a [MaintenanceHost],
    pub last_alert_before: Option<Time>,
    pub hourly: &'a [Counts],
}

impl<'a> DigestHead<'a> {
    fn of(d: &'a Digest) -> Self {
        DigestHead {
            window: &d.window,
            generated_at: d.generated_at,
            totals: &d.totals,
            previous_window: d.previous_window.as_ref(),
            previous_totals: &d.previous_totals,
            compare_per_day: d.compare_per_day,
            extra_service_listings: d.extra_service_listings,
            flapping: &d.flapping,
            noisy_monitors: &d.noisy_monitors,
            maintenance_hosts: &d.maintenance_hosts,
            last_alert_before: d.last_alert_before,
            hourly: &d.hourly,
        }
    }
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
    pub more: Option<More>,
    pub recovery: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertLine {
    pub id: String,
    pub url: Option<String>,
    pub monitor: String,
    pub host: Option<String>,
    pub host_url: Option<String>,
    /// In words ("Critical", 重大); `severity_value` as Mackerel spells it.
    pub severity: String,
    pub severity_value: String,
    pub opened: String,
    pub closed: Option<String>,
    pub duration: String,
    /// The close reason, else the message: one line, cut at 200 characters.
    pub text: Option<String>,
    pub flags: String,
    pub image_url: Option<String>,
    /// "noise: backup window (sato)": the team's outcome, when recorded.
    pub outcome: Option<String>,
    /// "task #12", with its issue when linked.
    pub task: Option<String>,
    pub task_url: Option<String>,
    /// The HTML digest's inline graph (safe markup drawn by asakai), when it has one.
    pub graph_svg: Option<String>,
}

/// An alert of an earlier meeting that nobody reviewed.
#[derive(Debug, Serialize)]
pub struct EarlierLine {
    pub id: String,
    pub url: Option<String>,
    pub monitor: String,
    pub host: Option<String>,
    pub opened: String,
}

/// An open follow-up task.
#[derive(Debug, Serialize)]
pub struct TaskLine {
    pub id: i64,
    pub title: String,
    pub url: Option<String>,
    /// "fired again 3 times, last Tue 11-24 10:00", or empty.
    pub again: String,
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

/// A time the review side still hands over as text (a task's last firing).
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
    flags.push(fired_before(a.fired_before_7d, l));
    if a.state_guessed {
        flags.push(l.guessed.to_owned());
    }
    if a.host_in_maintenance {
        flags.push(l.host_in_maintenance.to_owned());
    }
    let text = v
        .reason
        .clone()
        .or_else(|| v.message.clone())
        .map(|t| one_line(&t, 200));
    AlertLine {
        id: v.id.clone(),
        url: v.url.clone(),
        monitor: monitor_name(v.monitor.as_deref(), v.monitor_id.as_deref(), &v.kind, l),
        host: v.host.clone(),
        host_url: a.host_url.clone(),
        severity: v
            .severity
            .as_deref()
            .map_or_else(|| "-".into(), |s| l.severity(s).to_owned()),
        severity_value: v.severity.clone().unwrap_or_else(|| "-".into()),
        opened: local(w, a.opened_secs, l),
        closed: a.closed_secs.map(|c| local(w, c, l)),
        duration: duration(a.duration_secs, l),
        text,
        flags: flags.join(", "),
        image_url: a.image_url.clone(),
        outcome: a.review.as_ref().map(|r| {
            let mut text = l.outcomes[r.outcome.index()].to_owned();
            if let Some(note) = &r.note {
                text.push_str(": ");
                text.push_str(&one_line(note, 120));
            }
            if let Some(by) = &r.by {
                text.push_str(&format!(" ({by})"));
            }
            text
        }),
        task: a.task.as_ref().map(|t| format!("{} #{}", l.task, t.id)),
        task_url: a.task.as_ref().and_then(|t| t.url.clone()),
        graph_svg: None,
    }
}

/// The monitor as people know it: its (last known) name; a monitor that has an id
/// but no name any more was deleted before asakai read it; no monitor at all (an
/// alert of a type without one) is named by its type.
pub fn monitor_name(name: Option<&str>, id: Option<&str>, kind: &str, l: &Labels) -> String {
    match (name, id) {
        (Some(n), _) => n.to_owned(),
        (None, Some(_)) => l.deleted_monitor.to_owned(),
        (None, None) => kind.to_owned(),
    }
}

/// "4× in 7 d", or "new" when the same monitor and host did not fire in the week before.
pub fn fired_before(n: i64, l: &Labels) -> String {
    if n >= crate::store::FIRED_BEFORE_CAP {
        l.fired_before.replace("{n}", &format!("{n}+"))
    } else if n > 0 {
        l.fired_before.replace("{n}", &n.to_string())
    } else {
        l.new.to_owned()
    }
}

fn one_line(s: &str, max: usize) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &joined[..i]),
        None => joined,
    }
}

/// The previous window's counts and lengths in days, for the change column.
struct Previous<'a> {
    counts: &'a Counts,
    /// `Some((days now, days before))` when the windows differ in length.
    per_day: Option<(i64, i64)>,
}

fn counts(c: &Counts, previous: Option<&Previous>, l: &'static Labels) -> Vec<CountView> {
    STATE_ORDER
        .iter()
        .map(|s| CountView {
            state: s.as_str(),
            label: l.state(*s),
            count: c.get(*s),
            change: previous
                .map(|p| change(c.get(*s), p.counts.get(*s), p.per_day, l))
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

fn change(now: i64, before: i64, per_day: Option<(i64, i64)>, l: &Labels) -> String {
    match per_day {
        None => signed(now - before),
        Some((days, days_before)) => {
            let diff = now as f64 / days as f64 - before as f64 / days_before as f64;
            if diff.abs() < 0.05 {
                format!("±0/{}", l.day_unit)
            } else {
                format!("{diff:+.1}/{}", l.day_unit)
            }
        }
    }
}

fn section(
    s: &super::model::ServiceDigest,
    w: &Window,
    l: &'static Labels,
    shape: Shape,
) -> SectionView {
    let (groups, more) = sections::groups(s, w, l, shape);
    let recovery = s
        .recovery_median_secs
        .zip(s.recovery_p90_secs)
        .map(|(m, p)| format!("{} {}, p90 {}", l.median, duration(m, l), duration(p, l)));
    SectionView {
        name: s.service.clone().unwrap_or_else(|| l.no_service.to_owned()),
        counts: counts(&s.counts, None, l),
        groups,
        more,
        recovery,
    }
}

pub fn context<'a>(
    d: &'a Digest,
    w: &Window,
    l: &'static Labels,
    chart_svg: String,
    keep_all: bool,
) -> Context<'a> {
    let shape = Shape {
        keep_all,
        lines: sections::SECTION_LINES,
    };
    let (carried_over, carried_more) = sections::carried_over(&d.carried_over, w, l, shape);
    let quiet = d.totals.total() == 0;
    let quiet_text = match &d.last_alert_before {
        Some(t) => format!("{} {}", l.quiet, local(w, t.0, l)),
        None => l.quiet_ever.to_owned(),
    };
    let title = match &d.window.meeting {
        Some(m) => format!("{} {m}", l.title),
        None => l.title.to_owned(),
    };
    let per_day = d
        .compare_per_day
        .then(|| (w.days(), previous_days(d).unwrap_or(1)));
    let previous = Previous {
        counts: &d.previous_totals,
        per_day,
    };
    Context {
        t: l,
        digest: DigestHead::of(d),
        notes: notes(d, w, l),
        previous_text: previous_text(d, w, l),
        title,
        window_text: format!(
            "{} → {} ({})",
            local(w, w.start, l),
            local(w, w.end, l),
            d.window.timezone
        ),
        quiet,
        quiet_text,
        totals: counts(&d.totals, Some(&previous), l),
        sections: d.services.iter().map(|s| section(s, w, l, shape)).collect(),
        carried_over,
        carried_more,
        flapping: &d.flapping,
        noisy: &d.noisy_monitors,
        maintenance: d
            .maintenance_hosts
            .iter()
            .map(|h| maintenance(h, w, l))
            .collect(),
        generated: local(w, d.generated_at.0, l),
        chart_svg,
        review_text: (!quiet).then(|| {
            l.reviewed_of
                .replace("{reviewed}", &d.reviewed.to_string())
                .replace("{total}", &d.totals.total().to_string())
        }),
        unreviewed_earlier: d
            .unreviewed_earlier
            .iter()
            .map(|a| EarlierLine {
                id: a.id.clone(),
                url: a.url.clone(),
                monitor: monitor_name(a.monitor.as_deref(), a.monitor_id.as_deref(), &a.kind, l),
                host: a.host.clone(),
                opened: local(w, a.opened_at.0, l),
            })
            .collect(),
        unreviewed_earlier_more: earlier_more(d, w, l),
        open_tasks: d.open_tasks.iter().map(|t| task_line(t, w, l)).collect(),
    }
}

fn earlier_more(d: &Digest, w: &Window, l: &Labels) -> Option<More> {
    let left = d.unreviewed_earlier_total - d.unreviewed_earlier.len() as i64;
    (left > 0).then(|| More {
        text: l.more.replace("{n}", &left.to_string()),
        command: format!(
            "asakai alerts --from {} --to {} --limit 0",
            w.local(w.start - 7 * 86_400).to_rfc3339(),
            w.local(w.start).to_rfc3339()
        ),
        alerts: Vec::new(),
        left: 0,
    })
}

fn task_line(t: &crate::review::TaskView, w: &Window, l: &Labels) -> TaskLine {
    let again = match (&t.last_fired_at, t.fired_again) {
        (Some(last), n) if n > 0 => format!(
            "{} {n} {}, {}",
            l.fired_again,
            l.times,
            local(w, parse(last), l)
        ),
        _ => String::new(),
    };
    TaskLine {
        id: t.id,
        title: t.title.clone(),
        url: t.url.clone(),
        again,
    }
}

fn previous_days(d: &Digest) -> Option<i64> {
    let p = d.previous_window.as_ref()?;
    Some(((p.end.secs - p.start.secs + 43_200) / 86_400).max(1))
}

/// "vs previous window Fri 11-20 00:00 → Tue 11-24 00:00 (4 days; compared per day ...)".
fn previous_text(d: &Digest, w: &Window, l: &Labels) -> String {
    let Some(p) = &d.previous_window else {
        return l.vs_previous.to_owned();
    };
    let days = previous_days(d).unwrap_or(1);
    let sep = if l.lang == "ja" { "" } else { " " };
    let unit = if days == 1 { l.day_unit } else { l.days };
    let mut text = format!(
        "{} {} → {} ({days}{sep}{unit}",
        l.previous,
        local(w, p.start.secs, l),
        local(w, p.end.secs, l),
    );
    if d.compare_per_day {
        text.push_str("; ");
        text.push_str(l.per_day);
    }
    text.push(')');
    text
}

fn day_text(date: chrono::NaiveDate, l: &Labels) -> String {
    let wd = l.weekdays[date.weekday().num_days_from_monday() as usize];
    if l.lang == "ja" {
        format!("{}({wd})", date.format("%Y-%m-%d"))
    } else {
        format!("{wd} {}", date.format("%Y-%m-%d"))
    }
}

fn notes(d: &Digest, w: &Window, l: &Labels) -> Vec<String> {
    let mut notes = Vec::new();
    if let (Some(off), Some(date)) = (d.window.off_day, w.meeting) {
        let template = match off {
            super::window::OffDay::Weekend => l.note_weekend,
            super::window::OffDay::Holiday => l.note_holiday,
        };
        notes.push(template.replace("{date}", &day_text(date, l)));
    }
    if d.window.incomplete {
        notes.push(
            l.note_future
                .replace("{end}", &local(w, w.end, l))
                .replace("{now}", &local(w, d.generated_at.0, l)),
        );
    }
    if d.extra_service_listings > 0 {
        let total = d.totals.total();
        notes.push(
            l.note_listings
                .replace(
                    "{listings}",
                    &(total + d.extra_service_listings).to_string(),
                )
                .replace("{total}", &total.to_string()),
        );
    }
    notes
}

fn maintenance(h: &super::model::MaintenanceHost, w: &Window, l: &Labels) -> MaintenanceView {
    if h.after_window {
        return MaintenanceView {
            name: h.name.clone(),
            url: h.url.clone(),
            services: h.services.join(", "),
            since: l.maintenance_now.to_owned(),
        };
    }
    let since = match (&h.since, &h.seen_since) {
        (Some(t), _) => format!("{} {}", l.since, local(w, t.0, l)),
        (None, Some(t)) => format!("{} {}", l.seen_since, local(w, t.0, l)),
        (None, None) => String::new(),
    };
    MaintenanceView {
        name: h.name.clone(),
        url: h.url.clone(),
        services: h.services.join(", "),
        since,
    }
}
