//! The meeting screen's own words, English and Japanese. Kept apart from the other
//! pages' words (`words.rs`): the meeting screen has many, and only it reads them.

use serde::Serialize;

use crate::digest::Lang;

#[derive(Debug, Serialize)]
pub struct MeetingWords {
    /// "12 of 40 reviewed" / "40件中12件レビュー済み".
    pub progress: &'static str,
    pub window: &'static str,
    pub previous_meeting: &'static str,
    pub next_meeting: &'static str,
    pub date: &'static str,
    pub show: &'static str,
    pub unreviewed_only: &'static str,
    pub show_all: &'static str,
    pub presenter: &'static str,
    pub keys: &'static str,
    pub queue: &'static str,
    pub detail: &'static str,
    pub bar: &'static str,
    pub item_of: &'static str,
    pub pick: &'static str,
    pub nothing: &'static str,
    pub all_reviewed: &'static str,
    pub hosts: &'static str,
    pub also_in: &'static str,
    pub recovery_median: &'static str,
    pub earlier_more: &'static str,
    pub earlier_title: &'static str,
    pub earlier_hint: &'static str,
    pub on: &'static str,
    pub message: &'static str,
    pub reason: &'static str,
    pub timeline: &'static str,
    pub earlier: &'static str,
    pub earlier_none: &'static str,
    pub alerts_of_item: &'static str,
    pub outcome: &'static str,
    pub outcome_hint: &'static str,
    pub note: &'static str,
    pub note_placeholder: &'static str,
    pub save_note: &'static str,
    pub note_needs_outcome: &'static str,
    pub open_task: &'static str,
    pub task_for_host: &'static str,
    pub task_hosts_hint: &'static str,
    pub on_github: &'static str,
    pub task_open: &'static str,
    pub in_mackerel: &'static str,
    pub graph: &'static str,
    pub saved: &'static str,
    pub failed: &'static str,
    pub flapping: &'static str,
    pub maintenance: &'static str,
    pub opened: &'static str,
    pub by: &'static str,
    pub changed_to: &'static str,
    pub chart: &'static str,
    pub vs: &'static str,
    pub open_tasks: &'static str,
    pub flapping_title: &'static str,
    pub noisy: &'static str,
    pub maintenance_title: &'static str,
    pub times: &'static str,
    pub done: &'static str,
    pub help: [KeyHelp; 9],
    pub close: &'static str,
    pub team: &'static str,
    pub every_service: &'static str,
}

#[derive(Debug, Serialize)]
pub struct KeyHelp {
    pub key: &'static str,
    pub what: &'static str,
}

const fn key(key: &'static str, what: &'static str) -> KeyHelp {
    KeyHelp { key, what }
}

pub static EN: MeetingWords = MeetingWords {
    progress: "{reviewed} of {total} reviewed",
    window: "window",
    previous_meeting: "Previous meeting",
    next_meeting: "Next meeting",
    date: "Meeting date",
    show: "Show",
    unreviewed_only: "unreviewed only",
    show_all: "show all",
    presenter: "presenter",
    keys: "keys",
    queue: "Review queue",
    detail: "Selected item",
    bar: "Meeting",
    item_of: "item {n} of {total}",
    pick: "Pick an item in the queue (j / k) to see it here.",
    nothing: "No alerts in this window.",
    all_reviewed: "Every alert of this meeting has an outcome.",
    hosts: "{n} hosts",
    also_in: "also in: {services}",
    recovery_median: "recovery median",
    earlier_more: "and {n} more",
    earlier_title: "Still unreviewed from earlier meetings",
    earlier_hint: "Unreviewed alerts of the 7 days before this window",
    on: "on",
    message: "Message",
    reason: "Reason",
    timeline: "Timeline",
    earlier: "Earlier on this host",
    earlier_none: "Nothing earlier in the past year.",
    alerts_of_item: "Its alerts",
    outcome: "Outcome",
    outcome_hint: "sets every alert of this item, then moves to the next unreviewed",
    note: "Note",
    note_placeholder: "Note (n)",
    save_note: "Save note",
    note_needs_outcome: "A note is saved with an outcome: pick one below.",
    open_task: "Open follow-up task",
    task_for_host: "Follow-up task for {host}",
    task_hosts_hint: "A task is for one host: pick the host.",
    on_github: "also on GitHub",
    task_open: "Task",
    in_mackerel: "Open in Mackerel",
    graph: "Graph",
    saved: "Saved",
    failed: "Not saved",
    flapping: "flapping",
    maintenance: "maintenance",
    opened: "opened",
    by: "by",
    changed_to: "became",
    chart: "Alerts opened per hour",
    vs: "vs",
    open_tasks: "Open follow-up tasks",
    flapping_title: "Flapping",
    noisy: "Noisiest monitors",
    maintenance_title: "Hosts in maintenance",
    times: "times",
    done: "Done",
    help: [
        key("j / k", "next / previous item"),
        key(
            "1–5",
            "fixed, follow-up, expected, noise, false alarm; then the next unreviewed",
        ),
        key("n", "write a note"),
        key("t", "open a follow-up task"),
        key("u", "unreviewed only"),
        key("p", "presenter mode (large text)"),
        key("Enter", "open the item's alert page"),
        key("?", "this list"),
        key("Esc", "close"),
    ],
    close: "Close",
    team: "Team",
    every_service: "all services",
};

