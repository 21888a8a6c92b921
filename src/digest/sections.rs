//! A service's alerts as a person reads them: open, manually and system-closed
//! alerts one per line, each monitor's recovered alerts condensed into one line,
//! and a section capped with "and N more" plus where to see the rest. The HTML
//! page keeps every alert behind a toggle; JSON is not built from this.

use std::sync::Arc;

use serde::Serialize;

use crate::alert::State;

use super::build::{percentile, STATE_ORDER};
use super::context::{line, AlertLine};
use super::labels::{duration, Labels};
use super::model::{DigestAlert, ServiceDigest};
use super::window::Window;

/// Lines a section shows before "and N more" (a condensed line counts as one).
pub const SECTION_LINES: usize = 25;
/// Carried-over alerts shown before "and N more".
pub const CARRIED_LINES: usize = 20;
/// Alerts an HTML toggle holds: past this, the page would be megabytes again; the
/// rest are counted and the command lists them.
pub const TOGGLE_LINES: usize = 500;
/// Host names a condensed line names before "+N".
const HOSTS_NAMED: usize = 3;

#[derive(Debug, Serialize)]
pub struct GroupView {
    pub state: &'static str,
    pub label: &'static str,
    pub monitors: Vec<MonitorGroup>,
}

#[derive(Debug, Serialize)]
pub struct MonitorGroup {
    pub monitor: String,
    /// Alerts listed one by one.
    pub alerts: Vec<AlertLine>,
    /// A monitor's recovered alerts in one line: count, hosts, durations.
    pub summary: Option<String>,
    /// The HTML page: the condensed alerts, behind a toggle.
    pub all: Vec<AlertLine>,
    /// Condensed alerts past the toggle's [`TOGGLE_LINES`], and the command listing them.
    pub all_left: usize,
    pub command: Option<String>,
}

/// What a capped list leaves out, and where to see it.
#[derive(Debug, Serialize)]
pub struct More {
    /// "and 123 more alerts".
    pub text: String,
    /// A command that lists them (`asakai alerts ...`).
    pub command: String,
    /// The HTML page: the alerts left out, behind a toggle.
    pub alerts: Vec<AlertLine>,
    /// Alerts left out past the toggle's [`TOGGLE_LINES`].
    pub left: usize,
}

/// How much to build: the HTML page keeps every alert, other formats only what they show.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub keep_all: bool,
    pub lines: usize,
}

/// Carried-over alerts, capped; their age replaces the duration.
pub fn carried_over(
    alerts: &[Arc<DigestAlert>],
    w: &Window,
    l: &'static Labels,
    shape: Shape,
) -> (Vec<AlertLine>, Option<More>) {
    let aged = |a: &DigestAlert| AlertLine {
        duration: format!("{} {}", l.open_for, duration(a.duration_secs, l)),
        ..line(a, w, l)
    };
    let shown = alerts.len().min(CARRIED_LINES);
    let more = (alerts.len() > shown).then(|| More {
        text: l.more.replace("{n}", &(alerts.len() - shown).to_string()),
        command: "asakai alerts --state open --limit 0".to_owned(),
        alerts: toggled(&alerts[shown..], shape, aged),
        left: left_over(alerts.len() - shown, shape),
    });
    (alerts[..shown].iter().map(|a| aged(a)).collect(), more)
}

/// The groups of a section, and what the cap left out.
pub fn groups(
    s: &ServiceDigest,
    w: &Window,
    l: &'static Labels,
    shape: Shape,
) -> (Vec<GroupView>, Option<More>) {
    let mut budget = shape.lines;
    let command = alerts_command(s.service.as_deref(), w);
    let mut left_out: Vec<&DigestAlert> = Vec::new();
    let mut groups = Vec::new();
    for state in STATE_ORDER {
        let mut monitors: Vec<MonitorGroup> = Vec::new();
        let of_state = s.alerts.iter().map(|a| &**a);
        for run in runs(of_state.filter(|a| a.alert.state == state)) {
            if budget == 0 {
                left_out.extend(run);
                continue;
            }
            if state == State::Recovered && run.len() > 1 {
                budget -= 1;
                monitors.push(condensed(&run, w, l, shape, &command));
                continue;
            }
            let shown = run.len().min(budget);
            budget -= shown;
            left_out.extend(&run[shown..]);
            monitors.push(MonitorGroup {
                monitor: monitor_of(run[0]),
                alerts: run[..shown].iter().map(|a| line(a, w, l)).collect(),
                summary: None,
                all: Vec::new(),
                all_left: 0,
                command: None,
            });
        }
        if !monitors.is_empty() {
            groups.push(GroupView {
                state: state.as_str(),
                label: l.state(state),
                monitors,
            });
        }
    }
    let more = (!left_out.is_empty()).then(|| More {
        text: l.more.replace("{n}", &left_out.len().to_string()),
        command: command.clone(),
        alerts: toggled(&left_out, shape, |a| line(a, w, l)),
        left: left_over(left_out.len(), shape),
    });
    (groups, more)
}

