//! Graphs as drawn (design §12): SVG snapshots of the shapes a metric takes around
//! an alert, the PNG for Slack, and the routes that serve them.

use asakai::digest::Lang;
use asakai::graphs::draw::{self, Chart, Style, Thresholds};
use asakai::graphs::series::Point;
use chrono_tz::Asia::Tokyo;

/// 2025-11-25 01:28 JST.
const OPENED: i64 = 1_764_001_680;

/// A minute-by-minute series over `[from, to)`: `f(minutes since from)`, with a
/// deterministic wobble so the line looks like a metric.
fn series(from: i64, to: i64, f: impl Fn(i64) -> f64) -> Vec<Point> {
    (0..(to - from) / 60)
        .map(|m| Point {
            t: from + m * 60,
            v: f(m) + ((m * 7919) % 13) as f64 * 0.4,
        })
        .collect()
}

/// The SVG, also written to `$ASAKAI_GRAPHS_DIR/NAME.svg` to be looked at.
fn drawn(name: &str, chart: &Chart, lang: Lang, now: i64, style: Style) -> String {
    let svg = draw::svg(chart, Tokyo, lang, now, style);
    if let Ok(dir) = std::env::var("ASAKAI_GRAPHS_DIR") {
        std::fs::write(format!("{dir}/{name}.svg"), &svg).unwrap();
    }
    svg
}

fn cpu_spike() -> (Vec<Point>, (i64, i64)) {
    let (from, to) = (OPENED - 3600, OPENED + 12 * 60 + 3600);
    let points = series(
        from,
        to,
        |m| if (60..72).contains(&m) { 91.0 } else { 22.0 },
    );
    (points, (from, to))
}

#[test]
fn a_spike_crosses_critical_where_the_alert_opened() {
    let (points, range) = cpu_spike();
    let chart = Chart {
        points: &points,
        range,
        thresholds: Thresholds::new(Some(">"), Some(80.0), Some(90.0)),
        span: (OPENED, Some(OPENED + 12 * 60)),
        what: "CPU %",
        on: Some("app01"),
    };
    let svg = drawn("spike", &chart, Lang::En, OPENED + 86_400, Style::Inline);
    assert!(svg.contains(
        r#"aria-label="CPU % on app01 from 00:28 to 02:40; crossed critical 90 at 01:28""#
    ));
    insta::assert_snapshot!("graph_spike", svg);
}

#[test]
fn a_plateau_over_warning_says_it_in_japanese() {
    let (from, to) = (OPENED - 3600, OPENED + 5 * 3600);
    let points = series(from, to, |m| match m {
        0..60 => 40.0 + m as f64 * 0.5,
        _ => 83.0,
    });
    let chart = Chart {
        points: &points,
        range: (from, to),
        thresholds: Thresholds::new(Some(">"), Some(80.0), Some(95.0)),
        span: (OPENED, Some(OPENED + 4 * 3600)),
        what: "メモリ使用率",
        on: Some("db01"),
    };
    let svg = drawn("plateau", &chart, Lang::Ja, OPENED + 86_400, Style::Inline);
    assert!(
        svg.contains("db01 の メモリ使用率、00:28〜06:28。"),
        "{svg}"
    );
    assert!(svg.contains("01:28 に警告の閾値 80 を超えました"), "{svg}");
    assert!(
        svg.contains(">重大 95<") && !svg.contains("CRITICAL"),
        "{svg}"
    );
    assert!(svg.contains(">アラート<"), "the span is named in Japanese");
    insta::assert_snapshot!("graph_plateau", svg);
}

#[test]
fn an_open_alert_is_shaded_up_to_now_and_says_so() {
    let now = OPENED + 40 * 60;
    let (from, to) = (OPENED - 3600, now);
    let points = series(from, to, |m| if m >= 60 { 92.0 } else { 70.0 });
    let chart = Chart {
        points: &points,
        range: (from, to),
        thresholds: Thresholds::new(Some(">"), Some(85.0), Some(90.0)),
        span: (OPENED, None),
        what: "disk / used %",
        on: Some("<b>batch01</b> & co"),
    };
    let svg = drawn("open", &chart, Lang::En, now, Style::Standalone);
    assert!(svg.ends_with("; still open\">") || svg.contains("; still open"));
    assert!(svg.contains("alert (open)"));
    assert!(
        svg.contains("&lt;b&gt;batch01&lt;/b&gt; &amp; co") && !svg.contains("<b>"),
        "a host name stays text"
    );
    insta::assert_snapshot!("graph_open", svg);
}

