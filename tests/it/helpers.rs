//! Shared helpers: a Mackerel stand-in on wiremock built from the fixtures'
//! shapes, temporary stores ([`TestDb`]: SQLite, or PostgreSQL when the environment
//! names a server), and a client pointed at the stand-in.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asakai::mackerel::{Client, ClientConfig};
use asakai::store::testing::with_database;
use asakai::store::{Location, Store};
use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const KEY: &str = "test-api-key-1234";
pub const NOW: i64 = 1_764_000_000; // 2025-11-24T16:00:00Z
pub const DAY: i64 = 86_400;

/// A file from `tests/fixtures/mackerel/` (real bodies from Mackerel's docs and clients).
pub fn fixture(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mackerel")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// An organisation as Mackerel would serve it; tests change it between passes.
#[derive(Clone, Default)]
pub struct World {
    pub org: String,
    pub monitors: Vec<Value>,
    pub checks: Vec<(String, String)>,
    /// Hosts the list returns (by their `status`).
    pub hosts: Vec<Value>,
    /// Retired hosts: answered by `GET /hosts/<id>` only (`None`: 404).
    pub retired: Vec<(String, Option<Value>)>,
    pub services: Vec<Value>,
    /// Alerts in any order; served newest opened first.
    pub alerts: Vec<Value>,
    pub logs: HashMap<String, Vec<Value>>,
}

pub fn alert(
    id: &str,
    kind: &str,
    monitor: &str,
    host: Option<&str>,
    status: &str,
    opened_at: i64,
) -> Value {
    let mut a = json!({"id": id, "status": status, "monitorId": monitor, "type": kind, "openedAt": opened_at});
    if let Some(h) = host {
        a["hostId"] = json!(h);
    }
    a
}

pub fn closed(mut a: Value, closed_at: i64, reason: Option<&str>) -> Value {
    a["status"] = json!("OK");
    a["closedAt"] = json!(closed_at);
    if let Some(r) = reason {
        a["reason"] = json!(r);
    }
    a
}

pub fn host(id: &str, name: &str, status: &str, roles: Value) -> Value {
    json!({"id": id, "name": name, "status": status, "memo": "", "roles": roles, "isRetired": false, "createdAt": 1_600_000_000})
}

pub fn log(at: i64, status: &str, trigger: &str) -> Value {
    json!({"id": format!("log{at}"), "createdAt": at, "status": status, "trigger": trigger, "monitorId": null, "targetValue": null, "statusDetail": null})
}

/// Serves `GET /api/v0/alerts` from the world's alerts, paging by `nextId` like Mackerel.
struct AlertsResponder(Arc<Mutex<World>>);

impl Respond for AlertsResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let q: HashMap<String, String> = req.url.query_pairs().into_owned().collect();
        let limit: usize = q.get("limit").map(|l| l.parse().unwrap()).unwrap_or(100);
        if limit > 100 {
            return ResponseTemplate::new(400)
                .set_body_json(json!({"error": {"message": "limit too large"}}));
        }
        let with_closed = q.get("withClosed").is_some_and(|v| v == "true");
        let world = self.0.lock().unwrap();
        let mut list: Vec<&Value> = world
            .alerts
            .iter()
            .filter(|a| with_closed || a.get("closedAt").is_none())
            .collect();
        list.sort_by_key(|a| {
            std::cmp::Reverse((a["openedAt"].as_i64(), a["id"].as_str().map(str::to_owned)))
        });
        let start = match q.get("nextId") {
            Some(id) => list
                .iter()
                .position(|a| a["id"] == json!(id))
                .unwrap_or(list.len()),
            None => 0,
        };
        let page: Vec<&Value> = list.iter().skip(start).take(limit).copied().collect();
        let mut body = json!({"alerts": page});
        if let Some(next) = list.get(start + limit) {
            body["nextId"] = next["id"].clone();
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

/// Serves the id-addressed endpoints from the world.
struct ByIdResponder(Arc<Mutex<World>>);

impl Respond for ByIdResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let world = self.0.lock().unwrap();
        let parts: Vec<&str> = req
            .url
            .path()
            .trim_start_matches("/api/v0/")
            .split('/')
            .collect();
        let not_found = ResponseTemplate::new(404).set_body_json(fixture("error-not-found.json"));
        let found = |v: Value| ResponseTemplate::new(200).set_body_json(v);
        match parts.as_slice() {
            ["alerts", id] => world
                .alerts
                .iter()
                .find(|a| a["id"] == json!(id))
                .cloned()
                .map_or(not_found, found),
            ["alerts", id, "logs"] => match world.logs.get(*id) {
                Some(logs) => found(json!({"logs": logs})),
                None if world.alerts.iter().any(|a| a["id"] == json!(id)) => {
                    found(json!({"logs": []}))
                }
                None => not_found,
            },
            ["hosts", id] => {
                let live = world.hosts.iter().find(|h| h["id"] == json!(id)).cloned();
                let retired = world
                    .retired
                    .iter()
                    .find(|(r, _)| r == id)
                    .and_then(|(_, h)| h.clone());
                live.or(retired)
                    .map_or(not_found, |h| found(json!({"host": h})))
            }
            ["monitors", id] => world
                .monitors
                .iter()
                .find(|m| m["id"] == json!(id))
                .map_or(not_found, |m| found(json!({"monitor": m}))),
            ["monitoring", "checks", id] => world
                .checks
                .iter()
                .find(|(c, _)| c == id)
                .map_or(not_found, |(c, n)| {
                    found(json!({"check": {"id": c, "name": n}}))
                }),
            _ => not_found,
        }
    }
}

