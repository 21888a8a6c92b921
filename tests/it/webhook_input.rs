//! What the webhook refuses (named, changing nothing) and what it keeps as it came:
//! untrusted text stays text.

use asakai::store::Store;
use asakai::webhook::{receive, WebhookError};
use serde_json::json;

use crate::helpers::*;
use crate::webhook::{dump, hook, take};

async fn refused(store: &Store, body: &[u8]) -> String {
    match receive(store, body, NOW).await {
        Err(e @ WebhookError::BadBody(_)) => {
            assert!(e.is_bad_body());
            e.to_string()
        }
        other => panic!("expected a bad body, got {other:?}"),
    }
}

#[tokio::test]
async fn a_body_that_is_not_a_mackerel_webhook_is_refused_by_name_and_changes_nothing() {
    let (store, _db) = temp_store().await;
    take(&store, &hook("alert-connectivity-open.json"), NOW).await;
    let before = dump(&store).await;
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let huge = format!(
        r#"{{"event": "sample", "message": "{}"}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"hello".to_vec(), "not JSON"),
        (vec![0xff, 0xfe, 0x00], "not JSON"),
        (b"".to_vec(), "not JSON"),
        (b"[1, 2]".to_vec(), "not an object"),
        (br#"{"orgName": "x"}"#.to_vec(), "`event`"),
        (br#"{"event": 7}"#.to_vec(), "`event`"),
        (br#"{"event": "alert"}"#.to_vec(), "`alert`"),
        (
            br#"{"event": "alert", "alert": {"status": "ok", "openedAt": 1}}"#.to_vec(),
            "`id`",
        ),
        (
            br#"{"event": "alert", "alert": {"id": "", "status": "ok", "openedAt": 1}}"#
                .to_vec(),
            "`alert.id`",
        ),
        (
            br#"{"event": "alert", "alert": {"id": "a", "status": "ok"}}"#.to_vec(),
            "openedAt",
        ),
        (
            br#"{"event": "alert", "alert": {"id": "a", "status": "ok", "openedAt": 1, "metricValue": "high"}}"#
                .to_vec(),
            "`alert.metricValue`",
        ),
        (br#"{"event": "hostStatus", "host": {}}"#.to_vec(), "`id`"),
        (
            json!({"event": "alert", "alert": {"id": "x".repeat(200), "status": "ok", "openedAt": 1}})
                .to_string()
                .into_bytes(),
            "longer than",
        ),
        (
            br#"{"event": "hostRetire", "host": {"id": "h\n1"}}"#.to_vec(),
            "`host.id` contains control",
        ),
        (deep.into_bytes(), "not JSON"),
        (huge.into_bytes(), "over the limit"),
    ];
    for (body, names) in cases {
        let message = refused(&store, &body).await;
        assert!(message.starts_with("not a Mackerel webhook: "), "{message}");
        assert!(message.contains(names), "{names:?} not in {message:?}");
        assert!(message.len() < 400, "a short message: {message}");
    }
    assert_eq!(dump(&store).await, before);
}

#[tokio::test]
async fn markup_in_untrusted_text_is_stored_verbatim() {
    let (store, db) = temp_store().await;
    let sent = "<!channel> <script>alert(1)</script> *bold* <https://evil.example|click> &amp; 'q\" \u{202e} a\u{0}b \u{1F600}";
    // PostgreSQL's text holds no NUL: it is kept as U+FFFD there, the rest verbatim.
    let text = &match db.location() {
        asakai::store::Location::Postgres(_) => sent.replace('\u{0}', "\u{FFFD}"),
        asakai::store::Location::File(_) => sent.to_owned(),
    };
    let mut v = hook("alert-open-hostmetric-captured.json");
    v["message"] = json!(sent);
    v["alert"]["monitorName"] = json!(format!("{sent} monitor"));
    v["host"]["name"] = json!(format!("{sent} host"));
    take(&store, &v, NOW).await;
    let a = crate::sync::stored(&store, "ALERT_ID").await;
    assert_eq!(a.message.as_deref(), Some(text.as_str()));
    assert_eq!(a.monitor_name, Some(format!("{text} monitor")));
    assert_eq!(a.host_name, Some(format!("{text} host")));
}