#[test]
fn a_below_threshold_monitor_falls_below_its_lines() {
    let (from, to) = (OPENED - 3600, OPENED + 30 * 60 + 3600);
    let points = series(
        from,
        to,
        |m| if (60..90).contains(&m) { 180.0 } else { 900.0 },
    );
    let chart = Chart {
        points: &points,
        range: (from, to),
        thresholds: Thresholds::new(Some("<"), Some(512.0), Some(256.0)),
        span: (OPENED, Some(OPENED + 30 * 60)),
        what: "free memory MiB",
        on: Some("api-worker-01"),
    };
    let svg = drawn("below", &chart, Lang::En, OPENED + 86_400, Style::Inline);
    assert!(svg.contains("fell below critical 256 at 01:28"), "{svg}");
    insta::assert_snapshot!("graph_below", svg);
}

/// The PNG's width and height from its IHDR chunk, after checking its signature.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR", "the first chunk is IHDR");
    let be = |b: &[u8]| u32::from_be_bytes(b.try_into().unwrap());
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn the_png_is_the_standalone_svg_at_twice_its_size() {
    let (points, range) = cpu_spike();
    let chart = Chart {
        points: &points,
        range,
        thresholds: Thresholds::new(Some(">"), Some(80.0), Some(90.0)),
        span: (OPENED, Some(OPENED + 12 * 60)),
        what: "CPU 使用率",
        on: Some("app01"),
    };
    let svg = drawn(
        "spike-ja",
        &chart,
        Lang::Ja,
        OPENED + 86_400,
        Style::Standalone,
    );
    let png = asakai::graphs::png::render(&svg).unwrap();
    if let Ok(dir) = std::env::var("ASAKAI_GRAPHS_DIR") {
        std::fs::write(format!("{dir}/spike-ja.png"), &png).unwrap();
    }
    assert_eq!(png_size(&png), (1280, 480));
    // An opaque light background and a drawn line compress to more than a blank image.
    assert!(png.len() > 10_000, "{} bytes", png.len());
}

/// Writes a CPU series for the host-metric alert `id` (cpu.user on its host): 30 %
/// for the hour before it opened, 95 % (over critical 90) from then on.
pub async fn store_cpu_series(store: &asakai::store::Store, id: &str) {
    use asakai::graphs::series::{encode, Point};
    use asakai::store::GraphOutcome;
    let g = store.graph_of(id).await.unwrap().unwrap();
    let points: Vec<Point> = (0..120)
        .map(|m| Point {
            t: g.opened_at - 3600 + m * 60,
            v: if m >= 60 { 95.0 } else { 30.0 },
        })
        .collect();
    let outcome = GraphOutcome::Read {
        points: encode(&points),
        range: (g.opened_at - 3600, g.opened_at + 3600),
        retry_at: None,
        target: crate::helpers::cpu_target("mCpu"),
    };
    store
        .write_graphs(&[(id.to_owned(), outcome)], g.opened_at + 7200)
        .await
        .unwrap();
}

mod served {
    use asakai::config::Env;
    use asakai::secret::Secret;

    use super::{png_size, store_cpu_series};
    use crate::serve::{spawn_app_polling, TestApp};

    const PUBLIC: &str = "[server]\npublic_url = \"https://asakai.example.internal/\"\n";

    /// The server after its first pass (the next is an hour away), with a series
    /// written for the host-metric alert `aMaint`.
    async fn app_with_series(env: Env) -> TestApp {
        let app = spawn_app_polling("1h", PUBLIC, env).await;
        crate::serve::eventually("the first pass", || async {
            app.store.last_good_pass().await.unwrap().is_some()
        })
        .await;
        store_cpu_series(&app.store, "aMaint").await;
        app
    }

    /// The path and query of the graph.png link the server makes for `id`.
    async fn png_link(app: &TestApp, id: &str) -> String {
        let url = asakai::web::graph_png_url(&app.app, id).await.unwrap();
        let rest = url
            .strip_prefix("https://asakai.example.internal")
            .unwrap_or_else(|| panic!("{url}"));
        rest.to_owned()
    }

