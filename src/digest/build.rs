//! Building the digest: a pure function of the loaded alerts, the window and a clock.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::alert::{state_at, AlertView, LocalTime, State, Time};
use crate::review::{ReviewView, TaskRef, TaskView};
use crate::store::StoredAlert;

use super::model::*;
use super::window::{OffDay, Window};

/// A (monitor, host) pair: what "the same alert again" means.
pub type Pair = (Option<String>, Option<String>);

/// A host in maintenance, as the store knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct HostInMaintenance {
    pub id: String,
    pub name: String,
    pub services: Vec<String>,
    pub since: Option<i64>,
    pub seen_since: Option<i64>,
    /// Only known to be in maintenance from an observation after the window.
    pub after_window: bool,
}

/// Everything the digest is built from, loaded with queries bounded by the window.
#[derive(Debug, Clone, Default)]
pub struct DigestInput {
    /// Alerts whose open interval meets the window.
    pub alerts: Vec<StoredAlert>,
    /// Alerts meeting the previous window, by state at its end.
    pub previous: Counts,
    pub previous_window: Option<Window>,
    /// Pairs with an alert open at some time in the 7 days before the window.
    pub recent_pairs: HashSet<Pair>,
    /// Why the meeting date is not a business day, when it is not.
    pub off_day: Option<OffDay>,
    pub maintenance: Vec<HostInMaintenance>,
    pub last_alert_before: Option<i64>,
    /// `https://mackerel.io/orgs/ORG`, for host links.
    pub org_url: Option<String>,
    /// What the team recorded: outcomes, tasks, what is still unreviewed.
    pub notes: MeetingNotes,
}

/// The meeting's memory, as the digest shows it (loaded by `review::meeting_notes`).
#[derive(Debug, Clone, Default)]
pub struct MeetingNotes {
    /// The latest outcome, by alert id.
    pub reviews: HashMap<String, ReviewView>,
    /// The task each alert belongs to, by alert id.
    pub tasks: HashMap<String, TaskRef>,
    pub unreviewed_earlier: Vec<StoredAlert>,
    pub unreviewed_earlier_total: i64,
    pub open_tasks: Vec<TaskView>,
}

/// The order states are shown in at a standup: what needs attention first.
pub const STATE_ORDER: [State; 4] = [
    State::Open,
    State::ClosedManually,
    State::ClosedBySystem,
    State::Recovered,
];

fn state_rank(s: State) -> usize {
    STATE_ORDER.iter().position(|x| *x == s).unwrap_or(0)
}

/// A pair borrowed from an alert: hashing it allocates nothing.
type PairRef<'a> = (Option<&'a str>, Option<&'a str>);

fn pair(a: &StoredAlert) -> PairRef<'_> {
    (a.monitor_id.as_deref(), a.host_id.as_deref())
}

pub fn build(input: &DigestInput, window: &Window, now: i64) -> Digest {
    let opened_in = |a: &&StoredAlert| a.opened_at >= window.start && a.opened_at < window.end;
    let mut per_pair: HashMap<PairRef, i64> = HashMap::new();
    for a in input.alerts.iter().filter(opened_in) {
        *per_pair.entry(pair(a)).or_default() += 1;
    }
    let ctx = AlertContext {
        input,
        window,
        per_pair: &per_pair,
        recent: input
            .recent_pairs
            .iter()
            .map(|(m, h)| (m.as_deref(), h.as_deref()))
            .collect(),
        as_of: window.end.min(now),
        in_maintenance: input.maintenance.iter().map(|h| h.id.as_str()).collect(),
    };
    let alerts: Vec<DigestAlert> = input.alerts.iter().map(|a| ctx.alert(a)).collect();

    let mut totals = Counts::default();
    for a in &alerts {
        totals.add(a.alert.state);
    }
    let reviewed = alerts.iter().filter(|a| a.review.is_some()).count() as i64;
    let notes = &input.notes;
    let carried_over: Vec<DigestAlert> =
        alerts.iter().filter(|a| a.carried_over).cloned().collect();
    let hourly = hourly(&alerts, window);
    let services = services(alerts, window);
    let listings: i64 = services.iter().map(|s| s.counts.total()).sum();
    Digest {
        window: WindowView {
            off_day: input.off_day,
            incomplete: now < window.end,
            ..window_view(window)
        },
        generated_at: Time(now),
        totals,
        previous_window: input.previous_window.as_ref().map(window_view),
        previous_totals: input.previous,
        compare_per_day: input
            .previous_window
            .is_some_and(|p| p.days() != window.days()),
        extra_service_listings: listings - totals.total(),
        services,
        carried_over,
        flapping: flapping(input, window, &per_pair),
        noisy_monitors: noisy(input, window),
        maintenance_hosts: input
            .maintenance
            .iter()
            .map(|h| maintenance_host(h, input))
            .collect(),
        last_alert_before: input.last_alert_before.map(Time),
        hourly,
        reviewed,
        unreviewed: totals.total() - reviewed,
        unreviewed_earlier: notes
            .unreviewed_earlier
            .iter()
            .map(|a| AlertView::at(a, now))
            .collect(),
        unreviewed_earlier_total: notes.unreviewed_earlier_total,
        open_tasks: notes.open_tasks.clone(),
    }
}

