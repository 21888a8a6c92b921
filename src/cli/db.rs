//! `asakai db`: work on the store itself. `db copy` moves a SQLite store into
//! PostgreSQL (design §13); the copying is `store::copy`'s.

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};

use crate::store::copy::{copy_to_postgres, CopyError, CopyOptions, Progress, TableCount};
use crate::store::Location;

#[derive(Debug, clap::Args)]
pub struct DbArgs {
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum DbCommand {
    /// Copy a SQLite store into an empty PostgreSQL database, then check every
    /// table's count. Interrupted, run it again: it goes on where it stopped.
    Copy(CopyArgs),
}

#[derive(Debug, clap::Args)]
pub struct CopyArgs {
    /// The SQLite store to copy (nothing may write to it meanwhile: stop `serve`).
    #[arg(long)]
    pub from: PathBuf,
    /// The PostgreSQL database to fill: postgres://USER[:PASSWORD]@HOST[:PORT]/DB.
    #[arg(long)]
    pub to: Location,
}

pub async fn run(args: DbArgs) -> anyhow::Result<()> {
    match args.command {
        DbCommand::Copy(args) => copy(args).await,
    }
}

async fn copy(args: CopyArgs) -> anyhow::Result<()> {
    let bar = progress_bar();
    let b = bar.clone();
    let report = move |p: Progress<'_>| match p {
        Progress::Start { total, done } => {
            b.set_length(total.max(1));
            b.set_position(done);
        }
        Progress::Table(name) => b.set_message(name.to_owned()),
        Progress::Rows(n) => b.inc(n),
        Progress::Checking => b.set_message("checking counts"),
    };
    let result = copy_to_postgres(&args.from, &args.to, &CopyOptions::default(), &report).await;
    bar.finish_and_clear();
    match result {
        Ok(done) => {
            print!("{}", counts_table(&done.tables));
            let resumed = match done.resumed_rows {
                0 => String::new(),
                n => format!(" (resumed: {n} rows were copied before)"),
            };
            eprintln!(
                "db copy: {} copied into {}{resumed}; every count matches",
                args.from.display(),
                args.to
            );
            Ok(())
        }
        Err(e) => {
            // The counts say more than the message: show them all.
            if let CopyError::Mismatch { tables, .. } = &e {
                print!("{}", counts_table(tables));
            }
            Err(e.into())
        }
    }
}

/// A bar on stderr; indicatif draws nothing when stderr is not a terminal.
fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg:20} [{bar:30}] {human_pos}/{human_len} rows {per_sec} {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar
}

/// Table, rows in the source, rows in the copy; a mark on a line that differs.
fn counts_table(tables: &[TableCount]) -> String {
    let width = tables
        .iter()
        .map(|t| t.table.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut out = format!("{:width$}  {:>10}  {:>10}\n", "table", "source", "copy");
    for t in tables {
        let mark = if t.source == t.target {
            ""
        } else {
            "  differs"
        };
        out.push_str(&format!(
            "{:width$}  {:>10}  {:>10}{mark}\n",
            t.table, t.source, t.target
        ));
    }
    out
}
