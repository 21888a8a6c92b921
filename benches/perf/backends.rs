//! The two backends the figures are measured on (design §9's last row: PostgreSQL
//! holds the same targets as SQLite), and the sheet that prints them side by side.
//!
//! A bench store is built once and reused: a SQLite file under target/, or a
//! PostgreSQL database on the server `ASAKAI_BENCH_POSTGRES` names (an admin URL,
//! e.g. postgres://asakai@127.0.0.1:5432/postgres). Either is built under a
//! temporary name and renamed when complete, so a killed build is never reused.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Mutex;

use asakai::store::testing::with_database;
use asakai::store::Location;
use sqlx::{Connection, Executor, PgConnection};

pub const POSTGRES_ENV: &str = "ASAKAI_BENCH_POSTGRES";

/// Which backend a figure was measured on.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// Where bench stores are made: a directory for SQLite files, or a PostgreSQL
/// server's admin URL.
#[derive(Clone)]
pub enum Place {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Place {
    /// The PostgreSQL server `ASAKAI_BENCH_POSTGRES` names, if it is set.
    pub fn postgres_from_env() -> Option<Place> {
        let admin = std::env::var(POSTGRES_ENV).ok().filter(|v| !v.is_empty())?;
        assert!(
            admin.starts_with("postgres://") || admin.starts_with("postgresql://"),
            "{POSTGRES_ENV} must be an admin URL such as postgres://asakai@127.0.0.1:5432/postgres"
        );
        Some(Place::Postgres(admin))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Place::Sqlite(_) => Backend::Sqlite,
            Place::Postgres(_) => Backend::Postgres,
        }
    }

    /// The store called `name`, if a complete one was built before.
    pub async fn existing(&self, name: &str) -> Option<Location> {
        match self {
            Place::Sqlite(dir) => {
                let file = dir.join(format!("{name}.db"));
                file.exists().then_some(Location::File(file))
            }
            Place::Postgres(admin) => {
                let mut conn = admin_connection(admin).await;
                let found: Option<i32> =
                    sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                        .bind(name)
                        .fetch_optional(&mut conn)
                        .await
                        .unwrap();
                let _ = conn.close().await;
                found.map(|_| Location::Postgres(with_database(admin, name)))
            }
        }
    }

    /// An empty store under a temporary name; [`Place::finish`] gives it `name`.
    pub async fn building(&self, name: &str) -> Location {
        let building = format!("{name}_building");
        self.fresh(&building).await
    }

    /// Renames the store [`Place::building`] made to `name`, replacing any old one.
    pub async fn finish(&self, name: &str) -> Location {
        let building = format!("{name}_building");
        match self {
            Place::Sqlite(dir) => {
                let (from, to) = (
                    dir.join(format!("{building}.db")),
                    dir.join(format!("{name}.db")),
                );
                remove_sqlite(&to);
                std::fs::rename(&from, &to).unwrap();
                Location::File(to)
            }
            Place::Postgres(admin) => {
                let mut conn = admin_connection(admin).await;
                drop_database(&mut conn, name).await;
                conn.execute(format!("ALTER DATABASE {building} RENAME TO {name}").as_str())
                    .await
                    .unwrap();
                let _ = conn.close().await;
                Location::Postgres(with_database(admin, name))
            }
        }
    }

    /// A new, empty store called `name`, replacing any old one.
    pub async fn fresh(&self, name: &str) -> Location {
        match self {
            Place::Sqlite(dir) => {
                let file = dir.join(format!("{name}.db"));
                remove_sqlite(&file);
                Location::File(file)
            }
            Place::Postgres(admin) => {
                let mut conn = admin_connection(admin).await;
                drop_database(&mut conn, name).await;
                conn.execute(format!("CREATE DATABASE {name}").as_str())
                    .await
                    .unwrap();
                let _ = conn.close().await;
                Location::Postgres(with_database(admin, name))
            }
        }
    }

