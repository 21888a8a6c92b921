//! The performance targets of design §9, measured (not timed tests):
//!
//!     cargo bench --bench perf            # 100k-alert backfill, and queries on 1M alerts
//!     ASAKAI_BENCH_ALERTS=20000 cargo bench --bench perf   # a quicker look
//!
//! Each figure is the median of several runs; the 1M-alert database is built once
//! (by backfilling from the simulator) under target/ and reused.

mod graph_figures;
mod serve_figures;
mod sync_figures;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use asakai::mackerel::{Client, ClientConfig};
use asakai::sim::{self, SimOptions, DAY};
use asakai::store::{testing, AlertFilter, Store};
use asakai::sync::{run_pass, SyncOptions};

const ANCHOR: i64 = 1_764_000_000;
const KEY: &str = "bench-key";

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

async fn backfill(alerts: u64, days: i64, db: &Path) -> (Duration, u64) {
    backfill_at(ANCHOR, alerts, days, db).await
}

async fn backfill_at(anchor: i64, alerts: u64, days: i64, db: &Path) -> (Duration, u64) {
    let opts = SimOptions {
        alerts: Some(alerts),
        days,
        anchor: Some(anchor),
        frozen: true,
        api_key: KEY.into(),
        ..SimOptions::default()
    };
    let running = sim::start(opts, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let mut config = ClientConfig::new(running.base_url(), KEY);
    config.request_interval = Duration::ZERO;
    let client = Client::new(config).unwrap();
    let store = Store::open(db).await.unwrap();
    let sync = SyncOptions {
        since: Some(anchor - (days + 1) * DAY),
        logs_per_pass: 0,
        ..SyncOptions::default()
    };
    let started = Instant::now();
    let summary = run_pass(&client, &store, &sync, anchor).await.unwrap();
    let took = started.elapsed();
    store.close().await;
    (took, summary.new_alerts as u64)
}

/// The same rows written twice: through asakai's store (upserts, services, text
/// index), and as a plain bulk insert into a table with the same columns.
async fn storage_ratio(source: &Path, dir: &Path) -> f64 {
    let store = Store::open(source).await.unwrap();
    let records = store.find_alerts(&AlertFilter::default()).await.unwrap();
    store.close().await;

    let ours = Store::open(&dir.join("ours.db")).await.unwrap();
    let started = Instant::now();
    ours.write_alerts(&records, ANCHOR).await.unwrap();
    let ours_took = started.elapsed();

    let raw = Store::open(&dir.join("raw.db")).await.unwrap();
    testing::execute(&raw, "CREATE TABLE raw (id TEXT, type TEXT, status TEXT, severity TEXT, monitor_id TEXT, monitor_name TEXT, host_id TEXT, host_name TEXT, opened_at INTEGER, closed_at INTEGER, reason TEXT, message TEXT, roles TEXT, services TEXT, url TEXT)", &[])
        .await
        .unwrap();
    let started = Instant::now();
    let mut tx = testing::hold_writer(&raw).await.unwrap();
    for r in &records {
        let row: [testing::Arg; 15] = [
            r.id.as_str().into(),
            r.kind.as_str().into(),
            r.status.as_str().into(),
            r.severity.as_deref().into(),
            r.monitor_id.as_deref().into(),
            r.monitor_name.as_deref().into(),
            r.host_id.as_deref().into(),
            r.host_name.as_deref().into(),
            r.opened_at.into(),
            r.closed_at.into(),
            r.reason.as_deref().into(),
            r.message.as_deref().into(),
            serde_json::to_string(&r.roles).unwrap().into(),
            serde_json::to_string(&r.services).unwrap().into(),
            r.url.as_deref().into(),
        ];
        tx.execute(
            "INSERT INTO raw VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &row,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    ours_took.as_secs_f64() / started.elapsed().as_secs_f64()
}

fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let release = exe.parent().unwrap().parent().unwrap().join("asakai");
    assert!(
        release.exists(),
        "build the binary first: cargo build --release"
    );
    release
}

fn process_median(db: &Path, args: &[&str], runs: usize) -> Duration {
    let bin = binary();
    let times = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let out = Command::new(&bin)
                .arg("--db")
                .arg(db)
                .args(args)
                .env("TZ", "Asia/Tokyo")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            started.elapsed()
        })
        .collect();
    median(times)
}

/// The median time and the largest peak resident memory (KiB) of `runs` runs,
/// measured by /usr/bin/time (GNU time's %M).
fn process_median_memory(db: &Path, args: &[&str], runs: usize) -> (Duration, u64, usize) {
    let bin = binary();
    let mut peak = 0;
    let mut size = 0;
    let times = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let out = Command::new("/usr/bin/time")
                .args(["-f", "%M"])
                .arg(&bin)
                .arg("--db")
                .arg(db)
                .args(args)
                .env("TZ", "Asia/Tokyo")
                .output()
                .unwrap();
            let took = started.elapsed();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{stderr}");
            let kib: u64 = stderr
                .lines()
                .last()
                .unwrap_or("0")
                .trim()
                .parse()
                .unwrap_or(0);
            peak = peak.max(kib);
            size = out.stdout.len();
            took
        })
        .collect();
    (median(times), peak, size)
}

