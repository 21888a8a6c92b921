//! The simulated alert history: generated day by day from the seed, so that the
//! same seed gives the same history and later days appear as wall time passes.

use super::org::Org;
use super::scope::Busy;

pub const DAY: i64 = 86_400;

/// How an alert ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Close {
    Monitoring,
    /// Closed by a person, with one of [`REASONS`].
    Manual(u8),
    HostRetire,
    MonitorDelete,
}

/// One alert of the history; its id is derived from its index.
#[derive(Debug, Clone, Copy)]
pub struct SimAlert {
    pub opened_at: i64,
    /// `None`: still open, whatever the time.
    pub closed_at: Option<i64>,
    pub monitor: u8,
    pub host: Option<u8>,
    pub critical_from: Option<i64>,
    pub first: u8,
    pub close: Close,
    pub text: u8,
    pub value: f32,
}

pub const REASONS: &[&str] = &[
    "再起動で復旧",
    "deployed fix for the connection leak (#1234)",
    "false positive: nightly batch window",
    "対応済み: ログローテーション設定を修正",
    "<!here> closing, see *incident* doc & notes <https://evil.example|click>",
    "known issue, tracked upstream",
];

pub const CHECK_MESSAGES: &[&str] = &[
    "HTTP CRITICAL: HTTP/1.1 502 Bad Gateway - 166 bytes in 0.003 second response time",
    "LOG CRITICAL: 3 warnings, 2 criticals for pattern /ERROR/.\nERROR <script>alert('x')</script> in request handler\n<!channel> db timeout & retry",
    "ディスク使用率が 92% を超えました (/var)\n残り容量: 3.1GB",
    "PROCS WARNING: 0 processes with command name 'nginx' *bold* _under_ `code`",
];

pub const EXTERNAL_MESSAGES: &[&str] = &[
    "HTTP request failed - status is 500",
    "200",
    "connection timed out",
];

/// What shapes a history: where it starts, how busy it is.
#[derive(Debug, Clone)]
pub struct Shape {
    pub seed: u64,
    /// Start of the first generated day (UTC midnight).
    pub start: i64,
    /// The anchor: "now" when the simulator started; history days end here.
    pub anchor: i64,
    pub history_days: i64,
    /// Alerts over the history days (`None`: a real team's ~40 a weekday).
    pub total: Option<u64>,
}

impl Shape {
    fn weight(&self, day: i64) -> f64 {
        // 1970-01-01 was a Thursday: day 0 of the week is Monday at +3.
        let weekday = ((self.start / DAY + day + 3) % 7 + 7) % 7;
        if weekday >= 5 {
            0.3
        } else {
            1.0
        }
    }

    /// How many alerts open on `day`: exactly `total` over the history days.
    pub fn count(&self, day: i64) -> usize {
        let Some(total) = self.total else {
            return (40.0 * self.weight(day)).round() as usize;
        };
        let days = self.history_days.max(1);
        let all: f64 = (0..days).map(|d| self.weight(d)).sum();
        if day >= days {
            return (total as f64 / all * self.weight(day)).round() as usize;
        }
        let cum = |d: i64| {
            ((0..d).map(|x| self.weight(x)).sum::<f64>() / all * total as f64).floor() as usize
        };
        cum(day + 1) - cum(day)
    }
}

/// A (monitor, host) pair alerts are drawn from, with a weight.
struct Pair {
    monitor: u8,
    host: Option<u8>,
    weight: u32,
}

fn pairs(org: &Org) -> Vec<Pair> {
    let mut out = Vec::new();
    let live: Vec<u8> = (0..org.hosts.len() as u8)
        .filter(|&h| matches!(org.hosts[h as usize].status, "working" | "standby"))
        .collect();
    for (i, m) in org.monitors.iter().enumerate() {
        let i = i as u8;
        let on = |hosts: &[u8], weight: u32| -> Vec<Pair> {
            hosts
                .iter()
                .map(|&h| Pair {
                    monitor: i,
                    host: Some(h),
                    weight,
                })
                .collect()
        };
        match (m.kind, m.name) {
            ("connectivity", _) => out.extend(on(&live, 1)),
            ("host", Some("old disk monitor")) => out.extend(on(&[2], 3)),
            ("host", _) => out.extend(on(&live, 2)),
            ("check", Some("check-nginx")) => out.extend(on(&[0, 3, 11], 3)),
            ("check", Some("check-log")) => out.extend(on(&[6], 3)),
            ("check", _) => out.extend(on(&[2, 5, 12], 2)),
            ("anomalyDetection", _) => out.extend(on(&[6], 2)),
            ("service", _) => out.push(Pair {
                monitor: i,
                host: None,
                weight: 6,
            }),
            ("external", _) => out.push(Pair {
                monitor: i,
                host: None,
                weight: 4,
            }),
            ("serviceLevelObjective", _) => out.push(Pair {
                monitor: i,
                host: None,
                weight: 1,
            }),
            _ => out.push(Pair {
                monitor: i,
                host: None,
                weight: 2,
            }),
        }
    }
    out
}

