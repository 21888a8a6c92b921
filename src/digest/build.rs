//! Building the digest: a pure function of the loaded alerts, the window and a clock.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::alert::{order_of, state_at, AlertView, LocalTime, State, Time};
use crate::review::{ReviewView, TaskRef, TaskView};
use crate::store::StoredAlert;

use super::model::*;
use super::window::{OffDay, Window};

pub use crate::store::digest::{HostInMaintenance, Pair};

/// Everything the digest is built from, loaded with queries bounded by the window.
#[derive(Debug, Clone, Default)]
pub struct DigestInput {
    /// Alerts whose open interval meets the window, in any order.
    pub alerts: Vec<StoredAlert>,
    /// Alerts meeting the previous window, by state at its end.
    pub previous: Counts,
    pub previous_window: Option<Window>,
    /// How many alerts each pair had open at some time in the 7 days before the
    /// window (pairs with none are absent).
    pub recent_pairs: HashMap<Pair, i64>,
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

/// Maps and sets over a window's alerts, hashed with foldhash: keyed by the alerts'
/// own text, they need no defence against chosen keys, and std's SipHash was a
/// tenth of a heavy day's build.
type FastMap<K, V> = foldhash::HashMap<K, V>;
type FastSet<T> = foldhash::HashSet<T>;

/// A pair borrowed from an alert: hashing it allocates nothing.
type PairRef<'a> = (Option<&'a str>, Option<&'a str>);

fn pair(a: &StoredAlert) -> PairRef<'_> {
    (a.monitor_id.as_deref(), a.host_id.as_deref())
}

/// Builds the digest, taking the loaded alerts rather than copying them (a heavy
/// day holds hundreds of thousands).
pub fn build(input: DigestInput, window: &Window, now: i64) -> Digest {
    let DigestInput {
        alerts: mut stored,
        previous,
        previous_window,
        recent_pairs,
        off_day,
        maintenance,
        last_alert_before,
        org_url,
        notes,
    } = input;
    // The alerts come in no order; the digest lists them by opening (then id).
    let order = order_of(&stored, |a| a.opened_at, |a, b| a.id.cmp(&b.id));
    let per_pair = per_pair(&stored, window);
    let recent: FastMap<PairRef, i64> = recent_pairs
        .iter()
        .map(|((m, h), n)| ((m.as_deref(), h.as_deref()), *n))
        .collect();
    let marks: Vec<Marks> = stored
        .iter()
        .map(|a| Marks {
            flapping: per_pair.get(&pair(a)).copied().unwrap_or(0) >= 3,
            fired_before: recent.get(&pair(a)).copied().unwrap_or(0),
        })
        .collect();
    let flapping = flapping(order.iter().map(|&i| &stored[i]), window, &per_pair);
    let noisy_monitors = noisy(&stored, window);
    let ctx = AlertContext {
        window,
        org_url: org_url.as_deref(),
        notes: &notes,
        as_of: window.end.min(now),
        in_maintenance: maintenance.iter().map(|h| h.id.as_str()).collect(),
    };
    // In order, each stored alert moves out of its place (leaving an empty one).
    let alerts: Vec<Arc<DigestAlert>> = order
        .iter()
        .map(|&i| Arc::new(ctx.alert(std::mem::take(&mut stored[i]), marks[i])))
        .collect();

    let mut totals = Counts::default();
    for a in &alerts {
        totals.add(a.alert.state);
    }
    let reviewed = alerts.iter().filter(|a| a.review.is_some()).count() as i64;
    let carried_over: Vec<Arc<DigestAlert>> =
        alerts.iter().filter(|a| a.carried_over).cloned().collect();
    let hourly = hourly(&alerts, window);
    let services = services(&alerts, window);
    let listings: i64 = services.iter().map(|s| s.counts.total()).sum();
    Digest {
        window: WindowView {
            off_day,
            incomplete: now < window.end,
            ..window_view(window)
        },
        generated_at: Time(now),
        totals,
        previous_window: previous_window.as_ref().map(window_view),
        previous_totals: previous,
        compare_per_day: previous_window.is_some_and(|p| p.days() != window.days()),
        extra_service_listings: listings - totals.total(),
        services,
        carried_over,
        flapping,
        noisy_monitors,
        maintenance_hosts: maintenance
            .iter()
            .map(|h| maintenance_host(h, org_url.as_deref()))
            .collect(),
        last_alert_before: last_alert_before.map(Time),
        hourly,
        reviewed,
        unreviewed: totals.total() - reviewed,
        unreviewed_earlier: notes
            .unreviewed_earlier
            .iter()
            .map(|a| AlertView::at(a, now))
            .collect(),
        unreviewed_earlier_total: notes.unreviewed_earlier_total,
        open_tasks: notes.open_tasks,
    }
}

/// Alerts opened in the window per (monitor, host).
fn per_pair<'a>(alerts: &'a [StoredAlert], w: &Window) -> FastMap<PairRef<'a>, i64> {
    let mut per_pair: FastMap<PairRef, i64> = FastMap::default();
    for a in alerts
        .iter()
        .filter(|a| a.opened_at >= w.start && a.opened_at < w.end)
    {
        *per_pair.entry(pair(a)).or_default() += 1;
    }
    per_pair
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
    window: &'a Window,
    org_url: Option<&'a str>,
    notes: &'a MeetingNotes,
    /// Open alerts' durations run to here: the window's end, or the digest's
    /// making when the window has not ended (a future date).
    as_of: i64,
    in_maintenance: FastSet<&'a str>,
}

