//! The pages' own words in English and Japanese (the digest's words come with the
//! digest context). Outcome names stay as the API spells them, with a label each.

use serde::Serialize;

use crate::digest::Lang;

#[derive(Debug, Serialize)]
pub struct Words {
    pub digest: &'static str,
    pub alerts: &'static str,
    pub tasks: &'static str,
    pub monitors: &'static str,
    pub error: &'static str,
    pub reviewed_of: &'static str,
    pub progress_of: &'static str,
    pub pick_date: &'static str,
    pub csv: &'static str,
    pub json: &'static str,
    pub graph: &'static str,
    pub in_mackerel: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub go: &'static str,
    pub save: &'static str,
    pub note: &'static str,
    pub outcome: &'static str,
    pub whole_group: &'static str,
    pub open_task: &'static str,
    pub on_github: &'static str,
    pub search: &'static str,
    pub any: &'static str,
    pub older: &'static str,
    pub newer: &'static str,
    pub newest_first: &'static str,
    pub oldest_first: &'static str,
    pub none: &'static str,
    pub timeline: &'static str,
    pub reviews: &'static str,
    pub task: &'static str,
    pub earlier: &'static str,
    pub per_month: &'static str,
    pub done: &'static str,
    pub open: &'static str,
    pub fired_again: &'static str,
    pub keys: &'static str,
    pub outcomes: [Choice; 5],
    pub fields: Fields,
    // Words of /alerts, /alerts/{id}, /tasks, /monitors and the error page (issue #20),
    // kept together at the end so that a merge with other new words is easy.
    /// An alert's severity and the statuses of its log, by Mackerel's names (OK too).
    pub statuses: [Choice; 4],
    /// Why a status changed or an alert closed: Mackerel's log triggers.
    pub triggers: [Choice; 7],
    pub opened: &'static str,
    pub closed: &'static str,
    /// The title of an alert whose monitor was deleted before asakai learnt its name.
    pub deleted_monitor: &'static str,
    pub skip_to_content: &'static str,
    pub pages_nav: &'static str,
    pub languages_nav: &'static str,
    pub search_results: &'static str,
    pub earlier_results: &'static str,
    /// The earlier alerts' chart: "{month}" and "{n}" are filled in per month.
    pub chart_month: &'static str,
    /// chrono format of a month in the chart's text.
    pub month_format: &'static str,
    pub wasted_note: &'static str,
    pub monitors_table: &'static str,
    /// "{days}", "{from}", "{to}" and "{alerts}" are filled in.
    pub monitors_span: &'static str,
    pub alerts_count: Counted,
    /// A count of alerts in a column that names them already.
    pub alerts_cell: Counted,
    pub fired_again_count: Counted,
    pub never_fired_again: &'static str,
    /// "{at}": when the task's key last fired.
    pub last_fired: &'static str,
    pub task_opened: &'static str,
    pub task_closed: &'static str,
    /// The default title asakai gives a task, in the page's language.
    pub follow_up_title: &'static str,
    pub follow_up_title_no_host: &'static str,
    pub github_failed: &'static str,
    pub github_sync_failed: &'static str,
    pub details: &'static str,
    /// Between the items of a list in a sentence.
    pub list_separator: &'static str,
    pub errors: Errors,
}

/// A count in words: `one` for 1, `many` (with "{n}") otherwise.
#[derive(Debug, Serialize)]
pub struct Counted {
    pub one: &'static str,
    pub many: &'static str,
}

impl Counted {
    pub fn of(&self, n: i64) -> String {
        if n == 1 { self.one } else { self.many }.replace("{n}", &n.to_string())
    }
}

/// What a page says when it cannot show what was asked; "{field}", "{value}" and
/// "{id}" are filled in.
#[derive(Debug, Serialize)]
pub struct Errors {
    pub no_alert: &'static str,
    pub bad_state: &'static str,
    pub bad_severity: &'static str,
    pub bad_time: &'static str,
    pub bad_limit: &'static str,
    pub bad_order: &'static str,
    pub bad_before: &'static str,
    pub busy: &'static str,
    pub unreadable: &'static str,
    pub limit_field: &'static str,
    pub order_field: &'static str,
}

/// An option of a select: the value sent, the label shown.
#[derive(Debug, Serialize)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Fields {
    pub service: &'static str,
    pub monitor: &'static str,
    pub host: &'static str,
    pub state: &'static str,
    pub severity: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub text: &'static str,
    pub opened: &'static str,
    pub closed: &'static str,
    pub alerts: &'static str,
    pub reviewed: &'static str,
    pub no_action: &'static str,
    pub wasted: &'static str,
    pub suggestion: &'static str,
}

