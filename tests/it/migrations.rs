//! A store written by an older asakai opens in this one with its data intact: the
//! migrations that move data are run on a file made by the earlier ones.
//!
//! SQLite, whatever the environment asks for: these are SQLite files of older asakai
//! versions. PostgreSQL started from a baseline schema; its one migration that moves
//! data (0005, text ids) is tested on a store whose text ids are cleared, and one
//! made before 0007 (ids in byte order) on the way it is read after.

use asakai::store::testing::{self, store_before};
use asakai::store::Store;

use crate::helpers::{ids, stored_alert, TestDb};

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

/// PostgreSQL finds terms through each alert's text id and the texts' own table;
/// rows without one (a store from before migration 0005, a copy stopped before its
/// end) are filled when the store opens for writing.
#[tokio::test]
async fn alerts_without_a_text_id_on_postgres_are_filled_when_the_store_opens() {
    let Some(db) = TestDb::postgres_only("PostgreSQL's text ids").await else {
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
    testing::execute(&store, "UPDATE alerts SET text_id = NULL", &[])
        .await
        .unwrap();
    testing::execute(&store, "DELETE FROM alert_texts", &[])
        .await
        .unwrap();
    assert!(
        found(store).await.is_empty(),
        "without text ids a term finds nothing: the fill below is what finds them"
    );

    let store = db.open().await;
    let missing = testing::int(
        &store,
        "SELECT count(*) FROM alerts WHERE text_id IS NULL",
        &[],
    )
    .await
    .unwrap();
    assert_eq!(missing, 0);
    assert_eq!(found(store).await, ["a07", "a03"]);
}

/// A PostgreSQL store as asakai left it before its texts had a table of their own
/// (migration 0005): its alerts keep their data, and long and short terms find
/// them once it opens.
#[tokio::test]
async fn alerts_stored_before_text_ids_on_postgres_are_found_after_the_migration() {
    let Some(db) = TestDb::postgres_only("PostgreSQL's migration 0005").await else {
        return;
    };
    let old = testing::postgres_store_before(5, db.arg()).await.unwrap();
    for (id, host, message) in [
        ("a1", "db01", "nginx is down"),
        ("a2", "web01", ""),
        ("a3", "db01", "nginx is down"),
    ] {
        testing::execute(
            &old,
            "INSERT INTO alerts (id, type, status, opened_at, monitor_name, host_name, message, \
             ingested_at, updated_at) VALUES (?, 'host', 'CRITICAL', 1000, 'disk', ?, ?, 0, 0)",
            &[id.into(), host.into(), message.into()],
        )
        .await
        .unwrap();
    }
    old.close().await;

    let store = db.open().await;
    let find = |search: Option<&str>, host: Option<&str>| {
        let filter = asakai::store::AlertFilter {
            search: search.map(Into::into),
            host: host.map(Into::into),
            ..Default::default()
        };
        ids(&store, filter)
    };
    assert_eq!(find(Some("NGINX"), None).await, ["a3", "a1"]);
    assert_eq!(find(Some("x i"), None).await, ["a3", "a1"]);
    assert_eq!(find(Some("eb"), None).await, ["a2"]);
    assert_eq!(find(None, Some("db")).await, ["a3", "a1"]);
    assert!(find(Some("nginx"), Some("web")).await.is_empty());
    let texts = testing::int(&store, "SELECT count(*) FROM alert_texts", &[])
        .await
        .unwrap();
    assert_eq!(texts, 2, "a1 and a3 share their text");
}

#[tokio::test]
async fn alerts_and_what_names_them_on_postgres_survive_ids_in_byte_order() {
    let Some(db) = TestDb::postgres_only("PostgreSQL's migration 0007").await else {
        return;
    };
    let old = testing::postgres_store_before(7, db.arg()).await.unwrap();
    for (id, monitor, opened) in [("a1", Some("m1"), 1000), ("a2", None, 2000)] {
        testing::execute(
            &old,
            "INSERT INTO alerts (id, type, status, opened_at, monitor_id, host_id, services, \
             ingested_at, updated_at) VALUES (?, 'host', 'CRITICAL', ?, ?, 'h1', '[\"shop\"]', 0, 0)",
            &[id.into(), opened.into(), monitor.into()],
        )
        .await
        .unwrap();
    }
    testing::execute(
        &old,
        "INSERT INTO reviews (alert_id, outcome, note, reviewer, reviewed_at) \
         VALUES ('a1', 'fixed', 'restarted', 'aki', 1500)",
        &[],
    )
    .await
    .unwrap();
    old.close().await;

    let store = db.open().await;
    let in_byte_order = testing::int(
        &store,
        "SELECT count(*) FROM information_schema.columns \
         WHERE table_name IN ('alerts', 'alert_services', 'reviews') \
         AND column_name IN ('id', 'monitor_id', 'host_id', 'service', 'alert_id') \
         AND collation_name = 'C'",
        &[],
    )
    .await
    .unwrap();
    assert_eq!(in_byte_order, 6);
    let find = |monitor: Option<&str>, services: &[&str]| {
        let filter = asakai::store::AlertFilter {
            monitor: monitor.map(Into::into),
            services: services.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        ids(&store, filter)
    };
    assert_eq!(find(Some("m1"), &[]).await, ["a1"]);
    assert_eq!(find(None, &["shop"]).await, ["a2", "a1"]);
    let reviewed = testing::int(
        &store,
        "SELECT count(*) FROM reviews r JOIN alerts a ON a.id = r.alert_id",
        &[],
    )
    .await
    .unwrap();
    assert_eq!(reviewed, 1, "the review still names its alert");
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
