//! Human formats a person can read on a heavy day: recovered alerts condensed per
//! monitor, long sections capped with where to see the rest; HTML and JSON keep all.

use asakai::digest::{self, DigestInput, Format, Lang};
use asakai::store::StoredAlert;
use serde_json::Value;

use crate::digest::{alert, now, window, H};

/// 40 recovered alerts of two monitors over five hosts, an open, a manual close.
fn busy() -> DigestInput {
    let s = window().start;
    let mut alerts: Vec<StoredAlert> = (0..40)
        .map(|i| {
            let opened = s + i * 600;
            alert(
                &format!("rec{i:02}"),
                ["cpu", "load"][i as usize % 2],
                Some(&format!("web{:02}", i % 5)),
                &["shop"],
                opened,
                Some(opened + 60 * (i + 1)),
                Some("monitoring"),
                None,
            )
        })
        .collect();
    alerts.push(alert(
        "open1",
        "cpu",
        Some("web01"),
        &["shop"],
        s + 20 * H,
        None,
        None,
        None,
    ));
    alerts.push(alert(
        "man1",
        "cpu",
        Some("web02"),
        &["shop"],
        s + 21 * H,
        Some(s + 22 * H),
        Some("manual"),
        Some("restarted"),
    ));
    DigestInput {
        alerts,
        ..Default::default()
    }
}

fn render(input: &DigestInput, format: Format, lang: Lang) -> String {
    let d = digest::build(input.clone(), &window(), now());
    digest::render(&d, &window(), format, lang, None).unwrap()
}

#[test]
fn recovered_alerts_of_a_monitor_condense_to_one_line() {
    let input = busy();
    for format in [Format::Markdown, Format::Text, Format::Slack] {
        let out = render(&input, format, Lang::En);
        assert!(
            !out.contains("rec05"),
            "{format:?} lists no recovered alert one by one"
        );
        assert!(
            out.contains("open1") && out.contains("man1"),
            "{format:?} lists open and manual"
        );
        // cpu: the even ones, 1..39 minutes long, on all five hosts.
        assert!(
            out.contains("20 recovered on web00, web01, web02, ")
                && out.contains("2 more — shortest 1m, median 19m, longest 39m"),
            "{format:?}: {out}"
        );
    }
    let ja = render(&input, Format::Text, Lang::Ja);
    assert!(
        ja.contains("20件自動復旧(web00, web01, web02 他2台) — 最短 1分、中央値 19分、最長 39分"),
        "{ja}"
    );
    let html = render(&input, Format::Html, Lang::En);
    assert!(
        html.contains("<details><summary><b>cpu</b>: 20 recovered"),
        "behind a toggle"
    );
    assert!(
        (0..40).all(|i| html.contains(&format!(">rec{i:02}<"))),
        "HTML keeps every alert"
    );
    let json: Value = serde_json::from_str(&render(&input, Format::Json, Lang::En)).unwrap();
    assert_eq!(
        json["services"][0]["alerts"].as_array().unwrap().len(),
        42,
        "JSON keeps every alert"
    );
}

#[test]
fn a_long_section_is_capped_with_where_to_see_the_rest() {
    let s = window().start;
    let input = DigestInput {
        alerts: (0..100)
            .map(|i| {
                alert(
                    &format!("o{i:03}"),
                    &format!("m{i:03}"),
                    Some("web01"),
                    &["shop"],
                    s + i * 60,
                    None,
                    None,
                    None,
                )
            })
            .collect(),
        ..Default::default()
    };
    let command = "asakai alerts --service shop --from 2026-11-24T00:00:00+09:00 --to 2026-11-25T00:00:00+09:00 --limit 0";
    for (lang, words) in [
        (Lang::En, "and 75 more alerts"),
        (Lang::Ja, "ほか75件のアラート"),
    ] {
        for format in [Format::Markdown, Format::Text, Format::Slack, Format::Html] {
            let out = render(&input, format, lang);
            assert!(
                out.contains(words) && out.contains(command),
                "{format:?} {lang:?}: {out}"
            );
            if format != Format::Html {
                assert!(
                    out.contains("o024") && !out.contains("o025"),
                    "{format:?} shows 25"
                );
            }
        }
    }
    let html = render(&input, Format::Html, Lang::En);
    assert!(
        html.contains(">o099<"),
        "HTML keeps the rest behind the toggle"
    );
}

#[test]
fn the_html_chart_has_a_legend_and_readable_hover_text() {
    let html = render(&busy(), Format::Html, Lang::En);
    let svg = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap()];
    for name in ["Open", "Closed manually", "Closed by system", "Recovered"] {
        assert!(
            svg.contains(&format!(">{name}</text>")),
            "legend names {name}"
        );
    }
    assert!(
        svg.contains("<title>11-24 00:00–01:00: 6 opened, recovered at the window's end</title>"),
        "{svg}"
    );
}

#[test]
fn a_heavy_day_renders_a_page_a_person_can_read() {
    let s = window().start;
    let services = ["shop", "blog", "api", "web", "db"];
    let input = DigestInput {
        alerts: (0..50_000)
            .map(|i: i64| {
                let opened = s + i % 86_000;
                let closed = (i % 10 != 0).then_some(opened + 300);
                alert(
                    &format!("h{i}"),
                    &format!("monitor {}", i % 300),
                    Some(&format!("host{}", i % 700)),
                    &[services[i as usize % 5]],
                    opened,
                    closed,
                    closed.map(|_| "monitoring"),
                    None,
                )
            })
            .collect(),
        ..Default::default()
    };
    for format in [Format::Markdown, Format::Text, Format::Slack] {
        let out = render(&input, format, Lang::En);
        assert!(out.len() < 100_000, "{format:?}: {} bytes", out.len());
    }
}

#[test]
fn an_html_toggle_holds_at_most_500_alerts_and_names_the_command_for_the_rest() {
    let s = window().start;
    let input = DigestInput {
        alerts: (0..700)
            .map(|i| {
                let opened = s + i * 60;
                alert(
                    &format!("r{i:03}"),
                    "cpu",
                    Some("web01"),
                    &["shop"],
                    opened,
                    Some(opened + 30),
                    Some("monitoring"),
                    None,
                )
            })
            .collect(),
        ..Default::default()
    };
    let html = render(&input, Format::Html, Lang::En);
    assert!(
        html.contains(">r499<") && !html.contains(">r500<"),
        "500 behind the toggle"
    );
    assert!(
        html.contains("… +200 <code>asakai alerts --service shop --from 2026-11-24T00:00:00+09:00"),
        "the rest counted, with where to see them"
    );
}
