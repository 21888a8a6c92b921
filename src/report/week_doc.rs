//! The weekly report as a [`Doc`], in English or Japanese.

use crate::digest::{duration, Lang};

use super::doc::{Doc, Section};
use super::week::WeekReport;

/// "12 (+3 / +33%)" against the week before.
pub(crate) fn change(now: i64, before: i64) -> String {
    let diff = now - before;
    match before {
        0 => format!("{now} ({diff:+})"),
        _ => format!(
            "{now} ({diff:+} / {:+.0}%)",
            diff as f64 * 100.0 / before as f64
        ),
    }
}

fn secs(s: Option<i64>, lang: Lang) -> String {
    s.map_or_else(|| "-".to_owned(), |s| duration(s, lang.labels()))
}

pub fn doc(r: &WeekReport, lang: Lang) -> Doc {
    let ja = lang == Lang::Ja;
    let t = |en: &'static str, jp: &'static str| if ja { jp } else { en };
    let last = r.days.last().map_or(&r.end[..10], String::as_str);
    let period = format!("{} – {last} ({})", &r.start[..10], r.timezone);
    Doc {
        title: format!(
            "{} {period}",
            t("Weekly alert report", "週次アラートレポート")
        ),
        sections: vec![
            alerts(r, ja),
            recovery(r, lang),
            reviews(r, ja),
            tasks(r, ja),
            maintenance(r, ja),
            noisy(r, ja),
        ],
    }
}

fn alerts(r: &WeekReport, ja: bool) -> Section {
    let t = |en: &'static str, jp: &'static str| if ja { jp } else { en };
    let mut head: Vec<String> = vec![t("service", "サービス").into()];
    head.extend(r.days.iter().map(|d| d[5..].to_owned()));
    head.push(t("week (vs before)", "週計 (前週比)").into());
    let mut rows: Vec<Vec<String>> = r
        .services
        .iter()
        .map(|s| {
            let mut row = vec![s
                .service
                .clone()
                .unwrap_or_else(|| t("(no service)", "(サービスなし)").into())];
            row.extend(s.per_day.iter().map(i64::to_string));
            row.push(change(s.total, s.previous_total));
            row
        })
        .collect();
    let mut total = vec![t("all (each alert once)", "合計 (重複なし)").to_owned()];
    total.extend(r.per_day.iter().map(i64::to_string));
    total.push(change(r.alerts, r.previous_alerts));
    rows.push(total);
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    Section::new(t(
        "Alerts per service per day",
        "サービス別・日別のアラート",
    ))
    .table(&head, rows)
}

fn recovery(r: &WeekReport, lang: Lang) -> Section {
    let ja = lang == Lang::Ja;
    let v = &r.recovery;
    let line = |label: &str, n: i64, m: Option<i64>, p: Option<i64>| {
        format!(
            "{label}: {n} — median {} / p90 {}",
            secs(m, lang),
            secs(p, lang)
        )
    };
    let per_day: Vec<String> = r
        .days
        .iter()
        .zip(&v.per_day_median_secs)
        .map(|(d, m)| format!("{} {}", &d[5..], secs(*m, lang)))
        .collect();
    Section::new(if ja {
        "復旧までの時間 (自動復旧のみ)"
    } else {
        "Time to recovery (recovered alerts only)"
    })
    .list(vec![
        line(
            if ja { "今週" } else { "this week" },
            v.recovered,
            v.median_secs,
            v.p90_secs,
        ),
        line(
            if ja { "前週" } else { "week before" },
            v.previous_recovered,
            v.previous_median_secs,
            v.previous_p90_secs,
        ),
        format!(
            "{}: {}",
            if ja {
                "日別の中央値"
            } else {
                "median per day"
            },
            per_day.join(", ")
        ),
    ])
}

fn reviews(r: &WeekReport, ja: bool) -> Section {
    let v = &r.reviews;
    let reviewed = v.action + v.no_action;
    let share = |n: i64| match reviewed {
        0 => "-".to_owned(),
        total => format!("{:.0}%", n as f64 * 100.0 / total as f64),
    };
    let outcomes: Vec<String> = v
        .by_outcome
        .iter()
        .map(|(o, n)| format!("{o} {n}"))
        .collect();
    let (act, none, un) = labels(ja);
    let mut items = vec![
        format!("{act}: {} ({})", v.action, share(v.action)),
        format!("{none}: {} ({})", v.no_action, share(v.no_action)),
        format!("{un}: {}", v.unreviewed),
    ];
    if !outcomes.is_empty() {
        items.push(outcomes.join(", "));
    }
    Section::new(if ja {
        "対応あり / 対応なし"
    } else {
        "Action / no action"
    })
    .list(items)
}

fn labels(ja: bool) -> (&'static str, &'static str, &'static str) {
    if ja {
        ("対応あり", "対応なし", "未レビュー")
    } else {
        ("action taken", "no action", "not reviewed")
    }
}

fn tasks(r: &WeekReport, ja: bool) -> Section {
    let line = |t: &super::week::TaskLine| {
        let age = if ja {
            format!("{}日目", t.age_days)
        } else {
            format!("{} days old", t.age_days)
        };
        let url = t
            .url
            .as_deref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default();
        format!("#{} {} ({age}){url}", t.id, t.title)
    };
    let v = &r.tasks;
    let mut items = vec![if ja {
        format!(
            "今週作成 {} / 完了 {} / 未完了 {}",
            v.opened.len(),
            v.closed.len(),
            v.still_open.len()
        )
    } else {
        format!(
            "opened {} / closed {} / still open {}",
            v.opened.len(),
            v.closed.len(),
            v.still_open.len()
        )
    }];
    items.extend(v.still_open.iter().map(line));
    Section::new(if ja {
        "フォローアップタスク"
    } else {
        "Follow-up tasks"
    })
    .list(items)
}

fn maintenance(r: &WeekReport, ja: bool) -> Section {
    let s = Section::new(if ja {
        "メンテナンス中のホスト"
    } else {
        "Hosts in maintenance"
    });
    if r.maintenance_hosts.is_empty() {
        return s.para(if ja { "なし" } else { "none" });
    }
    s.list(
        r.maintenance_hosts
            .iter()
            .map(|h| {
                let how_long = match (h.days, ja) {
                    (Some(0), true) => "1日未満".to_owned(),
                    (Some(0), false) => "for less than a day".to_owned(),
                    (Some(d), true) => format!("{d}日間"),
                    (Some(d), false) => format!("for {d} days"),
                    (None, true) => "期間不明".to_owned(),
                    (None, false) => "since before asakai watched".to_owned(),
                };
                format!("{} ({}) {how_long}", h.name, h.services.join(", "))
            })
            .collect(),
    )
}

fn noisy(r: &WeekReport, ja: bool) -> Section {
    let head = if ja {
        ["モニター", "アラート", "ホスト数", "前週"]
    } else {
        ["monitor", "alerts", "hosts", "week before"]
    };
    let rows = r
        .noisy_monitors
        .iter()
        .map(|m| {
            vec![
                m.monitor.clone(),
                m.alerts.to_string(),
                m.hosts.to_string(),
                m.previous_alerts.to_string(),
            ]
        })
        .collect();
    Section::new(if ja {
        "うるさいモニター"
    } else {
        "Noisiest monitors"
    })
    .table(&head, rows)
}
