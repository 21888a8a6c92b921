//! The sync issue's figures (design §9), measured on the built binary as a user runs
//! it: peak memory of backfills, of a second pass over a full database and of a full
//! listing, and a pass under faults with default settings. Each process is its own,
//! so the simulator's memory never counts as asakai's.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "bench-sync-key";

/// A simulator in its own process, stopped when dropped.
struct Sim {
    child: Child,
    base: String,
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_sim(bin: &Path, alerts: u64, faults: &[&str]) -> Sim {
    let port = free_port();
    let child = Command::new(bin)
        .args(["sim", "--days", "30", "--api-key", KEY])
        .args(["--alerts", &alerts.to_string()])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(faults)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}/");
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the simulator did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    Sim { child, base }
}

/// Runs a command to its end; returns its time, peak resident memory (MiB, sampled
/// from /proc every 20 ms), and whether it succeeded.
fn measure(mut cmd: Command) -> (Duration, f64, bool) {
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            if let Some(kb) = text
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
            {
                peak_kb = peak_kb.max(kb);
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if !status.success() {
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        eprintln!("  failed: {err}");
    }
    (started.elapsed(), peak_kb as f64 / 1024.0, status.success())
}

fn config(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn poll(bin: &Path, sim: &Sim, db: &Path, config: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("poll")
        .args(args)
        .env("ASAKAI_DB", db)
        .env("ASAKAI_CONFIG", config)
        .env("MACKEREL_APIBASE", &sim.base)
        .env("MACKEREL_APIKEY", KEY);
    cmd
}

/// Prints the sync figures with `row` (what, figure, target, ok).
pub fn run(bin: &Path, dir: &Path, row: &dyn Fn(&str, String, &str, bool)) {
    let fast = config(
        dir,
        "fast.toml",
        "[mackerel]\nrequest_interval = \"0s\"\n[sync]\nlogs_per_pass = 0\n",
    );
    for alerts in [100_000u64, 1_000_000] {
        let sim = start_sim(bin, alerts, &[]);
        let db = dir.join(format!("sync-{alerts}.db"));
        let (took, mib, ok) = measure(poll(bin, &sim, &db, &fast, &["--since", "31d"]));
        row(
            &format!("poll backfilling {alerts} alerts: peak memory"),
            format!("{mib:.0} MiB"),
            "< 150 MiB",
            ok && mib < 150.0,
        );
        row(
            &format!("poll backfilling {alerts} alerts: rate"),
            format!("{:.0} alerts/s", alerts as f64 / took.as_secs_f64()),
            ">= 20000/s",
            ok && alerts as f64 / took.as_secs_f64() >= 20_000.0,
        );
        if alerts == 1_000_000 {
            let (_, mib, ok) = measure(poll(bin, &sim, &db, &fast, &[]));
            row(
                "a second pass over the full 1M database: peak memory",
                format!("{mib:.0} MiB"),
                "< 150 MiB",
                ok && mib < 150.0,
            );
            for format in ["json", "csv"] {
                let mut cmd = Command::new(bin);
                cmd.args(["alerts", "--limit", "0", "--format", format])
                    .env("ASAKAI_DB", &db);
                let (took, mib, ok) = measure(cmd);
                let rate = alerts as f64 / took.as_secs_f64();
                row(
                    &format!("alerts --limit 0 --format {format} on 1M: peak memory"),
                    format!("{mib:.0} MiB"),
                    "flat",
                    ok && mib < 150.0,
                );
                row(
                    &format!("alerts --limit 0 --format {format} on 1M: rate"),
                    format!("{rate:.0} rows/s"),
                    ">= 200000/s",
                    ok && rate >= 200_000.0,
                );
            }
        }
    }
    // Default settings (200 ms pacing, retries, the pass budget) under the faults.
    let sim = start_sim(
        bin,
        1_500,
        &[
            "--error-rate",
            "0.2",
            "--throttle-rate",
            "0.1",
            "--truncate-rate",
            "0.05",
        ],
    );
    let defaults = config(dir, "defaults.toml", "");
    let db = dir.join("faulted.db");
    let (took, _, ok) = measure(poll(bin, &sim, &db, &defaults, &["--since", "30d"]));
    row(
        "1,500 alerts over 30 days under 20% 5xx, 10% 429, 5% cut bodies",
        format!(
            "{:.1} s{}",
            took.as_secs_f64(),
            if ok { "" } else { " (failed)" }
        ),
        "< 90 s, exit 0",
        ok && took < Duration::from_secs(90),
    );
}