fn day(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string()
}

/// The digest of old and long windows on the 1M database: bounded queries keep
/// them as cheap as last week's.
fn digest_any_date(big: &Path) {
    let monday = (0..7)
        .map(|i| ANCHOR - (7 + i) * DAY)
        .find(|t| {
            chrono::Datelike::weekday(&chrono::DateTime::from_timestamp(*t, 0).unwrap())
                == chrono::Weekday::Mon
        })
        .unwrap();
    let old_thursday = (0..7)
        .map(|i| ANCHOR - (700 + i) * DAY)
        .find(|t| {
            chrono::Datelike::weekday(&chrono::DateTime::from_timestamp(*t, 0).unwrap())
                == chrono::Weekday::Thu
        })
        .unwrap();
    for (what, date) in [
        ("two years back", day(old_thursday)),
        ("a Monday", day(monday)),
    ] {
        for format in ["json", "html", "markdown"] {
            let took = process_median(big, &["digest", "--format", format, "--date", &date], 9);
            let target = if format == "json" { "< 100 ms" } else { "-" };
            row(
                &format!("digest --format {format}, {what} ({date}), 1M alerts"),
                format!("{took:.1?}"),
                target,
                format != "json" || took < Duration::from_millis(100),
            );
        }
    }
}

/// A heavy organisation's day: about 60,000 alerts a weekday, every format.
async fn heavy_day(dir: &Path) {
    let db = dir.join("bench-heavy-day-60k.db");
    // Friday 2025-11-28 00:00 in Tokyo: Tuesday and Wednesday (UTC) generated in full before it.
    let anchor = 1_764_255_600;
    if !db.exists() {
        eprintln!("building {} (60,000 alerts a day; once)...", db.display());
        backfill_at(anchor, 120_000, 2, &db).await;
    }
    // Friday's meeting: its window is Thursday in Tokyo.
    for format in ["json", "markdown", "html", "slack", "text"] {
        let (took, kib, bytes) = process_median_memory(
            &db,
            &[
                "digest",
                "--format",
                format,
                "--date",
                "2025-11-28",
                "--tz",
                "Asia/Tokyo",
            ],
            5,
        );
        let target = if format == "json" { "-" } else { "< 500 ms" };
        row(
            &format!(
                "heavy day --format {format}: {} KiB out, peak {} MiB",
                bytes / 1024,
                kib / 1024
            ),
            format!("{took:.1?}"),
            target,
            format == "json" || took < Duration::from_millis(500),
        );
    }
}

/// History lookups on the 1M database that must not walk the whole table.
fn lookups(big: &Path) {
    for (what, args) in [
        (
            "alerts --service blog, 100 rows",
            vec!["alerts", "--service", "blog", "--format", "json"],
        ),
        (
            "alerts --host (a name part), 100 rows",
            vec!["alerts", "--host", "web", "--format", "json"],
        ),
        (
            "alerts --monitor (a name part), 100 rows",
            vec!["alerts", "--monitor", "cpu", "--format", "json"],
        ),
        (
            "alerts --search of 2 characters, 100 rows",
            vec!["alerts", "--search", "ng", "--format", "json"],
        ),
        (
            "alerts --search of 1 character, 100 rows",
            vec!["alerts", "--search", "x", "--format", "json"],
        ),
        // Rare short terms cannot stop at the limit: the text index answers them.
        (
            "alerts --search, 2 rare characters (none match)",
            vec!["alerts", "--search", "zq", "--format", "json"],
        ),
        (
            "alerts --search, 1 rare character (none match)",
            vec!["alerts", "--search", "ζ", "--format", "json"],
        ),
        (
            "alerts --host, 2 rare characters (none match)",
            vec!["alerts", "--host", "zq", "--format", "json"],
        ),
    ] {
        let took = process_median(big, &args, 9);
        row(
            &format!("{what} (whole process)"),
            format!("{took:.1?}"),
            "< 50 ms",
            took < Duration::from_millis(50),
        );
    }
}

fn row(what: &str, figure: String, target: &str, ok: bool) {
    println!(
        "{what:<58} {figure:>16}  target {target:<12} {}",
        if ok { "ok" } else { "MISSED" }
    );
}

/// Two years of a busy organisation, built once under target/ and reused.
async fn big_database() -> PathBuf {
    let big = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-1m-2y.db");
    if !big.exists() {
        eprintln!(
            "building {} (1,000,000 alerts over two years; once)...",
            big.display()
        );
        let (took, n) = backfill(1_000_000, 730, &big).await;
        eprintln!("  {n} alerts in {took:.1?}");
    }
    big
}

