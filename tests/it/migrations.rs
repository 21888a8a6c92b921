//! A store written by an older asakai opens in this one with its data intact: the
//! migrations that move data are run on a file made by the earlier ones.
//!
//! SQLite, whatever the environment asks for: these are SQLite files of older asakai
//! versions. PostgreSQL started from a baseline schema; its one migration that moves
//! data (0002, short grams) is tested on a store whose grams are cleared.

use asakai::store::testing::{self, store_before};
use asakai::store::Store;

use crate::helpers::{stored_alert, TestDb};

#[tokio::test]
async fn services_and_the_longest_duration_survive_the_move_to_the_alert_row() {
    let db = TestDb::sqlite();
    let old = store_before(21, db.file()).await.unwrap();
    for (id, opened, closed) in [
        ("a1", 1_000, Some(1_000 + 40 * 86_400)),
        ("a2", 5_000, Some(6_000)),
    ] {
        testing::execute(
            &old,
            "INSERT INTO alerts (id, type, status, opened_at, closed_at, ingested_at, updated_at) \
             VALUES (?, 'host', 'OK', ?, ?, 0, 0)",
            &[id.into(), opened.into(), closed.into()],
        )
        .await
        .unwrap();
    }
    for service in ["shop", "blog"] {
        testing::execute(
            &old,
            "INSERT INTO alert_services (alert_id, service, opened_at) VALUES ('a1', ?, 1000)",
            &[service.into()],
        )
        .await
        .unwrap();
    }
    old.close().await;

    let store = db.open().await;
    let mut alerts = store
        .alerts_by_id(&["a1".into(), "a2".into()])
        .await
        .unwrap();
    alerts.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(alerts[0].services, vec!["blog", "shop"]);
    assert!(alerts[1].services.is_empty());
    // The 40-day alert bounds how far back a window's query reaches.
    let met = store
        .alerts_meeting(1_000 + 39 * 86_400, 1_000 + 39 * 86_400 + 60)
        .await
        .unwrap();
    assert_eq!(
        met.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        ["a1"]
    );
}

/// PostgreSQL's short terms are found through grams written with each alert; rows
/// without them (a store from before migration 0002, a copy stopped before its end)
/// are filled when the store opens for writing.
#[tokio::test]
async fn alerts_without_short_grams_on_postgres_are_filled_when_the_store_opens() {
    let Some(db) = TestDb::postgres_only("PostgreSQL's short grams").await else {
        return;
    };
    let mut alerts: Vec<_> = (0..12)
        .map(|i| stored_alert(&format!("a{i:02}"), "disk", Some("app01"), 1000 + i, None))
        .collect();
    alerts[3].message = Some("code zq".into());
    alerts[7].reason = Some("Zq restarted".into());
    let store = db.open().await;
    store.write_alerts(&alerts, 2000).await.unwrap();
    let zq = asakai::store::AlertFilter {
        search: Some("zq".into()),
        ..Default::default()
    };
    let found = |store: Store| {
        let zq = zq.clone();
        async move {
            let found = store.find_alerts(&zq).await.unwrap();
            store.close().await;
            found.into_iter().map(|a| a.id).collect::<Vec<_>>()
        }
    };
    testing::execute(&store, "UPDATE alerts SET short_grams = NULL", &[])
        .await
        .unwrap();
    assert!(
        found(store).await.is_empty(),
        "without grams a short term finds nothing: the fill below is what finds them"
    );

    let store = db.open().await;
    let missing = testing::int(
        &store,
        "SELECT count(*) FROM alerts WHERE short_grams IS NULL",
        &[],
    )
    .await
    .unwrap();
    assert_eq!(missing, 0);
    assert_eq!(found(store).await, ["a07", "a03"]);
}

#[tokio::test]
async fn alerts_stored_before_short_search_are_found_by_short_terms() {
    let db = TestDb::sqlite();
    let old = store_before(24, db.file()).await.unwrap();
    testing::execute(
        &old,
        "INSERT INTO alerts (id, type, status, opened_at, monitor_name, host_name, message, \
         ingested_at, updated_at) VALUES ('a1', 'host', 'OK', 1000, 'disk', 'db', 'code zq', 0, 0)",
        &[],
    )
    .await
    .unwrap();
    old.close().await;

    let store = db.open().await;
    for (text, column) in [("zq", None), ("code", None), ("d", Some("db"))] {
        let filter = asakai::store::AlertFilter {
            search: column.is_none().then(|| text.to_owned()),
            host: column.map(Into::into),
            limit: Some(10),
            ..Default::default()
        };
        let found = store.find_alerts(&filter).await.unwrap();
        assert_eq!(
            found.len(),
            1,
            "{text}: the index was rebuilt with the old alerts"
        );
    }
    // Edits after the move keep the index current.
    testing::execute(
        &store,
        "UPDATE alerts SET message = 'gone now' WHERE id = 'a1'",
        &[],
    )
    .await
    .unwrap();
    let zq = asakai::store::AlertFilter {
        search: Some("zq".into()),
        ..Default::default()
    };
    assert!(store.find_alerts(&zq).await.unwrap().is_empty());
}
