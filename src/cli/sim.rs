use std::net::SocketAddr;
use std::time::Duration;

use crate::sim::{self, Faults, SimOptions};
use crate::timefmt::parse_duration;

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Where to listen (loopback by default; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,
    /// The same seed always gives the same organisation and history.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Days of history before now.
    #[arg(long, default_value_t = 30)]
    pub days: i64,
    /// Alerts over those days (default: about 40 a weekday, fewer at weekends).
    #[arg(long)]
    pub alerts: Option<u64>,
    /// The API key clients must send as X-Api-Key.
    #[arg(long, default_value = "sim-api-key")]
    pub api_key: String,
    /// Share of requests answered 500/503 (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Share of requests answered 429 with Retry-After.
    #[arg(long, default_value_t = 0.0)]
    pub throttle_rate: f64,
    /// Share of responses cut off halfway.
    #[arg(long, default_value_t = 0.0)]
    pub truncate_rate: f64,
    /// A heavy organisation (about 60,000 alerts a weekday), for benchmarks; overrides --alerts.
    #[arg(long)]
    pub heavy: bool,
    /// Most alert log entries per page, below the asked limit (exercises clients' paging).
    #[arg(long)]
    pub log_page: Option<usize>,
    /// Start each page of alerts after the first with the last alert of the page before.
    #[arg(long)]
    pub repeat_page_boundary: bool,
    /// Delay before every answer, e.g. 200ms.
    #[arg(long, value_parser = |s: &str| parse_duration(s).map_err(|e| e.0))]
    pub delay: Option<Duration>,
}

pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    for (flag, rate) in [
        ("--error-rate", args.error_rate),
        ("--throttle-rate", args.throttle_rate),
        ("--truncate-rate", args.truncate_rate),
    ] {
        if !(0.0..=1.0).contains(&rate) {
            anyhow::bail!(
                "{flag} {rate} is not a share of requests; give a number from 0.0 to 1.0"
            );
        }
    }
    let opts = SimOptions {
        seed: args.seed,
        days: args.days,
        alerts: if args.heavy {
            SimOptions::heavy(args.days).alerts
        } else {
            args.alerts
        },
        api_key: args.api_key.clone(),
        anchor: None,
        frozen: false,
        faults: Faults {
            error_rate: args.error_rate,
            throttle_rate: args.throttle_rate,
            truncate_rate: args.truncate_rate,
            delay: args.delay.unwrap_or_default(),
        },
        log_page: args.log_page,
        repeat_page_boundary: args.repeat_page_boundary,
        late: None,
    };
    let started = std::time::Instant::now();
    let running = sim::start(opts, args.listen).await?;
    eprintln!(
        "Mackerel simulator for organisation {} on {} ({} alerts so far, ready in {:.1?}); Ctrl-C stops it.\n\
         Point asakai at it with:\n  export MACKEREL_APIBASE={} MACKEREL_APIKEY={}",
        running.sim.org_name(),
        running.base_url(),
        running.sim.truth().len(),
        started.elapsed(),
        running.base_url(),
        args.api_key,
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
