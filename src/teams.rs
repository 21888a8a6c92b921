//! Teams (design §11): each with its services, its own language, post times and
//! Slack destination. Without `[[team]]` there is one team, `all`, with every
//! service and the top-level settings: today's behaviour, unchanged.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::digest::Lang;
use crate::secret::Secret;
use crate::store::StoredAlert;

/// The name of the one team of a config without `[[team]]`.
pub const ALL: &str = "all";
/// How a team's `services` names alerts without a service.
pub const NO_SERVICE: &str = "(no service)";

/// `[[team]]` as written.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamSection {
    pub name: Option<String>,
    #[serde(default)]
    pub services: Vec<String>,
    pub lang: Option<String>,
    pub post_at: Option<String>,
    pub weekly_post: Option<String>,
    pub slack_channel: Option<String>,
    pub slack_webhook_env: Option<String>,
}

/// A team, resolved.
#[derive(Debug, Clone)]
pub struct Team {
    pub name: String,
    /// `None`: every service (the team `all`).
    pub scope: Option<Scope>,
    pub lang: Lang,
    pub post_at: Option<chrono::NaiveTime>,
    pub weekly_post: Option<(chrono::Weekday, chrono::NaiveTime)>,
    pub destination: Destination,
}

impl Team {
    /// The delivery record's channel of this team's posts of kind `base` (`slack`,
    /// `slack-week`): the team `all` keeps the name it always had, so a window
    /// posted before teams existed is not posted again.
    pub fn delivery_channel(&self, base: &str) -> String {
        if self.name == ALL {
            base.to_owned()
        } else {
            format!("{base}:{}", self.name)
        }
    }

    /// Whether an alert with these services is the team's.
    pub fn has(&self, services: &[String]) -> bool {
        self.scope
            .as_ref()
            .is_none_or(|s| s.keeps(services).is_some())
    }
}

/// Where a team's posts go.
#[derive(Debug, Clone, PartialEq)]
pub enum Destination {
    /// Nowhere: Slack is not configured for it.
    None,
    /// An incoming webhook (the URL is a secret), from the env var its config names.
    Webhook(Secret),
    /// A channel, through the Slack app (`SLACK_BOT_TOKEN`).
    Channel(String),
}

/// The services a team looks after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub services: BTreeSet<String>,
    /// `"(no service)"` is one of them: alerts without a service are the team's.
    pub no_service: bool,
}

impl Scope {
    /// The alert's services as this team sees them: those of its own, or `None`
    /// when the alert is not the team's. An alert without a service is the team's
    /// only when `"(no service)"` is.
    pub fn keeps(&self, services: &[String]) -> Option<Vec<String>> {
        if services.is_empty() {
            return self.no_service.then(Vec::new);
        }
        let own: Vec<String> = services
            .iter()
            .filter(|s| self.services.contains(*s))
            .cloned()
            .collect();
        (!own.is_empty()).then_some(own)
    }

    /// The alerts that are the team's, each with only the team's services.
    pub fn filter(&self, alerts: Vec<StoredAlert>) -> Vec<StoredAlert> {
        alerts
            .into_iter()
            .filter_map(|mut a| {
                a.services = self.keeps(&a.services)?;
                Some(a)
            })
            .collect()
    }
}

/// What a team's settings fall back to: `[digest]`, `[report]` and `[slack]`.
pub struct Defaults {
    pub lang: Lang,
    pub post_at: Option<chrono::NaiveTime>,
    pub weekly_post: Option<(chrono::Weekday, chrono::NaiveTime)>,
    /// `SLACK_WEBHOOK_URL` or `[slack] webhook_url`.
    pub webhook: Option<Secret>,
    /// `[slack] channel`, for the team `all` in Slack app mode.
    pub channel: Option<String>,
    /// Whether `SLACK_BOT_TOKEN` is set (Slack app mode).
    pub app: bool,
}

/// A `[[team]]` error: the key that is wrong, and what to do.
#[derive(Debug, PartialEq)]
pub struct TeamError {
    pub key: String,
    pub message: String,
}

fn error(key: String, message: impl Into<String>) -> TeamError {
    TeamError {
        key,
        message: message.into(),
    }
}

