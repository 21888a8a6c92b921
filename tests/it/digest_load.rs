//! Loading a window's alerts for the digest: every alert exactly once however
//! the window is sliced to be read at once, in opening order for every caller,
//! and "still unreviewed" counted right with reviews inside and outside the range.

use std::collections::HashSet;

use asakai::digest::{self, Window};
use asakai::review::{self, Outcome};
use asakai::store::StoredAlert;

use crate::helpers::*;

fn day() -> Window {
    Window {
        start: NOW - DAY,
        end: NOW,
        tz: chrono_tz::Asia::Tokyo,
        meeting: None,
    }
}

/// A busy window: runs of alerts opened in the same second where the slices are
/// likely to be cut, alerts opened before it and closed inside or still open,
/// and alerts just outside it on both sides.
fn busy_window() -> (Vec<StoredAlert>, HashSet<String>) {
    let w = day();
    let mut alerts = Vec::new();
    let mut expected = HashSet::new();
    let mut push = |alert: StoredAlert, inside: bool, alerts: &mut Vec<StoredAlert>| {
        if inside {
            expected.insert(alert.id.clone());
        }
        alerts.push(alert);
    };
    for i in 0..300 {
        // Ids that do not sort like opening times, as Mackerel's do not.
        let id = format!("{:x}", (i * 7919) % 4096 + 4096);
        let opened = match i {
            80..=139 => w.start + 30_000,
            180..=239 => w.start + 60_000,
            _ => w.start + i * 280,
        };
        let closed = (i % 5 != 0).then_some(opened + 120);
        let host = format!("h{}", i % 7);
        push(
            stored_alert(&id, "cpu", Some(&host), opened, closed),
            true,
            &mut alerts,
        );
    }
    push(
        stored_alert(
            "before-closed-in",
            "disk",
            Some("db"),
            w.start - 3_600,
            Some(w.start + 60),
        ),
        true,
        &mut alerts,
    );
    push(
        stored_alert(
            "before-still-open",
            "disk",
            Some("db2"),
            w.start - 7_200,
            None,
        ),
        true,
        &mut alerts,
    );
    push(
        stored_alert(
            "before-closed-before",
            "disk",
            Some("db3"),
            w.start - 7_200,
            Some(w.start - 1),
        ),
        false,
        &mut alerts,
    );
    push(
        stored_alert("after", "disk", Some("db4"), w.end, None),
        false,
        &mut alerts,
    );
    (alerts, expected)
}

#[tokio::test]
async fn a_busy_window_loads_every_alert_once_and_in_opening_order() {
    let (alerts, expected) = busy_window();
    let (store, _db) = store_with(&alerts).await;
    let w = day();

    let met = store.alerts_meeting(w.start, w.end).await.unwrap();
    let ids: Vec<&str> = met.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), expected.len(), "no alert twice");
    assert_eq!(
        ids.iter().map(|s| s.to_string()).collect::<HashSet<_>>(),
        expected
    );
    assert!(
        met.windows(2)
            .all(|p| (p[0].opened_at, &p[0].id) < (p[1].opened_at, &p[1].id)),
        "sorted by opening, then id"
    );

    // The digest counts each once, and lists them in the same order.
    let input = digest::load::input_at(&store, &w, &w, NOW).await.unwrap();
    let d = digest::build(input, &w, NOW);
    assert_eq!(d.totals.total(), expected.len() as i64);
    let listed: usize = d.services.iter().map(|s| s.alerts.len()).sum();
    assert_eq!(listed, expected.len());
    let carried: Vec<&str> = d.carried_over.iter().map(|a| a.alert.id.as_str()).collect();
    assert_eq!(carried, ["before-still-open"]);
}

#[tokio::test]
async fn a_digest_is_the_same_whatever_order_its_alerts_are_loaded_in() {
    let (alerts, _) = busy_window();
    let (store, _db) = store_with(&alerts).await;
    let w = day();
    let input = digest::load::input_at(&store, &w, &w, NOW).await.unwrap();
    let mut reversed = input.clone();
    reversed.alerts.reverse();
    let mut shuffled = input.clone();
    shuffled.alerts.sort_by_key(|a| a.id.clone());
    let expected = digest::build(input, &w, NOW);
    assert_eq!(digest::build(reversed, &w, NOW), expected);
    assert_eq!(digest::build(shuffled, &w, NOW), expected);
}

#[tokio::test]
async fn still_unreviewed_counts_alerts_of_the_range_without_an_outcome() {
    let opened = |k: i64| NOW - 2 * DAY + k * 600;
    let mut alerts: Vec<StoredAlert> = (0..10)
        .map(|k| {
            stored_alert(
                &format!("r{k}"),
                "cpu",
                Some("web"),
                opened(k),
                Some(opened(k) + 60),
            )
        })
        .collect();
    // Outside the range: reviewed or not, they never count.
    alerts.push(stored_alert(
        "old",
        "cpu",
        Some("web"),
        NOW - 9 * DAY,
        Some(NOW - 9 * DAY + 60),
    ));
    alerts.push(stored_alert("new", "cpu", Some("web"), NOW - 60, None));
    let (store, _db) = store_with(&alerts).await;
    let ids = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    for (alert_ids, outcome) in [
        (ids(&["r1", "r2"]), Outcome::Noise),
        // Reviewed twice: still one alert with an outcome.
        (ids(&["r2"]), Outcome::Fixed),
        (ids(&["r9", "old", "new"]), Outcome::Expected),
    ] {
        review::record(&store, &alert_ids, outcome, None, Some("sato"), NOW)
            .await
            .unwrap();
    }

    let (shown, total) = store
        .unreviewed_between(NOW - 7 * DAY, NOW - DAY, 3)
        .await
        .unwrap();
    assert_eq!(total, 7, "r0, r3..r8");
    assert_eq!(shown, ["r8", "r7", "r6"], "the newest first");
}
