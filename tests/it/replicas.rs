//! Several `asakai serve` processes on one PostgreSQL database (design §13): all
//! serve, exactly one leads the background work, a post goes out once, and the lead
//! passes on within 2 sync intervals when the leader is killed, and at once when it
//! is stopped.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::*;
use crate::serve_process::weekday_zone;
use crate::sync::org;

/// The replicas' `[sync] interval`: short, so a takeover is seconds.
const INTERVAL: Duration = Duration::from_secs(1);

/// One `asakai serve` process, its address, and what it said on stderr.
struct Replica {
    child: Child,
    base: String,
    said: Arc<Mutex<Vec<String>>>,
}

impl Replica {
    fn start(db: &TestDb, name: &str, mackerel: &str, slack: &str, digest: &str) -> Replica {
        let config = db.dir().join(format!("{name}.toml"));
        std::fs::write(
            &config,
            format!(
                "[mackerel]\nrequest_interval = \"0s\"\n[sync]\ninterval = \"{}s\"\n\
                 backfill = \"30d\"\n[digest]\nholidays = \"none\"\n{digest}",
                INTERVAL.as_secs()
            ),
        )
        .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_asakai"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("ASAKAI_DB", db.arg())
            .env("ASAKAI_CONFIG", &config)
            .env("MACKEREL_APIBASE", mackerel)
            .env("MACKEREL_APIKEY", KEY)
            .env("SLACK_WEBHOOK_URL", slack)
            .env("RUST_LOG", "asakai=info")
            .env_remove("ASAKAI_UI_PASSWORD")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read all along: a full pipe would stall the process.
        let said = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let kept = said.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if let Some(rest) = line.split("http://").nth(1) {
                    let _ = tx.send(rest.split('/').next().unwrap_or("").to_owned());
                }
                kept.lock().unwrap().push(line);
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("{name} never said its address: {:?}", said.lock()));
        Replica {
            child,
            base: format!("http://{addr}"),
            said,
        }
    }

    async fn get(&self, path: &str) -> Value {
        let r = reqwest::get(format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}; said {:?}", self.said.lock()));
        r.json().await.unwrap()
    }

    async fn role(&self) -> String {
        self.get("/healthz").await["role"]
            .as_str()
            .unwrap_or("none")
            .to_owned()
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap()
            .success());
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until exactly one of `replicas` says it leads; its index, and how long it took.
async fn one_leader(replicas: &[&Replica], within: Duration) -> (usize, Duration) {
    let start = Instant::now();
    loop {
        let mut roles = Vec::new();
        for r in replicas {
            roles.push(r.role().await);
        }
        let leaders: Vec<usize> = (0..roles.len()).filter(|&i| roles[i] == "leader").collect();
        assert!(leaders.len() <= 1, "two leaders at once: {roles:?}");
        if let [one] = leaders[..] {
            return (one, start.elapsed());
        }
        assert!(
            start.elapsed() < within,
            "no leader within {within:?}: {roles:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn alert_ids(r: &Replica) -> Vec<String> {
    let v = r.get("/api/alerts?limit=1000").await;
    let mut ids: Vec<String> = v
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_on_one_database_serve_alike_post_once_and_hand_the_lead_over() {
    let Some(db) = TestDb::postgres_only("several serve processes on one PostgreSQL").await else {
        return;
    };
    let mackerel = Mackerel::start(org()).await;
    let slack = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&slack)
        .await;
    let hook = format!("{}/services/T0/B0/X", slack.uri());
    // The morning post due a minute ago (none at all on a weekend everywhere).
    let zone = weekday_zone();
    let digest = match zone {
        Some((zone, local)) => format!(
            "timezone = \"{zone}\"\npost_at = \"{}\"\n",
            (local - chrono::Duration::minutes(1)).format("%H:%M")
        ),
        None => "timezone = \"UTC\"\n".to_owned(),
    };
    let uri = mackerel.server.uri();
    let a = Replica::start(&db, "a", &uri, &hook, &digest);
    let b = Replica::start(&db, "b", &uri, &hook, &digest);

    // Exactly one leads; both serve the alerts its passes stored.
    let (first, _) = one_leader(&[&a, &b], 10 * INTERVAL).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while alert_ids(&a).await.len() < 14 {
        assert!(Instant::now() < deadline, "the leader's pass never landed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(alert_ids(&a).await, alert_ids(&b).await);

    // The morning post: sent once, though both replicas see it due.
    if zone.is_some() {
        let deadline = Instant::now() + Duration::from_secs(15);
        while slack.received_requests().await.unwrap().is_empty() {
            assert!(Instant::now() < deadline, "the morning post never came");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(3 * INTERVAL).await;
        assert_eq!(slack.received_requests().await.unwrap().len(), 1);
    }

    // kill -9 the leader: the other leads within 2 intervals, and keeps serving.
    let (mut leader, follower) = if first == 0 { (a, b) } else { (b, a) };
    let ids = alert_ids(&follower).await;
    leader.signal("-KILL");
    let killed = Instant::now();
    let (_, _) = one_leader(&[&follower], 2 * INTERVAL + Duration::from_millis(500)).await;
    let takeover = killed.elapsed();
    eprintln!("takeover after kill -9: {takeover:?}");
    assert!(leader.child.wait().is_ok());
    assert_eq!(alert_ids(&follower).await, ids);
    let good = follower.get("/healthz").await;
    assert_eq!(
        good["status"], "ok",
        "its own passes keep the store fresh: {good}"
    );

    // SIGTERM a leader whose shutdown lingers (a client holds a request open): the
    // lead passes on while it is still shutting down, not after it exits.
    let mut c = Replica::start(&db, "c", &uri, &hook, &digest);
    assert_eq!(c.role().await, "follower");
    let mut leaving = follower;
    let mut stalled =
        std::net::TcpStream::connect(leaving.base.trim_start_matches("http://")).unwrap();
    stalled
        .write_all(b"POST /api/reviews HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500\r\n\r\n{")
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    leaving.signal("-TERM");
    let termed = Instant::now();
    loop {
        if c.role().await == "leader" {
            break;
        }
        assert!(
            leaving.alive(),
            "the old leader exited before the lead passed on: {:?}",
            leaving.said.lock().unwrap()
        );
        assert!(termed.elapsed() < 2 * INTERVAL + Duration::from_millis(500));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!("takeover after SIGTERM: {:?}", termed.elapsed());
    let status = tokio::task::spawn_blocking(move || {
        let status = leaving.child.wait().unwrap();
        (status, leaving)
    })
    .await
    .unwrap()
    .0;
    assert!(status.success(), "{status:?}");
    assert!(c.alive());
    drop(stalled);
}
