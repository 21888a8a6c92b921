//! Configuration: flags beat env, env beats the file, the file beats defaults.
//! An unknown key or a bad value is an error naming the key and the file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use serde::Deserialize;

use crate::digest::{parse_meeting_time, Calendar, Lang, Mode, WindowSpec};
use crate::github::{valid_repo, GithubSettings, Token};
use crate::mackerel::ClientConfig;
use crate::secret::Secret;
use crate::sync::SyncOptions;
use crate::timefmt::{parse_duration, parse_zone, system_zone};

pub const DEFAULT_API_BASE: &str = "https://api.mackerelio.com/";
pub const DEFAULT_DB: &str = "asakai.db";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// The config file as written; every key optional, unknown keys refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    pub mackerel: MackerelSection,
    #[serde(default)]
    pub sync: SyncSection,
    #[serde(default)]
    pub digest: DigestSection,
    #[serde(default)]
    pub slack: SlackSection,
    #[serde(default)]
    pub server: ServerSection,
    #[serde(default)]
    pub github: GithubSection,
    #[serde(default)]
    pub report: ReportSection,
    /// `[[team]]` tables (design §11).
    #[serde(default)]
    pub team: Vec<crate::teams::TeamSection>,
    #[serde(default)]
    pub graphs: GraphsSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphsSection {
    /// Most metric-series reads in one sync pass (0: no graphs).
    pub per_pass: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSection {
    /// When `serve` posts the weekly report, e.g. "mon 10:00" (team zone).
    pub weekly_post: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MackerelSection {
    pub api_base: Option<String>,
    pub request_interval: Option<String>,
    pub timeout: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncSection {
    pub interval: Option<String>,
    pub backfill: Option<String>,
    pub logs_per_pass: Option<u32>,
    pub overlap: Option<String>,
    pub metadata_refresh: Option<String>,
    pub pass_budget: Option<String>,
    pub deep_every: Option<String>,
    pub deep_window: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestSection {
    pub timezone: Option<String>,
    pub mode: Option<String>,
    pub meeting_time: Option<String>,
    pub holidays: Option<String>,
    #[serde(default)]
    pub extra_holidays: Vec<String>,
    pub lang: Option<String>,
    pub post_at: Option<String>,
    pub post_grace: Option<String>,
    pub templates_dir: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackSection {
    pub webhook_url: Option<String>,
    /// The channel of the team `all` in Slack app mode.
    pub channel: Option<String>,
    /// Slack's Web API (app mode; tests point it at a stand-in).
    pub api_base: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    pub listen: Option<String>,
    pub public_url: Option<String>,
    pub user_header: Option<String>,
    pub client_timeout: Option<String>,
    pub request_timeout: Option<String>,
    pub max_connections: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GithubSection {
    pub repo: Option<String>,
    pub api_base: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
}

/// The environment variables asakai reads, gathered once (tests pass their own).
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub api_key: Option<Secret>,
    pub api_base: Option<String>,
    pub slack_webhook_url: Option<Secret>,
    pub webhook_secret: Option<Secret>,
    pub ui_password: Option<Secret>,
    pub github_token: Option<Token>,
    /// Every variable, for those the config names (a team's `slack_webhook_env`).
    pub vars: std::collections::BTreeMap<String, Secret>,
    /// `SLACK_BOT_TOKEN` and `SLACK_SIGNING_SECRET`: Slack app mode.
    pub slack_bot_token: Option<Secret>,
    pub slack_signing_secret: Option<Secret>,
    pub graph_secret: Option<Secret>,
}

impl Env {
    pub fn from_process() -> Env {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Env {
            api_key: var("MACKEREL_APIKEY").map(Secret::new),
            api_base: var("MACKEREL_APIBASE"),
            slack_webhook_url: var("SLACK_WEBHOOK_URL").map(Secret::new),
            webhook_secret: var("ASAKAI_WEBHOOK_SECRET").map(Secret::new),
            ui_password: var("ASAKAI_UI_PASSWORD").map(Secret::new),
            github_token: var("GITHUB_TOKEN").map(Token::new),
            slack_bot_token: var("SLACK_BOT_TOKEN").map(Secret::new),
            slack_signing_secret: var("SLACK_SIGNING_SECRET").map(Secret::new),
            vars: std::env::vars()
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| (k, Secret::new(v)))
                .collect(),
            graph_secret: var("ASAKAI_GRAPH_SECRET").map(Secret::new),
        }
    }
}

/// Everything resolved, ready to use.
#[derive(Debug, Clone)]
pub struct Settings {
    pub api_base: String,
    pub request_interval: Duration,
    pub timeout: Duration,
    pub sync: SyncOptions,
    pub poll_interval: Duration,
    pub timezone: Tz,
    pub file: std::sync::Arc<FileConfigSnapshot>,
    /// `[github]` and `GITHUB_TOKEN`.
    pub github: GithubSettings,
    /// `[server]`, `[digest] post_at`/`post_grace` and the server's secrets.
    pub server: ServerSettings,
    /// `[digest]`: the team's windows and language, parsed once.
    pub digest: DigestSettings,
    /// `[[team]]`, or the one team `all` (design §11).
    pub teams: Vec<crate::teams::Team>,
    /// Slack app mode, when `SLACK_BOT_TOKEN` is set.
    pub slack: Option<SlackApp>,
    api_key: Option<Secret>,
}

/// Slack app mode: the Web API's base, the bot token and the signing secret that
/// interactions are verified with (without it `/slack/interactions` is off).
#[derive(Debug, Clone)]
pub struct SlackApp {
    pub api_base: String,
    pub bot_token: Secret,
    pub signing_secret: Option<Secret>,
}

/// What `serve` needs, parsed once.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub listen: std::net::SocketAddr,
    /// Links from Slack to the review page.
    pub public_url: Option<String>,
    /// The header an authenticating proxy sets with the user's name.
    pub user_header: Option<String>,
    /// `ASAKAI_WEBHOOK_SECRET`: without it the webhook endpoint is off.
    pub webhook_secret: Option<Secret>,
    /// `ASAKAI_UI_PASSWORD`: pages and API behind Basic auth.
    pub ui_password: Option<Secret>,
    /// `ASAKAI_GRAPH_SECRET`: the key of graph.png links (else one kept in the database).
    pub graph_secret: Option<Secret>,
    /// When `serve` posts the digest on business days (team zone).
    pub post_at: Option<chrono::NaiveTime>,
    /// A `serve` started later than `post_at` still posts within this.
    pub post_grace: Duration,
    /// How long a client may be slow before `serve` closes its connection.
    pub limits: ClientLimits,
}

/// How slow and how many clients `serve` bears (`[server]`).
#[derive(Debug, Clone, Copy)]
pub struct ClientLimits {
    /// `client_timeout`: the most time a client may take to send its headers, to
    /// send the next part of a body, or to send its next request on a kept-alive
    /// connection.
    pub client_timeout: Duration,
    /// `request_timeout`: the most time a whole request may take, body and answer
    /// included (a streamed CSV's rows excepted).
    pub request_timeout: Duration,
    /// `max_connections`: the connections served at once; more wait to be accepted.
    pub max_connections: usize,
}

impl Default for ClientLimits {
    fn default() -> Self {
        ClientLimits {
            client_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 512,
        }
    }
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// `[digest]` as typed values.
#[derive(Debug, Clone)]
pub struct DigestSettings {
    /// The team's windows, in `[digest] timezone`.
    pub spec: WindowSpec,
    pub lang: Lang,
}

fn digest_settings(d: &DigestSection, tz: Tz) -> Result<DigestSettings, (&'static str, String)> {
    let mut extra = std::collections::BTreeSet::new();
    for day in &d.extra_holidays {
        extra
            .insert(crate::timefmt::parse_date(day).map_err(|e| ("[digest] extra_holidays", e.0))?);
    }
    Ok(DigestSettings {
        spec: WindowSpec {
            tz,
            mode: d
                .mode
                .as_deref()
                .map(Mode::parse)
                .transpose()
                .map_err(|e| ("[digest] mode", e.0))?
                .unwrap_or(Mode::CalendarDay),
            meeting_time: parse_meeting_time(d.meeting_time.as_deref().unwrap_or("09:30"))
                .map_err(|e| ("[digest] meeting_time", e.0))?,
            calendar: Calendar {
                japanese: d.holidays.as_deref() != Some("none"),
                extra,
            },
        },
        lang: d
            .lang
            .as_deref()
            .map(Lang::parse)
            .transpose()
            .map_err(|e| ("[digest] lang", e.0))?
            .unwrap_or(Lang::En),
    })
}

/// The parts of the file later stages (digest, serve) read as written.
#[derive(Debug, Clone, Default)]
pub struct FileConfigSnapshot {
    pub templates_dir: Option<PathBuf>,
    pub slack_webhook_url: Option<Secret>,
    /// `[report] weekly_post`, checked: the weekday and time `serve` posts the weekly report.
    pub weekly_post: Option<(chrono::Weekday, chrono::NaiveTime)>,
}

impl Settings {
    /// Reads the file at `path` (if any) and resolves it against `env`.
    pub fn load(path: Option<&Path>, env: &Env) -> Result<Settings, ConfigError> {
        let (file, path) = match path {
            Some(p) => (read_file(p)?, p.to_owned()),
            None => (FileConfig::default(), PathBuf::from("(no config file)")),
        };
        resolve(file, env, &path)
    }

    /// The client settings; fails with a clear message when no key is set.
    pub fn client_config(&self) -> Result<ClientConfig, crate::mackerel::MackerelError> {
        let key = self
            .api_key
            .clone()
            .ok_or(crate::mackerel::MackerelError::NoKey)?;
        let mut c = ClientConfig::new(self.api_base.clone(), key.expose());
        c.request_interval = self.request_interval;
        c.timeout = self.timeout;
        Ok(c)
    }

    pub fn has_api_key(&self) -> bool {
        self.api_key.is_some()
    }
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Invalid {
        path: path.to_owned(),
        message: toml_error(&text, &e),
    })
}

/// Where a TOML error is and what it is, without quoting the line: the line may
/// hold a webhook URL or a `user:pass@` base, and errors are printed and logged.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = crate::secret::redact_urls(e.message().trim());
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

fn resolve(file: FileConfig, env: &Env, path: &Path) -> Result<Settings, ConfigError> {
    let invalid = |key: &str, message: String| ConfigError::Invalid {
        path: path.to_owned(),
        message: format!("{key}: {message}"),
    };
    let duration =
        |key: &str, value: &Option<String>, default: Duration| -> Result<Duration, ConfigError> {
            value
                .as_deref()
                .map(parse_duration)
                .transpose()
                .map_err(|e| invalid(key, e.0))
                .map(|d| d.unwrap_or(default))
        };
    // A zero timeout would fail every request; a zero interval would spin.
    let positive = |key: &str, d: Duration| -> Result<Duration, ConfigError> {
        if d.is_zero() {
            Err(invalid(key, "must be longer than 0s".to_owned()))
        } else {
            Ok(d)
        }
    };
    let api_base = env
        .api_base
        .clone()
        .or(file.mackerel.api_base)
        .unwrap_or_else(|| DEFAULT_API_BASE.to_owned());
    let defaults = SyncOptions::default();
    let sync = SyncOptions {
        since: None,
        backfill: duration("[sync] backfill", &file.sync.backfill, defaults.backfill)?,
        overlap: duration("[sync] overlap", &file.sync.overlap, defaults.overlap)?,
        logs_per_pass: file.sync.logs_per_pass.unwrap_or(defaults.logs_per_pass),
        budget: positive(
            "[sync] pass_budget",
            duration(
                "[sync] pass_budget",
                &file.sync.pass_budget,
                defaults.budget,
            )?,
        )?,
        metadata_max_age: duration(
            "[sync] metadata_refresh",
            &file.sync.metadata_refresh,
            defaults.metadata_max_age,
        )?,
        deep_every: positive(
            "[sync] deep_every",
            duration(
                "[sync] deep_every",
                &file.sync.deep_every,
                defaults.deep_every,
            )?,
        )?,
        deep_window: duration(
            "[sync] deep_window",
            &file.sync.deep_window,
            defaults.deep_window,
        )?,
        graphs_per_pass: file.graphs.per_pass.unwrap_or(defaults.graphs_per_pass),
        meeting: None,
        progress: None,
    };
    let timezone = match &file.digest.timezone {
        Some(name) => parse_zone(name).map_err(|e| invalid("[digest] timezone", e.0))?,
        None => system_zone(),
    };
    if let Some(lang) = file
        .digest
        .lang
        .as_deref()
        .filter(|l| !matches!(*l, "en" | "ja"))
    {
        return Err(invalid(
            "[digest] lang",
            format!("{lang:?} is not a language asakai speaks; use \"en\" or \"ja\""),
        ));
    }
    if let Some(mode) = file
        .digest
        .mode
        .as_deref()
        .filter(|m| !matches!(*m, "calendar-day" | "since-previous-meeting"))
    {
        return Err(invalid(
            "[digest] mode",
            format!("{mode:?} is not a mode; use \"calendar-day\" or \"since-previous-meeting\""),
        ));
    }
    if let Some(h) = file
        .digest
        .holidays
        .as_deref()
        .filter(|h| !matches!(*h, "jp" | "none"))
    {
        return Err(invalid(
            "[digest] holidays",
            format!("{h:?} is not a holiday calendar; use \"jp\" or \"none\""),
        ));
    }
    for day in &file.digest.extra_holidays {
        crate::timefmt::parse_date(day).map_err(|e| invalid("[digest] extra_holidays", e.0))?;
    }
    let weekly_post = file
        .report
        .weekly_post
        .as_deref()
        .map(parse_weekly_post)
        .transpose()
        .map_err(|m| invalid("[report] weekly_post", m))?;
    let github = github_settings(file.github, env).map_err(|m| invalid("[github] repo", m))?;
    let fallback = ClientLimits::default();
    let limits = ClientLimits {
        client_timeout: positive(
            "[server] client_timeout",
            duration(
                "[server] client_timeout",
                &file.server.client_timeout,
                fallback.client_timeout,
            )?,
        )?,
        request_timeout: positive(
            "[server] request_timeout",
            duration(
                "[server] request_timeout",
                &file.server.request_timeout,
                fallback.request_timeout,
            )?,
        )?,
        max_connections: match file.server.max_connections {
            Some(0) => {
                return Err(invalid(
                    "[server] max_connections",
                    "must be at least 1".to_owned(),
                ))
            }
            n => n.unwrap_or(fallback.max_connections),
        },
    };
    let server = ServerSettings {
        listen: file
            .server
            .listen
            .as_deref()
            .unwrap_or(DEFAULT_LISTEN)
            .parse()
            .map_err(|_| {
                invalid(
                    "[server] listen",
                    "is not an address and port, such as \"127.0.0.1:8080\"".to_owned(),
                )
            })?,
        public_url: file.server.public_url,
        user_header: file.server.user_header.filter(|h| !h.trim().is_empty()),
        webhook_secret: env.webhook_secret.clone(),
        ui_password: env.ui_password.clone(),
        graph_secret: env.graph_secret.clone(),
        post_at: file
            .digest
            .post_at
            .as_deref()
            .map(crate::digest::parse_meeting_time)
            .transpose()
            .map_err(|e| invalid("[digest] post_at", e.0))?,
        post_grace: duration(
            "[digest] post_grace",
            &file.digest.post_grace,
            Duration::from_secs(3 * 3600),
        )?,
        limits,
    };
    let digest = digest_settings(&file.digest, timezone).map_err(|(k, m)| invalid(k, m))?;
    let slack_webhook_url =
        env.slack_webhook_url
            .clone()
            .or(file.slack.webhook_url.clone().map(Secret::new));
    let defaults = crate::teams::Defaults {
        lang: digest.lang,
        post_at: server.post_at,
        weekly_post,
        webhook: slack_webhook_url.clone(),
        channel: file.slack.channel.clone(),
        app: env.slack_bot_token.is_some(),
    };
    let teams = crate::teams::resolve(
        &file.team,
        &defaults,
        &env.vars,
        |t| crate::digest::parse_meeting_time(t).map_err(|e| e.0),
        parse_weekly_post,
    )
    .map_err(|e| invalid(&e.key, e.message))?;
    let slack = env.slack_bot_token.clone().map(|bot_token| SlackApp {
        api_base: file
            .slack
            .api_base
            .clone()
            .unwrap_or_else(|| crate::slack::web_api::DEFAULT_API_BASE.to_owned()),
        bot_token,
        signing_secret: env.slack_signing_secret.clone(),
    });
    // The current meeting's alerts get their graphs first.
    let sync = SyncOptions {
        meeting: Some(digest.spec.clone()),
        ..sync
    };
    Ok(Settings {
        digest,
        server,
        api_base,
        request_interval: duration(
            "[mackerel] request_interval",
            &file.mackerel.request_interval,
            Duration::from_millis(200),
        )?,
        timeout: positive(
            "[mackerel] timeout",
            duration(
                "[mackerel] timeout",
                &file.mackerel.timeout,
                Duration::from_secs(30),
            )?,
        )?,
        sync,
        poll_interval: positive(
            "[sync] interval",
            duration(
                "[sync] interval",
                &file.sync.interval,
                Duration::from_secs(60),
            )?,
        )?,
        timezone,
        teams,
        slack,
        file: std::sync::Arc::new(FileConfigSnapshot {
            templates_dir: file.digest.templates_dir,
            slack_webhook_url,
            weekly_post,
        }),
        github,
        api_key: env.api_key.clone(),
    })
}

/// "mon 10:00": a weekday (English, three letters or more) and HH:MM.
fn parse_weekly_post(text: &str) -> Result<(chrono::Weekday, chrono::NaiveTime), String> {
    let bad = || format!("{text:?} is not a weekly time; write it like \"mon 10:00\"");
    let (day, time) = text.trim().split_once(' ').ok_or_else(bad)?;
    let day: chrono::Weekday = day.parse().map_err(|_| bad())?;
    let time = chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M").map_err(|_| bad())?;
    Ok((day, time))
}

fn github_settings(section: GithubSection, env: &Env) -> Result<GithubSettings, String> {
    if let Some(repo) = section.repo.as_deref().filter(|r| !valid_repo(r)) {
        return Err(format!(
            "{repo:?} is not a repository; write it as \"owner/name\""
        ));
    }
    Ok(GithubSettings {
        repo: section.repo,
        api_base: section
            .api_base
            .unwrap_or_else(|| crate::github::DEFAULT_API_BASE.to_owned()),
        labels: section.labels,
        token: env.github_token.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, env: &Env) -> Result<Settings, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("asakai.toml");
        std::fs::write(&path, text).unwrap();
        Settings::load(Some(&path), env)
    }

    #[test]
    fn an_unknown_key_is_named_with_the_file() {
        let err = load("[mackerel]\napi_key = \"x\"\n", &Env::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("asakai.toml"), "{err}");
        assert!(err.contains("api_key"), "{err}");
    }

    #[test]
    fn a_toml_error_names_its_line_without_quoting_a_secret() {
        let text = "[slack]\nwebhook_url = https://hooks.slack.com/services/T0/B0/sekrit\n";
        let err = load(text, &Env::default()).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(!err.contains("sekrit") && !err.contains("T0/B0"), "{err}");
        let text = "[mackerel]\napi_base = \"https://me:hunter2@api.example/\"\ntimeout = [\n";
        let err = load(text, &Env::default()).unwrap_err().to_string();
        assert!(!err.contains("hunter2"), "{err}");
        let text =
            "[slack]\nwebhook_url = \"https://hooks.slack.com/services/T0/B0/sekrit\"\nx = 1\n";
        let err = load(text, &Env::default()).unwrap_err().to_string();
        assert!(err.contains('x') && !err.contains("sekrit"), "{err}");
    }

    #[test]
    fn a_bad_duration_names_its_key() {
        let err = load(
            "[mackerel]\nrequest_interval = \"often\"\n",
            &Env::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("[mackerel] request_interval"), "{err}");
    }

    #[test]
    fn env_beats_the_file_and_the_file_beats_defaults() {
        let s = load(
            "[mackerel]\napi_base = \"http://file/\"\nrequest_interval = \"0s\"\n",
            &Env::default(),
        )
        .unwrap();
        assert_eq!(s.api_base, "http://file/");
        assert_eq!(s.request_interval, Duration::ZERO);
        let env = Env {
            api_base: Some("http://env/".into()),
            ..Env::default()
        };
        assert_eq!(
            load("[mackerel]\napi_base = \"http://file/\"\n", &env)
                .unwrap()
                .api_base,
            "http://env/"
        );
        assert_eq!(
            Settings::load(None, &Env::default()).unwrap().api_base,
            DEFAULT_API_BASE
        );
    }

    #[test]
    fn a_zero_timeout_is_refused_with_its_key() {
        let err = load("[mackerel]\ntimeout = \"0s\"\n", &Env::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("[mackerel] timeout") && err.contains("longer than 0s"),
            "{err}"
        );
    }

    #[test]
    fn the_pass_budget_is_read_from_the_file() {
        let s = load("[sync]\npass_budget = \"20s\"\n", &Env::default()).unwrap();
        assert_eq!(s.sync.budget, Duration::from_secs(20));
    }

    #[test]
    fn graphs_per_pass_is_read_from_its_own_section() {
        assert_eq!(
            Settings::load(None, &Env::default())
                .unwrap()
                .sync
                .graphs_per_pass,
            50
        );
        let s = load("[graphs]\nper_pass = 7\n", &Env::default()).unwrap();
        assert_eq!(s.sync.graphs_per_pass, 7);
        let err = load("[graphs]\nper_pass = -1\n", &Env::default()).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn a_bad_zone_in_the_file_is_refused() {
        let err = load("[digest]\ntimezone = \"Tokyo\"\n", &Env::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("[digest] timezone") && err.contains("IANA"),
            "{err}"
        );
    }

    #[test]
    fn the_github_section_reads_and_the_token_comes_from_env_only() {
        let env = Env {
            github_token: Some(Token::new("ghp_from_env")),
            ..Env::default()
        };
        let s = load(
            "[github]\nrepo = \"example/infra-tasks\"\nlabels = [\"alert-follow-up\"]\n",
            &env,
        )
        .unwrap();
        assert_eq!(s.github.repo.as_deref(), Some("example/infra-tasks"));
        assert_eq!(s.github.api_base, crate::github::DEFAULT_API_BASE);
        assert_eq!(s.github.labels, ["alert-follow-up"]);
        assert!(!format!("{s:?}").contains("ghp_from_env"));
        let err = load("[github]\ntoken = \"x\"\n", &Env::default()).unwrap_err();
        assert!(err.to_string().contains("token"), "{err}");
        let err = load("[github]\nrepo = \"infra\"\n", &Env::default()).unwrap_err();
        assert!(err.to_string().contains("owner/name"), "{err}");
    }

    #[test]
    fn the_weekly_post_reads_as_a_weekday_and_a_time() {
        let s = load("[report]\nweekly_post = \"mon 10:00\"\n", &Env::default()).unwrap();
        let expected = (
            chrono::Weekday::Mon,
            chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
        );
        assert_eq!(s.file.weekly_post, Some(expected));
        let err = load("[report]\nweekly_post = \"monday\"\n", &Env::default()).unwrap_err();
        assert!(err.to_string().contains("[report] weekly_post"), "{err}");
    }

    #[test]
    fn the_example_config_in_the_repository_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("asakai.example.toml");
        Settings::load(Some(&path), &Env::default()).unwrap();
    }
}
