//! Every word a graph says, in English and Japanese: its labels, its text
//! alternative, and why an alert has no graph.

use crate::digest::Lang;

/// Why an alert has no graph, in words a person reads instead of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoGraph {
    /// Connectivity: Mackerel keeps no series of it.
    Connectivity,
    Check,
    Expression,
    Query,
    AnomalyDetection,
    /// A monitor type with no series to read (one Mackerel added later, say).
    OtherType,
    /// An external monitor without a service: its response time is graphed nowhere.
    NoService,
    /// Mackerel answered 404: the host, service or metric is gone.
    MetricGone,
    /// The monitor was deleted before asakai learnt which metric it watched.
    MonitorGone,
    /// Mackerel had no points in the range.
    NoPoints,
    /// The series is still to be read (the next passes read it).
    NotYetRead,
    /// The last read failed; a later pass tries again.
    ReadFailed,
}

impl NoGraph {
    /// The reason a person reads, in `lang`.
    pub fn text(self, lang: Lang) -> &'static str {
        let (en, ja) = match self {
            NoGraph::Connectivity => (
                "No graph: a connectivity alert has no metric series.",
                "グラフなし: 死活監視のアラートにはメトリックの系列がありません。",
            ),
            NoGraph::Check => (
                "No graph: a check monitor reports a status, not a metric.",
                "グラフなし: チェック監視はメトリックではなく状態を報告します。",
            ),
            NoGraph::Expression => (
                "No graph: Mackerel does not serve the series of an expression monitor.",
                "グラフなし: 式監視の系列は Mackerel から取得できません。",
            ),
            NoGraph::Query => (
                "No graph: Mackerel does not serve the series of a query monitor.",
                "グラフなし: クエリ監視の系列は Mackerel から取得できません。",
            ),
            NoGraph::AnomalyDetection => (
                "No graph: anomaly detection has no single metric to draw.",
                "グラフなし: ロール内異常検知には描ける単一のメトリックがありません。",
            ),
            NoGraph::OtherType => (
                "No graph: this kind of monitor has no metric series.",
                "グラフなし: この種類の監視にはメトリックの系列がありません。",
            ),
            NoGraph::NoService => (
                "No graph: the external monitor has no service, so its response time is not graphed.",
                "グラフなし: 外形監視にサービスがないため、応答時間は記録されていません。",
            ),
            NoGraph::MetricGone => (
                "No graph: Mackerel no longer has this metric.",
                "グラフなし: このメトリックは Mackerel にもうありません。",
            ),
            NoGraph::MonitorGone => (
                "No graph: the monitor was deleted before asakai learnt its metric.",
                "グラフなし: 監視ルールのメトリックを知る前に監視ルールが削除されました。",
            ),
            NoGraph::NoPoints => (
                "No graph: Mackerel has no points of this metric around the alert.",
                "グラフなし: アラートの前後にこのメトリックの値がありません。",
            ),
            NoGraph::NotYetRead => (
                "The graph is not read yet: a coming sync reads it from Mackerel.",
                "グラフはまだ取得していません。次の同期で Mackerel から取得します。",
            ),
            NoGraph::ReadFailed => (
                "The graph could not be read from Mackerel; a later sync tries again.",
                "グラフを Mackerel から取得できませんでした。後の同期で再試行します。",
            ),
        };
        pick(lang, en, ja)
    }

    /// The reason for an alert of type `kind` that has no series to read.
    pub fn for_kind(kind: &str) -> NoGraph {
        match kind {
            "connectivity" => NoGraph::Connectivity,
            "check" => NoGraph::Check,
            "expression" => NoGraph::Expression,
            "query" => NoGraph::Query,
            "anomalyDetection" => NoGraph::AnomalyDetection,
            _ => NoGraph::OtherType,
        }
    }

    /// The reason stored with an absent series (see `store::graphs`).
    pub fn for_stored_reason(reason: Option<&str>) -> NoGraph {
        match reason {
            Some("no_service") => NoGraph::NoService,
            Some("monitor_gone") => NoGraph::MonitorGone,
            _ => NoGraph::MetricGone,
        }
    }
}

pub(crate) fn pick(lang: Lang, en: &'static str, ja: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Ja => ja,
    }
}

/// A threshold's label: Mackerel's own spelling of the level in Japanese too.
pub(crate) fn level(critical: bool, lang: Lang) -> &'static str {
    match (critical, lang) {
        (true, Lang::En) => "critical",
        (false, Lang::En) => "warning",
        (true, Lang::Ja) => "重大",
        (false, Lang::Ja) => "警告",
    }
}

