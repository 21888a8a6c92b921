//! A Mackerel API simulator (`asakai sim`, `asakai demo`): a deterministic
//! organisation and alert history that keeps living as wall time passes, served on
//! loopback with the shapes `shared/mackerel-api.md` documents, and faults on request.

mod api;
mod faults;
mod history;
mod metrics;
mod org;
mod render;
mod scope;
pub mod slack;
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
    /// Most alert log entries a page holds, below the asked `limit` (Mackerel
    /// may answer fewer than asked; a client must follow `nextId`).
    pub log_page: Option<usize>,
    /// Each page of alerts after the first starts with the last alert of the
    /// page before, as happens when an alert opens between two requests.
    pub repeat_page_boundary: bool,
    /// Some alerts show in the list only a while after they opened.
    pub late: Option<Late>,
}

/// Alerts that show in Mackerel's list late: one in `one_in` (chosen by its index)
/// is listed only `by` seconds after it opened, maybe already closed by then.
#[derive(Debug, Clone, Copy)]
pub struct Late {
    pub one_in: u64,
    pub by: i64,
}

impl SimOptions {
    /// A heavy organisation's history, for benchmarks: about 60,000 alerts a
    /// weekday over `days` (weekends a third of that).
    pub fn heavy(days: i64) -> SimOptions {
        SimOptions {
            days,
            alerts: Some(60_000 * days.max(1) as u64),
            ..SimOptions::default()
        }
    }
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
            log_page: None,
            repeat_page_boundary: false,
            late: None,
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
    log_page: Option<usize>,
    repeat_page_boundary: bool,
    late: Option<Late>,
}

const ID_ALPHABET: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/// 58^8: every 8-digit base58 number.
const ID_SPACE: u128 = 128_063_081_718_016;
/// Coprime with 58^8 (odd, not a multiple of 29), and its inverse modulo 58^8.
const ID_MULTIPLIER: u128 = 6_364_136_223_846_793_005 % ID_SPACE;
const ID_INVERSE: u128 = id_inverse();

/// The inverse of [`ID_MULTIPLIER`] modulo [`ID_SPACE`] (extended Euclid, at compile time).
const fn id_inverse() -> u128 {
    let (mut r0, mut r1) = (ID_SPACE as i128, ID_MULTIPLIER as i128);
    let (mut t0, mut t1) = (0i128, 1i128);
    while r1 != 0 {
        let q = r0 / r1;
        (r0, r1) = (r1, r0 - q * r1);
        (t0, t1) = (t1, t0 - q * t1);
    }
    (t0.rem_euclid(ID_SPACE as i128)) as u128
}

struct Timeline {
    /// Every alert generated so far, oldest opened first; an alert's index is its id.
    alerts: Vec<SimAlert>,
    days: i64,
    /// Scopes with an alert open, carried into the days generated later.
    busy: scope::Busy,
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
        let reserved: Vec<SimAlert> = (0..=opts.days)
            .flat_map(|day| history::long_open_alerts(&shape, day))
            .collect();
        let mut busy = scope::Busy::new(&reserved);
        let mut alerts = Vec::new();
        for day in 0..=opts.days {
            alerts.extend(generate_day(&shape, &org, day, &mut busy));
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
                busy,
            }),
            faults: faults::FaultState::new(opts.faults, opts.seed),
            log_page: opts.log_page,
            repeat_page_boundary: opts.repeat_page_boundary,
            late: opts.late,
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
            let mut busy = std::mem::take(&mut tl.busy);
            tl.alerts
                .extend(generate_day(&self.shape, &self.org, day, &mut busy));
            tl.busy = busy;
            tl.days += 1;
        }
    }

    /// The id of the alert at `index`. Mackerel's ids do not sort like opening
    /// times, so neither do these: the index goes through a bijection of the id
    /// space (an odd multiplier modulo 58^8) before it is written in base58.
    fn alert_id(&self, index: usize) -> String {
        let mut n = ((index as u128 * ID_MULTIPLIER) % ID_SPACE) as u64;
        let mut digits = [b'1'; 8];
        for d in digits.iter_mut().rev() {
            *d = ID_ALPHABET.as_bytes()[(n % 58) as usize];
            n /= 58;
        }
        format!(
            "{}{}",
            self.id_prefix,
            std::str::from_utf8(&digits).unwrap()
        )
    }

    fn index_of(&self, id: &str) -> Option<usize> {
        let digits = id
            .strip_prefix(self.id_prefix.as_str())
            .filter(|d| d.len() == 8)?;
        let n = digits
            .chars()
            .try_fold(0u128, |n, c| Some(n * 58 + ID_ALPHABET.find(c)? as u128))?;
        usize::try_from(n * ID_INVERSE % ID_SPACE).ok()
    }

    /// Every alert visible now, as a test expects asakai to store it.
    pub fn truth(&self) -> Vec<TruthAlert> {
        let now = self.now();
        self.ensure(now);
        let tl = self.timeline.read().unwrap();
        let opened = tl.alerts.partition_point(|a| a.opened_at <= now);
        (0..opened)
            .filter(|&i| self.listed(i, &tl.alerts[i], now))
            .map(|i| render::truth(self, i, &tl.alerts[i], now))
            .collect()
    }

    /// Whether the alert at `index`, opened by `now`, shows in the list yet.
    fn listed(&self, index: usize, a: &SimAlert, now: i64) -> bool {
        match self.late {
            Some(late) if (index as u64).is_multiple_of(late.one_in.max(1)) => {
                a.opened_at + late.by <= now
            }
            _ => true,
        }
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