pub static JA: MeetingWords = MeetingWords {
    progress: "{total}件中{reviewed}件レビュー済み",
    window: "対象期間",
    previous_meeting: "前回の朝会",
    next_meeting: "次回の朝会",
    date: "朝会の日付",
    show: "表示",
    unreviewed_only: "未レビューのみ",
    show_all: "すべて表示",
    presenter: "発表モード",
    keys: "キー",
    queue: "レビュー一覧",
    detail: "選択中の項目",
    bar: "朝会",
    item_of: "{total}件中{n}件目",
    pick: "一覧から項目を選ぶと (j / k) ここに表示されます。",
    nothing: "この期間のアラートはありません。",
    all_reviewed: "この朝会のアラートはすべてレビュー済みです。",
    hosts: "{n}台のホスト",
    also_in: "他のサービス: {services}",
    recovery_median: "復旧時間の中央値",
    earlier_more: "ほか{n}件",
    earlier_title: "以前の朝会で未レビューのアラート",
    earlier_hint: "この期間の前7日間の未レビューのアラート",
    on: "@",
    message: "メッセージ",
    reason: "理由",
    timeline: "経過",
    earlier: "このホストでの過去の発生",
    earlier_none: "過去1年に発生はありません。",
    alerts_of_item: "含まれるアラート",
    outcome: "対応",
    outcome_hint: "この項目のアラートすべてに記録し、次の未レビューへ進みます",
    note: "メモ",
    note_placeholder: "メモ (n)",
    save_note: "メモを保存",
    note_needs_outcome: "メモは対応と一緒に保存されます。下から対応を選んでください。",
    open_task: "フォローアップタスクを作成",
    task_for_host: "{host} のフォローアップタスク",
    task_hosts_hint: "タスクはホストごとです。ホストを選んでください。",
    on_github: "GitHubにも作成",
    task_open: "タスク",
    in_mackerel: "Mackerelで開く",
    graph: "グラフ",
    saved: "保存しました",
    failed: "保存できませんでした",
    flapping: "フラッピング",
    maintenance: "メンテナンス中",
    opened: "発生",
    by: "担当",
    changed_to: "変化",
    chart: "1時間ごとの発生件数",
    vs: "前回比",
    open_tasks: "未完了のフォローアップタスク",
    flapping_title: "フラッピング",
    noisy: "発生の多いモニター",
    maintenance_title: "メンテナンス中のホスト",
    times: "回",
    done: "完了",
    help: [
        key("j / k", "次 / 前の項目"),
        key(
            "1–5",
            "対応済み・要フォロー・想定内・ノイズ・誤検知、そして次の未レビューへ",
        ),
        key("n", "メモを書く"),
        key("t", "フォローアップタスクを作成"),
        key("u", "未レビューのみ表示"),
        key("p", "発表モード (大きな文字)"),
        key("Enter", "アラートのページを開く"),
        key("?", "この一覧"),
        key("Esc", "閉じる"),
    ],
    close: "閉じる",
    team: "チーム",
    every_service: "全サービス",
};

pub fn meeting_words(lang: Lang) -> &'static MeetingWords {
    match lang {
        Lang::En => &EN,
        Lang::Ja => &JA,
    }
}

#[cfg(test)]
mod tests {
    use crate::digest::Lang;

    /// One rule for severities: the pages, the meeting screen, the digests and the
    /// graphs say them in the same words.
    #[test]
    fn the_pages_and_the_digests_say_severities_alike() {
        for lang in [Lang::En, Lang::Ja] {
            for s in ["CRITICAL", "WARNING", "UNKNOWN", "OK", "NEW"] {
                assert_eq!(
                    crate::web::words::words(lang).status(s),
                    lang.labels().severity(s),
                    "{s} in {lang:?}"
                );
            }
        }
        assert_eq!(Lang::Ja.labels().severity("critical"), "重大");
    }
}