static EN: Words = Words {
    digest: "Digest",
    alerts: "Alerts",
    tasks: "Tasks",
    monitors: "Monitors",
    error: "Something went wrong",
    reviewed_of: "reviewed",
    progress_of: "of",
    pick_date: "Meeting date",
    csv: "CSV",
    json: "JSON",
    graph: "Graph",
    in_mackerel: "Open in Mackerel",
    previous: "Previous meeting",
    next: "Next meeting",
    go: "Go",
    save: "Save",
    note: "Note",
    outcome: "Outcome",
    whole_group: "Whole group",
    open_task: "Open a follow-up task",
    on_github: "also on GitHub",
    search: "Search",
    any: "any",
    older: "Older",
    newer: "Newer",
    newest_first: "newest first",
    oldest_first: "oldest first",
    none: "Nothing here.",
    timeline: "Timeline",
    reviews: "Reviews",
    task: "Task",
    earlier: "Earlier on this host",
    per_month: "Alerts per month in the year before this one",
    done: "Done",
    open: "Open",
    fired_again: "fired again",
    keys: "Keys: j/k next/previous alert, 1–5 outcome",
    outcomes: [
        Choice {
            value: "fixed",
            label: "Fixed",
        },
        Choice {
            value: "follow_up",
            label: "Follow-up",
        },
        Choice {
            value: "expected",
            label: "Expected",
        },
        Choice {
            value: "noise",
            label: "Noise",
        },
        Choice {
            value: "false_alarm",
            label: "False alarm",
        },
    ],
    fields: Fields {
        service: "Service",
        monitor: "Monitor",
        host: "Host",
        state: "State",
        severity: "Severity",
        from: "From",
        to: "To",
        text: "Text",
        opened: "Opened",
        closed: "Closed",
        alerts: "Alerts",
        reviewed: "Reviewed",
        no_action: "No action",
        wasted: "Wasted",
        suggestion: "Suggestion",
    },
    statuses: [
        Choice { value: "CRITICAL", label: "Critical" },
        Choice { value: "WARNING", label: "Warning" },
        Choice { value: "UNKNOWN", label: "Unknown" },
        Choice { value: "OK", label: "OK" },
    ],
    triggers: [
        Choice { value: "monitoring", label: "by the monitor" },
        Choice { value: "manual", label: "closed by a person" },
        Choice { value: "monitorDelete", label: "monitor deleted" },
        Choice { value: "hostRetire", label: "host retired" },
        Choice { value: "serviceDelete", label: "service deleted" },
        Choice { value: "anomalyDetectionManuallyRetraining", label: "anomaly detection retrained" },
        Choice { value: "externalMonitoringServiceChange", label: "external monitor moved to another service" },
    ],
    opened: "Opened",
    closed: "Closed",
    deleted_monitor: "deleted monitor",
    skip_to_content: "Skip to the content",
    pages_nav: "Pages",
    languages_nav: "Language",
    search_results: "Alerts found",
    earlier_results: "Earlier alerts of this monitor on this host",
    chart_month: "{month}: {n}",
    month_format: "%b %Y",
    wasted_note: "Wasted: alerts reviewed as needing no action, and unreviewed ones that recovered by themselves within 5 minutes.",
    monitors_table: "Monitors, most wasteful first",
    monitors_span: "Past {days} days ({from} → {to}) · {alerts}",
    alerts_count: Counted { one: "1 alert", many: "{n} alerts" },
    alerts_cell: Counted { one: "1 alert", many: "{n} alerts" },
    fired_again_count: Counted { one: "fired again once", many: "fired again {n} times" },
    never_fired_again: "has not fired again",
    last_fired: " (last {at})",
    task_opened: "opened",
    task_closed: "done",
    follow_up_title: "Follow up: {monitor} on {host}",
    follow_up_title_no_host: "Follow up: {monitor}",
    github_failed: "The GitHub issue could not be created; the task is saved and the next task sync tries again.",
    github_sync_failed: "The last exchange with GitHub about this issue failed; the next task sync tries again.",
    details: "Details",
    list_separator: ", ",
    errors: Errors {
        no_alert: "No alert {id} is stored here.",
        bad_state: "{field}: “{value}” is not a state; choose one from the list.",
        bad_severity: "{field}: “{value}” is not a severity; choose one from the list.",
        bad_time: "{field}: “{value}” is neither a time nor a duration; write a date (2026-11-01), a time (2026-11-01T09:30:00+09:00) or a duration back from now (7d, 12h, 15m, 90s).",
        bad_limit: "{field}: “{value}” is not a number from 1 to 1000.",
        bad_order: "{field}: “{value}” is neither newest nor oldest first.",
        bad_before: "There is no alert {id} to continue the list from; start the search again.",
        busy: "The database is busy with a write; try again in a moment.",
        unreadable: "The alerts could not be read; the server's log says why.",
        limit_field: "Rows per page",
        order_field: "Order",
    },
};