/// The teams of a config: its `[[team]]` tables, or the one team `all`.
/// `vars` are the environment's variables (a team's webhook is named by one);
/// `parse_time` and `parse_weekly` read times as `[digest]` and `[report]` do.
pub fn resolve(
    sections: &[TeamSection],
    defaults: &Defaults,
    vars: &BTreeMap<String, Secret>,
    parse_time: impl Fn(&str) -> Result<chrono::NaiveTime, String>,
    parse_weekly: impl Fn(&str) -> Result<(chrono::Weekday, chrono::NaiveTime), String>,
) -> Result<Vec<Team>, TeamError> {
    if sections.is_empty() {
        let destination = match (&defaults.webhook, &defaults.channel) {
            (_, Some(c)) if defaults.app => Destination::Channel(c.clone()),
            (Some(w), _) => Destination::Webhook(w.clone()),
            _ => Destination::None,
        };
        return Ok(vec![Team {
            name: ALL.to_owned(),
            scope: None,
            lang: defaults.lang,
            post_at: defaults.post_at,
            weekly_post: defaults.weekly_post,
            destination,
        }]);
    }
    let mut teams: Vec<Team> = Vec::new();
    for (i, s) in sections.iter().enumerate() {
        let key = |field: &str| format!("[[team]] #{} {field}", i + 1);
        let name = s
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| error(key("name"), "is missing: give each team a name"))?;
        let key = |field: &str| format!("[[team]] {name:?} {field}");
        if teams.iter().any(|t| t.name == name) {
            return Err(error(key("name"), "is given twice: team names must differ"));
        }
        if s.services.is_empty() {
            return Err(error(
                key("services"),
                "is empty: list the team's services (\"(no service)\" for alerts without one)",
            ));
        }
        let scope = Scope {
            services: s
                .services
                .iter()
                .filter(|n| n.as_str() != NO_SERVICE)
                .cloned()
                .collect(),
            no_service: s.services.iter().any(|n| n == NO_SERVICE),
        };
        let lang = match &s.lang {
            Some(l) => Lang::parse(l).map_err(|e| error(key("lang"), e.0))?,
            None => defaults.lang,
        };
        let post_at = match &s.post_at {
            Some(t) => Some(parse_time(t).map_err(|m| error(key("post_at"), m))?),
            None => defaults.post_at,
        };
        let weekly_post = match &s.weekly_post {
            Some(t) => Some(parse_weekly(t).map_err(|m| error(key("weekly_post"), m))?),
            None => defaults.weekly_post,
        };
        let destination = destination(s, vars, defaults.app, &key)?;
        teams.push(Team {
            name: name.to_owned(),
            scope: Some(scope),
            lang,
            post_at,
            weekly_post,
            destination,
        });
    }
    // When Slack is configured for one team, every team says where its posts go:
    // a team left out would never hear of its alerts, silently.
    let configured = teams.iter().any(|t| t.destination != Destination::None) || defaults.app;
    if configured {
        if let Some(t) = teams.iter().find(|t| t.destination == Destination::None) {
            return Err(error(
                format!("[[team]] {:?} slack_channel / slack_webhook_env", t.name),
                "is missing: with Slack configured, give every team one destination",
            ));
        }
    }
    Ok(teams)
}

fn destination(
    s: &TeamSection,
    vars: &BTreeMap<String, Secret>,
    app: bool,
    key: &dyn Fn(&str) -> String,
) -> Result<Destination, TeamError> {
    match (&s.slack_channel, &s.slack_webhook_env) {
        (Some(_), Some(_)) => Err(error(
            key("slack_channel"),
            "and slack_webhook_env are both given: a team posts to one place",
        )),
        (Some(_), None) if !app => Err(error(
            key("slack_channel"),
            "needs Slack app mode: export SLACK_BOT_TOKEN (and SLACK_SIGNING_SECRET for \
             review from Slack), or give the team an incoming webhook with slack_webhook_env",
        )),
        (Some(c), None) => Ok(Destination::Channel(c.clone())),
        (None, Some(var)) => vars
            .get(var)
            .cloned()
            .map(Destination::Webhook)
            .ok_or_else(|| {
                error(
                    key("slack_webhook_env"),
                    format!("names {var}, which is not set: export {var} with the team's incoming webhook URL"),
                )
            }),
        (None, None) => Ok(Destination::None),
    }
}

/// The team named `name`; an unknown name is an error that lists the teams.
pub fn find<'a>(teams: &'a [Team], name: &str) -> Result<&'a Team, String> {
    teams.iter().find(|t| t.name == name).ok_or_else(|| {
        let names: Vec<&str> = teams.iter().map(|t| t.name.as_str()).collect();
        format!("no team {name:?}: the teams are {}", names.join(", "))
    })
}

