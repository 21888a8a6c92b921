//! The store's surface, as any backend must honour it: what is written reads back
//! equal through every path that reads it.

use asakai::store::{AlertFilter, Checkpoint, StoredAlert};

use crate::helpers::store_with;

const OPENED: i64 = 1_700_000_001;

/// Every field distinct from every other of its type, and each flag set alone.
fn alert(id: &str, flags: [bool; 3]) -> StoredAlert {
    StoredAlert {
        id: id.into(),
        kind: "host".into(),
        status: "WARNING".into(),
        severity: Some("CRITICAL".into()),
        monitor_id: Some("monitor-id".into()),
        monitor_name: Some("monitor name".into()),
        host_id: Some("host-id".into()),
        host_name: Some("host name".into()),
        opened_at: OPENED,
        closed_at: Some(OPENED + 1),
        close_cause: Some("manual".into()),
        reason: Some("the reason".into()),
        message: Some("the message".into()),
        value: Some(12.5),
        memo: Some("the memo".into()),
        series: Some(r#"{"name":"series"}"#.into()),
        roles: vec!["blog:app".into()],
        services: vec!["blog".into(), "shop".into()],
        url: Some("https://mackerel.io/orgs/o/alerts/x".into()),
        image_url: Some("https://mackerel.io/image.png".into()),
        gone: flags[0],
        logs_read: flags[1],
        attribution_pending: flags[2],
    }
}

fn by_id(mut alerts: Vec<StoredAlert>) -> Vec<StoredAlert> {
    alerts.sort_by(|a, b| a.id.cmp(&b.id));
    alerts
}

/// Rows are read back through positional column lists (`alert_array!`): two columns
/// of one type in the wrong order would swap data silently. Read back by every path
/// that reads alerts: by id, the history lookup, both branches of the meeting's
/// window, the alerts waiting for attribution, and the rows a sync checkpoint and a
/// webhook update start from.
#[tokio::test]
async fn an_alert_with_every_field_distinct_reads_back_equal() {
    let written = vec![
        alert("gone", [true, false, false]),
        alert("logs-read", [false, true, false]),
        alert("pending", [false, false, true]),
    ];
    let (store, _db) = store_with(&written).await;
    let ids: Vec<String> = written.iter().map(|a| a.id.clone()).collect();

    assert_eq!(by_id(store.alerts_by_id(&ids).await.unwrap()), written);
    let found = store.find_alerts(&AlertFilter::default()).await.unwrap();
    assert_eq!(by_id(found), written);
    // Opened inside the window; then opened before it and closed inside.
    for start in [OPENED, OPENED + 1] {
        let met = store.alerts_meeting(start, OPENED + 10).await.unwrap();
        assert_eq!(by_id(met), written, "window from {start}");
    }
    let pending = store.alerts_pending_attribution(10).await.unwrap();
    assert_eq!(pending, [written[2].clone()]);

    let checkpoint = Checkpoint {
        alert_ids: ids.clone(),
        ..Checkpoint::default()
    };
    let merged_from = store
        .write_checkpoint(&checkpoint, OPENED + 60, |stored| (Vec::new(), stored))
        .await
        .unwrap();
    assert_eq!(by_id(merged_from), written);
    for a in &written {
        let update = store
            .update_marked_alert(&a.id, OPENED + 60, |stored| {
                let stored = stored.expect("the alert is stored").clone();
                assert_eq!(&stored.alert, a);
                stored
            })
            .await
            .unwrap();
        assert!(update.existed && !update.changed, "{update:?}");
    }
}