    /// A copy of `source` called `name` that a run may write to (a server's webhooks
    /// and passes) while the bench store stays as built.
    pub async fn scratch_copy(&self, source: &Location, name: &str) -> Location {
        match (self, source) {
            (Place::Sqlite(dir), Location::File(from)) => {
                let to = dir.join(format!("{name}.db"));
                remove_sqlite(&to);
                std::fs::copy(from, &to).unwrap();
                Location::File(to)
            }
            (Place::Postgres(admin), Location::Postgres(url)) => {
                let template = url.rsplit('/').next().unwrap().to_owned();
                let mut conn = admin_connection(admin).await;
                drop_database(&mut conn, name).await;
                conn.execute(format!("CREATE DATABASE {name} TEMPLATE {template}").as_str())
                    .await
                    .unwrap();
                let _ = conn.close().await;
                Location::Postgres(with_database(admin, name))
            }
            _ => panic!("a scratch copy is made on its source's own backend"),
        }
    }

    /// Drops a store [`Place::fresh`] or [`Place::scratch_copy`] made.
    pub async fn remove(&self, name: &str) {
        match self {
            Place::Sqlite(dir) => remove_sqlite(&dir.join(format!("{name}.db"))),
            Place::Postgres(admin) => {
                let mut conn = admin_connection(admin).await;
                drop_database(&mut conn, name).await;
                let _ = conn.close().await;
            }
        }
    }
}

/// What goes after `--db`: the file's path or the database's URL.
pub fn arg(location: &Location) -> OsString {
    match location {
        Location::File(p) => p.clone().into_os_string(),
        Location::Postgres(url) => url.into(),
    }
}

fn remove_sqlite(file: &std::path::Path) {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    for suffix in ["", "-wal", "-shm", ".open-lock", ".sync-lock"] {
        let _ = std::fs::remove_file(file.with_file_name(format!("{name}{suffix}")));
    }
}

async fn admin_connection(admin: &str) -> PgConnection {
    PgConnection::connect(admin).await.unwrap_or_else(|e| {
        panic!(
            "{POSTGRES_ENV} ({}): {e}",
            Location::Postgres(admin.to_owned())
        )
    })
}

async fn drop_database(conn: &mut PgConnection, name: &str) {
    conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
        .await
        .unwrap();
}

/// One figure: what it measures on a backend, how it compares with its target.
struct Figure {
    figure: String,
    ok: bool,
}

/// A figure's name, its target, and its figure on each backend measured.
struct Line {
    what: String,
    target: String,
    figures: BTreeMap<Backend, Figure>,
}

/// The figures of a run, printed as they come and then, when more than one backend
/// was measured, once more side by side.
#[derive(Default)]
pub struct Sheet {
    /// In the order first measured.
    lines: Mutex<Vec<Line>>,
}

impl Sheet {
    /// Prints one figure now, and keeps it for the side-by-side table.
    pub fn row(&self, backend: Backend, what: &str, figure: String, target: &str, ok: bool) {
        println!(
            "{:<11} {what:<58} {figure:>16}  target {target:<12} {}",
            backend.name(),
            verdict(ok)
        );
        let mut lines = self.lines.lock().unwrap();
        let at = match lines.iter().position(|l| l.what == what) {
            Some(at) => at,
            None => {
                lines.push(Line {
                    what: what.to_owned(),
                    target: target.to_owned(),
                    figures: BTreeMap::new(),
                });
                lines.len() - 1
            }
        };
        lines[at].figures.insert(backend, Figure { figure, ok });
    }

    /// The figures measured on both backends, one line each: SQLite's, PostgreSQL's,
    /// the target, and whether both hold it.
    pub fn print_side_by_side(&self) {
        let lines = self.lines.lock().unwrap();
        let both: Vec<&Line> = lines.iter().filter(|l| l.figures.len() == 2).collect();
        if both.is_empty() {
            return;
        }
        println!();
        println!(
            "{:<62} {:>28} {:>28}  {:<12} both",
            "side by side",
            Backend::Sqlite.name(),
            Backend::Postgres.name(),
            "target"
        );
        for line in both {
            let sqlite = &line.figures[&Backend::Sqlite];
            let postgres = &line.figures[&Backend::Postgres];
            println!(
                "{:<62} {:>28} {:>28}  {:<12} {}",
                line.what,
                sqlite.figure,
                postgres.figure,
                line.target,
                verdict(sqlite.ok && postgres.ok)
            );
        }
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "MISSED"
    }
}
