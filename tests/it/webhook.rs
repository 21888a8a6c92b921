//! Mackerel's webhooks taken into a real store: every fixture, ordering and
//! redelivery, bad bodies, untrusted text.

use asakai::store::{testing, Store};
use asakai::webhook::{receive, Received};
use serde_json::{json, Value};

use crate::helpers::*;

/// A webhook fixture as the bytes Mackerel would send.
pub fn hook(name: &str) -> Value {
    fixture(&format!("webhooks/{name}"))
}

pub fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

pub async fn take(store: &Store, v: &Value, now: i64) -> Received {
    receive(store, &bytes(v), now).await.unwrap()
}

/// The close of the connectivity fixture's alert, by a person, with a graph.
pub fn manual_close(mut v: Value, closed_at: i64) -> Value {
    v["alert"]["status"] = json!("ok");
    v["alert"]["isOpen"] = json!(false);
    v["alert"]["closedAt"] = json!(closed_at);
    v["alert"]["trigger"] = json!("manual close");
    v["user"] = json!({"id": "u1", "screenName": "hanako@example.com"});
    v["imageUrl"] = json!("https://mackerel.io/embed/public/alert/CLOSE.png");
    v
}

/// Every row a webhook may touch, every column, as text: equal dumps mean nothing changed.
pub async fn dump(store: &Store) -> Vec<String> {
    let tables: [(&str, &[&str]); 5] = [
        (
            "alerts",
            &[
                "id",
                "type",
                "status",
                "severity",
                "monitor_id",
                "monitor_name",
                "host_id",
                "host_name",
                "opened_at",
                "closed_at",
                "close_cause",
                "reason",
                "message",
                "value",
                "memo",
                "roles",
                "url",
                "image_url",
                "gone",
                "logs_read",
                "attribution_pending",
                "ingested_at",
                "updated_at",
                "closed_by",
                "status_at",
            ],
        ),
        ("alert_services", &["alert_id", "service", "opened_at"]),
        (
            "hosts",
            &[
                "id",
                "name",
                "display_name",
                "status",
                "roles",
                "is_retired",
                "retired_at",
                "gone",
                "fetched_at",
            ],
        ),
        ("host_status_changes", &["host_id", "status", "observed_at"]),
        (
            "alert_thresholds",
            &["alert_id", "operator", "warning", "critical", "seen_at"],
        ),
    ];
    let mut out = Vec::new();
    for (table, columns) in tables {
        let rows = testing::strings(store, &rows_as_text(table, columns), &[])
            .await
            .unwrap();
        out.extend(rows);
    }
    out
}

/// A query of each row of `table` as one text, `column=value` for each of `columns`
/// (NULL shown as such), sorted: in the SQL both backends speak.
fn rows_as_text(table: &str, columns: &[&str]) -> String {
    let fields: Vec<String> = columns
        .iter()
        .map(|c| format!("'{c}=' || COALESCE(CAST({c} AS TEXT), 'NULL')"))
        .collect();
    format!(
        "SELECT {} FROM {table} ORDER BY 1",
        fields.join(" || ' ' || ")
    )
}

/// One alert column as text (`None` for NULL).
pub async fn column(store: &Store, id: &str, col: &str) -> Option<String> {
    let q = format!("SELECT CAST({col} AS TEXT) FROM alerts WHERE id = ?");
    testing::optional_string(store, &q, &[id.into()])
        .await
        .unwrap()
}

fn updated(id: &str, new: bool, changed: bool) -> Received {
    Received::AlertUpdated {
        id: id.into(),
        new,
        changed,
    }
}

fn ignored(event: &str) -> Received {
    Received::Ignored {
        event: event.into(),
    }
}

