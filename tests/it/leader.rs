//! The lead among `serve` processes on one store (design §13), at the store's
//! surface: one holder at a time, passed on when let go or when its session dies;
//! and a delivery window claimed by one of several processes at once, never two.

use asakai::store::deliveries::{Claim, DeliveryKey};

use crate::helpers::*;

#[tokio::test]
async fn one_process_leads_at_a_time_and_the_lead_passes_on_when_released() {
    let db = TestDb::new().await;
    // Two handles, two pools: as two processes would hold them.
    let (a, b) = (db.open().await, db.open().await);
    let mut lead = a
        .try_lead()
        .await
        .unwrap()
        .expect("the first asks and leads");
    assert!(b.try_lead().await.unwrap().is_none(), "a second must wait");
    assert!(lead.still_held().await);
    lead.release().await;
    let next = b.try_lead().await.unwrap();
    assert!(next.is_some(), "released: the other leads at once");
    drop(next);
    assert!(a.try_lead().await.unwrap().is_some(), "dropped: free again");
}

#[tokio::test]
async fn a_leader_whose_session_dies_knows_it_and_another_leads() {
    let Some(db) = TestDb::postgres_only("a PostgreSQL session to end").await else {
        return;
    };
    let (a, b) = (db.open().await, db.open().await);
    let mut lead = a.try_lead().await.unwrap().unwrap();
    // As a server restart or an administrator would: the session holding the lock ends.
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_locks \
         WHERE locktype = 'advisory' AND pid <> pg_backend_pid() \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .fetch_all(&mut db.connect().await)
    .await
    .unwrap();
    assert_eq!(ended, vec![true], "one session holds an advisory lock");
    assert!(!lead.still_held().await, "the leader must notice");
    assert!(
        b.try_lead().await.unwrap().is_some(),
        "and the lock is free"
    );
}

/// A pass or a leader that lets go leaves its lock free by the time it returns. On
/// PostgreSQL a closed session's locks are freed only once its backend has read the
/// goodbye: on a busy server the next pass found the passes' lock still held, and
/// failed as if another pass were running.
#[tokio::test]
async fn a_released_lock_is_free_when_release_returns() {
    let Some(db) = TestDb::postgres_only("PostgreSQL sessions' advisory locks").await else {
        return;
    };
    let store = db.open().await;
    let mut watcher = db.connect().await;
    for _ in 0..20 {
        let passes = store.try_lock_passes().await.unwrap().expect("free");
        assert_eq!(advisory_locks(&mut watcher).await, 1);
        passes.release().await;
        assert_eq!(advisory_locks(&mut watcher).await, 0, "the passes' lock");
        let lead = store.try_lead().await.unwrap().expect("free");
        lead.release().await;
        assert_eq!(advisory_locks(&mut watcher).await, 0, "the lead");
    }
}

/// Advisory locks held in the test's database, as its server sees them.
async fn advisory_locks(conn: &mut sqlx::PgConnection) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    )
    .fetch_one(conn)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_window_claimed_by_many_processes_at_once_is_granted_to_one() {
    let db = TestDb::new().await;
    let mut stores = Vec::new();
    for _ in 0..4 {
        stores.push(db.open().await);
    }
    let key = DeliveryKey {
        start: NOW,
        end: NOW + DAY,
        channel: "slack",
    };
    let claims = futures_util::future::join_all(
        (0..16).map(|i| stores[i % 4].claim_delivery(key, NOW + i as i64, false)),
    )
    .await;
    let granted = claims
        .iter()
        .filter(|c| matches!(c, Ok(Claim::Granted)))
        .count();
    assert_eq!(granted, 1, "{claims:?}");
    assert!(
        claims
            .iter()
            .all(|c| matches!(c, Ok(Claim::Granted | Claim::Unknown(_)))),
        "the others see the claim: {claims:?}"
    );
}