/// Consecutive alerts of one monitor (the section is sorted by state, then monitor).
fn runs<'a>(alerts: impl Iterator<Item = &'a DigestAlert>) -> Vec<Vec<&'a DigestAlert>> {
    let mut runs: Vec<Vec<&DigestAlert>> = Vec::new();
    for a in alerts {
        match runs.last_mut() {
            Some(run)
                if run[0].alert.monitor_id == a.alert.monitor_id
                    && run[0].alert.monitor == a.alert.monitor =>
            {
                run.push(a)
            }
            _ => runs.push(vec![a]),
        }
    }
    runs
}

fn monitor_of(a: &DigestAlert) -> String {
    a.alert
        .monitor
        .clone()
        .or_else(|| a.alert.monitor_id.clone())
        .unwrap_or_else(|| a.alert.kind.clone())
}

fn condensed(
    run: &[&DigestAlert],
    w: &Window,
    l: &'static Labels,
    shape: Shape,
    command: &str,
) -> MonitorGroup {
    let mut durations: Vec<i64> = run.iter().map(|a| a.duration_secs).collect();
    durations.sort_unstable();
    let mut hosts: Vec<&str> = run.iter().filter_map(|a| a.alert.host.as_deref()).collect();
    hosts.sort_unstable();
    hosts.dedup();
    let named = hosts.len().min(HOSTS_NAMED);
    let mut host_text = hosts[..named].join(", ");
    if hosts.len() > named {
        host_text.push_str(
            &l.hosts_more
                .replace("{n}", &(hosts.len() - named).to_string()),
        );
    }
    let summary = l
        .condensed
        .replace("{n}", &run.len().to_string())
        .replace("{shortest}", &duration(durations[0], l))
        .replace(
            "{median}",
            &duration(percentile(&durations, 50).unwrap_or(0), l),
        )
        .replace("{longest}", &duration(durations[durations.len() - 1], l));
    let on_hosts = if host_text.is_empty() {
        String::new()
    } else {
        l.on_hosts.replace("{hosts}", &host_text)
    };
    let summary = summary.replace("{hosts}", &on_hosts);
    MonitorGroup {
        monitor: monitor_of(run[0]),
        alerts: Vec::new(),
        summary: Some(summary),
        all: toggled(run, shape, |a| line(a, w, l)),
        all_left: left_over(run.len(), shape),
        command: (left_over(run.len(), shape) > 0).then(|| command.to_owned()),
    }
}

/// The lines an HTML toggle holds (none in other formats).
fn toggled<'a, A: std::borrow::Borrow<DigestAlert> + 'a>(
    alerts: &'a [A],
    shape: Shape,
    f: impl Fn(&DigestAlert) -> AlertLine,
) -> Vec<AlertLine> {
    if !shape.keep_all {
        return Vec::new();
    }
    alerts
        .iter()
        .take(TOGGLE_LINES)
        .map(|a| f(a.borrow()))
        .collect()
}

/// How many alerts a toggle leaves out.
fn left_over(n: usize, shape: Shape) -> usize {
    if shape.keep_all {
        n.saturating_sub(TOGGLE_LINES)
    } else {
        0
    }
}

/// `asakai alerts` listing a section's alerts opened in the window.
pub fn alerts_command(service: Option<&str>, w: &Window) -> String {
    let mut cmd = String::from("asakai alerts");
    cmd.push_str(" --service ");
    cmd.push_str(&shell_word(
        service.unwrap_or(crate::store::alerts::NO_SERVICE),
    ));
    cmd.push_str(&format!(
        " --from {} --to {} --limit 0",
        w.local(w.start).to_rfc3339(),
        w.local(w.end).to_rfc3339()
    ));
    cmd
}

/// A word a shell reads back as itself: plain when it is, else single-quoted.
/// Backticks and line breaks are dropped so the command also stays one code span.
fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.:+/".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        return s.to_owned();
    }
    let inner: String = s
        .chars()
        .filter(|c| !matches!(c, '`' | '\n' | '\r'))
        .collect::<String>()
        .replace('\'', r"'\''");
    format!("'{inner}'")
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn service_names_become_one_shell_word() {
        assert_eq!(shell_word("shop"), "shop");
        assert_eq!(shell_word("(no service)"), "'(no service)'");
        assert_eq!(shell_word("a'b`c"), r"'a'\''bc'");
    }
}