/// The label over the alert's shaded span.
pub(crate) fn span_label(open: bool, lang: Lang) -> &'static str {
    match (open, lang) {
        (false, Lang::En) => "alert",
        (true, Lang::En) => "alert (open)",
        (false, Lang::Ja) => "アラート",
        (true, Lang::Ja) => "アラート (発生中)",
    }
}

/// "CPU % on app01": the monitor (or metric) and where it was measured.
pub(crate) fn subject(what: &str, on: Option<&str>, lang: Lang) -> String {
    match (on, lang) {
        (None, _) => what.to_owned(),
        (Some(on), Lang::En) => format!("{what} on {on}"),
        (Some(on), Lang::Ja) => format!("{on} の {what}"),
    }
}

/// What the series did, for the text alternative.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Event {
    /// Went beyond a threshold (`critical` or warning) of `value` at `at` ("16:28").
    Crossed {
        critical: bool,
        value: String,
        at: String,
        below: bool,
    },
    /// Stayed within its thresholds, or had none: its extreme (`value` at `at`).
    Extreme {
        value: String,
        at: String,
        below: bool,
        within: bool,
    },
}

/// "CPU % on app01 from 16:00 to 19:30; crossed critical 90 at 16:28".
pub(crate) fn describe(
    subject: &str,
    from: &str,
    to: &str,
    event: &Event,
    open: bool,
    lang: Lang,
) -> String {
    let happened = match (event, lang) {
        (
            Event::Crossed {
                critical,
                value,
                at,
                below,
            },
            Lang::En,
        ) => {
            let verb = if *below { "fell below" } else { "crossed" };
            format!("{verb} {} {value} at {at}", level(*critical, lang))
        }
        (
            Event::Crossed {
                critical,
                value,
                at,
                below,
            },
            Lang::Ja,
        ) => {
            let verb = if *below {
                "下回りました"
            } else {
                "超えました"
            };
            format!("{at} に{}の閾値 {value} を{verb}", level(*critical, lang))
        }
        (
            Event::Extreme {
                value,
                at,
                below,
                within,
            },
            Lang::En,
        ) => {
            let word = if *below { "lowest" } else { "peak" };
            let within = if *within {
                "stayed within its thresholds; "
            } else {
                ""
            };
            format!("{within}{word} {value} at {at}")
        }
        (
            Event::Extreme {
                value,
                at,
                below,
                within,
            },
            Lang::Ja,
        ) => {
            let word = if *below { "最小" } else { "最大" };
            let within = if *within {
                "閾値の範囲内でした。"
            } else {
                ""
            };
            format!("{within}{word} {value} ({at})")
        }
    };
    match lang {
        Lang::En => {
            let open = if open { "; still open" } else { "" };
            format!("{subject} from {from} to {to}; {happened}{open}")
        }
        Lang::Ja => {
            let open = if open { "。発生中です" } else { "" };
            format!("{subject}、{from}〜{to}。{happened}{open}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_is_said_in_both_languages() {
        let all = [
            NoGraph::Connectivity,
            NoGraph::Check,
            NoGraph::Expression,
            NoGraph::Query,
            NoGraph::AnomalyDetection,
            NoGraph::OtherType,
            NoGraph::NoService,
            NoGraph::MetricGone,
            NoGraph::MonitorGone,
            NoGraph::NoPoints,
            NoGraph::NotYetRead,
            NoGraph::ReadFailed,
        ];
        for r in all {
            let (en, ja) = (r.text(Lang::En), r.text(Lang::Ja));
            assert!(en.is_ascii() && !en.is_empty(), "{r:?}");
            assert!(!ja.is_ascii(), "{r:?}: {ja}");
        }
        assert_eq!(
            NoGraph::for_kind("anomalyDetection"),
            NoGraph::AnomalyDetection
        );
        assert_eq!(
            NoGraph::for_stored_reason(Some("no_service")),
            NoGraph::NoService
        );
    }

    #[test]
    fn the_description_reads_as_a_sentence() {
        let crossed = Event::Crossed {
            critical: true,
            value: "90".into(),
            at: "16:28".into(),
            below: false,
        };
        assert_eq!(
            describe(
                "CPU % on app01",
                "16:00",
                "19:30",
                &crossed,
                false,
                Lang::En
            ),
            "CPU % on app01 from 16:00 to 19:30; crossed critical 90 at 16:28"
        );
        assert_eq!(
            describe("app01 の CPU %", "16:00", "19:30", &crossed, true, Lang::Ja),
            "app01 の CPU %、16:00〜19:30。16:28 に重大の閾値 90 を超えました。発生中です"
        );
    }
}
