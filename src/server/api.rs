//! The JSON API (design §7): the same alert objects as the command line, paged newest
//! first, and JSON errors that name what was wrong.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use super::App;
use crate::alert::State as AlertState;
use crate::review::{self, AnnotatedAlert, Annotations, ReviewView};
use crate::store::{AlertFilter, StoreError, StoredLog};
use crate::timefmt::parse_time;

/// Most alerts one page of `/api/alerts` returns.
const MAX_LIMIT: u32 = 1000;

/// An error as JSON: `{"error": "..."}` with its status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    /// The status and message, for a page that shows the error as HTML.
    pub fn parts(self) -> (StatusCode, String) {
        (self.status, self.message)
    }

    pub fn bad(field: &str, message: impl std::fmt::Display) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, format!("{field}: {message}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({"error": self.message})),
        )
            .into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let status = match e {
            StoreError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        tracing::warn!(error = %e, "store error in a request");
        ApiError::new(status, e.to_string())
    }
}

impl From<review::ReviewError> for ApiError {
    fn from(e: review::ReviewError) -> Self {
        match e {
            review::ReviewError::Store(s) => s.into(),
            review::ReviewError::UnknownTask(_) => {
                ApiError::new(StatusCode::NOT_FOUND, e.to_string())
            }
            review::ReviewError::CreateInFlight(_) => {
                ApiError::new(StatusCode::CONFLICT, e.to_string())
            }
            review::ReviewError::Github { .. } => {
                ApiError::new(StatusCode::BAD_GATEWAY, e.to_string())
            }
            other => ApiError::new(StatusCode::BAD_REQUEST, other.to_string()),
        }
    }
}

/// Query pairs; repeated keys (`service=a&service=b`) keep every value.
pub(crate) fn query_pairs(raw: Option<String>) -> HashMap<String, Vec<String>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in form_urlencoded::parse(raw.unwrap_or_default().as_bytes()) {
        out.entry(k.into_owned()).or_default().push(v.into_owned());
    }
    out
}

/// The filters of `asakai alerts`, from a query string; each bad value names its field.
pub(crate) async fn filter_from(
    app: &App,
    q: &HashMap<String, Vec<String>>,
) -> Result<AlertFilter, ApiError> {
    let one = |k: &str| {
        q.get(k)
            .and_then(|v| v.last())
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let tz = app.settings.timezone;
    let time = |k: &str| -> Result<Option<i64>, ApiError> {
        one(k)
            .map(|t| parse_time(&t, tz).map_err(|e| ApiError::bad(k, e)))
            .transpose()
    };
    let state = one("state")
        .map(|s| {
            AlertState::parse(&s).ok_or_else(|| {
                ApiError::bad(
                    "state",
                    "use open, recovered, closed_manually or closed_by_system",
                )
            })
        })
        .transpose()?;
    let severity = one("severity")
        .map(|s| match s.to_ascii_uppercase().as_str() {
            up @ ("CRITICAL" | "WARNING" | "UNKNOWN") => Ok(up.to_owned()),
            _ => Err(ApiError::bad(
                "severity",
                "use CRITICAL, WARNING or UNKNOWN",
            )),
        })
        .transpose()?;
    let limit = match one("limit") {
        None => 100,
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| ApiError::bad("limit", format!("a number from 1 to {MAX_LIMIT}")))?,
    };
    let oldest_first = match one("order").as_deref() {
        None | Some("newest") => false,
        Some("oldest") => true,
        Some(other) => {
            return Err(ApiError::bad(
                "order",
                format!("{other:?}: use newest or oldest"),
            ))
        }
    };
    let before = match one("before") {
        None => None,
        Some(id) => {
            let found = app.store.alerts_by_id(std::slice::from_ref(&id)).await?;
            let a = found
                .first()
                .ok_or_else(|| ApiError::bad("before", format!("no alert {id:?}")))?;
            Some((a.opened_at, a.id.clone()))
        }
    };
    Ok(AlertFilter {
        services: q.get("service").cloned().unwrap_or_default(),
        monitor: one("monitor"),
        host: one("host"),
        state,
        severity,
        from: time("from")?,
        to: time("to")?,
        search: one("search"),
        limit: Some(limit),
        before,
        oldest_first,
    })
}

