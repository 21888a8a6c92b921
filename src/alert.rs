//! The words asakai uses for an alert (design §5): its state at a moment, and the
//! JSON object that `alerts --format json` and the digest print.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// Alerts per state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub open: i64,
    pub recovered: i64,
    pub closed_manually: i64,
    pub closed_by_system: i64,
}

impl Counts {
    pub fn add(&mut self, state: State) {
        *self.get_mut(state) += 1;
    }

    fn get_mut(&mut self, state: State) -> &mut i64 {
        match state {
            State::Open => &mut self.open,
            State::Recovered => &mut self.recovered,
            State::ClosedManually => &mut self.closed_manually,
            State::ClosedBySystem => &mut self.closed_by_system,
        }
    }

    pub fn get(&self, state: State) -> i64 {
        match state {
            State::Open => self.open,
            State::Recovered => self.recovered,
            State::ClosedManually => self.closed_manually,
            State::ClosedBySystem => self.closed_by_system,
        }
    }

    pub fn total(&self) -> i64 {
        self.open + self.recovered + self.closed_manually + self.closed_by_system
    }
}

/// An alert as the store keeps it: Mackerel's fields, what asakai derived
/// (severity, close cause, attribution), and its services.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct StoredAlert {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub severity: Option<String>,
    pub monitor_id: Option<String>,
    pub monitor_name: Option<String>,
    pub host_id: Option<String>,
    pub host_name: Option<String>,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    pub close_cause: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub value: Option<f64>,
    pub memo: Option<String>,
    pub series: Option<String>,
    #[serde(deserialize_with = "list")]
    pub roles: Vec<String>,
    #[serde(deserialize_with = "list")]
    pub services: Vec<String>,
    pub url: Option<String>,
    pub image_url: Option<String>,
    #[serde(deserialize_with = "flag")]
    pub gone: bool,
    #[serde(deserialize_with = "flag")]
    pub logs_read: bool,
    /// Its monitor, host or organisation could not be read when it was stored: its
    /// services and names are attributed again once the metadata is back.
    #[serde(default, deserialize_with = "flag")]
    pub attribution_pending: bool,
}

/// A list of names as the store keeps it: a JSON array, or the text of one. SQLite
/// hands the text over as it is stored; making it JSON there (`json(roles)`) parsed
/// and printed it again for every alert, a twentieth of a heavy day's digest.
fn list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct List;
    impl<'de> serde::de::Visitor<'de> for List {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of names, or its JSON text")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Vec<String>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(name) = seq.next_element()? {
                out.push(name);
            }
            Ok(out)
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Vec<String>, E> {
            serde_json::from_str(text).map_err(E::custom)
        }
    }
    d.deserialize_any(List)
}

/// A flag as SQLite keeps it (0 or 1): the store's rows come as JSON arrays built
/// by SQLite, and turning each flag into JSON `true`/`false` there cost a JSON
/// parse per flag per alert.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    struct Flag;
    impl serde::de::Visitor<'_> for Flag {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("0, 1 or a boolean")
        }
        fn visit_bool<E>(self, b: bool) -> Result<bool, E> {
            Ok(b)
        }
        fn visit_i64<E>(self, n: i64) -> Result<bool, E> {
            Ok(n != 0)
        }
        fn visit_u64<E>(self, n: u64) -> Result<bool, E> {
            Ok(n != 0)
        }
    }
    d.deserialize_any(Flag)
}

/// How an alert stands at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Open,
    Recovered,
    ClosedManually,
    ClosedBySystem,
}

