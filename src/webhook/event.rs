//! The body of a Mackerel webhook, typed (`shared/mackerel-api.md` §7). Tolerant
//! where Mackerel varies (absent or `null` fields, fields added later, either case of
//! a status), strict where asakai relies on a value: a wrong type is named by its path.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::mackerel::AlertStatus;

/// What a webhook is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Alert(Box<AlertEvent>),
    Host(HostEventKind, HostEvent),
    /// A well-formed event asakai keeps nothing of (sample, alertGroup, monitor
    /// changes, and kinds Mackerel adds later), by its `event` name.
    Other(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostEventKind {
    Register,
    Status,
    Retire,
}

/// Only the `event` name, read first so that an unknown kind is never an error.
#[derive(Deserialize)]
struct Envelope {
    event: String,
}

/// `event: "alert"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertEvent {
    /// The monitor type; absent in no payload seen, but polling can fill it.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub image_url: Option<String>,
    #[serde(default)]
    pub host: Option<EventHost>,
    #[serde(default)]
    pub service: Option<EventService>,
    #[serde(default)]
    pub user: Option<EventUser>,
    pub alert: EventAlert,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventAlert {
    pub id: String,
    /// Lowercase in webhooks (`ok`, `warning`, ...), uppercase in the REST API: either is read.
    #[serde(deserialize_with = "any_case_status")]
    pub status: AlertStatus,
    #[serde(default)]
    pub is_open: Option<bool>,
    /// `monitor`/`monitoring`, `manual close`, `retire host`, ...
    #[serde(default)]
    pub trigger: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub opened_at: Option<i64>,
    #[serde(default)]
    pub closed_at: Option<i64>,
    #[serde(default)]
    pub status_changed_at: Option<i64>,
    /// Epoch milliseconds (deprecated by Mackerel): used only when `openedAt` is missing.
    #[serde(default)]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub monitor_name: Option<String>,
    #[serde(default)]
    pub metric_value: Option<f64>,
    /// The monitor's thresholds when the alert fired (metric monitors only).
    #[serde(default)]
    pub critical_threshold: Option<f64>,
    #[serde(default)]
    pub warning_threshold: Option<f64>,
    /// `>` or `<`.
    #[serde(default)]
    pub monitor_operator: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventHost {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub is_retired: Option<bool>,
    /// `None` when the payload has no roles at all (then the stored ones stay).
    #[serde(default)]
    pub roles: Option<Vec<EventRole>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventRole {
    #[serde(default)]
    pub service_name: Option<String>,
    #[serde(default)]
    pub role_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EventService {
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventUser {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub screen_name: Option<String>,
}

/// `event: "hostStatus" | "hostRegister" | "hostRetire"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct HostEvent {
    pub host: EventHost,
}

impl EventHost {
    /// The roles as the store keeps them: service name → role names.
    pub fn role_map(&self) -> Option<BTreeMap<String, Vec<String>>> {
        let roles = self.roles.as_ref()?;
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for r in roles {
            let (Some(service), Some(role)) = (&r.service_name, &r.role_name) else {
                continue;
            };
            let names = map.entry(service.clone()).or_default();
            if !names.contains(role) {
                names.push(role.clone());
            }
        }
        Some(map)
    }
}

impl EventUser {
    /// The name people know the user by; the id when the payload has no screen name.
    pub fn display(&self) -> Option<String> {
        self.screen_name.clone().or_else(|| self.id.clone())
    }
}

/// Parses a webhook body; the error says, in words, what is wrong and where.
pub fn parse(body: &[u8]) -> Result<Event, String> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    if !value.is_object() {
        return Err("the body is JSON but not an object".to_owned());
    }
    let envelope: Envelope = typed(&value, "the body")?;
    match envelope.event.as_str() {
        "alert" => {
            let event: AlertEvent = typed(&value, "the alert event")?;
            check_alert(&event.alert)?;
            Ok(Event::Alert(Box::new(event)))
        }
        "hostStatus" => host_event(&value, HostEventKind::Status),
        "hostRegister" => host_event(&value, HostEventKind::Register),
        "hostRetire" => host_event(&value, HostEventKind::Retire),
        other => Ok(Event::Other(other.to_owned())),
    }
}

fn host_event(value: &serde_json::Value, kind: HostEventKind) -> Result<Event, String> {
    let event: HostEvent = typed(value, "the host event")?;
    check_id("the host event's `host.id`", &event.host.id)?;
    Ok(Event::Host(kind, event))
}

/// Mackerel's ids are short tokens (about 11 characters). An id is kept and later asked
/// of Mackerel by every pass while its alert is open, so a blank, overlong or control
/// character id is refused here rather than carried along.
const MAX_ID: usize = 128;

fn check_id(what: &str, id: &str) -> Result<(), String> {
    if id.trim().is_empty() {
        return Err(format!("{what} is empty"));
    }
    if id.chars().count() > MAX_ID {
        return Err(format!("{what} is longer than {MAX_ID} characters"));
    }
    if id.chars().any(char::is_control) {
        return Err(format!("{what} contains control characters"));
    }
    Ok(())
}

/// The times a webhook may carry, in Unix seconds: from 2000 to before 2100. Anything
/// else is a broken or hostile body, and stored it would show as 1970 or overflow.
const EARLIEST: i64 = 946_684_800;
const LATEST: i64 = 4_102_444_800;

/// What the store needs of an alert: an id, and when it opened; times that can be
/// times, and a close no earlier than the open.
fn check_alert(alert: &EventAlert) -> Result<(), String> {
    check_id("the alert event's `alert.id`", &alert.id)?;
    if alert.opened_at.is_none() && alert.created_at.is_none() {
        return Err("the alert event's `alert` has neither `openedAt` nor `createdAt`".to_owned());
    }
    let seconds = [
        ("openedAt", alert.opened_at),
        ("closedAt", alert.closed_at),
        ("statusChangedAt", alert.status_changed_at),
        // Milliseconds.
        ("createdAt", alert.created_at.map(|ms| ms.div_euclid(1000))),
    ];
    for (field, at) in seconds {
        if at.is_some_and(|t| !(EARLIEST..LATEST).contains(&t)) {
            return Err(format!(
                "the alert event's `alert.{field}` is not a time between 2000 and 2100 \
                 (Unix seconds{})",
                if field == "createdAt" {
                    "; createdAt in milliseconds"
                } else {
                    ""
                }
            ));
        }
    }
    if let (Some(opened), Some(closed)) = (alert.opened_at, alert.closed_at) {
        if closed < opened {
            return Err(
                "the alert event's `alert.closedAt` is before its `alert.openedAt`".to_owned(),
            );
        }
    }
    Ok(())
}

/// Deserializes `value` as `T`, naming the path of a field that does not fit.
fn typed<T: DeserializeOwned>(value: &serde_json::Value, what: &str) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        if path == "." {
            format!("{what}: {}", e.inner())
        } else {
            format!("{what}: `{path}`: {}", e.inner())
        }
    })
}

