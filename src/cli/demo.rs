//! `asakai demo`: the whole product against the built-in simulator, no account needed.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Settings;
use crate::digest::{self, Format};
use crate::mackerel::{Client, ClientConfig};
use crate::server;
use crate::sim::{self, SimOptions, DAY};
use crate::slack::health::Kind;
use crate::store::{Location, Store};
use crate::sync::{run_pass, Progress, Stage, SyncOptions};
use crate::teams;

pub const DEMO_DB: &str = "asakai-demo.db";
const DEMO_KEY: &str = "demo-api-key";

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Days of simulated history to backfill.
    #[arg(long, default_value_t = 30)]
    pub days: i64,
    /// The simulation's seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Show the result and exit instead of keeping the simulator running.
    #[arg(long)]
    pub once: bool,
}

pub async fn run(db: &Location, settings: &Settings, args: DemoArgs) -> anyhow::Result<()> {
    fresh_demo_db(db).await?;
    let opts = SimOptions {
        seed: args.seed,
        days: args.days,
        api_key: DEMO_KEY.into(),
        ..SimOptions::default()
    };
    let running = sim::start(opts, "127.0.0.1:0".parse()?).await?;
    // With --once the simulator is gone by the time anyone reads this: no address.
    let at = if args.once {
        "for this run only".to_owned()
    } else {
        format!("is serving on {}", running.base_url())
    };
    eprintln!(
        "asakai demo: a simulated Mackerel organisation ({}) {at}",
        running.sim.org_name(),
    );

    let mut config = ClientConfig::new(running.base_url(), DEMO_KEY);
    config.request_interval = Duration::ZERO;
    let client = Client::new(config)?;
    let store = Store::open(db).await?;
    let now = running.sim.now();
    let bar = progress_bar(now, args.days);
    let sync = SyncOptions {
        since: Some(now - args.days * DAY),
        logs_per_pass: 1_000_000,
        // Every metric alert of the month gets its graph before the pages open.
        graphs_per_pass: 1_000_000,
        budget: Duration::from_secs(3600),
        progress: Some(bar.1.clone()),
        ..settings.sync.clone()
    };
    let summary = run_pass(&client, &store, &sync, now).await?;
    bar.0.finish_and_clear();
    eprintln!("Backfilled {} days into {}: {summary}\n", args.days, db);

    if args.once {
        // The simulator stops with this process: links to it would be dead.
        store.forget_links().await?;
    }
    show_digest(&store, settings, now).await?;
    eprintln!("{}", follow_up(db, &running, args.once));
    if args.once {
        return Ok(());
    }
    serve_demo(client, store, settings, &running).await
}

/// What to try next, as commands that run from where the user is: the path of
/// this binary (after `cargo run`, `asakai` is not on PATH).
fn follow_up(db: &Location, running: &sim::RunningSim, once: bool) -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| {
            let cwd = std::env::current_dir().ok()?;
            Some(p.strip_prefix(&cwd).map(Path::to_path_buf).unwrap_or(p))
        })
        .map(|p| shell_word(&p.display().to_string()))
        .unwrap_or_else(|| "asakai".to_owned());
    let db = shell_word(&db.to_string());
    let mut text = format!(
        "\nLook further with, for example:\n  {exe} --db {db} digest --format html --output digest.html\n  \
         {exe} --db {db} alerts --service blog --state closed_manually\n  \
         {exe} --db {db} alerts --search \"<script>\" --format json\n"
    );
    if once {
        text.push_str("The simulator stopped with the demo; run it without --once to keep it (and its links) up.");
    } else {
        text.push_str(&format!(
            "The simulator is at {url} (MACKEREL_APIBASE={url} MACKEREL_APIKEY={DEMO_KEY}).",
            url = running.base_url()
        ));
    }
    text
}