/// `GET /api/alerts`: a page of alert objects, newest first; the next page is named
/// in a `Link` header (`before=<last id>`).
pub async fn alerts(State(app): State<Arc<App>>, RawQuery(raw): RawQuery) -> Response {
    match alerts_page(&app, raw).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn alerts_page(app: &App, raw: Option<String>) -> Result<Response, ApiError> {
    let q = query_pairs(raw.clone());
    let filter = filter_from(app, &q).await?;
    let limit = filter.limit.unwrap_or(100) as usize;
    let alerts = app.store.find_alerts(&filter).await?;
    let notes = Annotations::load_for(&app.store, &alerts).await?;
    let now = chrono::Utc::now().timestamp();
    let body: Vec<AnnotatedAlert> = alerts.iter().map(|a| notes.annotate(a, now)).collect();
    let mut response = Json(body).into_response();
    if let Some(last) = alerts.last().filter(|_| alerts.len() == limit) {
        let mut next: Vec<(String, String)> =
            form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
                .filter(|(k, _)| k != "before")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        next.push(("before".into(), last.id.clone()));
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(next)
            .finish();
        if let Ok(v) = HeaderValue::from_str(&format!("</api/alerts?{query}>; rel=\"next\"")) {
            response.headers_mut().insert(header::LINK, v);
        }
    }
    Ok(response)
}

/// One entry of an alert's status history.
#[derive(Debug, Serialize)]
pub struct LogEntry {
    status: String,
    trigger: String,
    target_value: Option<f64>,
    at: String,
}

impl From<StoredLog> for LogEntry {
    fn from(l: StoredLog) -> Self {
        LogEntry {
            at: crate::alert::rfc3339(l.created_at),
            status: l.status,
            trigger: l.trigger,
            target_value: l.target_value,
        }
    }
}

#[derive(Serialize)]
struct AlertDetail {
    #[serde(flatten)]
    alert: AnnotatedAlert,
    reviews: Vec<ReviewView>,
    logs: Vec<LogEntry>,
}

/// `GET /api/alerts/{id}`: the alert object, its reviews (newest first) and its logs.
pub async fn alert(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match alert_detail(&app, id).await {
        Ok(d) => Json(d).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn alert_detail(app: &App, id: String) -> Result<AlertDetail, ApiError> {
    let found = app.store.alerts_by_id(std::slice::from_ref(&id)).await?;
    let Some(a) = found.first() else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("no alert {id:?}"),
        ));
    };
    let notes = Annotations::load_for(&app.store, [a]).await?;
    let logs = app.store.alert_logs(&id).await?;
    Ok(AlertDetail {
        alert: notes.annotate(a, chrono::Utc::now().timestamp()),
        reviews: review::history(&app.store, &id).await?,
        logs: logs.into_iter().map(LogEntry::from).collect(),
    })
}

/// `GET /alerts.csv`: every alert that passes the filters, streamed.
pub async fn alerts_csv(State(app): State<Arc<App>>, RawQuery(raw): RawQuery) -> Response {
    let mut q = query_pairs(raw);
    // `limit=0` is every match, as `alerts --limit 0` is.
    if q.get("limit")
        .and_then(|v| v.last())
        .is_some_and(|l| l == "0")
    {
        q.remove("limit");
    }
    let mut filter = match filter_from(&app, &q).await {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    // The CSV is the whole result unless a limit was asked for.
    if !q.contains_key("limit") {
        filter.limit = None;
    }
    super::csv_stream::response(app, filter)
}

/// `GET /api/digest?date=YYYY-MM-DD`: the digest JSON of that meeting (default: today's).
pub async fn digest(State(app): State<Arc<App>>, RawQuery(raw): RawQuery) -> Response {
    match digest_json(&app, raw).await {
        Ok(text) => ([(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn digest_json(app: &App, raw: Option<String>) -> Result<axum::body::Bytes, ApiError> {
    use crate::digest::meeting;
    let q = query_pairs(raw);
    let settings = &app.settings;
    let tz = settings.timezone;
    let spec = meeting::spec(settings, tz);
    let now = chrono::Utc::now().timestamp();
    let date = match q.get("date").and_then(|v| v.last()) {
        Some(d) => crate::timefmt::parse_date(d).map_err(|e| ApiError::bad("date", e))?,
        None => chrono::TimeZone::timestamp_opt(&tz, now, 0)
            .single()
            .map(|t| t.date_naive())
            .ok_or_else(|| ApiError::bad("date", "no current date in the team's zone"))?,
    };
    let window = spec.for_meeting(date);
    let team = match q.get("team").and_then(|v| v.last()) {
        Some(name) => {
            Some(crate::teams::find(&settings.teams, name).map_err(|e| ApiError::bad("team", e))?)
        }
        None => None,
    };
    let shared = app.digests.of(&app.store, &spec, &window, team).await?;
    let all = match q.get("alerts").and_then(|v| v.last()).map(String::as_str) {
        None => false,
        Some("all") => true,
        Some(other) => {
            return Err(ApiError::bad(
                "alerts",
                format!("{other:?}: use alerts=all"),
            ))
        }
    };
    // A heavy day's every alert object is tens of megabytes: items unless asked.
    if shared.is_heavy() && !all {
        return Ok(shared.condensed_json());
    }
    Ok(shared.json())
}

/// Every `/api/*` error is `{"error": "..."}`, whoever answered it: axum's own
/// rejections (a bad path parameter, a body over the limit, a wrong method, no such
/// route) and the timeout layer answer plain text or nothing, which a script reading
/// JSON cannot tell from a crash.
pub async fn errors_as_json(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !api || !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    // Rejections are a line of text; anything longer is not worth quoting.
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_owned();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    } else {
        text
    };
    let mut json = ApiError::new(status, message).into_response();
    // Keep what the answer said besides its body (`Allow` on a 405, for one).
    for (name, value) in &parts.headers {
        if name != axum::http::header::CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            json.headers_mut().append(name.clone(), value.clone());
        }
    }
    json
}
