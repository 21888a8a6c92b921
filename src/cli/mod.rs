//! The command line (design §7). `main.rs` only calls [`main`].

mod alerts;
mod db;
mod demo;
mod digest;
mod poll;
mod report;
mod review;
mod serve;
mod sim;
mod task;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{Env, Settings, DEFAULT_DB};
use crate::store::Location;

#[derive(Debug, Parser)]
#[command(
    name = "asakai",
    version,
    about = "Every Mackerel alert in SQLite, and the morning digest for your standup"
)]
pub struct Cli {
    /// The store: a SQLite file, or a postgres:// URL [default: asakai.db;
    /// asakai-demo.db for `demo`].
    #[arg(long, global = true, env = "ASAKAI_DB")]
    pub db: Option<Location>,
    /// A TOML config file (see asakai.example.toml).
    #[arg(long, global = true, env = "ASAKAI_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one sync pass against Mackerel, then print a one-line summary.
    Poll(poll::PollArgs),
    /// Look up stored alerts, newest first.
    Alerts(alerts::AlertsArgs),
    /// The morning digest: the previous business day's alerts by service and state.
    Digest(digest::DigestArgs),
    /// Record what the team decided about alerts, or list a meeting's unreviewed ones.
    Review(review::ReviewArgs),
    /// Follow-up tasks: open, list, show, mark done.
    Task(task::TaskArgs),
    /// Reports for longer looks back: the week, and which monitors waste the team's mornings.
    Report(report::ReportArgs),
    /// Keep the store current, take Mackerel's webhooks, post the morning digest, and
    /// serve the JSON API, health and metrics.
    Serve(serve::ServeArgs),
    /// Serve a simulated Mackerel organisation on loopback (for trying asakai and for tests).
    Sim(sim::SimArgs),
    /// Start the simulator, backfill a month of alerts into a demo database, and show them.
    Demo(demo::DemoArgs),
    /// Work on the store itself: `db copy` moves a SQLite store into PostgreSQL.
    Db(db::DbArgs),
}

/// Parses the process arguments, runs the command, and turns errors into a message
/// on stderr and a non-zero exit code.
pub fn main() -> ExitCode {
    crate::telemetry::init();
    let cli = Cli::parse();
    if let Some(policy) = memory_policy(&cli.command) {
        policy.apply();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// How the command wants the allocator set; applied before the runtime exists.
fn memory_policy(command: &Command) -> Option<crate::memory::Policy> {
    use crate::memory::Policy;
    match command {
        Command::Digest(_) | Command::Report(_) => Some(Policy::OneShot),
        Command::Serve(_) | Command::Demo(_) => Some(Policy::Service),
        _ => None,
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref(), &Env::from_process())?;
    let db = cli
        .db
        .clone()
        .unwrap_or_else(|| Location::File(DEFAULT_DB.into()));
    match cli.command {
        Command::Poll(args) => poll::run(&db, &settings, args).await,
        Command::Alerts(args) => alerts::run(&db, &settings, args).await,
        Command::Digest(args) => digest::run(&db, &settings, args).await,
        Command::Review(args) => review::run(&db, &settings, args).await,
        Command::Task(args) => task::run(&db, &settings, args).await,
        Command::Report(args) => report::run(&db, &settings, args).await,
        Command::Serve(args) => serve::run(&db, &settings, args).await,
        Command::Sim(args) => sim::run(args).await,
        Command::Db(args) => db::run(args).await,
        Command::Demo(args) => {
            let db = cli
                .db
                .unwrap_or_else(|| Location::File(demo::DEMO_DB.into()));
            demo::run(&db, &settings, args).await
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn serve_and_demo_set_the_services_allocator_policy_before_the_runtime() {
        use crate::memory::Policy;
        use clap::Parser;
        let policy = |args: &[&str]| {
            let cli = super::Cli::try_parse_from(args).unwrap();
            super::memory_policy(&cli.command)
        };
        assert_eq!(policy(&["asakai", "serve"]), Some(Policy::Service));
        assert_eq!(policy(&["asakai", "demo", "--once"]), Some(Policy::Service));
        assert_eq!(policy(&["asakai", "digest"]), Some(Policy::OneShot));
        assert_eq!(policy(&["asakai", "poll"]), None);
    }
}