fn any_case_status<'de, D: serde::Deserializer<'de>>(d: D) -> Result<AlertStatus, D::Error> {
    let text = String::deserialize(d)?;
    AlertStatus::parse(&text.to_ascii_uppercase()).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "unknown alert status {text:?} (expected ok, warning, critical or unknown)"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_event_kind_is_accepted_by_name() {
        let e = parse(br#"{"event": "somethingNew", "extra": [1, 2]}"#).unwrap();
        assert_eq!(e, Event::Other("somethingNew".into()));
    }

    #[test]
    fn a_field_of_the_wrong_type_is_named_by_its_path() {
        let body =
            br#"{"event": "alert", "alert": {"id": "a", "status": "ok", "openedAt": "soon"}}"#;
        let err = parse(body).unwrap_err();
        assert!(err.contains("`alert.openedAt`"), "{err}");
    }

    #[test]
    fn absurd_times_are_refused_naming_the_field() {
        let body = |alert: &str| {
            format!(r#"{{"event": "alert", "alert": {{"id": "a", "status": "ok", {alert}}}}}"#)
        };
        for (alert, field) in [
            (r#""openedAt": 9223372036854775807"#, "`alert.openedAt`"),
            (r#""openedAt": -5"#, "`alert.openedAt`"),
            (
                r#""openedAt": 1700000000, "closedAt": 1600000000"#,
                "`alert.closedAt`",
            ),
            (
                r#""openedAt": 1700000000, "closedAt": 99999999999"#,
                "`alert.closedAt`",
            ),
            (r#""createdAt": 1700000000"#, "`alert.createdAt`"),
            (
                r#""openedAt": 1700000000, "statusChangedAt": 0"#,
                "`alert.statusChangedAt`",
            ),
        ] {
            let err = parse(body(alert).as_bytes()).unwrap_err();
            assert!(err.contains(field), "{alert}: {err}");
        }
        let fine = r#""openedAt": 1700000000, "closedAt": 1700000000, "createdAt": 1700000000000"#;
        assert!(parse(body(fine).as_bytes()).is_ok());
    }

    #[test]
    fn an_unknown_status_is_named() {
        let body =
            br#"{"event": "alert", "alert": {"id": "a", "status": "purple", "openedAt": 1}}"#;
        let err = parse(body).unwrap_err();
        assert!(err.contains("purple"), "{err}");
    }

    #[test]
    fn roles_become_service_to_role_names() {
        let host: EventHost = serde_json::from_str(
            r#"{"id": "h", "roles": [{"serviceName": "b", "roleName": "app"},
                {"serviceName": "a", "roleName": "db"}, {"serviceName": "b", "roleName": "app"}]}"#,
        )
        .unwrap();
        let map = host.role_map().unwrap();
        assert_eq!(map["a"], ["db"]);
        assert_eq!(map["b"], ["app"]);
    }
}