#[tokio::test]
async fn every_webhook_fixture_is_accepted_with_the_right_result() {
    let host = Received::HostUpdated {
        id: "HOST_ID".into(),
        changed: true,
    };
    let cases = [
        ("alert-check-open.json", updated("ALERT_ID", true, true)),
        (
            "alert-connectivity-open.json",
            updated("ALERT_ID", true, true),
        ),
        ("alert-docs-example.json", updated("2bj...", true, true)),
        (
            "alert-expression-manual-close.json",
            updated("ALERT_ID", true, true),
        ),
        (
            "alert-external-no-service.json",
            updated("ALERT_ID", true, true),
        ),
        (
            "alert-external-with-service.json",
            updated("ALERT_ID", true, true),
        ),
        ("alert-group-closed.json", ignored("alertGroup")),
        ("alert-group-open.json", ignored("alertGroup")),
        (
            "alert-open-hostmetric-captured.json",
            updated("ALERT_ID", true, true),
        ),
        ("alert-service-open.json", updated("ALERT_ID", true, true)),
        ("host-register.json", host.clone()),
        ("host-retire.json", host.clone()),
        ("host-status.json", host),
        ("monitor-update.json", ignored("monitorUpdate")),
        ("sample.json", ignored("sample")),
    ];
    // A fixture added later must be added here too.
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mackerel/webhooks");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let named: Vec<&str> = cases.iter().map(|(f, _)| *f).collect();
    assert_eq!(files, named);

    for (file, expected) in cases {
        let (store, _db) = temp_store().await;
        assert_eq!(take(&store, &hook(file), NOW).await, expected, "{file}");
    }
}

#[tokio::test]
async fn an_alert_event_stores_what_the_event_names() {
    let (store, _db) = temp_store().await;
    take(&store, &hook("alert-connectivity-open.json"), NOW).await;
    let a = crate::sync::stored(&store, "ALERT_ID").await;
    assert_eq!(
        (a.kind.as_str(), a.status.as_str(), a.severity.as_deref()),
        ("connectivity", "WARNING", Some("WARNING"))
    );
    assert_eq!(a.opened_at, 1693025262);
    assert_eq!(a.closed_at, None);
    assert_eq!(a.monitor_name.as_deref(), Some("MY_MONITOR_CONNECTIVITY"));
    assert_eq!(
        (a.host_id.as_deref(), a.host_name.as_deref()),
        (Some("HOST_ID"), Some("MY_HOST"))
    );
    assert_eq!(a.message.as_deref(), Some("unreachable"));
    assert_eq!(a.services, ["MY_SERVICE"]);
    assert_eq!(a.roles, ["MY_SERVICE:MY_ROLE"]);
    assert_eq!(
        a.image_url.as_deref(),
        Some("https://mackerel.io/embed/public/alert/RANDOM_GRAPH.png")
    );
    assert_eq!(
        a.url.as_deref(),
        Some("https://mackerel.io/orgs/MY_ORG/alerts/ALERT_ID")
    );
}

#[tokio::test]
async fn services_come_from_the_service_object_or_the_host_roles_and_never_for_expressions() {
    let cases = [
        ("alert-service-open.json", vec!["MY_SERVICE"]),
        ("alert-external-with-service.json", vec!["MY_SERVICE"]),
        ("alert-external-no-service.json", vec![]),
        ("alert-expression-manual-close.json", vec![]),
        ("alert-open-hostmetric-captured.json", vec!["SERVICE_NAME"]),
        ("alert-docs-example.json", vec!["Service"]),
    ];
    for (file, services) in cases {
        let (store, _db) = temp_store().await;
        let v = hook(file);
        take(&store, &v, NOW).await;
        let id = v["alert"]["id"].as_str().unwrap();
        let a = crate::sync::stored(&store, id).await;
        assert_eq!(a.services, services, "{file}");
    }
}

#[tokio::test]
async fn the_docs_example_is_open_and_critical_despite_its_closed_at() {
    let (store, _db) = temp_store().await;
    take(&store, &hook("alert-docs-example.json"), NOW).await;
    let a = crate::sync::stored(&store, "2bj...").await;
    assert_eq!((a.status.as_str(), a.closed_at), ("CRITICAL", None));
    // The store reads REALs back through SQLite's JSON, to 15 significant digits.
    assert!((a.value.unwrap() - 2.255356387321597).abs() < 1e-12);
}

#[tokio::test]
async fn a_manual_close_of_an_unknown_alert_stores_it_closed_with_cause_and_user() {
    let (store, _db) = temp_store().await;
    take(&store, &hook("alert-expression-manual-close.json"), NOW).await;
    let a = crate::sync::stored(&store, "ALERT_ID").await;
    assert_eq!(a.status, "OK");
    assert_eq!(a.closed_at, Some(1693746690));
    assert_eq!(a.close_cause.as_deref(), Some("manual"));
    // Never seen open: the logs will tell its severity.
    assert_eq!(a.severity, None);
    assert_eq!(
        column(&store, "ALERT_ID", "closed_by").await.as_deref(),
        Some("MY_EMAIL_ADDRESS")
    );
}