fn window_view(w: &Window) -> WindowView {
    WindowView {
        start: LocalTime {
            secs: w.start,
            tz: w.tz,
        },
        end: LocalTime {
            secs: w.end,
            tz: w.tz,
        },
        timezone: w.tz.name().to_owned(),
        meeting: w.meeting.map(|d| d.format("%Y-%m-%d").to_string()),
        off_day: None,
        incomplete: false,
    }
}

/// What judging one alert needs besides the alert.
struct AlertContext<'a> {
    input: &'a DigestInput,
    window: &'a Window,
    per_pair: &'a HashMap<PairRef<'a>, i64>,
    recent: HashSet<PairRef<'a>>,
    /// Open alerts' durations run to here: the window's end, or the digest's
    /// making when the window has not ended (a future date).
    as_of: i64,
    in_maintenance: HashSet<&'a str>,
}

impl<'a> AlertContext<'a> {
    fn alert(&self, a: &'a StoredAlert) -> DigestAlert {
        let w = self.window;
        let view = AlertView::at(a, w.end);
        let (_, guessed) = state_at(
            a.closed_at,
            a.close_cause.as_deref(),
            a.reason.as_deref(),
            w.end,
        );
        let closed = a.closed_at.filter(|c| *c <= w.end);
        let key = pair(a);
        let open = view.state == State::Open;
        DigestAlert {
            flapping: self.per_pair.get(&key).copied().unwrap_or(0) >= 3,
            recurring: self.recent.contains(&key),
            carried_over: a.opened_at < w.start && open,
            state_guessed: guessed,
            host_in_maintenance: open
                && a.host_id
                    .as_deref()
                    .is_some_and(|h| self.in_maintenance.contains(h)),
            duration_secs: (closed.unwrap_or(self.as_of) - a.opened_at).max(0),
            image_url: a.image_url.clone(),
            host_url: host_url(self.input, a.host_id.as_deref()),
            review: self.input.notes.reviews.get(&a.id).cloned(),
            task: self.input.notes.tasks.get(&a.id).cloned(),
            opened_secs: a.opened_at,
            closed_secs: closed,
            alert: view,
        }
    }
}

fn host_url(input: &DigestInput, host: Option<&str>) -> Option<String> {
    Some(format!("{}/hosts/{}", input.org_url.as_ref()?, host?))
}

/// Each alert under each of its services: moved into its last one, cloned only
/// for the others (a heavy day holds hundreds of thousands of them).
fn services(alerts: Vec<DigestAlert>, w: &Window) -> Vec<ServiceDigest> {
    let mut by_service: BTreeMap<Option<String>, Vec<DigestAlert>> = BTreeMap::new();
    for a in alerts {
        let mut keys: Vec<Option<String>> = a.alert.services.iter().cloned().map(Some).collect();
        let last = keys.pop().unwrap_or(None);
        for key in keys {
            by_service.entry(key).or_default().push(a.clone());
        }
        by_service.entry(last).or_default().push(a);
    }
    let mut out: Vec<ServiceDigest> = by_service
        .into_iter()
        .map(|(service, alerts)| service_digest(service, alerts, w))
        .collect();
    out.sort_by(|a, b| {
        (
            b.counts.open,
            b.counts.total(),
            a.service.is_none(),
            &a.service,
        )
            .cmp(&(
                a.counts.open,
                a.counts.total(),
                b.service.is_none(),
                &b.service,
            ))
    });
    out
}

