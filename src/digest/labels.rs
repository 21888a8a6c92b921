//! Every word a digest prints, in English and Japanese.

use serde::Serialize;

use crate::alert::State;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    En,
    Ja,
}

impl Lang {
    pub fn parse(s: &str) -> Result<Lang, crate::timefmt::InputError> {
        match s {
            "en" => Ok(Lang::En),
            "ja" => Ok(Lang::Ja),
            _ => Err(crate::timefmt::InputError(format!(
                "{s:?} is not a language asakai speaks; use en or ja"
            ))),
        }
    }

    pub fn labels(self) -> &'static Labels {
        match self {
            Lang::En => &EN,
            Lang::Ja => &JA,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Labels {
    pub lang: &'static str,
    pub title: &'static str,
    pub window: &'static str,
    pub totals: &'static str,
    pub vs_previous: &'static str,
    pub open: &'static str,
    pub recovered: &'static str,
    pub closed_manually: &'static str,
    pub closed_by_system: &'static str,
    pub no_service: &'static str,
    pub quiet: &'static str,
    pub quiet_ever: &'static str,
    pub carried_over: &'static str,
    pub open_for: &'static str,
    pub flapping: &'static str,
    pub noisy: &'static str,
    pub times: &'static str,
    pub maintenance: &'static str,
    pub since: &'static str,
    pub seen_since: &'static str,
    pub recovery: &'static str,
    pub median: &'static str,
    pub new: &'static str,
    /// A monitor deleted before asakai learnt its name.
    pub deleted_monitor: &'static str,
    /// "4× in 7 d": how often the same monitor and host fired in the week before.
    pub fired_before: &'static str,
    pub guessed: &'static str,
    pub reason: &'static str,
    pub graph: &'static str,
    pub per_hour: &'static str,
    pub still_open: &'static str,
    pub generated: &'static str,
    /// "and {n} more alerts", before the command that lists them.
    pub more: &'static str,
    /// A monitor's recovered alerts in one line.
    pub condensed: &'static str,
    pub on_hosts: &'static str,
    pub hosts_more: &'static str,
    /// The toggle that shows every alert of a condensed line (HTML).
    pub show_all: &'static str,
    /// The chart's hover text: "{n} opened {from}–{to}, {state} at the window's end".
    pub chart_hover: &'static str,
    /// "vs the previous window" before its dates.
    pub previous: &'static str,
    pub per_day: &'static str,
    pub day_unit: &'static str,
    pub days: &'static str,
    pub host_in_maintenance: &'static str,
    /// A host seen in maintenance only after the window (listed for a current window).
    pub maintenance_now: &'static str,
    /// Notes; `{..}` are filled in by the context.
    pub note_listings: &'static str,
    pub note_weekend: &'static str,
    pub note_holiday: &'static str,
    pub note_future: &'static str,
    /// "{reviewed} of {total} reviewed".
    pub reviewed_of: &'static str,
    pub unreviewed_earlier: &'static str,
    pub open_tasks: &'static str,
    pub fired_again: &'static str,
    pub task: &'static str,
    /// fixed, follow_up, expected, noise, false_alarm.
    pub outcomes: [&'static str; 5],
    pub weekdays: [&'static str; 7],
    pub units: [&'static str; 4],
    /// CRITICAL, WARNING, UNKNOWN, OK in words, as every page says them.
    pub severities: [&'static str; 4],
}

/// Mackerel's severities, in the order of [`Labels::severities`].
const SEVERITIES: [&str; 4] = ["CRITICAL", "WARNING", "UNKNOWN", "OK"];

impl Labels {
    /// A severity in words; one asakai does not know stays as Mackerel spells it.
    pub fn severity<'a>(&self, value: &'a str) -> &'a str
    where
        'static: 'a,
    {
        SEVERITIES
            .iter()
            .position(|s| s.eq_ignore_ascii_case(value))
            .map_or(value, |i| self.severities[i])
    }

    pub fn state(&self, s: State) -> &'static str {
        match s {
            State::Open => self.open,
            State::Recovered => self.recovered,
            State::ClosedManually => self.closed_manually,
            State::ClosedBySystem => self.closed_by_system,
        }
    }
}

pub static EN: Labels = Labels {
    lang: "en",
    title: "Alert digest",
    window: "Window",
    totals: "Totals",
    vs_previous: "vs previous",
    open: "Open",
    recovered: "Recovered",
    closed_manually: "Closed manually",
    closed_by_system: "Closed by system",
    no_service: "(no service)",
    quiet: "No alerts in this window. The last alert opened",
    quiet_ever: "No alerts in this window, and none stored before it.",
    carried_over: "Still open from before",
    open_for: "open for",
    flapping: "Flapping",
    noisy: "Noisiest monitors",
    times: "times",
    maintenance: "Hosts in maintenance",
    since: "since",
    seen_since: "seen since",
    recovery: "Time to recovery",
    median: "median",
    new: "new",
    fired_before: "{n}× in 7 d",
    deleted_monitor: "deleted monitor",
    guessed: "cause guessed",
    reason: "reason",
    graph: "graph",
    per_hour: "Alerts opened per hour",
    still_open: "still open",
    generated: "Generated",
    more: "and {n} more alerts; list them with",
    condensed: "{n} recovered{hosts} — shortest {shortest}, median {median}, longest {longest}",
    on_hosts: " on {hosts}",
    hosts_more: ", +{n} more",
    show_all: "every alert",
    chart_hover: "{from}–{to}: {n} opened, {state} at the window's end",
    previous: "vs previous window",
    per_day: "compared per day: the windows differ in length",
    day_unit: "day",
    days: "days",
    host_in_maintenance: "host in maintenance",
    maintenance_now: "in maintenance now (not seen so during the window)",
    note_listings: "Service totals add up to {listings}, more than the {total} alerts: an alert whose host is in several services is listed under each.",
    note_weekend: "{date} is a weekend day, not a business day: no standup is expected on it.",
    note_holiday: "{date} is a holiday, not a business day: no standup is expected on it.",
    note_future: "This window has not ended yet (it ends {end}): alerts are as of {now}.",
    reviewed_of: "{reviewed} of {total} reviewed",
    severities: ["Critical", "Warning", "Unknown", "OK"],
    unreviewed_earlier: "Still unreviewed from earlier meetings",
    open_tasks: "Open follow-up tasks",
    fired_again: "fired again",
    task: "task",
    outcomes: ["fixed", "follow-up", "expected", "noise", "false alarm"],
    weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    units: ["d", "h", "m", "s"],
};

pub static JA: Labels = Labels {
    lang: "ja",
    title: "アラート朝会レポート",
    window: "対象期間",
    totals: "合計",
    vs_previous: "前回比",
    open: "未解決",
    recovered: "自動復旧",
    closed_manually: "手動クローズ",
    closed_by_system: "システムによるクローズ",
    no_service: "(サービスなし)",
    quiet: "この期間のアラートはありません。最後のアラート発生:",
    quiet_ever: "この期間のアラートはありません(それ以前の記録もありません)。",
    carried_over: "以前から継続中",
    open_for: "継続時間",
    flapping: "フラッピング",
    noisy: "アラートの多い監視",
    times: "回",
    maintenance: "メンテナンス中のホスト",
    since: "開始",
    seen_since: "確認",
    recovery: "復旧までの時間",
    median: "中央値",
    new: "新規",
    fired_before: "7日間で{n}回",
    deleted_monitor: "削除されたモニター",
    guessed: "原因は推定",
    reason: "理由",
    graph: "グラフ",
    per_hour: "1時間ごとの発生数",
    still_open: "継続中",
    generated: "作成",
    more: "ほか{n}件のアラートは次のコマンドで確認できます:",
    condensed: "{n}件自動復旧{hosts} — 最短 {shortest}、中央値 {median}、最長 {longest}",
    on_hosts: "({hosts})",
    hosts_more: " 他{n}台",
    show_all: "すべてのアラート",
    chart_hover: "{from}–{to}: {n}件発生、期間終了時点で{state}",
    previous: "前回の対象期間との比較",
    per_day: "期間の長さが異なるため1日あたりで比較",
    day_unit: "日",
    days: "日間",
    host_in_maintenance: "ホストはメンテナンス中",
    maintenance_now: "現在メンテナンス中(対象期間中には未確認)",
    note_listings: "サービス別の件数の合計は{listings}件で、全体の{total}件より多くなっています。複数のサービスに属するホストのアラートは各サービスに載るためです。",
    note_weekend: "{date}は週末で営業日ではありません(朝会は想定されていません)。",
    note_holiday: "{date}は祝日で営業日ではありません(朝会は想定されていません)。",
    note_future: "この対象期間はまだ終わっていません(終了 {end})。{now}時点のアラートです。",
    reviewed_of: "{total}件中{reviewed}件レビュー済み",
    severities: ["重大", "警告", "不明", "正常"],
    unreviewed_earlier: "以前の朝会で未レビューのアラート",
    open_tasks: "未完了のフォローアップタスク",
    fired_again: "再発",
    task: "タスク",
    outcomes: ["対応済み", "要フォローアップ", "想定内", "ノイズ", "誤検知"],
    weekdays: ["月", "火", "水", "木", "金", "土", "日"],
    units: ["日", "時間", "分", "秒"],
};

/// A duration in the largest two units: `2d 4h`, `3h 5m`, `12m`, `40s` (or 2日4時間, ...).
pub fn duration(secs: i64, l: &Labels) -> String {
    let secs = secs.max(0);
    let parts = [
        (secs / 86_400, l.units[0]),
        (secs % 86_400 / 3600, l.units[1]),
        (secs % 3600 / 60, l.units[2]),
        (secs % 60, l.units[3]),
    ];
    let first = parts.iter().position(|(n, _)| *n > 0).unwrap_or(3);
    let sep = if l.lang == "ja" { "" } else { " " };
    parts[first..(first + 2).min(4)]
        .iter()
        .filter(|(n, _)| *n > 0 || first == 3)
        .map(|(n, u)| format!("{n}{u}"))
        .collect::<Vec<_>>()
        .join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally_in_both_languages() {
        assert_eq!(duration(40, &EN), "40s");
        assert_eq!(duration(12 * 60 + 5, &EN), "12m 5s");
        assert_eq!(duration(3 * 3600 + 5 * 60, &EN), "3h 5m");
        assert_eq!(duration(2 * 86_400 + 4 * 3600 + 7, &EN), "2d 4h");
        assert_eq!(duration(3600, &EN), "1h");
        assert_eq!(duration(3 * 3600 + 5 * 60, &JA), "3時間5分");
        assert_eq!(duration(0, &JA), "0秒");
    }
}