#[tokio::test]
async fn an_open_then_a_close_event_close_the_alert_with_its_cause_user_and_graph() {
    let (store, _db) = temp_store().await;
    let open = hook("alert-connectivity-open.json");
    take(&store, &open, NOW).await;
    let got = take(&store, &manual_close(open, 1693025900), NOW + 60).await;
    assert_eq!(got, updated("ALERT_ID", false, true));
    let a = crate::sync::stored(&store, "ALERT_ID").await;
    assert_eq!((a.status.as_str(), a.closed_at), ("OK", Some(1693025900)));
    assert_eq!(a.close_cause.as_deref(), Some("manual"));
    assert_eq!(a.severity.as_deref(), Some("WARNING"));
    assert_eq!(
        a.image_url.as_deref(),
        Some("https://mackerel.io/embed/public/alert/CLOSE.png")
    );
    assert_eq!(
        column(&store, "ALERT_ID", "closed_by").await.as_deref(),
        Some("hanako@example.com")
    );
    let view = asakai::alert::AlertView::at(&a, NOW + 60);
    assert_eq!(view.state, asakai::alert::State::ClosedManually);
}

#[tokio::test]
async fn a_system_close_maps_the_webhook_trigger_to_the_log_word() {
    let (store, _db) = temp_store().await;
    let open = hook("alert-connectivity-open.json");
    take(&store, &open, NOW).await;
    let mut close = manual_close(open, 1693025900);
    close["alert"]["trigger"] = json!("retire host");
    take(&store, &close, NOW).await;
    let a = crate::sync::stored(&store, "ALERT_ID").await;
    assert_eq!(a.close_cause.as_deref(), Some("hostRetire"));
    let view = asakai::alert::AlertView::at(&a, NOW);
    assert_eq!(view.state, asakai::alert::State::ClosedBySystem);
}

#[tokio::test]
async fn a_redelivered_event_changes_nothing() {
    let (store, _db) = temp_store().await;
    let open = hook("alert-connectivity-open.json");
    let close = manual_close(open.clone(), 1693025900);
    for event in [&open, &close] {
        take(&store, event, NOW).await;
        let before = dump(&store).await;
        let again = take(&store, event, NOW + 600).await;
        assert_eq!(again, updated("ALERT_ID", false, false));
        assert_eq!(dump(&store).await, before);
    }
    for file in ["host-status.json", "host-retire.json"] {
        take(&store, &hook(file), NOW).await;
        let before = dump(&store).await;
        let again = take(&store, &hook(file), NOW + 600).await;
        let expected = Received::HostUpdated {
            id: "HOST_ID".into(),
            changed: false,
        };
        assert_eq!(again, expected, "{file}");
        assert_eq!(dump(&store).await, before, "{file}");
    }
}

/// The docs' example at a given status and Mackerel time.
fn at_status(status: &str, changed_at: i64) -> Value {
    let mut v = hook("alert-docs-example.json");
    v["alert"]["status"] = json!(status);
    v["alert"]["statusChangedAt"] = json!(changed_at);
    v["alert"]["closedAt"] = Value::Null;
    v
}

#[tokio::test]
async fn an_event_older_than_the_status_held_changes_nothing() {
    let (store, _db) = temp_store().await;
    take(&store, &at_status("critical", 1473130200), NOW).await;
    let before = dump(&store).await;
    let late = take(&store, &at_status("warning", 1473130100), NOW + 5).await;
    assert_eq!(late, updated("2bj...", false, false));
    assert_eq!(dump(&store).await, before);
}

#[tokio::test]
async fn an_open_event_after_the_close_changes_nothing() {
    let (store, _db) = temp_store().await;
    let open = hook("alert-connectivity-open.json");
    take(&store, &manual_close(open.clone(), 1693025900), NOW).await;
    let before = dump(&store).await;
    take(&store, &open, NOW + 5).await;
    assert_eq!(dump(&store).await, before);
    assert_eq!(crate::sync::stored(&store, "ALERT_ID").await.status, "OK");
}

