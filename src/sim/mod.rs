//! A Mackerel API simulator (`asakai sim`, `asakai demo`): a deterministic
//! organisation and alert history that keeps living as wall time passes, served on
//! loopback with the shapes `shared/mackerel-api.md` documents, and faults on request.

mod api;
mod faults;
mod history;
mod org;
mod render;
mod web;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

pub use faults::Faults;
pub(crate) use history::SimAlert;
pub use history::DAY;
use history::{generate_day, Shape};
use org::Org;
pub use render::TruthAlert;

/// How to build a simulation.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub seed: u64,
    /// Days of history before the anchor.
    pub days: i64,
    /// Alerts over those days (default: a real team's pace).
    pub alerts: Option<u64>,
    pub api_key: String,
    /// "Now" when the simulation starts (default: the wall clock).
    pub anchor: Option<i64>,
    /// Time stands still unless [`Simulation::advance`] moves it (for tests).
    pub frozen: bool,
    pub faults: Faults,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            seed: 1,
            days: 30,
            alerts: None,
            api_key: "sim-api-key".into(),
            anchor: None,
            frozen: false,
            faults: Faults::default(),
        }
    }
}

/// The simulated organisation and its history; shared by the HTTP handlers.
pub struct Simulation {
    org: Org,
    shape: Shape,
    api_key: String,
    id_prefix: String,
    /// Added to the wall clock: tests move time forward without waiting.
    offset: AtomicI64,
    wall_at_anchor: i64,
    frozen: bool,
    timeline: RwLock<Timeline>,
    faults: faults::FaultState,
}

struct Timeline {
    /// Every alert generated so far, oldest opened first; an alert's index is its id.
    alerts: Vec<SimAlert>,
    days: i64,
}

impl Simulation {
    pub fn new(opts: SimOptions) -> Simulation {
        let wall = chrono::Utc::now().timestamp();
        let anchor = opts.anchor.unwrap_or(wall);
        let start = anchor.div_euclid(DAY) * DAY - opts.days * DAY;
        let shape = Shape {
            seed: opts.seed,
            start,
            anchor,
            history_days: opts.days,
            total: opts.alerts,
        };
        let org = Org::new(opts.seed);
        let mut alerts = Vec::new();
        for day in 0..=opts.days {
            alerts.extend(generate_day(&shape, &org, day));
        }
        Simulation {
            id_prefix: org::make_id(opts.seed, 3, 0)[..3].to_owned(),
            org,
            shape,
            api_key: opts.api_key,
            offset: AtomicI64::new(0),
            wall_at_anchor: wall,
            frozen: opts.frozen,
            timeline: RwLock::new(Timeline {
                alerts,
                days: opts.days + 1,
            }),
            faults: faults::FaultState::new(opts.faults, opts.seed),
        }
    }

    /// The simulation's clock: the anchor plus the wall time since start, plus any advance.
    pub fn now(&self) -> i64 {
        let elapsed = if self.frozen {
            0
        } else {
            chrono::Utc::now().timestamp() - self.wall_at_anchor
        };
        self.shape.anchor + elapsed + self.offset.load(Ordering::Relaxed)
    }

    /// Moves simulated time forward: alerts open and close as if that time had passed.
    pub fn advance(&self, secs: i64) {
        self.offset.fetch_add(secs, Ordering::Relaxed);
    }

    pub fn org_name(&self) -> &str {
        &self.org.name
    }

    pub fn set_faults(&self, faults: Faults) {
        self.faults.set(faults);
    }

    /// Generates the days that wall time has reached.
    fn ensure(&self, now: i64) {
        let due = (now - self.shape.start).div_euclid(DAY) + 1;
        if self.timeline.read().unwrap().days >= due {
            return;
        }
        let mut tl = self.timeline.write().unwrap();
        while tl.days < due {
            let day = tl.days;
            tl.alerts.extend(generate_day(&self.shape, &self.org, day));
            tl.days += 1;
        }
    }

    fn alert_id(&self, index: usize) -> String {
        const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        let mut n = index as u64;
        let mut digits = [b'1'; 8];
        for d in digits.iter_mut().rev() {
            *d = ALPHABET[(n % 58) as usize];
            n /= 58;
        }
        format!(
            "{}{}",
            self.id_prefix,
            std::str::from_utf8(&digits).unwrap()
        )
    }

    fn index_of(&self, id: &str) -> Option<usize> {
        const ALPHABET: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        let digits = id
            .strip_prefix(self.id_prefix.as_str())
            .filter(|d| d.len() == 8)?;
        digits
            .chars()
            .try_fold(0usize, |n, c| Some(n * 58 + ALPHABET.find(c)?))
    }

    /// Every alert visible now, as a test expects asakai to store it.
    pub fn truth(&self) -> Vec<TruthAlert> {
        let now = self.now();
        self.ensure(now);
        let tl = self.timeline.read().unwrap();
        let visible = tl.alerts.partition_point(|a| a.opened_at <= now);
        (0..visible)
            .map(|i| render::truth(self, i, &tl.alerts[i], now))
            .collect()
    }
}

/// A simulator serving on a loopback port until dropped.
pub struct RunningSim {
    pub addr: SocketAddr,
    pub sim: Arc<Simulation>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningSim {
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a simulation on `listen` (port 0 picks a free one).
pub async fn start(opts: SimOptions, listen: SocketAddr) -> std::io::Result<RunningSim> {
    let sim = Arc::new(Simulation::new(opts));
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let app = api::router(sim.clone());
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "simulator stopped");
        }
    });
    Ok(RunningSim { addr, sim, task })
}