/// A path as one shell word: quoted when it holds anything a shell would split or expand.
fn shell_word(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./+:".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The demo owns its database: an old demo database is replaced, anything else
/// refused. It is a SQLite file: a demo has no business in a shared PostgreSQL.
async fn fresh_demo_db(db: &Location) -> anyhow::Result<()> {
    let Some(file) = db.file() else {
        anyhow::bail!("the demo keeps its alerts in a SQLite file of its own; give --db a path");
    };
    if !file.exists() {
        return Ok(());
    }
    let store = Store::open(db).await?;
    let org = store.state(crate::store::StateKey::OrgName).await?;
    let alerts = store.count_alerts().await?;
    store.close().await;
    if alerts > 0 && !org.as_deref().is_some_and(|o| o.starts_with("sim-")) {
        anyhow::bail!(
            "{} holds alerts of a real organisation; give the demo its own file with --db",
            db
        );
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut path = file.as_os_str().to_owned();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

fn progress_bar(now: i64, days: i64) -> (ProgressBar, Progress) {
    let bar = ProgressBar::new((days * DAY) as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:32} [{bar:30}] {percent:>3}%")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let b = bar.clone();
    let report = move |stage: Stage| match stage {
        Stage::Alerts { read, oldest } => {
            b.set_message(format!("reading alerts: {read}"));
            b.set_position((now - oldest).clamp(0, days * DAY) as u64);
        }
        Stage::Logs { read, of } => {
            b.set_length(of.max(1));
            b.set_message(format!("reading alert logs: {read}/{of}"));
            b.set_position(read);
        }
    };
    (bar, Progress(Arc::new(report)))
}

/// This morning's digest, as the team would read it at the standup.
async fn show_digest(store: &Store, settings: &Settings, now: i64) -> anyhow::Result<()> {
    let tz = settings.timezone;
    let spec = crate::digest::meeting::spec(settings, tz);
    let today = chrono::TimeZone::timestamp_opt(&tz, now, 0)
        .unwrap()
        .date_naive();
    let window = spec.for_meeting(today);
    let digest = crate::digest::meeting::digest_of(store, &spec, &window, now).await?;
    let lang = crate::digest::meeting::configured_lang(settings);
    print!(
        "{}",
        digest::render(
            &digest,
            &window,
            Format::Text,
            lang,
            settings.file.templates_dir.as_deref()
        )?
    );
    Ok(())
}

/// `asakai serve` against the simulator, with a local stand-in for Slack that prints
/// what it receives, so a newcomer sees the service, its URL, and the morning post.
async fn serve_demo(
    client: Client,
    store: Store,
    settings: &Settings,
    running: &sim::RunningSim,
) -> anyhow::Result<()> {
    let secret = crate::secret::Secret::random();
    let slack = sim::slack::SlackStandIn::start(secret.clone()).await?;
    let mut settings = settings.clone();
    // The morning posts are due now (on a business day), so the demo shows them at once.
    let now = running.sim.now();
    let local = chrono::TimeZone::timestamp_opt(&settings.timezone, now, 0)
        .unwrap()
        .time();
    settings.server.post_at = Some(due_now(local));
    settings.teams = demo_teams(&settings, due_now(local));
    // Slack app mode against the stand-in: posts with outcome menus, and clicks.
    settings.slack = Some(crate::config::SlackApp {
        api_base: slack.api_base(),
        bot_token: crate::secret::Secret::new(sim::slack::BOT_TOKEN),
        signing_secret: Some(secret),
    });
    let listener = match tokio::net::TcpListener::bind(settings.server.listen).await {
        Ok(l) => l,
        // 8080 taken: any free port will do for a demo.
        Err(_) => tokio::net::TcpListener::bind("127.0.0.1:0").await?,
    };
    let addr = listener.local_addr()?;
    // Links and graph images in the posts point at this demo.
    settings.server.public_url = Some(format!("http://{addr}/"));
    slack.connect(&format!("http://{addr}"));
    slack.read_terminal();
    let access = server::Access::decide(addr, &settings.server)?;
    let today = chrono::TimeZone::timestamp_opt(&settings.timezone, now, 0)
        .unwrap()
        .date_naive();
    let business = settings.digest.spec.calendar.is_business_day(today);
    eprintln!(
        "\nasakai serve is running on the simulator. Open http://{addr}/ to review this morning's \
         alerts (also /alerts, /tasks, /monitors; JSON under /api/digest and /api/alerts; \
         /healthz, /metrics; a pass every {}). Each team's morning post goes to the local \
         Slack stand-in now{}, with outcome menus you can choose from here. Ctrl-C stops.",
        humantime::format_duration(settings.poll_interval),
        if business {
            String::new()
        } else {
            " (today is not a business day: the last business day's)".to_owned()
        }
    );
    let app = Arc::new(server::App::new(store, settings, Some(client), access));
    if !business {
        // serve posts on business days only; the demo shows the last one's posts.
        let last = app
            .settings
            .digest
            .spec
            .calendar
            .previous_business_day(today);
        let app = app.clone();
        tokio::spawn(async move {
            for team in &app.settings.teams {
                match server::morning::post(&app, team, last, now).await {
                    Ok(_) => app.slack_health.posted(&team.name, Kind::Digest, now),
                    Err(e) => {
                        tracing::warn!(team = %team.name, error = %e, "the demo's post failed")
                    }
                }
            }
        });
    }
    server::launch_with_tcp_listener(app, listener, super::serve::shutdown_signal()).await?;
    Ok(())
}

/// A post time already passed today: a minute ago, but not across midnight, where
/// 23:59 would be tomorrow's post (the demo then posted nothing).
fn due_now(local: chrono::NaiveTime) -> chrono::NaiveTime {
    let (minute_ago, wrapped) = local.overflowing_sub_signed(chrono::Duration::minutes(1));
    if wrapped != 0 {
        chrono::NaiveTime::MIN
    } else {
        minute_ago
    }
}

/// The demo's teams, each posting to its own channel of the Slack stand-in: the
/// config's `[[team]]` if it has some, else two (blog; shop and api), so a
/// newcomer sees one post per team's channel.
fn demo_teams(settings: &Settings, post_at: chrono::NaiveTime) -> Vec<teams::Team> {
    let mut list = if settings.teams.len() > 1 {
        settings.teams.clone()
    } else {
        let team = |name: &str, services: &[&str]| teams::Team {
            name: name.to_owned(),
            scope: Some(teams::Scope {
                services: services.iter().map(|s| s.to_string()).collect(),
                no_service: name != "blog",
            }),
            ..settings.teams[0].clone()
        };
        vec![team("blog", &["blog"]), team("shop-api", &["shop", "api"])]
    };
    for t in &mut list {
        t.destination = teams::Destination::Channel(format!("#{}", t.name));
        t.post_at = Some(post_at);
    }
    list
}

#[cfg(test)]
mod tests {
    use chrono::NaiveTime;

    #[test]
    fn the_demo_post_is_due_now_even_just_after_midnight() {
        let t = |h, m, s| NaiveTime::from_hms_opt(h, m, s).unwrap();
        assert_eq!(super::due_now(t(9, 30, 0)), t(9, 29, 0));
        assert_eq!(super::due_now(t(0, 0, 30)), t(0, 0, 0));
        assert_eq!(super::due_now(t(0, 1, 0)), t(0, 0, 0));
    }
}