/// Serves the hosts list: like Mackerel, maintenance and poweroff hosts only when asked for.
struct HostsResponder(Arc<Mutex<World>>);

impl Respond for HostsResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut statuses: Vec<String> = req
            .url
            .query_pairs()
            .filter(|(k, _)| k == "status")
            .map(|(_, v)| v.into_owned())
            .collect();
        if statuses.is_empty() {
            statuses = vec!["working".into(), "standby".into()];
        }
        let world = self.0.lock().unwrap();
        let hosts: Vec<&Value> = world
            .hosts
            .iter()
            .filter(|h| statuses.iter().any(|s| h["status"] == json!(s)))
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({"hosts": hosts}))
    }
}

/// Serves the metrics endpoints as Mackerel does for a host or service it has and
/// a range without points: an empty list (404 for one it does not have). Below
/// the default priority, so a test's own metric mocks win.
struct MetricsResponder(Arc<Mutex<World>>);

impl Respond for MetricsResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let world = self.0.lock().unwrap();
        let parts: Vec<&str> = req.url.path().split('/').collect();
        let known = match parts.as_slice() {
            ["", "api", "v0", "hosts", id, "metrics"] => {
                world.hosts.iter().any(|h| h["id"] == json!(id))
                    || world.retired.iter().any(|(r, _)| r == id)
            }
            ["", "api", "v0", "services", name, "metrics"] => {
                world.services.iter().any(|s| s["name"] == json!(name))
            }
            _ => false,
        };
        if known {
            ResponseTemplate::new(200).set_body_json(json!({"metrics": []}))
        } else {
            ResponseTemplate::new(404).set_body_json(fixture("error-not-found.json"))
        }
    }
}

/// A wiremock Mackerel serving a [`World`] that tests can change between passes.
pub struct Mackerel {
    pub server: MockServer,
    pub world: Arc<Mutex<World>>,
}

impl Mackerel {
    pub async fn start(world: World) -> Mackerel {
        let server = MockServer::start().await;
        let world = Arc::new(Mutex::new(world));
        let m = Mackerel { server, world };
        m.mount().await;
        m
    }

