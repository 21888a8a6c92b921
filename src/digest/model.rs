//! The typed digest: what every format renders, and what `--format json` prints.

use std::sync::Arc;

use serde::Serialize;

pub use crate::alert::Counts;
use crate::alert::{AlertView, LocalTime, Time};
use crate::review::{ReviewView, TaskRef, TaskView};

pub use super::window::OffDay;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowView {
    pub start: LocalTime,
    pub end: LocalTime,
    pub timezone: String,
    /// The meeting date, `YYYY-MM-DD`, when the window is a meeting's.
    pub meeting: Option<String>,
    /// Set when the meeting date is not a business day (no standup is expected then).
    pub off_day: Option<OffDay>,
    /// The window had not ended when the digest was made: alerts are as of then.
    pub incomplete: bool,
}

/// One alert in a digest: the alert object of design §7 (state as of the window's
/// end), plus what the standup needs to know about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DigestAlert {
    #[serde(flatten)]
    pub alert: AlertView,
    /// The same monitor on the same host opened 3 or more times in the window.
    pub flapping: bool,
    /// The same monitor and host had an alert open at some time in the 7 days
    /// before the window (this one too, when it was already open then).
    pub recurring: bool,
    /// How many alerts of the same monitor and host were open at some time in the
    /// 7 days before the window ("4× in 7 d"; 0: new).
    pub fired_before_7d: i64,
    /// Opened before the window and still open at its end.
    pub carried_over: bool,
    /// The close cause was not known and was guessed from the reason.
    pub state_guessed: bool,
    /// Open, on a host listed as in maintenance in this digest.
    pub host_in_maintenance: bool,
    /// Seconds open: to the close, or to the window's end (or the digest's making,
    /// when earlier) while open.
    pub duration_secs: i64,
    pub image_url: Option<String>,
    pub host_url: Option<String>,
    /// The team's latest outcome for the alert (`null` when not reviewed yet).
    pub review: Option<ReviewView>,
    /// The follow-up task it belongs to.
    pub task: Option<TaskRef>,
    #[serde(skip)]
    pub opened_secs: i64,
    /// Closed at, when that is before the window's end.
    #[serde(skip)]
    pub closed_secs: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceDigest {
    /// `None` stands for "(no service)".
    pub service: Option<String>,
    pub counts: Counts,
    /// Ordered by state (open, closed manually, closed by the system, recovered),
    /// then monitor, then opening time.
    /// Shared with the other services of the alert's host and with
    /// `carried_over`: a heavy day's alerts are made once, never copied.
    pub alerts: Vec<Arc<DigestAlert>>,
    /// Time to recovery of the alerts that recovered (closed by monitoring) in the window.
    pub recovery_median_secs: Option<i64>,
    pub recovery_p90_secs: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonitorCount {
    pub monitor: String,
    pub host: Option<String>,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaintenanceHost {
    pub id: String,
    pub name: String,
    pub services: Vec<String>,
    /// When asakai saw it go into maintenance; `null` when it was already there at first sight.
    pub since: Option<Time>,
    /// When asakai first saw it in maintenance (never after the window's end).
    pub seen_since: Option<Time>,
    /// Not seen in maintenance by the window's end, but in maintenance now (only
    /// listed for a current window).
    pub after_window: bool,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    pub window: WindowView,
    pub generated_at: Time,
    /// Each alert counted once, whatever its services.
    pub totals: Counts,
    /// The previous meeting's window, counted the same way (state at its end).
    pub previous_window: Option<WindowView>,
    pub previous_totals: Counts,
    /// The two windows differ in length: changes compare alerts per day.
    pub compare_per_day: bool,
    /// Listings beyond one per alert: alerts under several services (a host in
    /// several services) make per-service totals add up to more than `totals`.
    pub extra_service_listings: i64,
    pub services: Vec<ServiceDigest>,
    pub carried_over: Vec<Arc<DigestAlert>>,
    pub flapping: Vec<MonitorCount>,
    pub noisy_monitors: Vec<MonitorCount>,
    pub maintenance_hosts: Vec<MaintenanceHost>,
    /// When the newest alert before the window opened, for a quiet day's "no alerts since".
    pub last_alert_before: Option<Time>,
    /// Alerts opened per hour of the window, by state at the window's end.
    pub hourly: Vec<Counts>,
    /// Distinct alerts of the window with an outcome, and without one.
    pub reviewed: i64,
    pub unreviewed: i64,
    /// Alerts of the 7 days before the window that nobody reviewed (the newest 50).
    pub unreviewed_earlier: Vec<AlertView>,
    /// How many there are in all.
    pub unreviewed_earlier_total: i64,
    /// Follow-up tasks still open, with how often their alert fired again.
    pub open_tasks: Vec<TaskView>,
}

/// A heavy day's digest as `/api/digest` sends it (`"condensed": true`): every
/// field of [`Digest`] but its alert objects, which a client asks for with
/// `?alerts=all`; the server adds the review queue's items (alert ids, counts).
#[derive(Debug, Serialize)]
pub struct Condensed<'a> {
    pub condensed: bool,
    pub window: &'a WindowView,
    pub generated_at: Time,
    pub totals: &'a Counts,
    pub previous_window: Option<&'a WindowView>,
    pub previous_totals: &'a Counts,
    pub compare_per_day: bool,
    pub extra_service_listings: i64,
    pub services: Vec<ServiceCounts<'a>>,
    /// How many alerts are open from before the window.
    pub carried_over: usize,
    pub flapping: &'a [MonitorCount],
    pub noisy_monitors: &'a [MonitorCount],
    pub maintenance_hosts: &'a [MaintenanceHost],
    pub last_alert_before: Option<Time>,
    pub hourly: &'a [Counts],
    pub reviewed: i64,
    pub unreviewed: i64,
    pub unreviewed_earlier: &'a [AlertView],
    pub unreviewed_earlier_total: i64,
    pub open_tasks: &'a [TaskView],
}

/// A service of a condensed digest: its counts, without its alerts.
#[derive(Debug, Serialize)]
pub struct ServiceCounts<'a> {
    pub service: Option<&'a str>,
    pub counts: &'a Counts,
    pub alerts: usize,
    pub recovery_median_secs: Option<i64>,
    pub recovery_p90_secs: Option<i64>,
}

impl<'a> Condensed<'a> {
    pub fn of(d: &'a Digest) -> Condensed<'a> {
        Condensed {
            condensed: true,
            window: &d.window,
            generated_at: d.generated_at,
            totals: &d.totals,
            previous_window: d.previous_window.as_ref(),
            previous_totals: &d.previous_totals,
            compare_per_day: d.compare_per_day,
            extra_service_listings: d.extra_service_listings,
            services: d
                .services
                .iter()
                .map(|s| ServiceCounts {
                    service: s.service.as_deref(),
                    counts: &s.counts,
                    alerts: s.alerts.len(),
                    recovery_median_secs: s.recovery_median_secs,
                    recovery_p90_secs: s.recovery_p90_secs,
                })
                .collect(),
            carried_over: d.carried_over.len(),
            flapping: &d.flapping,
            noisy_monitors: &d.noisy_monitors,
            maintenance_hosts: &d.maintenance_hosts,
            last_alert_before: d.last_alert_before,
            hourly: &d.hourly,
            reviewed: d.reviewed,
            unreviewed: d.unreviewed,
            unreviewed_earlier: &d.unreviewed_earlier,
            unreviewed_earlier_total: d.unreviewed_earlier_total,
            open_tasks: &d.open_tasks,
        }
    }
}