impl State {
    pub const ALL: [State; 4] = [
        State::Open,
        State::Recovered,
        State::ClosedManually,
        State::ClosedBySystem,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Recovered => "recovered",
            State::ClosedManually => "closed_manually",
            State::ClosedBySystem => "closed_by_system",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// The state of an alert at `at` (Unix seconds), and whether the cause had to be guessed.
///
/// Closed after `at` counts as open. The close cause comes from the alert's logs;
/// when they were not read, a non-empty reason counts as a manual close, else a recovery.
pub fn state_at(
    closed_at: Option<i64>,
    close_cause: Option<&str>,
    reason: Option<&str>,
    at: i64,
) -> (State, bool) {
    match closed_at {
        None => (State::Open, false),
        Some(t) if t > at => (State::Open, false),
        Some(_) => match close_cause {
            Some("monitoring") => (State::Recovered, false),
            Some("manual") => (State::ClosedManually, false),
            Some(_) => (State::ClosedBySystem, false),
            None if reason.is_some_and(|r| !r.trim().is_empty()) => (State::ClosedManually, true),
            None => (State::Recovered, true),
        },
    }
}

/// The SQL condition, over `alerts a`, equal to `state_at(..).0 == state` for a
/// moment after every close (the state "as of now").
pub fn state_sql(state: State) -> &'static str {
    match state {
        State::Open => "a.closed_at IS NULL",
        State::Recovered => {
            "(a.closed_at IS NOT NULL AND (a.close_cause = 'monitoring' \
             OR (a.close_cause IS NULL AND trim(coalesce(a.reason, '')) = '')))"
        }
        State::ClosedManually => {
            "(a.closed_at IS NOT NULL AND (a.close_cause = 'manual' \
             OR (a.close_cause IS NULL AND trim(coalesce(a.reason, '')) <> '')))"
        }
        State::ClosedBySystem => {
            "(a.closed_at IS NOT NULL AND a.close_cause IS NOT NULL \
             AND a.close_cause NOT IN ('monitoring', 'manual'))"
        }
    }
}

/// Alerts (stored, or as a digest holds them) ordered by `key`, then by `tie`.
/// The keys are computed once and sorted as numbers beside the alerts' indices,
/// and each alert then moves once: comparing the alerts themselves chases their
/// text across memory, a tenth of a heavy day's digest.
pub fn sorted<T, K: Ord + Copy>(
    alerts: Vec<T>,
    key: impl Fn(&T) -> K,
    tie: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Vec<T> {
    let order = order_of(&alerts, key, tie);
    let mut slots: Vec<Option<T>> = alerts.into_iter().map(Some).collect();
    // `map`, not `filter_map`: the exact length sizes the new list once.
    order
        .into_iter()
        .map(|i| slots[i].take().expect("each index once"))
        .collect()
}

/// The indices of `items` in the order [`sorted`] gives.
pub fn order_of<T, K: Ord + Copy>(
    items: &[T],
    key: impl Fn(&T) -> K,
    tie: impl Fn(&T, &T) -> std::cmp::Ordering,
) -> Vec<usize> {
    let mut keyed: Vec<(K, usize)> = items.iter().map(&key).zip(0..).collect();
    keyed.sort_unstable_by(|(a, i), (b, j)| {
        a.cmp(b)
            .then_with(|| tie(&items[*i], &items[*j]))
            .then(i.cmp(j))
    });
    keyed.into_iter().map(|(_, i)| i).collect()
}

/// RFC 3339 in UTC, as every JSON time asakai prints.
pub fn rfc3339(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A moment, kept as Unix seconds (as the store and Mackerel keep it) and written
/// as RFC 3339 in UTC only when it is serialized or displayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub i64);

impl std::fmt::Display for Time {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&rfc3339(self.0))
    }
}

impl Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Time, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| Time(t.timestamp()))
            .map_err(serde::de::Error::custom)
    }
}

/// A moment in a zone: kept as Unix seconds, written as RFC 3339 with the zone's
/// offset (a window's bounds, in the team's zone).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalTime {
    pub secs: i64,
    pub tz: chrono_tz::Tz,
}

impl std::fmt::Display for LocalTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match chrono::TimeZone::timestamp_opt(&self.tz, self.secs, 0).single() {
            Some(t) => f.write_str(&t.to_rfc3339()),
            None => f.write_str(&rfc3339(self.secs)),
        }
    }
}

impl Serialize for LocalTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The alert object of design §7.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertView {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub severity: Option<String>,
    pub state: State,
    pub monitor_id: Option<String>,
    pub monitor: Option<String>,
    pub host_id: Option<String>,
    pub host: Option<String>,
    pub services: Vec<String>,
    pub roles: Vec<String>,
    pub opened_at: Time,
    pub closed_at: Option<Time>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub value: Option<f64>,
    pub url: Option<String>,
    /// Mackerel no longer knows the alert (404): shown only when true.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gone: bool,
}

/// How an alert stood at a moment: what both ways of making its view decide.
struct Standing {
    state: State,
    closed: Option<i64>,
    /// Closed later: its status then was its peak severity, not today's OK.
    status_is_severity: bool,
}

impl Standing {
    fn of(a: &StoredAlert, at: i64) -> Standing {
        let (state, _) = state_at(
            a.closed_at,
            a.close_cause.as_deref(),
            a.reason.as_deref(),
            at,
        );
        let closed = a.closed_at.filter(|t| *t <= at);
        Standing {
            state,
            closed,
            status_is_severity: closed.is_none() && a.closed_at.is_some(),
        }
    }
}