/// Generates the alerts opening on `day` (days since `shape.start`), sorted by
/// opening time, at most one open per monitor and host (see [`Busy`]).
pub fn generate_day(shape: &Shape, org: &Org, day: i64, busy: &mut Busy) -> Vec<SimAlert> {
    let mut rng = fastrand::Rng::with_seed(
        shape.seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ (day as u64).wrapping_add(1),
    );
    let begin = shape.start + day * DAY;
    let pairs = pairs(org);
    let cum = cumulative(&pairs);
    let mut drawn = draw_day(shape, org, day, &pairs, &cum, &mut rng);
    drawn.sort_by_key(|a| a.opened_at);
    let mut long = long_open_alerts(shape, day).into_iter().peekable();
    let mut alerts = Vec::with_capacity(drawn.len() + 2);
    for candidate in drawn {
        while let Some(l) = long.next_if(|l| l.opened_at <= candidate.opened_at) {
            busy.take(&l);
            alerts.push(l);
        }
        let chosen = if busy.is_free(&candidate) {
            Some(candidate)
        } else {
            // Another scope at the same moment. If none is free, a requested volume
            // (`--alerts`, the heavy presets on this small org) keeps the overlap
            // rather than fall short; a team's pace just has one alert fewer.
            (0..8)
                .map(|_| {
                    let (m, h) = draw_pair(&pairs, &cum, &mut rng);
                    make_alert(shape, org, &mut rng, m, h, candidate.opened_at)
                })
                .find(|a| valid_for(org, shape, a) && busy.is_free(a))
                .or(shape.total.map(|_| candidate))
        };
        let Some(chosen) = chosen else { continue };
        busy.take(&chosen);
        alerts.push(chosen);
    }
    for l in long {
        busy.take(&l);
        alerts.push(l);
    }
    alerts
        .retain(|a| a.opened_at >= begin && a.opened_at < begin + DAY && valid_for(org, shape, a));
    alerts
}

/// Running sums of the pairs' weights, for drawing by weight in log time.
fn cumulative(pairs: &[Pair]) -> Vec<u32> {
    pairs
        .iter()
        .scan(0, |sum, p| {
            *sum += p.weight;
            Some(*sum)
        })
        .collect()
}

/// A (monitor, host) pair by weight (`cum` from [`cumulative`]).
fn draw_pair(pairs: &[Pair], cum: &[u32], rng: &mut fastrand::Rng) -> (u8, Option<u8>) {
    let w = rng.u32(..*cum.last().unwrap());
    let p = &pairs[cum.partition_point(|c| *c <= w)];
    (p.monitor, p.host)
}

/// The day's alerts as drawn, before scopes are honoured: a busy weekday, an
/// incident burst on one service, and a flapping monitor.
fn draw_day(
    shape: &Shape,
    org: &Org,
    day: i64,
    pairs: &[Pair],
    cum: &[u32],
    rng: &mut fastrand::Rng,
) -> Vec<SimAlert> {
    let begin = shape.start + day * DAY;
    let count = shape.count(day);
    let mut alerts = Vec::with_capacity(count);
    let incident = (rng.f64() < 0.25 && shape.weight(day) == 1.0)
        .then(|| begin + rng.i64(10 * 3600..17 * 3600));
    let incident_service = ["blog", "shop", "api"][rng.usize(..3)];
    for n in 0..count {
        let in_burst = incident.is_some() && n < count / 4;
        // Retired hosts and deleted monitors raise nothing once gone: draw again.
        for attempt in 0..20 {
            let (monitor, host, at) = if in_burst && attempt == 0 {
                let (m, h) = pick_for_service(pairs, org, incident_service, rng);
                (m, h, incident.unwrap() + rng.i64(0..3600))
            } else if n % 13 == 5 && shape.weight(day) == 1.0 {
                // The flapping monitor: CPU on the worker, minutes apart.
                (
                    1,
                    Some(7),
                    begin + 14 * 3600 + (n as i64 % 7) * 900 + rng.i64(0..300),
                )
            } else {
                let (m, h) = draw_pair(pairs, cum, rng);
                (m, h, begin + working_hours_time(rng))
            };
            let alert = make_alert(shape, org, rng, monitor, host, at.min(begin + DAY - 1));
            if valid_for(org, shape, &alert) {
                alerts.push(alert);
                break;
            }
        }
    }
    alerts
}

