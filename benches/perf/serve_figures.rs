//! The serve issue's figures (design §9), on the built binary: resident memory idle
//! and during a 100k-alert backfill, and the p99 of the API and pages under 50
//! concurrent clients on the 1M-alert store (SQLite or PostgreSQL).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use asakai::store::Location;

use crate::backends::{arg, Place};
use crate::Row;

const KEY: &str = "bench-serve-key";
const HOOK: &str = "bench-hook-secret";

/// Median and worst time from posting an alert webhook to seeing it in `/api/alerts/{id}`.
async fn webhook_to_visible(base: &str, n: usize) -> (Duration, Duration) {
    let http = reqwest::Client::new();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mackerel/webhooks/alert-docs-example.json");
    let template: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    let mut times = Vec::new();
    for i in 0..n {
        let id = format!("benchHook{i}");
        let mut body = template.clone();
        body["alert"]["id"] = serde_json::json!(id);
        let started = Instant::now();
        let r = http
            .post(format!("{base}/webhooks/mackerel"))
            .basic_auth("mackerel", Some(HOOK))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "webhook refused: {}", r.status());
        loop {
            let r = http
                .get(format!("{base}/api/alerts/{id}"))
                .send()
                .await
                .unwrap();
            if r.status().is_success() {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "never visible");
        }
        times.push(started.elapsed());
    }
    times.sort();
    (times[times.len() / 2], times[times.len() - 1])
}

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn sim(bin: &Path, alerts: u64) -> (Proc, String) {
    let p = port();
    let child = Command::new(bin)
        .args([
            "sim",
            "--days",
            "30",
            "--api-key",
            KEY,
            "--alerts",
            &alerts.to_string(),
        ])
        .args(["--listen", &format!("127.0.0.1:{p}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_port(p);
    (Proc(child), format!("http://127.0.0.1:{p}/"))
}

fn serve(bin: &Path, db: &Location, dir: &Path, mackerel: &str, interval: &str) -> (Proc, String) {
    let p = port();
    let config = dir.join("serve.toml");
    std::fs::write(
        &config,
        format!(
            "[mackerel]\nrequest_interval = \"0s\"\n[sync]\ninterval = \"{interval}\"\n\
             backfill = \"31d\"\nlogs_per_pass = 0\n"
        ),
    )
    .unwrap();
    let child = Command::new(bin)
        .args(["serve", "--listen", &format!("127.0.0.1:{p}")])
        .env("ASAKAI_DB", arg(db))
        .env("ASAKAI_CONFIG", &config)
        .env("MACKEREL_APIBASE", mackerel)
        .env("MACKEREL_APIKEY", KEY)
        .env("ASAKAI_WEBHOOK_SECRET", HOOK)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_port(p);
    (Proc(child), format!("http://127.0.0.1:{p}"))
}

/// `VmRSS` and `VmHWM` of a process, in MiB.
fn resident(pid: u32) -> (f64, f64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// p50 and p99 of `per_client` requests from each of 50 clients at once.
async fn load(url: String, per_client: usize) -> (Duration, Duration, usize) {
    let http = reqwest::Client::new();
    let url = Arc::new(url);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (http, url) = (http.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut errors = 0;
            for _ in 0..per_client {
                let started = Instant::now();
                match http.get(url.as_str()).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    _ => errors += 1,
                }
                times.push(started.elapsed());
            }
            (times, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (times, e) = t.await.unwrap();
        all.extend(times);
        errors += e;
    }
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)];
    (at(0.5), at(0.99), errors)
}

/// Resident memory during a 100k backfill into a SQLite file, then idle.
pub async fn memory_figures(bin: &Path, dir: &Path, row: Row<'_>) {
    let (_sim, mackerel) = sim(bin, 100_000);
    let db = Location::File(dir.join("serve-100k.db"));
    let (server, base) = serve(bin, &db, dir, &mackerel, "10s");
    let pid = server.0.id();
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let ok = http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ok || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, peak) = resident(pid);
    row(
        "serve during a 100k backfill: peak resident memory",
        format!("{peak:.0} MiB"),
        "< 150 MiB",
        peak < 150.0,
    );
    tokio::time::sleep(Duration::from_secs(15)).await;
    let (idle, _) = resident(pid);
    row(
        "serve idle after it (passes every 10s): resident memory",
        format!("{idle:.0} MiB"),
        "< 50 MiB",
        idle < 50.0,
    );
}

/// The API and pages under 50 clients on a copy of `big`, the 1M-alert store; the
/// server's worker polls a small simulator meanwhile.
pub async fn under_load(bin: &Path, dir: &Path, place: &Place, big: &Location, row: Row<'_>) {
    let copy = place.scratch_copy(big, "bench_serve_1m").await;
    let (sim_process, mackerel) = sim(bin, 1_000);
    let (server, base) = serve(bin, &copy, dir, &mackerel, "1h");
    let (median, worst) = webhook_to_visible(&base, 50).await;
    row(
        "webhook to visible in /api/alerts on 1M",
        format!("{worst:.1?} worst (p50 {median:.1?})"),
        "< 1 s",
        worst < Duration::from_secs(1),
    );
    for (what, path) in [
        ("/api/alerts (100 newest)", "/api/alerts".to_owned()),
        (
            "/api/alerts?service=blog",
            "/api/alerts?service=blog".to_owned(),
        ),
        ("/api/digest (today)", "/api/digest".to_owned()),
        // The web pages (issue 10) under the same load and target.
        ("page / (today's digest)", "/".to_owned()),
        ("page /alerts", "/alerts".to_owned()),
        (
            "page /alerts?service=blog",
            "/alerts?service=blog".to_owned(),
        ),
        ("page /tasks", "/tasks".to_owned()),
        // Searches: a word, and a rare two-character term only the text index answers.
        (
            "page /alerts?search=nginx",
            "/alerts?search=nginx".to_owned(),
        ),
        ("page /alerts?search=zq", "/alerts?search=zq".to_owned()),
    ] {
        let (p50, p99, errors) = load(format!("{base}{path}"), 20).await;
        row(
            &format!("{what}, 50 clients on 1M: p99"),
            latency(p50, p99, errors),
            "< 100 ms",
            errors == 0 && p99 < Duration::from_millis(100),
        );
    }
    drop((server, sim_process));
    place.remove("bench_serve_1m").await;
}

/// A p99 with its p50, and whether any request failed.
fn latency(p50: Duration, p99: Duration, errors: usize) -> String {
    let failed = if errors > 0 { " ERRORS" } else { "" };
    format!("{p99:.1?} (p50 {p50:.1?}){failed}")
}

/// The meeting screen on a heavy organisation (design §9, §10): the simulator's
/// 1,000,000 alerts over 30 days (about 40,000 a weekday) polled by `serve`, then
/// a weekday's page and `/api/digest` under 50 clients, with their sizes.
pub async fn heavy_meeting(bin: &Path, dir: &Path, place: &Place, row: Row<'_>) {
    let (sim_process, mackerel) = sim(bin, 1_000_000);
    let db = place.fresh("bench_heavy_meeting").await;
    let (server, base) = serve(bin, &db, dir, &mackerel, "1h");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(900);
    // Ready once its first pass (the month's backfill) is done.
    while !http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(Instant::now() < deadline, "the backfill never finished");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // The last Tuesday to Friday: its meeting's window is one full weekday.
    let mut day = chrono::Utc::now().date_naive();
    loop {
        day = day.pred_opt().unwrap();
        use chrono::Datelike;
        if (2..=5).contains(&day.weekday().number_from_monday()) {
            break;
        }
    }
    let digest: serde_json::Value = http
        .get(format!("{base}/api/digest?date={day}&alerts=all"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let alerts: i64 = digest["totals"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|v| v.as_i64())
        .sum();
    let size = |path: String| {
        let http = http.clone();
        let url = format!("{base}{path}");
        async move {
            http.get(url)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
                .len()
        }
    };
    let page = size(format!("/digests/{day}")).await;
    row(
        "page /digests/D of a heavy weekday: size",
        format!("{} KiB ({alerts} alerts)", page / 1024),
        "< 1 MiB",
        page < 1 << 20,
    );
    // The API's target is its time; its size is told against every alert object.
    let condensed = size(format!("/api/digest?date={day}")).await;
    let all = size(format!("/api/digest?date={day}&alerts=all")).await;
    row(
        "/api/digest?date=D of a heavy weekday: size",
        format!("{} KiB (all: {} KiB)", condensed / 1024, all / 1024),
        "smaller than all",
        condensed < all,
    );
    for (what, path, target) in [
        ("page /digests/D", format!("/digests/{day}"), 100),
        ("/api/digest?date=D", format!("/api/digest?date={day}"), 200),
    ] {
        let (p50, p99, errors) = load(format!("{base}{path}"), 20).await;
        row(
            &format!("{what} of a heavy weekday, 50 clients: p99"),
            latency(p50, p99, errors),
            &format!("< {target} ms"),
            errors == 0 && p99 < Duration::from_millis(target),
        );
    }
    drop((server, sim_process));
    place.remove("bench_heavy_meeting").await;
}