/// An error naming the first service of a team that Mackerel does not know (from
/// the store's service list; none when that list is still empty).
pub fn check_services(teams: &[Team], known: &BTreeSet<String>) -> Result<(), String> {
    match unknown_services(teams, known).first() {
        None => Ok(()),
        Some((team, service)) => Err(format!(
            "[[team]] {team:?} services: {service:?} is not a service of the organisation \
             (its services are {}); fix the name in the config",
            known.iter().cloned().collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Service names the teams give that the store does not know (from Mackerel's
/// service list): most likely typos. Empty when the store knows no services yet.
pub fn unknown_services<'a>(
    teams: &'a [Team],
    known: &BTreeSet<String>,
) -> Vec<(&'a str, &'a str)> {
    if known.is_empty() {
        return Vec::new();
    }
    teams
        .iter()
        .filter_map(|t| t.scope.as_ref().map(|s| (t, s)))
        .flat_map(|(t, s)| {
            s.services
                .iter()
                .filter(|n| !known.contains(*n))
                .map(move |n| (t.name.as_str(), n.as_str()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Defaults {
        Defaults {
            lang: Lang::En,
            post_at: chrono::NaiveTime::from_hms_opt(9, 0, 0),
            weekly_post: None,
            webhook: Some(Secret::new("https://hooks.example/all")),
            channel: None,
            app: false,
        }
    }

    fn team(name: &str, services: &[&str], webhook_env: Option<&str>) -> TeamSection {
        TeamSection {
            name: Some(name.into()),
            services: services.iter().map(|s| s.to_string()).collect(),
            slack_webhook_env: webhook_env.map(str::to_owned),
            ..TeamSection::default()
        }
    }

    fn parse(sections: &[TeamSection], vars: &[(&str, &str)]) -> Result<Vec<Team>, TeamError> {
        let vars = vars
            .iter()
            .map(|(k, v)| (k.to_string(), Secret::new(*v)))
            .collect();
        resolve(
            sections,
            &defaults(),
            &vars,
            |t| crate::digest::parse_meeting_time(t).map_err(|e| e.0),
            |_| Err("unused".into()),
        )
    }

    #[test]
    fn without_teams_there_is_one_team_with_everything() {
        let teams = parse(&[], &[]).unwrap();
        assert_eq!(teams.len(), 1);
        assert_eq!(teams[0].name, ALL);
        assert!(teams[0].scope.is_none());
        assert_eq!(
            teams[0].destination,
            Destination::Webhook(Secret::new("https://hooks.example/all"))
        );
    }

    #[test]
    fn a_team_takes_its_own_settings_and_the_top_level_ones_it_leaves_out() {
        let mut blog = team("blog", &["blog", NO_SERVICE], Some("HOOK_BLOG"));
        blog.lang = Some("ja".into());
        let shop = team("shop", &["shop"], Some("HOOK_SHOP"));
        let teams = parse(&[blog, shop], &[("HOOK_BLOG", "b"), ("HOOK_SHOP", "s")]).unwrap();
        assert_eq!(teams[0].lang, Lang::Ja);
        assert_eq!(teams[1].lang, Lang::En, "from [digest]");
        assert_eq!(teams[1].post_at, chrono::NaiveTime::from_hms_opt(9, 0, 0));
        let scope = teams[0].scope.as_ref().unwrap();
        assert!(scope.no_service && scope.services.contains("blog"));
        assert_eq!(teams[0].destination, Destination::Webhook(Secret::new("b")));
    }

    #[test]
    fn bad_teams_name_the_key_that_is_wrong() {
        let cases = [
            (
                vec![team("a", &["x"], None), team("a", &["y"], None)],
                "[[team]] \"a\" name",
            ),
            (vec![team("a", &[], None)], "[[team]] \"a\" services"),
            (vec![TeamSection::default()], "[[team]] #1 name"),
            (
                vec![team("a", &["x"], Some("NOT_SET"))],
                "[[team]] \"a\" slack_webhook_env",
            ),
            (
                vec![team("a", &["x"], Some("H")), team("b", &["y"], None)],
                "[[team]] \"b\" slack_channel / slack_webhook_env",
            ),
        ];
        for (sections, key) in cases {
            let err = parse(&sections, &[("H", "h")]).unwrap_err();
            assert_eq!(err.key, key, "{}", err.message);
        }
        let mut both = team("a", &["x"], Some("H"));
        both.slack_channel = Some("#a".into());
        assert_eq!(
            parse(&[both], &[("H", "h")]).unwrap_err().key,
            "[[team]] \"a\" slack_channel"
        );
        let mut channel = team("a", &["x"], None);
        channel.slack_channel = Some("#a".into());
        let err = parse(&[channel], &[]).unwrap_err();
        assert!(err.message.contains("slack_webhook_env"), "{}", err.message);
    }

    #[test]
    fn a_scope_keeps_the_teams_alerts_with_the_teams_services() {
        let scope = Scope {
            services: ["blog".to_owned()].into(),
            no_service: false,
        };
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(scope.keeps(&s(&["blog", "shop"])), Some(s(&["blog"])));
        assert_eq!(scope.keeps(&s(&["shop"])), None);
        assert_eq!(scope.keeps(&[]), None, "no service is not the team's");
        let with_none = Scope {
            no_service: true,
            ..scope
        };
        assert_eq!(with_none.keeps(&[]), Some(vec![]));
    }

    #[test]
    fn an_unknown_team_or_service_is_named() {
        let teams = parse(&[team("blog", &["blog", "blgo"], None)], &[]).unwrap();
        assert!(find(&teams, "shop")
            .unwrap_err()
            .contains("the teams are blog"));
        let known: BTreeSet<String> = ["blog".to_owned(), "shop".to_owned()].into();
        assert_eq!(unknown_services(&teams, &known), [("blog", "blgo")]);
        assert!(unknown_services(&teams, &BTreeSet::new()).is_empty());
    }
}