    async fn mount(&self) {
        let w = self.world.clone();
        let key = || wiremock::matchers::header("X-Api-Key", KEY);
        Mock::given(method("GET"))
            .and(path("/api/v0/alerts"))
            .and(key())
            .respond_with(AlertsResponder(w.clone()))
            .mount(&self.server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v0/hosts"))
            .and(key())
            .respond_with(HostsResponder(w.clone()))
            .mount(&self.server)
            .await;
        let world = w.clone();
        Mock::given(method("GET"))
            .and(path("/api/v0/monitors"))
            .and(key())
            .respond_with(move |_: &Request| {
                ResponseTemplate::new(200)
                    .set_body_json(json!({"monitors": world.lock().unwrap().monitors}))
            })
            .mount(&self.server)
            .await;
        let world = w.clone();
        Mock::given(method("GET"))
            .and(path("/api/v0/services"))
            .and(key())
            .respond_with(move |_: &Request| {
                ResponseTemplate::new(200)
                    .set_body_json(json!({"services": world.lock().unwrap().services}))
            })
            .mount(&self.server)
            .await;
        let world = w.clone();
        Mock::given(method("GET"))
            .and(path("/api/v0/org"))
            .and(key())
            .respond_with(move |_: &Request| {
                ResponseTemplate::new(200).set_body_json(json!({"name": world.lock().unwrap().org}))
            })
            .mount(&self.server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(
                r"^/api/v0/(alerts|hosts|monitors|monitoring/checks)/[^/]+(/logs)?$",
            ))
            .and(key())
            .respond_with(ByIdResponder(w.clone()))
            .mount(&self.server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(r"^/api/v0/(hosts|services)/[^/]+/metrics$"))
            .and(key())
            .respond_with(MetricsResponder(w))
            .with_priority(8)
            .mount(&self.server)
            .await;
        // Anything else, or a wrong key: Mackerel's 403.
        Mock::given(wiremock::matchers::any())
            .respond_with(
                ResponseTemplate::new(403)
                    .set_body_json(json!({"error": {"message": "Forbidden"}})),
            )
            .with_priority(10)
            .mount(&self.server)
            .await;
    }

    pub fn update(&self, f: impl FnOnce(&mut World)) {
        f(&mut self.world.lock().unwrap());
    }

    pub async fn requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    pub fn client(&self) -> Client {
        client_for(&self.server.uri())
    }
}

pub fn client_for(base: &str) -> Client {
    let mut c = ClientConfig::new(base, KEY);
    c.request_interval = Duration::ZERO;
    c.backoff_min = Duration::from_millis(5);
    c.backoff_max = Duration::from_secs(2);
    Client::new(c).unwrap()
}

/// A store in its own database (kept alive with the returned [`TestDb`]), on the
/// backend the environment chose.
pub async fn temp_store() -> (Store, TestDb) {
    let db = TestDb::new().await;
    let store = db.open().await;
    (store, db)
}

/// Every alert row as (id, status, severity, closed_at, close_cause, services, monitor, host, gone).
pub async fn snapshot(store: &Store) -> Vec<String> {
    let all = store
        .find_alerts(&asakai::store::AlertFilter::default())
        .await
        .unwrap();
    all.into_iter()
        .map(|a| {
            format!(
                "{} {} {:?} {:?} {:?} {:?} {:?} {:?} {}",
                a.id,
                a.status,
                a.severity,
                a.closed_at,
                a.close_cause,
                a.services,
                a.monitor_name,
                a.host_name,
                a.gone
            )
        })
        .collect()
}

/// The ids of the alerts `f` finds, in the order found.
pub async fn ids(store: &Store, f: asakai::store::AlertFilter) -> Vec<String> {
    store
        .find_alerts(&f)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect()
}

/// A stored alert of monitor `m-<monitor>` (named `<monitor>`) on host `h-<host>`
/// (named `<host>`), in service "blog", as sync would have written it.
pub fn stored_alert(
    id: &str,
    monitor: &str,
    host: Option<&str>,
    opened: i64,
    closed: Option<i64>,
) -> asakai::store::StoredAlert {
    asakai::store::StoredAlert {
        id: id.into(),
        kind: if host.is_some() { "host" } else { "service" }.into(),
        status: if closed.is_some() { "OK" } else { "CRITICAL" }.into(),
        severity: Some("CRITICAL".into()),
        monitor_id: Some(format!("m-{monitor}")),
        monitor_name: Some(monitor.into()),
        host_id: host.map(|h| format!("h-{h}")),
        host_name: host.map(Into::into),
        opened_at: opened,
        closed_at: closed,
        close_cause: closed.map(|_| "monitoring".into()),
        reason: None,
        message: None,
        value: None,
        memo: None,
        series: None,
        roles: vec!["blog:app".into()],
        services: vec!["blog".into()],
        url: Some(format!("https://mackerel.io/orgs/acme/alerts/{id}")),
        image_url: None,
        gone: false,
        logs_read: closed.is_some(),
        attribution_pending: false,
    }
}

/// A store holding `alerts`, on the backend the environment chose.
pub async fn store_with(alerts: &[asakai::store::StoredAlert]) -> (Store, TestDb) {
    let (store, db) = temp_store().await;
    store.write_alerts(alerts, NOW).await.unwrap();
    (store, db)
}

/// Runs the built binary on `db` with no config file and no secrets from the
/// outer environment; `env` adds variables.
pub fn run_asakai(db: &TestDb, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_asakai"));
    cmd.arg("--db").arg(db.arg()).args(args);
    for k in [
        "ASAKAI_CONFIG",
        "SLACK_WEBHOOK_URL",
        "GITHUB_TOKEN",
        "MACKEREL_APIKEY",
    ] {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// stdout as JSON, failing the test with stderr when the command failed.
pub fn json_out(o: &std::process::Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)))
}

