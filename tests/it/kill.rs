//! Passes that really die: the built binary polls the simulator and is SIGKILLed at
//! several moments of a long pass; plain `poll`s then converge to exactly the rows of
//! an uninterrupted run, and to the simulator's ground truth.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use asakai::sim::{self, Faults, RunningSim, SimOptions};
use asakai::store::{testing, AlertFilter};

use crate::helpers::TestDb;
use crate::sim::assert_matches_truth;

const KEY: &str = "kill-test-key";

async fn start_sim(seed: u64, alerts: u64) -> RunningSim {
    let opts = SimOptions {
        seed,
        days: 30,
        alerts: Some(alerts),
        api_key: KEY.into(),
        frozen: true,
        ..SimOptions::default()
    };
    sim::start(opts, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// A config with no pacing and quick retries, so a test pass is long only by the
/// simulator's own delay.
fn config(dir: &Path) -> PathBuf {
    let path = dir.join("asakai.toml");
    std::fs::write(
        &path,
        "[mackerel]\nrequest_interval = \"0s\"\ntimeout = \"5s\"\n\
         [sync]\nlogs_per_pass = 100000\npass_budget = \"10m\"\n",
    )
    .unwrap();
    path
}

fn poll(sim: &RunningSim, db: &TestDb, config: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_asakai"));
    cmd.arg("poll")
        .args(args)
        .env("ASAKAI_DB", db.arg())
        .env("ASAKAI_CONFIG", config)
        .env("MACKEREL_APIBASE", sim.base_url())
        .env("MACKEREL_APIKEY", KEY)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

/// Starts a pass and SIGKILLs it after `after` (unless it finished first).
async fn kill_after(mut cmd: Command, after: Duration) -> bool {
    let mut child: Child = cmd.spawn().unwrap();
    tokio::time::sleep(after).await;
    let killed = child.try_wait().unwrap().is_none();
    if killed {
        child.kill().unwrap();
    }
    child.wait().unwrap();
    killed
}

/// Kills the command once `db` holds a value for the sync state `key` (within 20 s);
/// whether it was still running then. A start that takes a while (connecting to a
/// PostgreSQL, migrating it) is waited for, not raced.
async fn kill_once_stored(mut cmd: Command, db: &TestDb, key: &str) -> bool {
    let mut child: Child = cmd.spawn().unwrap();
    let sql = format!("SELECT value FROM sync_state WHERE key = '{key}'");
    for _ in 0..1000 {
        if let Ok(store) = asakai::store::Store::open_reader(db.location()).await {
            let held = testing::optional_string(&store, &sql, &[]).await;
            store.close().await;
            if matches!(held, Ok(Some(_))) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let killed = child.try_wait().unwrap().is_none();
    if killed {
        child.kill().unwrap();
    }
    child.wait().unwrap();
    killed
}

async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// Plain polls until one says nothing is left; at most `tries`.
async fn converge(sim: &RunningSim, db: &TestDb, config: &Path, tries: usize) {
    for _ in 0..tries {
        let out = run(poll(sim, db, config, &[])).await;
        let text = String::from_utf8_lossy(&out.stderr).to_string();
        if out.status.success() && !text.contains("left for the next passes") {
            return;
        }
        eprintln!("converging: {text}");
    }
    panic!("no pass finished with nothing left after {tries} tries");
}

/// Every stored field of every alert, and every log entry.
async fn rows(db: &TestDb) -> (Vec<String>, Vec<String>) {
    let store = db.open_reader().await;
    let alerts = store
        .find_alerts(&AlertFilter::default())
        .await
        .unwrap()
        .iter()
        .map(|a| format!("{a:?}"))
        .collect();
    let logs = testing::strings(
        &store,
        "SELECT alert_id || ' ' || seq || ' ' || created_at || ' ' || status || ' ' || trigger \
         FROM alert_logs ORDER BY alert_id, seq",
        &[],
    )
    .await
    .unwrap();
    store.close().await;
    (alerts, logs)
}

async fn assert_like_truth(sim: &RunningSim, db: &TestDb) {
    let store = db.open_reader().await;
    assert_matches_truth(&store, &sim.sim.truth(), sim.sim.now()).await;
    store.close().await;
}

/// Kills one pass at each of `moments`, each killed pass resuming the previous one.
async fn kill_at(sim: &RunningSim, db: &TestDb, config: &Path, args: &[&str], moments: &[u64]) {
    let mut kills = 0;
    for ms in moments {
        if kill_after(poll(sim, db, config, args), Duration::from_millis(*ms)).await {
            kills += 1;
        }
    }
    assert!(kills >= 2, "the passes were killed mid-way ({kills} kills)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passes_killed_at_any_moment_keep_their_work_and_converge_exactly() {
    let sim = start_sim(21, 2_500).await;
    let reference = TestDb::new().await;
    let config = config(reference.dir());

    // The reference: one uninterrupted pass.
    let out = run(poll(&sim, &reference, &config, &["--since", "40d"])).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The same history, killed five times on the way. Each request takes 15 ms.
    sim.sim.set_faults(Faults {
        delay: Duration::from_millis(15),
        ..Faults::default()
    });
    let db = TestDb::new().await;
    kill_at(
        &sim,
        &db,
        &config,
        &["--since", "40d"],
        &[150, 400, 700, 1_200, 2_000],
    )
    .await;
    let kept = db.open_reader().await.count_alerts().await.unwrap();
    assert!(kept > 0, "the killed passes kept what they wrote");

    sim.sim.set_faults(Faults::default());
    // Plain polls (a 7-day default backfill) finish the 40 days the killed pass began.
    converge(&sim, &db, &config, 5).await;
    assert_eq!(rows(&db).await, rows(&reference).await);
    assert_like_truth(&sim, &db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passes_killed_under_faults_converge_to_the_ground_truth() {
    let sim = start_sim(22, 600).await;
    let db = TestDb::new().await;
    let config = config(db.dir());
    sim.sim.set_faults(Faults {
        error_rate: 0.2,
        throttle_rate: 0.1,
        truncate_rate: 0.05,
        delay: Duration::from_millis(10),
    });
    // The first pass is killed once it has remembered how far back it reads, however
    // slow the machine: a pass killed before that never began its read, and plain
    // polls rightly reach back only their default week (on a loaded machine, three
    // kills by the clock all came before it, and a week of the 22 days was stored).
    let since = ["--since", "40d"];
    let first = poll(&sim, &db, &config, &since);
    assert!(kill_once_stored(first, &db, "backfill_horizon").await);
    kill_at(&sim, &db, &config, &since, &[300, 800, 1_500]).await;
    // Converging without the faults: each failed request waits out a backoff, which
    // would make the test slow, not stronger (the sim tests converge under faults).
    sim.sim.set_faults(Faults::default());
    converge(&sim, &db, &config, 10).await;
    assert_like_truth(&sim, &db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_backfill_is_remembered_and_finished_by_plain_polls() {
    let sim = start_sim(23, 1_000).await;
    let db = TestDb::new().await;
    let config = config(db.dir());
    sim.sim.set_faults(Faults {
        delay: Duration::from_millis(40),
        ..Faults::default()
    });
    // Killed while it reads the list, once its first checkpoint recorded the horizon.
    assert!(
        kill_once_stored(
            poll(&sim, &db, &config, &["--since", "40d"]),
            &db,
            "backfill_horizon"
        )
        .await
    );
    let store = db.open_reader().await;
    let left = testing::optional_string(
        &store,
        "SELECT value FROM sync_state WHERE key = 'backfill_horizon'",
        &[],
    )
    .await
    .unwrap();
    assert!(
        left.is_some(),
        "the unfinished backfill's horizon is in the store"
    );
    store.close().await;

    sim.sim.set_faults(Faults::default());
    let out = run(poll(&sim, &db, &config, &[])).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    converge(&sim, &db, &config, 3).await;
    // Every alert of the 30 days, not only the 7 a first plain poll reaches.
    assert_like_truth(&sim, &db).await;
}