static JA: Words = Words {
    digest: "ダイジェスト",
    alerts: "アラート",
    tasks: "タスク",
    monitors: "監視ルール",
    error: "エラーが発生しました",
    reviewed_of: "件レビュー済み",
    progress_of: "件中",
    pick_date: "朝会の日付",
    csv: "CSV",
    json: "JSON",
    graph: "グラフ",
    in_mackerel: "Mackerel で開く",
    previous: "前回の朝会",
    next: "次回の朝会",
    go: "表示",
    save: "保存",
    note: "メモ",
    outcome: "結果",
    whole_group: "グループ全体",
    open_task: "フォローアップタスクを作成",
    on_github: "GitHub にも作成",
    search: "検索",
    any: "すべて",
    older: "さらに古い",
    newer: "さらに新しい",
    newest_first: "新しい順",
    oldest_first: "古い順",
    none: "ありません。",
    timeline: "経過",
    reviews: "レビュー",
    task: "タスク",
    earlier: "同じホストでの過去の発生",
    per_month: "この発生までの1年間の月別アラート数",
    done: "完了",
    open: "未完了",
    fired_again: "回再発",
    keys: "キー: j/k 次/前のアラート、1–5 結果",
    outcomes: [
        Choice {
            value: "fixed",
            label: "対応済み",
        },
        Choice {
            value: "follow_up",
            label: "要対応",
        },
        Choice {
            value: "expected",
            label: "想定内",
        },
        Choice {
            value: "noise",
            label: "ノイズ",
        },
        Choice {
            value: "false_alarm",
            label: "誤検知",
        },
    ],
    fields: Fields {
        service: "サービス",
        monitor: "監視ルール",
        host: "ホスト",
        state: "状態",
        severity: "重要度",
        from: "開始",
        to: "終了",
        text: "テキスト",
        opened: "発生",
        closed: "終了",
        alerts: "アラート",
        reviewed: "レビュー済み",
        no_action: "対応不要の割合",
        wasted: "無駄",
        suggestion: "提案",
    },
    statuses: [
        Choice { value: "CRITICAL", label: "重大" },
        Choice { value: "WARNING", label: "警告" },
        Choice { value: "UNKNOWN", label: "不明" },
        Choice { value: "OK", label: "正常" },
    ],
    triggers: [
        Choice { value: "monitoring", label: "監視による判定" },
        Choice { value: "manual", label: "手動でクローズ" },
        Choice { value: "monitorDelete", label: "モニター削除" },
        Choice { value: "hostRetire", label: "ホストの退役" },
        Choice { value: "serviceDelete", label: "サービスの削除" },
        Choice { value: "anomalyDetectionManuallyRetraining", label: "異常検知の再学習" },
        Choice { value: "externalMonitoringServiceChange", label: "外形監視のサービス変更" },
    ],
    opened: "発生",
    closed: "クローズ",
    deleted_monitor: "削除されたモニター",
    skip_to_content: "本文へ移動",
    pages_nav: "ページ",
    languages_nav: "言語",
    search_results: "見つかったアラート",
    earlier_results: "同じホストでのこの監視ルールの過去のアラート",
    chart_month: "{month}: {n}件",
    month_format: "%Y年%-m月",
    wasted_note: "無駄: 対応不要とレビューされたアラートと、未レビューのまま5分以内に自動復旧したアラートの件数です。",
    monitors_table: "監視ルール(無駄の多い順)",
    monitors_span: "過去{days}日間({from} → {to})· {alerts}",
    alerts_count: Counted { one: "アラート1件", many: "アラート{n}件" },
    alerts_cell: Counted { one: "1件", many: "{n}件" },
    fired_again_count: Counted { one: "1回再発", many: "{n}回再発" },
    never_fired_again: "再発なし",
    last_fired: "(最後は{at})",
    task_opened: "作成",
    task_closed: "完了",
    follow_up_title: "フォローアップ: {monitor}({host})",
    follow_up_title_no_host: "フォローアップ: {monitor}",
    github_failed: "GitHub のイシューを作成できませんでした。タスクは保存済みで、次のタスク同期で再試行します。",
    github_sync_failed: "このイシューについての GitHub との直近のやり取りに失敗しました。次のタスク同期で再試行します。",
    details: "詳細",
    list_separator: "、",
    errors: Errors {
        no_alert: "アラート {id} は記録にありません。",
        bad_state: "{field}: 「{value}」は状態として読めません。一覧から選んでください。",
        bad_severity: "{field}: 「{value}」は重要度として読めません。一覧から選んでください。",
        bad_time: "{field}: 「{value}」は日時としても期間としても読めません。日付(2026-11-01)、日時(2026-11-01T09:30:00+09:00)、または今からさかのぼる期間(7d、12h、15m、90s)で入力してください。",
        bad_limit: "{field}: 「{value}」は1から1000までの数ではありません。",
        bad_order: "{field}: 「{value}」は新しい順・古い順のどちらでもありません。",
        bad_before: "一覧の続きの起点となるアラート {id} がありません。検索をやり直してください。",
        busy: "データベースが書き込み中で混み合っています。少し待ってからもう一度お試しください。",
        unreadable: "アラートを読み込めませんでした。原因はサーバーのログにあります。",
        limit_field: "表示件数",
        order_field: "並び順",
    },
};