fn pick_for_service(
    pairs: &[Pair],
    org: &Org,
    service: &str,
    rng: &mut fastrand::Rng,
) -> (u8, Option<u8>) {
    let matching: Vec<&Pair> = pairs
        .iter()
        .filter(|p| match p.host {
            Some(h) => org.hosts[h as usize]
                .roles
                .iter()
                .any(|(s, _)| *s == service),
            None => org.monitors[p.monitor as usize].service == Some(service),
        })
        .collect();
    let p = matching[rng.usize(..matching.len())];
    (p.monitor, p.host)
}

/// A moment in a day, busier in working hours (JST 09:00–19:00 is 00:00–10:00 UTC).
fn working_hours_time(rng: &mut fastrand::Rng) -> i64 {
    if rng.f64() < 0.6 {
        rng.i64(0..10 * 3600)
    } else {
        rng.i64(0..DAY)
    }
}

fn make_alert(
    shape: &Shape,
    org: &Org,
    rng: &mut fastrand::Rng,
    monitor: u8,
    host: Option<u8>,
    at: i64,
) -> SimAlert {
    let roll = rng.f64();
    let (duration, close) = if roll < 0.70 {
        (rng.i64(60..1800), Close::Monitoring)
    } else if roll < 0.83 {
        (
            rng.i64(1200..8 * 3600),
            Close::Manual(rng.u8(..REASONS.len() as u8)),
        )
    } else if roll < 0.97 {
        (rng.i64(3600..12 * 3600), Close::Monitoring)
    } else {
        (rng.i64(2 * DAY..6 * DAY), Close::Monitoring)
    };
    let mut closed_at = Some(at + duration);
    let mut close = close;
    let m = &org.monitors[monitor as usize];
    if m.deleted {
        let deleted_at = shape.anchor - 5 * DAY;
        if closed_at.is_some_and(|c| c > deleted_at) {
            (closed_at, close) = (Some(deleted_at.max(at + 60)), Close::MonitorDelete);
        }
    }
    if let Some(retired) = host.and_then(|h| org.hosts[h as usize].retired_before_anchor) {
        let retired_at = shape.anchor - retired;
        if closed_at.is_some_and(|c| c > retired_at) {
            (closed_at, close) = (Some(retired_at.max(at + 60)), Close::HostRetire);
        }
    }
    let first = if m.kind == "check" && rng.f64() < 0.1 {
        0
    } else {
        rng.u8(1..3)
    };
    let critical_from = (first == 1 && rng.f64() < 0.3).then(|| at + duration / 3);
    let text = rng.u8(..CHECK_MESSAGES.len().max(EXTERNAL_MESSAGES.len()) as u8);
    SimAlert {
        opened_at: at,
        closed_at,
        monitor,
        host,
        critical_from,
        first,
        close,
        text,
        value: rng.f32() * 100.0,
    }
}

/// Alerts that stay open: carried over into every digest until someone acts.
pub fn long_open_alerts(shape: &Shape, day: i64) -> Vec<SimAlert> {
    let base = SimAlert {
        opened_at: 0,
        closed_at: None,
        monitor: 0,
        host: None,
        critical_from: None,
        first: 2,
        close: Close::Monitoring,
        text: 0,
        value: 0.0,
    };
    // (opened before the anchor, monitor, host, first status): the connectivity
    // alert is UNKNOWN, as Mackerel shows an open alert whose check has no data.
    let specs = [(3 * DAY + 7200, 0u8, 9u8, 0u8), (9 * DAY + 3600, 3, 2, 2)];
    specs
        .iter()
        .map(|&(before, monitor, host, first)| SimAlert {
            opened_at: shape.anchor - before,
            monitor,
            host: Some(host),
            first,
            ..base
        })
        .filter(|a| (a.opened_at - shape.start).div_euclid(DAY) == day)
        .collect()
}

/// Retired hosts and deleted monitors raise nothing after they are gone.
fn valid_for(org: &Org, shape: &Shape, a: &SimAlert) -> bool {
    let host_ok = a
        .host
        .and_then(|h| org.hosts[h as usize].retired_before_anchor)
        .is_none_or(|r| a.opened_at < shape.anchor - r - 60);
    let monitor_ok =
        !org.monitors[a.monitor as usize].deleted || a.opened_at < shape.anchor - 5 * DAY - 60;
    host_ok && monitor_ok
}
