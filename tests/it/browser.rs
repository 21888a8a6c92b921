//! The HTML digest in a real browser: hostile text stays text. Needs Debian's chromium (CI installs it and sets
//! ASAKAI_REQUIRE_BROWSER=1 so that a missing browser fails instead of skipping).

use std::path::{Path, PathBuf};
use std::process::Command;

use asakai::digest::{self, Calendar, DigestInput, Format, Lang, Mode, WindowSpec};
use asakai::store::StoredAlert;
use chrono::NaiveDate;

fn chromium() -> Option<PathBuf> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var("ASAKAI_REQUIRE_BROWSER").is_err(),
            "chromium is required here but not installed"
        );
        eprintln!("skipping: no chromium on this machine (CI installs it)");
    }
    found
}

fn headless(browser: &Path, profile: &Path, args: &[&str], page: &Path) -> String {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
        ])
        .args([
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn page_with_hostile_text(dir: &Path) -> PathBuf {
    let spec = WindowSpec {
        tz: chrono_tz::Asia::Tokyo,
        mode: Mode::CalendarDay,
        meeting_time: digest::parse_meeting_time("09:30").unwrap(),
        calendar: Calendar {
            japanese: true,
            extra: Default::default(),
        },
    };
    let window = spec.for_meeting(NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
    let alert = StoredAlert {
        id: "x1".into(),
        kind: "check".into(),
        status: "CRITICAL".into(),
        severity: Some("CRITICAL".into()),
        monitor_id: Some("m".into()),
        monitor_name: Some("<b id=injected>check-log</b>".into()),
        host_id: Some("h".into()),
        host_name: Some("app01\"><script>document.title='pwned'</script>".into()),
        opened_at: window.start + 3600,
        closed_at: None,
        close_cause: None,
        reason: None,
        message: Some("<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\"> ディスク".into()),
        value: None,
        memo: None,
        series: None,
        roles: vec![],
        services: vec!["blog".into()],
        url: Some("https://mackerel.io/orgs/acme/alerts/x1".into()),
        image_url: Some("javascript:document.title='pwned'".into()),
        gone: false,
        logs_read: false,
        attribution_pending: false,
    };
    let input = DigestInput {
        alerts: vec![alert],
        ..DigestInput::default()
    };
    let d = digest::build(input, &window, window.end);
    let html = digest::render(&d, &window, Format::Html, Lang::Ja, None).unwrap();
    let page = dir.join("digest.html");
    std::fs::write(&page, html).unwrap();
    page
}

#[test]
fn hostile_text_stays_text_in_a_real_browser() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = page_with_hostile_text(dir.path());
    let dom = headless(
        &browser,
        &dir.path().join("profile"),
        &["--dump-dom"],
        &page,
    );
    assert!(
        dom.contains("<title>アラート朝会レポート 2026-11-25</title>"),
        "no script ran: {dom}"
    );
    assert!(!dom.contains("id=\"injected\""), "no injected element");
    assert!(
        dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;")
            || dom.contains("&lt;script&gt;document.title="),
        "shown as text"
    );
    assert!(dom.contains("<svg"), "the chart is there");
}