impl AlertView {
    /// The alert as it stood at `at` (Unix seconds).
    pub fn at(a: &StoredAlert, at: i64) -> AlertView {
        let s = Standing::of(a, at);
        AlertView {
            id: a.id.clone(),
            kind: a.kind.clone(),
            status: match (&a.severity, s.status_is_severity) {
                (Some(severity), true) => severity.clone(),
                _ => a.status.clone(),
            },
            severity: a.severity.clone(),
            state: s.state,
            monitor_id: a.monitor_id.clone(),
            monitor: a.monitor_name.clone(),
            host_id: a.host_id.clone(),
            host: a.host_name.clone(),
            services: a.services.clone(),
            roles: a.roles.clone(),
            opened_at: Time(a.opened_at),
            closed_at: s.closed.map(Time),
            reason: s.closed.and(a.reason.clone()),
            message: a.message.clone(),
            value: a.value,
            url: a.url.clone(),
            gone: a.gone,
        }
    }

    /// The same view, taking the alert's text rather than copying it: a heavy
    /// day's digest makes hundreds of thousands of them.
    pub fn of(a: StoredAlert, at: i64) -> AlertView {
        let s = Standing::of(&a, at);
        AlertView {
            status: match (&a.severity, s.status_is_severity) {
                (Some(severity), true) => severity.clone(),
                _ => a.status,
            },
            id: a.id,
            kind: a.kind,
            severity: a.severity,
            state: s.state,
            monitor_id: a.monitor_id,
            monitor: a.monitor_name,
            host_id: a.host_id,
            host: a.host_name,
            services: a.services,
            roles: a.roles,
            opened_at: Time(a.opened_at),
            closed_at: s.closed.map(Time),
            reason: s.closed.and(a.reason),
            message: a.message,
            value: a.value,
            url: a.url,
            gone: a.gone,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_orders_by_key_then_tie_then_place() {
        let items = vec![(3, "b"), (1, "z"), (3, "a"), (1, "z"), (2, "q")];
        let order = order_of(&items, |x| x.0, |x, y| x.1.cmp(y.1));
        assert_eq!(order, [1, 3, 4, 2, 0], "equal items keep their places");
        let sorted = sorted(items, |x| x.0, |x, y| x.1.cmp(y.1));
        assert_eq!(sorted, [(1, "z"), (1, "z"), (2, "q"), (3, "a"), (3, "b")]);
    }

    /// SQLite sends an alert's roles and services as the JSON text they are stored
    /// as; PostgreSQL's JSON rows as arrays. Both read the same; bad text is an error.
    #[test]
    fn roles_and_services_read_from_an_array_or_its_text() {
        let row = |roles: &str, services: &str| {
            format!(
                r#"["a1","host","ok",null,null,null,null,null,1,null,null,null,null,null,null,null,{roles},{services},null,null,0,1,0]"#
            )
        };
        let as_text: StoredAlert =
            serde_json::from_str(&row(r#""[\"app\",\"db\"]""#, r#""[\"blog\"]""#)).unwrap();
        let as_arrays: StoredAlert =
            serde_json::from_str(&row(r#"["app","db"]"#, r#"["blog"]"#)).unwrap();
        assert_eq!(as_text, as_arrays);
        assert_eq!(as_text.roles, ["app", "db"]);
        assert_eq!(as_text.services, ["blog"]);
        assert!(as_text.logs_read && !as_text.gone);
        assert!(serde_json::from_str::<StoredAlert>(&row(r#""[app""#, "[]")).is_err());
    }

    #[test]
    fn times_are_numbers_written_as_rfc3339_in_their_zone() {
        let t = Time(1_764_000_000);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2025-11-24T16:00:00Z\"");
        assert_eq!(serde_json::from_str::<Time>(&json).unwrap(), t);
        let local = LocalTime {
            secs: 1_764_000_000,
            tz: chrono_tz::Asia::Tokyo,
        };
        assert_eq!(local.to_string(), "2025-11-25T01:00:00+09:00");
    }

    #[test]
    fn an_alert_closed_after_the_moment_is_open_at_that_moment() {
        assert_eq!(
            state_at(Some(200), Some("monitoring"), None, 100),
            (State::Open, false)
        );
        assert_eq!(
            state_at(Some(200), Some("monitoring"), None, 200),
            (State::Recovered, false)
        );
    }

    #[test]
    fn the_close_cause_decides_the_state() {
        assert_eq!(
            state_at(Some(1), Some("manual"), None, 9).0,
            State::ClosedManually
        );
        assert_eq!(
            state_at(Some(1), Some("hostRetire"), None, 9).0,
            State::ClosedBySystem
        );
        assert_eq!(
            state_at(Some(1), Some("monitorDelete"), Some("x"), 9).0,
            State::ClosedBySystem
        );
    }

    #[test]
    fn an_unknown_cause_is_guessed_from_the_reason() {
        assert_eq!(
            state_at(Some(1), None, Some("deployed fix"), 9),
            (State::ClosedManually, true)
        );
        assert_eq!(
            state_at(Some(1), None, Some("  "), 9),
            (State::Recovered, true)
        );
        assert_eq!(state_at(Some(1), None, None, 9), (State::Recovered, true));
    }
}