    #[tokio::test]
    async fn graph_svg_draws_a_stored_series_and_says_why_there_is_none() {
        let app = app_with_series(Env::default()).await;
        let r = app.get("/alerts/aMaint/graph.svg").await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/svg+xml; charset=utf-8");
        let svg = r.text().await.unwrap();
        assert!(
            svg.contains("cpu.user on db01") && svg.contains("crossed critical 90"),
            "{svg}"
        );
        for (id, status, says) in [
            ("aMulti", 404, "connectivity alert has no metric series"),
            ("aExtBare", 404, "has no service"),
            ("nope", 404, "No such alert."),
        ] {
            let r = app.get(&format!("/alerts/{id}/graph.svg")).await;
            assert_eq!(r.status(), status, "{id}");
            let text = r.text().await.unwrap();
            assert!(text.contains(says), "{id}: {text}");
        }
        let r = app.get("/alerts/aMulti/graph.svg?lang=ja").await;
        assert!(r.text().await.unwrap().contains("死活監視"));
        // The first pass read the organisation's six metric alerts: one on a host
        // Mackerel no longer has (404).
        let metrics = app.get("/metrics").await.text().await.unwrap();
        for line in [
            "asakai_graph_reads_total{result=\"read\"} 5",
            "asakai_graph_reads_total{result=\"absent\"} 1",
            "asakai_graphs_stored 5",
        ] {
            assert!(metrics.contains(line), "{line}: {metrics}");
        }
        app.stop().await;
    }

    #[tokio::test]
    async fn the_meeting_screen_and_the_alert_page_show_the_graph_or_say_why_not() {
        let app = app_with_series(Env::default()).await;
        let meeting = crate::web::MEETING;
        let (_, body) = crate::web::page(&app, &format!("/digests/{meeting}")).await;
        let key = crate::web::item_of(&body, "aMaint");
        let detail = app
            .get(&format!("/digests/{meeting}/items/{key}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            detail.contains("<svg") && detail.contains("crossed critical 90"),
            "the item's graph, drawn inline: {detail}"
        );
        let key = crate::web::item_of(&body, "aMulti");
        let detail = app
            .get(&format!("/digests/{meeting}/items/{key}?lang=ja"))
            .await
            .text()
            .await
            .unwrap();
        assert!(!detail.contains("<svg"), "{detail}");
        assert!(
            detail.contains("死活監視"),
            "why there is none, in words: {detail}"
        );
        let (_, page) = crate::web::page(&app, "/alerts/aMaint").await;
        assert!(page.contains("crossed critical 90"), "{page}");
        app.stop().await;
    }

    #[tokio::test]
    async fn graph_png_needs_its_alerts_token_and_no_login() {
        let env = Env {
            ui_password: Some(Secret::new("pw")),
            ..Env::default()
        };
        let app = app_with_series(env).await;
        assert_eq!(app.get("/alerts/aMaint/graph.svg").await.status(), 401);
        let link = png_link(&app, "aMaint").await;
        let r = app.get(&link).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_eq!(png_size(&r.bytes().await.unwrap()), (1280, 480));
        let token = link.split("t=").nth(1).unwrap();
        let mut wrong = token.to_owned();
        wrong.replace_range(..1, if token.starts_with('0') { "1" } else { "0" });
        for path in [
            format!("/alerts/aMaint/graph.png?t={wrong}"),
            format!("/alerts/aBare/graph.png?t={token}"),
            "/alerts/aMaint/graph.png".to_owned(),
            "/alerts/nope/graph.png?t=00".to_owned(),
        ] {
            assert_eq!(app.get(&path).await.status(), 403, "{path}");
        }
        app.stop().await;
    }

    #[tokio::test]
    async fn the_graph_secret_from_the_environment_makes_the_token() {
        let env = Env {
            graph_secret: Some(Secret::new("from-env")),
            ..Env::default()
        };
        let app = app_with_series(env).await;
        let link = png_link(&app, "aMaint").await;
        let expected = asakai::graphs::token::token(&Secret::new("from-env"), "aMaint");
        assert!(link.ends_with(&expected), "{link}");
        assert_eq!(app.get(&link).await.status(), 200);
        app.stop().await;
    }
}
