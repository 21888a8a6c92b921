//! The read figures of design §9, each the whole `asakai` process as a user runs
//! it: the digest on 1,000,000 alerts (any date), a heavy organisation's day in
//! every format, and the history lookups. On either backend: `db` is a file or a
//! PostgreSQL URL.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use asakai::sim::DAY;
use asakai::store::Location;

use crate::backends::arg;
use crate::{median, Row, ANCHOR};

/// One run of `asakai --db DB ARGS` (under `wrapper`, if given): its time, its
/// stderr and the size of its stdout.
fn run(
    bin: &Path,
    db: &Location,
    args: &[&str],
    wrapper: Option<&str>,
) -> (Duration, String, usize) {
    let mut command = match wrapper {
        Some(w) => {
            let mut c = Command::new(w);
            c.args(["-f", "%M"]).arg(bin);
            c
        }
        None => Command::new(bin),
    };
    let started = Instant::now();
    let out = command
        .arg("--db")
        .arg(arg(db))
        .args(args)
        .env("TZ", "Asia/Tokyo")
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "asakai {args:?}: {stderr}");
    (took, stderr, out.stdout.len())
}

/// The median time of `runs` runs of `asakai --db DB ARGS`.
fn process_median(bin: &Path, db: &Location, args: &[&str], runs: usize) -> Duration {
    median((0..runs).map(|_| run(bin, db, args, None).0).collect())
}

/// The median time, the largest peak resident memory (KiB, GNU time's %M) and the
/// output's size of `runs` runs.
fn process_median_memory(
    bin: &Path,
    db: &Location,
    args: &[&str],
    runs: usize,
) -> (Duration, u64, usize) {
    let mut peak = 0;
    let mut size = 0;
    let times = (0..runs)
        .map(|_| {
            let (took, stderr, bytes) = run(bin, db, args, Some("/usr/bin/time"));
            // The stderr's last line is time's %M.
            let kib = stderr.lines().last().unwrap_or("0").trim().parse();
            peak = peak.max(kib.unwrap_or(0));
            size = bytes;
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

/// A date `back` days or more before the anchor that falls on `weekday`.
fn back_to(back: i64, weekday: chrono::Weekday) -> String {
    let t = (0..7)
        .map(|i| ANCHOR - (back + i) * DAY)
        .find(|t| {
            chrono::Datelike::weekday(&chrono::DateTime::from_timestamp(*t, 0).unwrap()) == weekday
        })
        .unwrap();
    day(t)
}

/// The digest and the two first lookups on the 1M store: the digest and lookups
/// must read their window, not the history.
pub fn on_big(bin: &Path, big: &Location, row: Row) {
    // A Thursday meeting: its window is Wednesday.
    let date = day(ANCHOR - 4 * DAY);
    let from = day(ANCHOR - 30 * DAY);
    let digest = process_median(
        bin,
        big,
        &["digest", "--format", "json", "--date", &date],
        9,
    );
    row(
        "digest --format json on 1M alerts (whole process)",
        format!("{digest:.1?}"),
        "< 100 ms",
        digest < Duration::from_millis(100),
    );
    let args = [
        "alerts",
        "--service",
        "blog",
        "--from",
        &from,
        "--format",
        "json",
    ];
    let by_service = process_median(bin, big, &args, 9);
    row(
        "alerts --service blog, 30 days, 100 rows (whole process)",
        format!("{by_service:.1?}"),
        "< 50 ms",
        by_service < Duration::from_millis(50),
    );
    let args = ["alerts", "--search", "nginx", "--format", "json"];
    let text = process_median(bin, big, &args, 9);
    row(
        "alerts --search nginx, 100 rows (whole process)",
        format!("{text:.1?}"),
        "< 50 ms",
        text < Duration::from_millis(50),
    );
}

/// The digest of old and long windows on the 1M store: bounded queries keep them
/// as cheap as last week's.
pub fn digest_any_date(bin: &Path, big: &Location, row: Row) {
    for (what, date) in [
        ("two years back", back_to(700, chrono::Weekday::Thu)),
        ("a Monday", back_to(7, chrono::Weekday::Mon)),
    ] {
        for format in ["json", "html", "markdown"] {
            let args = ["digest", "--format", format, "--date", &date];
            let took = process_median(bin, big, &args, 9);
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

/// A heavy organisation's day (about 60,000 alerts), every format; `db` holds the
/// simulator's two days of 120,000 alerts before Friday 2025-11-28 in Tokyo.
pub fn heavy_day(bin: &Path, db: &Location, row: Row) {
    // Friday's meeting: its window is Thursday in Tokyo.
    for format in ["json", "markdown", "html", "slack", "text"] {
        let args = [
            "digest",
            "--format",
            format,
            "--date",
            "2025-11-28",
            "--tz",
            "Asia/Tokyo",
        ];
        let (took, kib, bytes) = process_median_memory(bin, db, &args, 5);
        let target = if format == "json" { "-" } else { "< 500 ms" };
        row(
            &format!("heavy day (60k alerts) --format {format}"),
            format!(
                "{took:.1?} ({} KiB, {} MiB)",
                bytes / 1024,
                kib.div_ceil(1024)
            ),
            target,
            format == "json" || took < Duration::from_millis(500),
        );
    }
}

/// History lookups on the 1M store that must not walk the whole table.
pub fn lookups(bin: &Path, big: &Location, row: Row) {
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
        let took = process_median(bin, big, &args, 9);
        row(
            &format!("{what} (whole process)"),
            format!("{took:.1?}"),
            "< 50 ms",
            took < Duration::from_millis(50),
        );
    }
}
