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
    assert!(svg.contains("WARNING の閾値 80 を超えました"), "{svg}");
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