fn service_digest(
    service: Option<String>,
    mut alerts: Vec<DigestAlert>,
    w: &Window,
) -> ServiceDigest {
    // Borrowed keys: a heavy day sorts hundreds of thousands of alerts.
    alerts.sort_unstable_by(|a, b| {
        state_rank(a.alert.state)
            .cmp(&state_rank(b.alert.state))
            .then_with(|| a.alert.monitor.cmp(&b.alert.monitor))
            .then_with(|| a.opened_secs.cmp(&b.opened_secs))
            .then_with(|| a.alert.id.cmp(&b.alert.id))
    });
    let mut counts = Counts::default();
    for a in &alerts {
        counts.add(a.alert.state);
    }
    // Manual and system closes say nothing about how long recovery takes.
    let mut recoveries: Vec<i64> = alerts
        .iter()
        .filter(|a| a.alert.state == State::Recovered)
        .filter(|a| a.closed_secs.is_some_and(|c| c >= w.start))
        .map(|a| a.duration_secs)
        .collect();
    recoveries.sort_unstable();
    ServiceDigest {
        service,
        counts,
        alerts,
        recovery_median_secs: percentile(&recoveries, 50),
        recovery_p90_secs: percentile(&recoveries, 90),
    }
}

/// The nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    Some(sorted[rank - 1])
}

fn name_of(a: &StoredAlert) -> String {
    a.monitor_name
        .clone()
        .or_else(|| a.monitor_id.clone())
        .unwrap_or_else(|| a.kind.clone())
}

fn flapping(
    input: &DigestInput,
    w: &Window,
    per_pair: &HashMap<PairRef, i64>,
) -> Vec<MonitorCount> {
    let mut seen = HashSet::new();
    let mut out: Vec<MonitorCount> = input
        .alerts
        .iter()
        .filter(|a| a.opened_at >= w.start && per_pair.get(&pair(a)).copied().unwrap_or(0) >= 3)
        .filter(|a| seen.insert(pair(a)))
        .map(|a| MonitorCount {
            monitor: name_of(a),
            host: a.host_name.clone(),
            count: per_pair[&pair(a)],
        })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.monitor.cmp(&b.monitor))
    });
    out
}

/// The five monitors that opened the most alerts in the window (two or more).
fn noisy(input: &DigestInput, w: &Window) -> Vec<MonitorCount> {
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for a in input.alerts.iter().filter(|a| a.opened_at >= w.start) {
        *counts.entry(name_of(a)).or_default() += 1;
    }
    let mut out: Vec<MonitorCount> = counts
        .into_iter()
        .filter(|(_, n)| *n >= 2)
        .map(|(monitor, count)| MonitorCount {
            monitor,
            host: None,
            count,
        })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.monitor.cmp(&b.monitor))
    });
    out.truncate(5);
    out
}

fn maintenance_host(h: &HostInMaintenance, input: &DigestInput) -> MaintenanceHost {
    MaintenanceHost {
        id: h.id.clone(),
        name: h.name.clone(),
        services: h.services.clone(),
        since: h.since.map(Time),
        seen_since: h.seen_since.map(Time),
        after_window: h.after_window,
        url: host_url(input, Some(&h.id)),
    }
}

fn hourly(alerts: &[DigestAlert], w: &Window) -> Vec<Counts> {
    let mut hours = vec![Counts::default(); w.hours().max(1) as usize];
    for a in alerts {
        if a.opened_secs >= w.start && a.opened_secs < w.end {
            let h = ((a.opened_secs - w.start) / 3600) as usize;
            if let Some(slot) = hours.get_mut(h) {
                slot.add(a.alert.state);
            }
        }
    }
    hours
}