/// Env: an admin URL of a PostgreSQL server (`postgres://asakai@127.0.0.1:55432/postgres`);
/// when set, every [`TestDb::new`] is a fresh database on it.
pub const POSTGRES_ENV: &str = "ASAKAI_TEST_POSTGRES";
/// Env: `1` makes a missing [`POSTGRES_ENV`] an error instead of a SQLite run (CI).
pub const REQUIRE_POSTGRES_ENV: &str = "ASAKAI_REQUIRE_POSTGRES";

/// A test's database, alive as long as this is (zero2prod's `spawn_app` database):
/// a SQLite file in a temporary directory, or, when [`POSTGRES_ENV`] names a server,
/// a fresh PostgreSQL database made for this test and dropped after it. Either way
/// it has a temporary directory of its own for the test's other files (config, ...).
pub struct TestDb {
    location: Location,
    arg: String,
    // Declared before `dir`: the database goes first, then the directory.
    _pg: Option<PgDatabase>,
    dir: tempfile::TempDir,
}

impl TestDb {
    /// A new, empty database on the backend the environment chose.
    pub async fn new() -> TestDb {
        match postgres_admin_url() {
            Some(admin) => TestDb::postgres(&admin).await,
            None => TestDb::sqlite(),
        }
    }

    /// A new PostgreSQL database, for a test that only makes sense there (several
    /// processes sharing one database, a session that ends); `None`, said on stderr,
    /// when the tests run on SQLite only. `needs` says what the test needs of it.
    pub async fn postgres_only(needs: &str) -> Option<TestDb> {
        let admin = postgres_admin_url();
        if admin.is_none() {
            eprintln!("skipped: this test needs {needs}; set {POSTGRES_ENV} to run it");
        }
        Some(TestDb::postgres(&admin?).await)
    }

