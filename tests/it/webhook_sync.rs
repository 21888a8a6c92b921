//! Webhooks and polling on one store: a sync pass after a webhook converges without
//! losing what only the webhook carried.

use asakai::sync::run_pass;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::sync::{opts, org, stored};
use crate::webhook::{column, take};

const T: i64 = NOW - 3600;

/// The webhook Mackerel sends when someone closes `aMulti` (the org's connectivity
/// alert on host `hMulti`) by hand.
fn manual_close_of_a_multi(closed_at: i64) -> Value {
    json!({
        "event": "alert", "orgName": "acme", "type": "connectivity", "message": "unreachable",
        "imageUrl": "https://mackerel.io/embed/public/alert/GRAPH.png",
        "user": {"id": "u1", "screenName": "hanako@example.com"},
        "host": {"id": "hMulti", "name": "app01", "status": "working", "isRetired": false,
                 "roles": [{"serviceName": "blog", "roleName": "app"}]},
        "alert": {"id": "aMulti", "status": "ok", "isOpen": false, "trigger": "manual close",
                  "openedAt": T, "closedAt": closed_at, "monitorName": "connectivity",
                  "url": "https://mackerel.io/orgs/acme/alerts/aMulti"}
    })
}

fn a_multi(world: &World) -> &Value {
    world.alerts.iter().find(|a| a["id"] == "aMulti").unwrap()
}

/// `aMulti` as Mackerel lists it once closed, with its logs.
fn close_in_mackerel(m: &Mackerel, closed_at: i64) {
    m.update(|w| {
        let a = a_multi(w).clone();
        w.alerts.retain(|x| x["id"] != "aMulti");
        w.alerts.push(closed(a, closed_at, Some("cable fixed")));
        w.logs.insert(
            "aMulti".into(),
            vec![
                log(T, "WARNING", "monitoring"),
                log(T + 60, "CRITICAL", "monitoring"),
                log(closed_at, "OK", "manual"),
            ],
        );
    });
}

async fn webhook_only_fields(store: &asakai::store::Store) -> [Option<String>; 3] {
    [
        column(store, "aMulti", "image_url").await,
        column(store, "aMulti", "closed_by").await,
        column(store, "aMulti", "close_cause").await,
    ]
}

fn as_the_webhook_left_them() -> [Option<String>; 3] {
    [
        Some("https://mackerel.io/embed/public/alert/GRAPH.png".into()),
        Some("hanako@example.com".into()),
        Some("manual".into()),
    ]
}

#[tokio::test]
async fn a_sync_pass_after_a_webhook_close_keeps_the_graph_the_user_and_the_cause() {
    let mut world = org();
    // Seen only at WARNING: its CRITICAL moment is known from its logs alone.
    world
        .alerts
        .iter_mut()
        .filter(|a| a["id"] == "aMulti")
        .for_each(|a| a["status"] = json!("WARNING"));
    let mackerel = Mackerel::start(world).await;
    let (store, _db) = temp_store().await;
    run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap();
    let closed_at = NOW + 100;
    take(&store, &manual_close_of_a_multi(closed_at), NOW + 101).await;

    close_in_mackerel(&mackerel, closed_at);
    run_pass(&mackerel.client(), &store, &opts(), NOW + 200)
        .await
        .unwrap();

    assert_eq!(
        webhook_only_fields(&store).await,
        as_the_webhook_left_them()
    );
    let a = stored(&store, "aMulti").await;
    assert_eq!((a.status.as_str(), a.closed_at), ("OK", Some(closed_at)));
    assert_eq!(a.reason.as_deref(), Some("cable fixed"));
    // The logs were still read: they know a peak no webhook reported.
    assert!(a.logs_read);
    assert_eq!(a.severity.as_deref(), Some("CRITICAL"));
}

#[tokio::test]
async fn a_list_that_still_shows_the_alert_open_does_not_reopen_what_a_webhook_closed() {
    let mackerel = Mackerel::start(org()).await;
    let (store, _db) = temp_store().await;
    run_pass(&mackerel.client(), &store, &opts(), NOW)
        .await
        .unwrap();
    let closed_at = NOW + 100;
    take(&store, &manual_close_of_a_multi(closed_at), NOW + 101).await;

    // Mackerel's lists have not caught up with the close yet.
    run_pass(&mackerel.client(), &store, &opts(), NOW + 102)
        .await
        .unwrap();

    let a = stored(&store, "aMulti").await;
    assert_eq!((a.status.as_str(), a.closed_at), ("OK", Some(closed_at)));
    assert_eq!(
        webhook_only_fields(&store).await,
        as_the_webhook_left_them()
    );
}

#[tokio::test]
async fn an_alert_first_known_by_webhook_is_completed_by_the_next_pass() {
    let mackerel = Mackerel::start(org()).await;
    let (store, _db) = temp_store().await;
    let mut open = manual_close_of_a_multi(0);
    open["alert"] = json!({"id": "aMulti", "status": "critical", "isOpen": true, "trigger": "monitor",
                           "openedAt": T, "closedAt": null, "monitorName": "connectivity"});
    take(&store, &open, NOW).await;
    assert_eq!(stored(&store, "aMulti").await.monitor_id, None);

    run_pass(&mackerel.client(), &store, &opts(), NOW + 10)
        .await
        .unwrap();

    let a = stored(&store, "aMulti").await;
    assert_eq!(a.monitor_id.as_deref(), Some("mConn"));
    // Polling's attribution, from the host as Mackerel lists it now.
    assert_eq!(a.services, ["blog", "shop"]);
    assert_eq!(a.severity.as_deref(), Some("CRITICAL"));
    assert_eq!(
        a.image_url.as_deref(),
        Some("https://mackerel.io/embed/public/alert/GRAPH.png")
    );
}