/// What an alert's (monitor, host) pair says about it.
#[derive(Clone, Copy)]
struct Marks {
    flapping: bool,
    /// Alerts of the pair open in the 7 days before the window.
    fired_before: i64,
}

impl AlertContext<'_> {
    fn alert(&self, mut a: StoredAlert, marks: Marks) -> DigestAlert {
        let w = self.window;
        let (_, guessed) = state_at(
            a.closed_at,
            a.close_cause.as_deref(),
            a.reason.as_deref(),
            w.end,
        );
        let closed = a.closed_at.filter(|c| *c <= w.end);
        let open = closed.is_none();
        let opened = a.opened_at;
        let image_url = a.image_url.take();
        let host_url = host_url(self.org_url, a.host_id.as_deref());
        let host_in_maintenance = open
            && a.host_id
                .as_deref()
                .is_some_and(|h| self.in_maintenance.contains(h));
        let review = self.notes.reviews.get(&a.id).cloned();
        let task = self.notes.tasks.get(&a.id).cloned();
        DigestAlert {
            flapping: marks.flapping,
            recurring: marks.fired_before > 0,
            fired_before_7d: marks.fired_before,
            carried_over: opened < w.start && open,
            state_guessed: guessed,
            host_in_maintenance,
            duration_secs: (closed.unwrap_or(self.as_of) - opened).max(0),
            image_url,
            host_url,
            review,
            task,
            opened_secs: opened,
            closed_secs: closed,
            alert: AlertView::of(a, w.end),
        }
    }
}

/// `concat`, not `format!`: made for every alert of a heavy day.
fn host_url(org_url: Option<&str>, host: Option<&str>) -> Option<String> {
    Some([org_url?, "/hosts/", host?].concat())
}

/// Each alert under each of its services, in standup order: the lists are made
/// and sorted as indices, then share the alerts.
fn services(alerts: &[Arc<DigestAlert>], w: &Window) -> Vec<ServiceDigest> {
    let mut lists: BTreeMap<Option<&str>, Vec<usize>> = BTreeMap::new();
    for (i, a) in alerts.iter().enumerate() {
        if a.alert.services.is_empty() {
            lists.entry(None).or_default().push(i);
        }
        for s in &a.alert.services {
            lists.entry(Some(s.as_str())).or_default().push(i);
        }
    }
    let keys = standup_keys(alerts);
    let by_service: Vec<(Option<String>, Vec<Arc<DigestAlert>>)> = lists
        .into_iter()
        .map(|(service, mut list)| {
            list.sort_unstable_by(|&i, &j| {
                keys[i]
                    .cmp(&keys[j])
                    .then_with(|| alerts[i].alert.id.cmp(&alerts[j].alert.id))
            });
            let list = list.into_iter().map(|i| alerts[i].clone()).collect();
            (service.map(str::to_owned), list)
        })
        .collect();
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

/// A service's digest of its alerts, given in standup order.
fn service_digest(
    service: Option<String>,
    alerts: Vec<Arc<DigestAlert>>,
    w: &Window,
) -> ServiceDigest {
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

/// Each alert's place at a standup, as numbers: state, monitor (ranked by name),
/// opening; the id breaks ties. Sorting numbers rather than the alerts' text keeps
/// a heavy day's sort in cache.
fn standup_keys(alerts: &[Arc<DigestAlert>]) -> Vec<(usize, usize, i64)> {
    let mut names: Vec<Option<&str>> = alerts.iter().map(|a| a.alert.monitor.as_deref()).collect();
    names.sort_unstable();
    names.dedup();
    let rank: FastMap<Option<&str>, usize> = names.into_iter().zip(0..).collect();
    alerts
        .iter()
        .map(|a| {
            (
                state_rank(a.alert.state),
                rank[&a.alert.monitor.as_deref()],
                a.opened_secs,
            )
        })
        .collect()
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
    name_ref(a).to_owned()
}

fn name_ref(a: &StoredAlert) -> &str {
    a.monitor_name
        .as_deref()
        .or(a.monitor_id.as_deref())
        .unwrap_or(&a.kind)
}

/// Monitors that opened 3 or more alerts on one host, in the order of `alerts`
/// among equal counts and names.
fn flapping<'a>(
    alerts: impl Iterator<Item = &'a StoredAlert>,
    w: &Window,
    per_pair: &FastMap<PairRef, i64>,
) -> Vec<MonitorCount> {
    let mut seen = FastSet::default();
    let mut out: Vec<MonitorCount> = alerts
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
fn noisy(alerts: &[StoredAlert], w: &Window) -> Vec<MonitorCount> {
    let mut counts: FastMap<&str, i64> = FastMap::default();
    for a in alerts.iter().filter(|a| a.opened_at >= w.start) {
        *counts.entry(name_ref(a)).or_default() += 1;
    }
    let mut out: Vec<MonitorCount> = counts
        .into_iter()
        .filter(|(_, n)| *n >= 2)
        .map(|(monitor, count)| MonitorCount {
            monitor: monitor.to_owned(),
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

fn maintenance_host(h: &HostInMaintenance, org_url: Option<&str>) -> MaintenanceHost {
    MaintenanceHost {
        id: h.id.clone(),
        name: h.name.clone(),
        services: h.services.clone(),
        since: h.since.map(Time),
        seen_since: h.seen_since.map(Time),
        after_window: h.after_window,
        url: host_url(org_url, Some(&h.id)),
    }
}

fn hourly(alerts: &[Arc<DigestAlert>], w: &Window) -> Vec<Counts> {
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