#[tokio::test]
async fn the_peak_severity_is_never_lowered() {
    let (store, _db) = temp_store().await;
    take(&store, &at_status("warning", 1473130000), NOW).await;
    take(&store, &at_status("critical", 1473130100), NOW).await;
    take(&store, &at_status("unknown", 1473130200), NOW).await;
    take(&store, &at_status("warning", 1473130300), NOW).await;
    let a = crate::sync::stored(&store, "2bj...").await;
    assert_eq!(a.status, "WARNING");
    assert_eq!(a.severity.as_deref(), Some("CRITICAL"));
}

#[tokio::test]
async fn an_escalation_without_a_status_time_still_applies() {
    // Captured payloads carry no statusChangedAt: every event of an alert has the same
    // time (its openedAt), and a change of status must not be taken for a redelivery.
    let (store, _db) = temp_store().await;
    let warning = hook("alert-open-hostmetric-captured.json");
    let mut critical = warning.clone();
    critical["alert"]["status"] = json!("critical");
    take(&store, &warning, NOW).await;
    let got = take(&store, &critical, NOW + 60).await;
    assert_eq!(got, updated("ALERT_ID", false, true));
    let a = crate::sync::stored(&store, "ALERT_ID").await;
    assert_eq!(
        (a.status.as_str(), a.severity.as_deref()),
        ("CRITICAL", Some("CRITICAL"))
    );
}

#[tokio::test]
async fn a_host_status_event_updates_the_host_and_keeps_a_status_line() {
    let (store, _db) = temp_store().await;
    take(&store, &hook("host-register.json"), NOW).await;
    take(&store, &hook("host-status.json"), NOW + 60).await;
    let hosts = store.hosts().await.unwrap();
    let h = &hosts["HOST_ID"];
    assert_eq!(h.status.as_deref(), Some("standby"));
    assert_eq!(h.roles["MY_SERVICE2"], ["MY_ROLE2"]);
    assert!(!h.is_retired);
    let lines = testing::strings(
        &store,
        "SELECT status || ' ' || observed_at FROM host_status_changes ORDER BY observed_at",
        &[],
    )
    .await
    .unwrap();
    assert_eq!(
        lines,
        [format!("working {NOW}"), format!("standby {}", NOW + 60)]
    );
}

#[tokio::test]
async fn a_retired_host_stays_retired_whatever_comes_after() {
    let (store, _db) = temp_store().await;
    take(&store, &hook("host-retire.json"), NOW).await;
    let before = dump(&store).await;
    let mut status = hook("host-status.json");
    status["host"]["status"] = json!("working");
    take(&store, &status, NOW + 60).await;
    assert_eq!(dump(&store).await, before);
    let hosts = store.hosts().await.unwrap();
    assert!(hosts["HOST_ID"].is_retired);
    assert_eq!(hosts["HOST_ID"].retired_at, Some(NOW));
}

#[tokio::test]
async fn a_graph_draws_the_thresholds_the_alert_fired_against_from_its_webhook() {
    let (store, _db) = temp_store().await;
    take(&store, &hook("alert-service-open.json"), NOW).await;
    // A polled alert has none: its graph keeps the monitor's as read later.
    let polled = hook("alert-connectivity-open.json");
    assert_eq!(polled["alert"]["criticalThreshold"], Value::Null);
    store.queue_graphs().await.unwrap();
    // The series read later, with the monitor's thresholds edited since (90/80).
    crate::graphs_draw::store_cpu_series(&store, "ALERT_ID").await;
    let g = store.graph_of("ALERT_ID").await.unwrap().unwrap();
    assert_eq!(
        (g.operator.as_deref(), g.warning, g.critical),
        (Some(">"), Some(1.0), Some(2.0)),
        "the webhook's, not the monitor's at the read"
    );
    let tz: chrono_tz::Tz = "UTC".parse().unwrap();
    let Some(asakai::graphs::AlertGraph::Svg(svg)) =
        asakai::graphs::svg_for_alert(&store, "ALERT_ID", tz, asakai::digest::Lang::En)
            .await
            .unwrap()
    else {
        panic!("no graph");
    };
    assert!(
        svg.contains(">critical 2<") && svg.contains(">warning 1<"),
        "{svg}"
    );
    assert!(!svg.contains("critical 90"));
    // A later event of the same alert keeps the thresholds it opened against.
    let mut later = hook("alert-service-open.json");
    later["alert"]["criticalThreshold"] = serde_json::json!(50);
    take(&store, &later, NOW + 60).await;
    let g = store.graph_of("ALERT_ID").await.unwrap().unwrap();
    assert_eq!(g.critical, Some(2.0));
}
