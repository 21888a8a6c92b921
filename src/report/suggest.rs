//! A plain suggestion per monitor, only where the evidence is strong: enough
//! alerts, and a clear majority one way. Otherwise the report says nothing.
//! The evidence is kept as numbers, so each reader gets it in their language:
//! the command line in English, the web page in the page's language.

use super::monitors::MonitorStats;
use crate::digest::{duration, Lang};

/// Fewer alerts than this say nothing about a monitor.
const MIN_ALERTS: i64 = 5;
const MIN_REVIEWED: i64 = 4;
/// A median this short is worth naming beside a noise suggestion.
const SHORT_MEDIAN_SECS: i64 = 15 * 60;

/// What the evidence says to do about a monitor, with the shares behind it.
#[derive(Debug, Clone, PartialEq)]
pub enum Suggestion {
    FalseAlarm {
        share: f64,
    },
    /// `median_secs` only when it is short enough to say "blips".
    Noise {
        share: f64,
        median_secs: Option<i64>,
    },
    Expected {
        share: f64,
    },
    QuickRecovery {
        share: f64,
    },
    Flapping {
        days: i64,
    },
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

pub fn suggestion(s: &MonitorStats) -> Option<Suggestion> {
    let reviewed = s.reviewed.max(1) as f64;
    let strong_reviews = s.reviewed >= MIN_REVIEWED;
    let share = |n: i64| n as f64 / reviewed;
    if strong_reviews && share(s.false_alarm) >= 0.5 {
        return Some(Suggestion::FalseAlarm {
            share: share(s.false_alarm),
        });
    }
    if strong_reviews && share(s.noise) >= 0.7 {
        return Some(Suggestion::Noise {
            share: share(s.noise),
            median_secs: s.median_secs.filter(|m| *m <= SHORT_MEDIAN_SECS),
        });
    }
    if strong_reviews && share(s.expected) >= 0.7 {
        return Some(Suggestion::Expected {
            share: share(s.expected),
        });
    }
    if s.alerts >= MIN_ALERTS && s.recovered_within_5m_share >= 0.7 {
        return Some(Suggestion::QuickRecovery {
            share: s.recovered_within_5m_share,
        });
    }
    if s.alerts >= MIN_ALERTS && s.flapping >= 3 {
        return Some(Suggestion::Flapping { days: s.flapping });
    }
    None
}

impl Suggestion {
    /// The suggestion in words of `lang`.
    pub fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.english(),
            Lang::Ja => self.japanese(),
        }
    }

    fn english(&self) -> String {
        match self {
            Suggestion::FalseAlarm { share } => format!(
                "{} of reviews call it a false alarm: check what the monitor measures and where",
                pct(*share)
            ),
            Suggestion::Noise { share, median_secs } => {
                let how = median_secs
                    .map(|m| format!(", median {}", duration(m, Lang::En.labels())))
                    .unwrap_or_default();
                format!(
                    "{} noise{how}: raise the threshold or add maxCheckAttempts",
                    pct(*share)
                )
            }
            Suggestion::Expected { share } => format!(
                "{} expected (planned work): put the hosts in maintenance during that work instead",
                pct(*share)
            ),
            Suggestion::QuickRecovery { share } => format!(
                "{} recovered by itself within 5 minutes: add maxCheckAttempts (or a longer duration) so blips do not alert",
                pct(*share)
            ),
            Suggestion::Flapping { days } => format!(
                "flapped (3 or more alerts a day on one host) on {days} {}: widen the gap between warning and critical, or add maxCheckAttempts",
                if *days == 1 { "day" } else { "days" }
            ),
        }
    }

    // Mackerel's Japanese screens call maxCheckAttempts 最大試行回数.
    fn japanese(&self) -> String {
        match self {
            Suggestion::FalseAlarm { share } => format!(
                "レビューの{}が誤検知: この監視ルールが何をどこで測っているかを確認してください",
                pct(*share)
            ),
            Suggestion::Noise { share, median_secs } => {
                let how = median_secs
                    .map(|m| format!("(中央値 {})", duration(m, Lang::Ja.labels())))
                    .unwrap_or_default();
                format!(
                    "{}がノイズ{how}: 閾値を上げるか、最大試行回数を増やしてください",
                    pct(*share)
                )
            }
            Suggestion::Expected { share } => format!(
                "{}が想定内(計画作業): 作業中はホストをメンテナンスにしてください",
                pct(*share)
            ),
            Suggestion::QuickRecovery { share } => format!(
                "{}が5分以内に自動復旧: 一時的な揺れでアラートが出ないよう、最大試行回数を増やす(または判定時間を長くする)ことを検討してください",
                pct(*share)
            ),
            Suggestion::Flapping { days } => format!(
                "{days}日間フラッピング(1台のホストで1日3回以上): 警告と重大の閾値の間隔を広げるか、最大試行回数を増やしてください"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_words_stay_and_a_japanese_reader_gets_japanese() {
        let noise = Suggestion::Noise {
            share: 0.8,
            median_secs: Some(120),
        };
        assert_eq!(
            noise.text(Lang::En),
            "80% noise, median 2m: raise the threshold or add maxCheckAttempts"
        );
        assert_eq!(
            noise.text(Lang::Ja),
            "80%がノイズ(中央値 2分): 閾値を上げるか、最大試行回数を増やしてください"
        );
        let flapping = Suggestion::Flapping { days: 6 };
        assert!(flapping.text(Lang::En).contains("on 6 days:"));
        assert!(flapping.text(Lang::Ja).starts_with("6日間フラッピング"));
    }
}
