//! The one type that talks HTTP to Mackerel: base URL, key, pacing, timeouts, retries.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use backon::BackoffBuilder;
use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::error::{retry_after, MackerelError};
use super::models::*;
use crate::secret::redact_urls;

/// The largest page Mackerel serves; asking for more is a 400.
pub const PAGE_LIMIT: u32 = 100;

/// Settings of the client; [`ClientConfig::new`] gives the documented defaults.
#[derive(Clone)]
pub struct ClientConfig {
    pub api_base: String,
    pub api_key: String,
    /// Minimum pause between the starts of two requests (zero: no pacing).
    pub request_interval: Duration,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// Retries after the first try of a request that failed transiently.
    pub max_retries: usize,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

impl std::fmt::Debug for ClientConfig {
    // Hand-written so that the key can never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("api_base", &self.api_base)
            .field("api_key", &"<redacted>")
            .field("request_interval", &self.request_interval)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    pub fn new(api_base: impl Into<String>, api_key: impl Into<String>) -> Self {
        ClientConfig {
            api_base: api_base.into(),
            api_key: api_key.into(),
            request_interval: Duration::from_millis(200),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_retries: 5,
            backoff_min: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
        }
    }
}

/// Told the outcome of every request: its HTTP status, or `"error"` when none came.
pub type RequestObserver = std::sync::Arc<dyn Fn(&str) + Send + Sync>;

pub struct Client {
    http: reqwest::Client,
    base: Url,
    config: ClientConfig,
    next_slot: Mutex<Option<Instant>>,
    requests: AtomicU64,
    observer: Option<RequestObserver>,
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Self, MackerelError> {
        if config.api_key.trim().is_empty() {
            return Err(MackerelError::NoKey);
        }
        let mut base_text = config.api_base.clone();
        if !base_text.ends_with('/') {
            base_text.push('/');
        }
        let base = Url::parse(&base_text)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| MackerelError::BadBase(redact_urls(&config.api_base)))?;
        let mut key = reqwest::header::HeaderValue::from_str(config.api_key.trim())
            .map_err(|_| MackerelError::NoKey)?;
        key.set_sensitive(true);
        let headers = reqwest::header::HeaderMap::from_iter([(
            reqwest::header::HeaderName::from_static("x-api-key"),
            key,
        )]);
        let http = reqwest::Client::builder()
            .user_agent(concat!("asakai/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .build()
            .map_err(|e| MackerelError::Transport {
                url: redact_urls(base.as_str()),
                detail: e.to_string(),
            })?;
        Ok(Client {
            http,
            base,
            config,
            next_slot: Mutex::new(None),
            requests: AtomicU64::new(0),
            observer: None,
        })
    }

    /// The same client, telling `observer` about every request (for metrics).
    pub fn observed(mut self, observer: RequestObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    fn observe(&self, outcome: &str) {
        if let Some(o) = &self.observer {
            o(outcome);
        }
    }

    /// How many HTTP requests this client has sent, retries included.
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The base of Mackerel's web pages for this API (for alert and host links).
    pub fn web_base(&self) -> String {
        match self.base.host_str() {
            Some("api.mackerelio.com") => "https://mackerel.io".to_owned(),
            _ => self.base.as_str().trim_end_matches('/').to_owned(),
        }
    }

    /// One page of `GET /api/v0/alerts`, newest opened first.
    pub async fn alerts_page(
        &self,
        with_closed: bool,
        next_id: Option<&str>,
    ) -> Result<AlertPage, MackerelError> {
        let mut query = vec![("limit", PAGE_LIMIT.to_string())];
        if with_closed {
            query.push(("withClosed", "true".to_owned()));
        }
        if let Some(id) = next_id {
            query.push(("nextId", id.to_owned()));
        }
        let raw: RawAlertPage = self.get_json("api/v0/alerts", &query).await?;
        Ok(raw.into())
    }

    /// `GET /api/v0/alerts/<id>`: a bare alert; `None` when Mackerel no longer has it.
    pub async fn alert(
        &self,
        id: &str,
    ) -> Result<Option<Result<Alert, RecordError>>, MackerelError> {
        let path = format!("api/v0/alerts/{}", encode(id));
        let value: Option<serde_json::Value> = self.get_optional(&path, &[]).await?;
        Ok(value.map(parse_alert))
    }

    /// Every log entry of one alert, oldest first.
    pub async fn alert_logs(&self, id: &str) -> Result<Vec<AlertLog>, MackerelError> {
        let path = format!("api/v0/alerts/{}/logs", encode(id));
        let mut logs = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let mut query = vec![("limit", PAGE_LIMIT.to_string())];
            if let Some(id) = &next {
                query.push(("nextId", id.clone()));
            }
            let page: AlertLogPage = self.get_json(&path, &query).await?;
            let seen = page.logs.len();
            logs.extend(page.logs);
            next = page.next_id.filter(|n| !n.is_empty());
            if next.is_none() || seen == 0 {
                break;
            }
        }
        logs.sort_by_key(|l| l.created_at);
        Ok(logs)
    }

    /// `GET /api/v0/monitors`. Each monitor is read on its own; one that does not
    /// parse is returned as an error beside the others.
    pub async fn monitors(&self) -> Result<Vec<Result<Monitor, String>>, MackerelError> {
        let list: MonitorList = self.get_json("api/v0/monitors", &[]).await?;
        Ok(list.monitors.into_iter().map(Monitor::from_json).collect())
    }

    /// `GET /api/v0/monitors/<id>`; `None` when the monitor was deleted.
    pub async fn monitor(
        &self,
        id: &str,
    ) -> Result<Option<Result<Monitor, String>>, MackerelError> {
        let path = format!("api/v0/monitors/{}", encode(id));
        let body: Option<MonitorBody> = self.get_optional(&path, &[]).await?;
        Ok(body.map(|b| Monitor::from_json(b.monitor)))
    }

    /// `GET /api/v0/monitoring/checks/<id>`: the only place a check monitor's name lives.
    pub async fn check_monitor(&self, id: &str) -> Result<Option<CheckMonitor>, MackerelError> {
        let path = format!("api/v0/monitoring/checks/{}", encode(id));
        let body: Option<CheckBody> = self.get_optional(&path, &[]).await?;
        Ok(body.map(|b| b.check))
    }

    /// Every host in all four statuses (the API's default leaves out maintenance and poweroff).
    pub async fn hosts(&self) -> Result<Vec<Host>, MackerelError> {
        let query: Vec<_> = ["working", "standby", "maintenance", "poweroff"]
            .into_iter()
            .map(|s| ("status", s.to_owned()))
            .collect();
        let list: HostList = self.get_json("api/v0/hosts", &query).await?;
        Ok(list.hosts)
    }

    /// `GET /api/v0/hosts/<id>`: how retired hosts are found; `None` on 404.
    pub async fn host(&self, id: &str) -> Result<Option<Host>, MackerelError> {
        let path = format!("api/v0/hosts/{}", encode(id));
        let body: Option<HostBody> = self.get_optional(&path, &[]).await?;
        Ok(body.map(|b| b.host))
    }

    pub async fn services(&self) -> Result<Vec<Service>, MackerelError> {
        let list: ServiceList = self.get_json("api/v0/services", &[]).await?;
        Ok(list.services)
    }

    pub async fn org(&self) -> Result<Org, MackerelError> {
        self.get_json("api/v0/org", &[]).await
    }

    /// `GET /api/v0/hosts/<id>/metrics`: one host metric's points in `[from, to]`
    /// (Unix seconds), oldest first. No such host or metric: `Api` with status 404.
    pub async fn host_metrics(
        &self,
        host_id: &str,
        name: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<MetricPoint>, MackerelError> {
        let path = format!("api/v0/hosts/{}/metrics", encode(host_id));
        self.metric_points(&path, name, from, to).await
    }

    /// `GET /api/v0/services/<name>/metrics`: one service metric's points in
    /// `[from, to]`, oldest first. No such service or metric: `Api` with status 404.
    pub async fn service_metrics(
        &self,
        service: &str,
        name: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<MetricPoint>, MackerelError> {
        let path = format!("api/v0/services/{}/metrics", encode(service));
        self.metric_points(&path, name, from, to).await
    }

    async fn metric_points(
        &self,
        path: &str,
        name: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<MetricPoint>, MackerelError> {
        let query = [
            ("name", name.to_owned()),
            ("from", from.to_string()),
            ("to", to.to_string()),
        ];
        let body: MetricsBody = self.get_json(path, &query).await?;
        Ok(body.metrics)
    }

    async fn get_optional<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Option<T>, MackerelError> {
        match self.get_json(path, query).await {
            Ok(v) => Ok(Some(v)),
            Err(MackerelError::Api { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// GET with pacing and retries; the body parsed as `T`.
    async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, MackerelError> {
        let mut url = self
            .base
            .join(path)
            .map_err(|_| MackerelError::BadBase(redact_urls(self.base.as_str())))?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let mut delays = backon::ExponentialBuilder::default()
            .with_min_delay(self.config.backoff_min)
            .with_max_delay(self.config.backoff_max)
            .with_max_times(self.config.max_retries)
            .with_jitter()
            .build();
        loop {
            let (result, asked_wait) = self.try_once(&url, path).await;
            match result {
                Err(e) if e.is_transient() => {
                    let Some(delay) = delays.next() else {
                        return Err(e);
                    };
                    let wait = asked_wait.unwrap_or(delay);
                    tracing::warn!(path, error = %e, wait_ms = wait.as_millis() as u64, "retrying Mackerel request");
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }

    async fn try_once<T: DeserializeOwned>(
        &self,
        url: &Url,
        path: &str,
    ) -> (Result<T, MackerelError>, Option<Duration>) {
        self.pace().await;
        self.requests.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(path, "GET");
        // The base may carry `user:pass@` (a proxy's): never printed.
        let transport = |e: reqwest::Error| MackerelError::Transport {
            url: redact_urls(&format!("{}{path}", self.base)),
            detail: describe(&e),
        };
        let response = match self.http.get(url.clone()).send().await {
            Ok(r) => r,
            Err(e) => {
                self.observe("error");
                return (Err(transport(e)), None);
            }
        };
        let status = response.status();
        self.observe(status.as_str());
        let wait = retry_after(response.headers(), self.config.backoff_max);
        let body = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return (Err(transport(e)), None),
        };
        if !status.is_success() {
            return (Err(api_error(status, path, &body)), wait);
        }
        let parsed = serde_json::from_slice(&body).map_err(|e| {
            let (path, detail) = (path.to_owned(), e.to_string());
            if e.classify() == serde_json::error::Category::Data {
                MackerelError::Shape { path, detail }
            } else {
                MackerelError::Decode { path, detail }
            }
        });
        (parsed, None)
    }

    /// Waits until the configured interval since the previous request has passed.
    async fn pace(&self) {
        if self.config.request_interval.is_zero() {
            return;
        }
        let mut slot = self.next_slot.lock().await;
        let now = Instant::now();
        if let Some(at) = *slot {
            if at > now {
                tokio::time::sleep_until(at).await;
            }
        }
        *slot = Some(Instant::now() + self.config.request_interval);
    }
}

fn api_error(status: StatusCode, path: &str, body: &[u8]) -> MackerelError {
    let message = serde_json::from_slice::<ErrorBody>(body)
        .map(|b| b.error.message())
        .unwrap_or_else(|_| status.canonical_reason().unwrap_or("no message").to_owned());
    let (status, path) = (status.as_u16(), path.to_owned());
    match status {
        401 | 403 => MackerelError::KeyRejected {
            status,
            path,
            message,
        },
        _ => MackerelError::Api {
            status,
            path,
            message,
        },
    }
}

/// A reqwest error without its URL's query (harmless, but noisy) and with its cause.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the body was cut off"
    } else {
        "failed"
    };
    match std::error::Error::source(e) {
        Some(cause) => format!("{kind}: {cause}"),
        None => kind.to_owned(),
    }
}

fn encode(segment: &str) -> String {
    // Mackerel ids are alphanumeric; anything else is escaped so it cannot change the path.
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