#[tokio::main]
async fn main() {
    let alerts: u64 = std::env::var("ASAKAI_BENCH_ALERTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    // `ASAKAI_BENCH_ONLY=sync` measures the sync figures alone (they need no 1M database).
    if std::env::var("ASAKAI_BENCH_ONLY").as_deref() == Ok("sync") {
        sync_figures::run(&binary(), dir.path(), &|what, figure, target, ok| {
            row(what, figure, target, ok)
        });
        return;
    }
    // `ASAKAI_BENCH_ONLY=heavy` measures a heavy organisation's day alone.
    if std::env::var("ASAKAI_BENCH_ONLY").as_deref() == Ok("heavy") {
        heavy_day(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target")).await;
        return;
    }
    // `ASAKAI_BENCH_ONLY=meeting` measures the meeting screen on a heavy month alone.
    if std::env::var("ASAKAI_BENCH_ONLY").as_deref() == Ok("meeting") {
        serve_figures::heavy_meeting(&binary(), dir.path(), &|what, figure, target, ok| {
            row(what, figure, target, ok)
        })
        .await;
        return;
    }
    // `ASAKAI_BENCH_ONLY=graphs` measures graph.svg alone (on the simulator's three days).
    if std::env::var("ASAKAI_BENCH_ONLY").as_deref() == Ok("graphs") {
        graph_figures::run(ANCHOR, dir.path(), &|what, figure, target, ok| {
            row(what, figure, target, ok)
        })
        .await;
        return;
    }
    // `ASAKAI_BENCH_ONLY=lookups` measures the history lookups alone (on the 1M database).
    if std::env::var("ASAKAI_BENCH_ONLY").as_deref() == Ok("lookups") {
        lookups(&big_database().await);
        return;
    }
    // `ASAKAI_BENCH_ONLY=serve` measures the server alone (on the 1M database).
    if std::env::var("ASAKAI_BENCH_ONLY").as_deref() == Ok("serve") {
        let big = big_database().await;
        serve_figures::run(&binary(), dir.path(), &big, &|what, figure, target, ok| {
            row(what, figure, target, ok)
        })
        .await;
        return;
    }

    let mut runs = Vec::new();
    let mut stored = 0;
    // ASAKAI_BENCH_SKIP_BACKFILL=1 measures only the digest and lookups.
    let rounds = if std::env::var_os("ASAKAI_BENCH_SKIP_BACKFILL").is_some() {
        0
    } else {
        3
    };
    for i in 0..rounds {
        let (took, n) = backfill(alerts, 30, &dir.path().join(format!("backfill{i}.db"))).await;
        runs.push(took);
        stored = n;
    }
    if rounds > 0 {
        let took = median(runs);
        let rate = stored as f64 / took.as_secs_f64();
        row(
            &format!("backfill {stored} alerts from the simulator (median of 3)"),
            format!("{rate:.0} alerts/s"),
            ">= 20000/s",
            rate >= 20_000.0,
        );
        let ratio = storage_ratio(&dir.path().join("backfill0.db"), dir.path()).await;
        row(
            "storage time vs a raw bulk insert of the same rows",
            format!("{ratio:.2}x"),
            "<= 2x",
            ratio <= 2.0,
        );
    }

    // Two years of a busy organisation (about 1,400 alerts a day): the digest and
    // lookups must read their window, not the history.
    let big = big_database().await;
    // A Thursday meeting: its window is Wednesday.
    let date = chrono::DateTime::from_timestamp(ANCHOR - 4 * DAY, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string();
    let from = chrono::DateTime::from_timestamp(ANCHOR - 30 * DAY, 0)
        .unwrap()
        .format("%Y-%m-%d")
        .to_string();
    let digest = process_median(&big, &["digest", "--format", "json", "--date", &date], 9);
    row(
        "digest --format json on 1M alerts (whole process)",
        format!("{digest:.1?}"),
        "< 100 ms",
        digest < Duration::from_millis(100),
    );
    let by_service = process_median(
        &big,
        &[
            "alerts",
            "--service",
            "blog",
            "--from",
            &from,
            "--format",
            "json",
        ],
        9,
    );
    row(
        "alerts --service blog, 30 days, 100 rows (whole process)",
        format!("{by_service:.1?}"),
        "< 50 ms",
        by_service < Duration::from_millis(50),
    );
    let text = process_median(
        &big,
        &["alerts", "--search", "nginx", "--format", "json"],
        9,
    );
    row(
        "alerts --search nginx, 100 rows (whole process)",
        format!("{text:.1?}"),
        "< 50 ms",
        text < Duration::from_millis(50),
    );
    digest_any_date(&big);
    lookups(&big);
    heavy_day(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target")).await;

    // The serve issue's figures: the server as a process, a client in this one.
    serve_figures::run(&binary(), dir.path(), &big, &|what, figure, target, ok| {
        row(what, figure, target, ok)
    })
    .await;
    serve_figures::heavy_meeting(&binary(), dir.path(), &|what, figure, target, ok| {
        row(what, figure, target, ok)
    })
    .await;
    graph_figures::run(ANCHOR, dir.path(), &|what, figure, target, ok| {
        row(what, figure, target, ok)
    })
    .await;
    // The sync issue's figures: each in its own process.
    sync_figures::run(&binary(), dir.path(), &|what, figure, target, ok| {
        row(what, figure, target, ok)
    });
}