    /// A SQLite file (`asakai.db`, not yet made) in a temporary directory, whatever
    /// the environment says: for the tests about SQLite itself (its files, locks,
    /// planner, old migrations).
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("asakai.db");
        TestDb {
            arg: path.to_str().expect("a UTF-8 temporary path").to_owned(),
            location: Location::File(path),
            _pg: None,
            dir,
        }
    }

    /// A fresh PostgreSQL database whatever the other tests run on, when
    /// [`POSTGRES_ENV`] names a server (`None` otherwise): for tests that need both
    /// backends at once, such as `db copy`'s.
    pub async fn postgres_if_configured() -> Option<TestDb> {
        match postgres_admin_url() {
            Some(admin) => Some(TestDb::postgres(&admin).await),
            None => None,
        }
    }

    async fn postgres(admin: &str) -> TestDb {
        let pg = PgDatabase::create(admin).await;
        let url = with_database(admin, &pg.name);
        TestDb {
            location: Location::Postgres(url.clone()),
            arg: url,
            _pg: Some(pg),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// Where the store is, for [`Store::open`] and the like.
    pub fn location(&self) -> Location {
        self.location.clone()
    }

    /// What goes after `--db` (or in `ASAKAI_DB`) for the built binary: the file's
    /// path or the database's URL.
    pub fn arg(&self) -> &str {
        &self.arg
    }

    /// The SQLite file; panics on PostgreSQL (only tests about SQLite ask for it, and
    /// they make their store with [`TestDb::sqlite`]).
    pub fn file(&self) -> &std::path::Path {
        self.location
            .file()
            .expect("a SQLite file: make this test's store with TestDb::sqlite()")
    }

    /// The test's own temporary directory (beside the SQLite file, if there is one).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The store, opened for writing (made and migrated if new).
    pub async fn open(&self) -> Store {
        Store::open(self.location())
            .await
            .unwrap_or_else(|e| panic!("opening the test store {}: {e}", self.location))
    }

    /// A connection of the test's own to its PostgreSQL database.
    pub async fn connect(&self) -> sqlx::PgConnection {
        use sqlx::Connection;
        let Location::Postgres(url) = &self.location else {
            panic!("a PostgreSQL database: make this test's store with TestDb::postgres_only()");
        };
        sqlx::PgConnection::connect(url).await.unwrap()
    }

    /// The store, opened for reading.
    pub async fn open_reader(&self) -> Store {
        Store::open_reader(self.location())
            .await
            .unwrap_or_else(|e| panic!("opening the test store {}: {e}", self.location))
    }
}

/// The admin URL from [`POSTGRES_ENV`], if the tests are to run on PostgreSQL; says
/// once on stderr which backend they run on.
fn postgres_admin_url() -> Option<String> {
    static SAID: std::sync::Once = std::sync::Once::new();
    let admin = std::env::var(POSTGRES_ENV).ok().filter(|v| !v.is_empty());
    if admin.is_none() && std::env::var(REQUIRE_POSTGRES_ENV).is_ok_and(|v| v == "1") {
        panic!(
            "{REQUIRE_POSTGRES_ENV}=1 but {POSTGRES_ENV} is not set: give it the admin URL of \
             a PostgreSQL server, e.g. postgres://asakai@127.0.0.1:5432/postgres"
        );
    }
    SAID.call_once(|| {
        // Straight to stderr: the test harness captures eprintln! per test.
        use std::io::Write;
        let line = match &admin {
            Some(url) => format!(
                "asakai tests: stores on PostgreSQL, a fresh database per test on {}\n",
                Location::Postgres(url.clone())
            ),
            None => format!(
                "asakai tests: stores on SQLite only; to run them on PostgreSQL too, set \
                 {POSTGRES_ENV} to an admin URL (e.g. postgres://asakai@127.0.0.1:5432/postgres) \
                 and run `cargo test --test it` again\n"
            ),
        };
        let _ = std::io::stderr().write_all(line.as_bytes());
    });
    admin
}

/// A database made for one test on the admin URL's server; dropped with it.
struct PgDatabase {
    admin: String,
    name: String,
}

impl PgDatabase {
    async fn create(admin: &str) -> PgDatabase {
        use sqlx::{Connection, Executor};
        let name = format!("asakai_t_{:016x}", fastrand::u64(..));
        let shown = Location::Postgres(admin.to_owned());
        let mut conn = sqlx::PgConnection::connect(admin)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV} ({shown}): {e}"));
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name} on {shown}: {e}"));
        let _ = conn.close().await;
        PgDatabase {
            admin: admin.to_owned(),
            name,
        }
    }
}

impl Drop for PgDatabase {
    /// Drops the database, cutting off whatever is still connected (a server task, a
    /// killed process's pool). On a thread of its own with its own runtime: a drop
    /// cannot await, and may run on the test's runtime. Waits a few seconds at most;
    /// a database left behind is only litter on a throwaway server.
    fn drop(&mut self) {
        use sqlx::{Connection, Executor};
        let admin = self.admin.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let (done, wait) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                    let _ = conn.execute(sql.as_str()).await;
                    let _ = conn.close().await;
                }
            });
            let _ = done.send(());
        });
        let _ = wait.recv_timeout(Duration::from_secs(10));
    }
}

/// What a graph read knows of a CPU monitor on hosts: its metric, and thresholds
/// of 80 (warning) and 90 (critical) above.
pub fn cpu_target(monitor_id: &str) -> asakai::graphs::MetricTarget {
    asakai::graphs::MetricTarget {
        monitor_id: monitor_id.into(),
        source: "host".into(),
        service: None,
        metric: "cpu.user.percentage".into(),
        operator: Some(">".into()),
        warning: Some(80.0),
        critical: Some(90.0),
    }
}
