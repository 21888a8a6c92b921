//! `asakai task`: follow-up tasks from the command line.

use chrono::TimeZone;

use super::review::{current_user, open};
use crate::config::Settings;
use crate::review::issues;
use crate::review::task::{self, NewTask, Task, TaskState, TaskView};
use crate::store::{Location, Store};

#[derive(Debug, clap::Args)]
pub struct TaskArgs {
    #[command(subcommand)]
    pub command: TaskCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum TaskCommand {
    /// Open a follow-up task for alerts of one monitor on one host (or join its open task).
    New(NewArgs),
    /// List tasks, newest first.
    List(ListArgs),
    /// One task with its alerts.
    Show(ShowArgs),
    /// Mark a task done.
    Done(ShowArgs),
    /// Read the state of linked GitHub issues (a closed issue closes its task),
    /// retry failed issue creates, and comment on alerts that fired again.
    Sync,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TaskFormat {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The alerts the task follows up (repeat or list several).
    #[arg(long = "alert", value_name = "ID", required = true, num_args = 1..)]
    pub alerts: Vec<String>,
    /// The title [default: "Follow up: MONITOR on HOST"].
    #[arg(long)]
    pub title: Option<String>,
    /// Also open a GitHub issue ([github] repo, env GITHUB_TOKEN).
    #[arg(long)]
    pub github: bool,
    #[arg(long, value_enum, default_value_t = TaskFormat::Table)]
    pub format: TaskFormat,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// open, done or all.
    #[arg(long, default_value = "open", value_parser = ["open", "done", "all"])]
    pub state: String,
    #[arg(long, value_enum, default_value_t = TaskFormat::Table)]
    pub format: TaskFormat,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The task number.
    pub id: i64,
    #[arg(long, value_enum, default_value_t = TaskFormat::Table)]
    pub format: TaskFormat,
}

pub async fn run(db: &Location, settings: &Settings, args: TaskArgs) -> anyhow::Result<()> {
    let store = open(db).await?;
    let now = chrono::Utc::now().timestamp();
    let result = match args.command {
        TaskCommand::New(a) => new(&store, settings, a, now).await,
        TaskCommand::List(a) => list(&store, settings, a).await,
        TaskCommand::Show(a) => show(&store, settings, a).await,
        TaskCommand::Done(a) => done(&store, a, now).await,
        TaskCommand::Sync => sync(&store, settings, now).await,
    };
    store.close().await;
    result
}

async fn new(store: &Store, settings: &Settings, args: NewArgs, now: i64) -> anyhow::Result<()> {
    let req = NewTask {
        alert_ids: args.alerts,
        title: args.title,
        github: args.github,
        by: current_user(),
    };
    let opened = task::open(store, &req, now).await?;
    let github = issues::after_open(store, settings, &opened, args.github, now).await;
    let t = task::get(store, opened.task.id).await?;
    let view = task::view(store, &t).await?;
    match args.format {
        TaskFormat::Json => println!("{}", serde_json::to_string_pretty(&view)?),
        TaskFormat::Table if opened.joined => println!(
            "joined open task #{} ({}): {} alert(s), fired again {} time(s)",
            view.id,
            view.title,
            view.alert_ids.len(),
            view.fired_again
        ),
        TaskFormat::Table => println!("opened task #{}: {}", view.id, view.title),
    }
    if let (TaskFormat::Table, Some(url)) = (args.format, &view.url) {
        println!("GitHub issue: {url}");
    }
    Ok(github?)
}

async fn sync(store: &Store, settings: &Settings, now: i64) -> anyhow::Result<()> {
    let open = task::list(store, Some(TaskState::Open)).await?;
    if !open
        .iter()
        .any(|t| t.github_number.is_some() || t.github_wanted)
    {
        eprintln!("no open task is linked to GitHub or waiting for an issue: nothing to sync");
        return Ok(());
    }
    let gh = settings.github.client()?;
    let report = issues::sync(store, &gh, &settings.github.labels, settings.timezone, now).await?;
    eprintln!(
        "GitHub: {} issue(s) created, {} task(s) closed, {} recurrence comment(s)",
        report.created.len(),
        report.closed.len(),
        report.commented.len()
    );
    for (id, error) in &report.failed {
        eprintln!("task #{id}: {error}");
    }
    if !report.failed.is_empty() {
        anyhow::bail!(
            "{} task(s) could not be synced with GitHub",
            report.failed.len()
        );
    }
    Ok(())
}

async fn list(store: &Store, settings: &Settings, args: ListArgs) -> anyhow::Result<()> {
    let state = match args.state.as_str() {
        "open" => Some(TaskState::Open),
        "done" => Some(TaskState::Done),
        _ => None,
    };
    let mut views = Vec::new();
    for t in task::list(store, state).await? {
        views.push(task::view(store, &t).await?);
    }
    if args.format == TaskFormat::Json {
        println!("{}", serde_json::to_string_pretty(&views)?);
        return Ok(());
    }
    println!(
        "{:>4}  {:<5} {:<16} {:>5}  TITLE",
        "ID", "STATE", "OPENED", "AGAIN"
    );
    for v in &views {
        println!(
            "{:>4}  {:<5} {:<16} {:>5}  {}{}",
            v.id,
            v.state.as_str(),
            local(settings, &v.created_at),
            v.fired_again,
            v.title,
            v.url
                .as_deref()
                .map(|u| format!("  {u}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

/// An RFC 3339 time of a task in the team's zone, to the minute.
fn local(settings: &Settings, rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| {
            settings
                .timezone
                .from_utc_datetime(&t.naive_utc())
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| rfc3339.to_owned())
}

async fn show(store: &Store, settings: &Settings, args: ShowArgs) -> anyhow::Result<()> {
    let t = task::get(store, args.id).await?;
    let view = task::view(store, &t).await?;
    if args.format == TaskFormat::Json {
        println!("{}", serde_json::to_string_pretty(&view)?);
        return Ok(());
    }
    print!("{}", describe(store, settings, &t, &view).await?);
    Ok(())
}

async fn describe(
    store: &Store,
    settings: &Settings,
    t: &Task,
    v: &TaskView,
) -> anyhow::Result<String> {
    let mut out = format!("#{} {} [{}]\n", v.id, v.title, v.state.as_str());
    out += &format!("key: {}\n", v.key);
    out += &format!("opened: {}", local(settings, &v.created_at));
    if let Some(c) = &v.closed_at {
        out += &format!(", done: {}", local(settings, c));
    }
    out += "\n";
    out += &match (&v.url, &t.github_error) {
        (Some(url), _) => format!("GitHub: {url}\n"),
        (None, Some(e)) => format!("GitHub: not linked; last error: {e}\n"),
        (None, None) => "GitHub: not linked\n".to_owned(),
    };
    out += &format!("fired again: {} time(s)", v.fired_again);
    if let Some(last) = &v.last_fired_at {
        out += &format!(", last {}", local(settings, last));
    }
    out += "\nalerts:\n";
    let alerts = store.alerts_by_id(&v.alert_ids).await?;
    for a in &alerts {
        out += &format!("  {}\n", crate::review::alert_line(a, None));
    }
    Ok(out)
}

async fn done(store: &Store, args: ShowArgs, now: i64) -> anyhow::Result<()> {
    let (t, changed) = task::done(store, args.id, now).await?;
    if args.format == TaskFormat::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&task::view(store, &t).await?)?
        );
    } else if changed {
        println!("task #{} done: {}", t.id, t.title);
        if let Some(url) = &t.github_url {
            // asakai only reads issue states; closing the issue stays a person's call.
            println!("its GitHub issue stays open until closed there: {url}");
        }
    } else {
        println!("task #{} was already done", t.id);
    }
    Ok(())
}
