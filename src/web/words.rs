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
    per_month: "Alerts per month, past year",
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
    per_month: "過去1年の月別アラート数",
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