pub fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Ja => &JA,
    }
}

/// `words(lang)` as JSON for the templates, made once.
pub fn words_json(lang: Lang) -> &'static serde_json::Value {
    static JSON: std::sync::OnceLock<[serde_json::Value; 2]> = std::sync::OnceLock::new();
    let [en, ja] = JSON.get_or_init(|| {
        [Lang::En, Lang::Ja].map(|l| serde_json::to_value(words(l)).expect("words are JSON"))
    });
    match lang {
        Lang::En => en,
        Lang::Ja => ja,
    }
}

impl Words {
    /// A severity or log status in words; Mackerel's name when it is one asakai
    /// does not know (it is Mackerel's word, shown rather than hidden).
    pub fn status<'a>(&'a self, value: &'a str) -> &'a str {
        label_of(&self.statuses, value)
    }

    /// A review outcome in words (`{{outcome_label}}` of the templates).
    pub fn outcome(&self, o: crate::review::Outcome) -> &str {
        label_of(&self.outcomes, o.as_str())
    }

    /// A log trigger or close cause in words, or Mackerel's own name for a new one.
    pub fn trigger<'a>(&'a self, value: &'a str) -> &'a str {
        label_of(&self.triggers, value)
    }
}

fn label_of<'a>(choices: &'a [Choice], value: &'a str) -> &'a str {
    choices
        .iter()
        .find(|c| c.value.eq_ignore_ascii_case(value))
        .map_or(value, |c| c.label)
}

/// `text` with each `{name}` replaced by its value, in one pass: a value that holds
/// braces (a person's input) is never read as a place to fill.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let found = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (v, close))
        });
        match found {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_say_one_and_many_in_english_and_a_counter_in_japanese() {
        assert_eq!(EN.alerts_count.of(1), "1 alert");
        assert_eq!(EN.alerts_count.of(3), "3 alerts");
        assert_eq!(EN.fired_again_count.of(1), "fired again once");
        assert_eq!(JA.alerts_count.of(1), "アラート1件");
        assert_eq!(JA.fired_again_count.of(4), "4回再発");
    }

    #[test]
    fn statuses_and_triggers_read_as_words_and_unknown_ones_stay_as_mackerel_says() {
        assert_eq!(JA.status("CRITICAL"), "重大");
        assert_eq!(EN.status("warning"), "Warning");
        assert_eq!(JA.trigger("monitorDelete"), "モニター削除");
        assert_eq!(EN.trigger("newTrigger"), "newTrigger");
    }

    #[test]
    fn fill_replaces_every_named_place() {
        assert_eq!(
            fill(
                "{field}: {value} ({value})",
                &[("field", "From"), ("value", "x")]
            ),
            "From: x (x)"
        );
        assert_eq!(
            fill("{value} {id}", &[("value", "{id}"), ("id", "a1")]),
            "{id} a1"
        );
    }
}
