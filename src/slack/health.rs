//! What `/healthz` says of Slack (design §11): how each team's posts go, the last
//! outcome of each kind (digest, weekly report, update), with Slack's error named.
//! Kept in memory: a restart forgets it, and the store keeps what was posted.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::{json, Value};

use super::webhook::{DeliveryError, PostError};
use crate::config::Settings;
use crate::teams::Destination;

/// What was posted to Slack: a morning digest, a weekly report, or an update of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Digest,
    Week,
    Update,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Digest => "digest",
            Kind::Week => "week",
            Kind::Update => "update",
        }
    }
}

struct Outcome {
    at: i64,
    error: Option<(String, String)>,
}

/// The last outcome per (team, kind).
#[derive(Default)]
pub struct Health(Mutex<BTreeMap<(String, Kind), Outcome>>);

impl Health {
    pub fn posted(&self, team: &str, kind: Kind, at: i64) {
        self.set(team, kind, Outcome { at, error: None });
    }

    /// A post failed at `at`: `error` is its short name (see [`name`]).
    pub fn failed(
        &self,
        team: &str,
        kind: Kind,
        at: i64,
        error: &str,
        said: &dyn std::fmt::Display,
    ) {
        let message = crate::secret::redact_urls(&said.to_string());
        let error = Some((error.to_owned(), message));
        self.set(team, kind, Outcome { at, error });
    }

    fn set(&self, team: &str, kind: Kind, outcome: Outcome) {
        let mut last = self.0.lock().expect("the Slack health lock");
        last.insert((team.to_owned(), kind), outcome);
    }

    /// `/healthz`'s `slack`: the transport, and per team where it posts and how
    /// its last posts went. Says nothing secret: no URL, no token.
    pub fn to_json(&self, settings: &Settings) -> Value {
        let last = self.0.lock().expect("the Slack health lock");
        let teams: Vec<Value> = settings
            .teams
            .iter()
            .map(|t| {
                let mut team = json!({
                    "team": t.name,
                    "destination": match &t.destination {
                        Destination::None => json!(null),
                        Destination::Webhook(_) => json!("webhook"),
                        Destination::Channel(c) => json!(c),
                    },
                });
                for ((name, kind), o) in last.iter() {
                    if *name == t.name {
                        team[kind.as_str()] = json!({
                            "at": crate::alert::rfc3339(o.at),
                            "ok": o.error.is_none(),
                            "error": o.error.as_ref().map(|(n, _)| n),
                            "message": o.error.as_ref().map(|(_, m)| m),
                        });
                    }
                }
                team
            })
            .collect();
        let mode = if settings.slack.is_some() {
            "app"
        } else if teams.iter().any(|t| t["destination"] == "webhook") {
            "webhook"
        } else {
            "off"
        };
        json!({"mode": mode, "teams": teams})
    }
}

/// The short name of a failure, as `/metrics` counts Slack's.
pub fn name(error: &DeliveryError) -> &str {
    match error {
        DeliveryError::Slack(s) => s.name(),
        DeliveryError::NotJson(_) => "bad_template",
        DeliveryError::Render(_) => "render",
        DeliveryError::OutcomeUnknown(_) => "outcome_unknown",
        DeliveryError::Store(_) => "store",
        DeliveryError::Post(p) => match p {
            PostError::Rejected { .. } => "rejected",
            PostError::Unreachable(_) => "unreachable",
            PostError::NoAnswer(_) => "no_answer",
            PostError::NoWebhook => "no_webhook",
        },
    }
}
