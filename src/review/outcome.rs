//! The review outcome (design §5): one per alert, the latest counts.

use serde::{Deserialize, Serialize};

/// What the team decided about an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Acted, resolved.
    Fixed,
    /// Needs work: a task tracks it.
    FollowUp,
    /// Planned work: a deploy, maintenance.
    Expected,
    /// No action: the threshold or monitor needs tuning.
    Noise,
    /// The monitor itself is wrong.
    FalseAlarm,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Fixed,
        Outcome::FollowUp,
        Outcome::Expected,
        Outcome::Noise,
        Outcome::FalseAlarm,
    ];

    /// Its place in [`Outcome::ALL`] (and in the digest's labels).
    pub fn index(self) -> usize {
        match self {
            Outcome::Fixed => 0,
            Outcome::FollowUp => 1,
            Outcome::Expected => 2,
            Outcome::Noise => 3,
            Outcome::FalseAlarm => 4,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Fixed => "fixed",
            Outcome::FollowUp => "follow_up",
            Outcome::Expected => "expected",
            Outcome::Noise => "noise",
            Outcome::FalseAlarm => "false_alarm",
        }
    }

    /// Reads an outcome as the command line and the API spell it.
    pub fn parse(s: &str) -> Result<Outcome, String> {
        Outcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s.trim())
            .ok_or_else(|| {
                format!(
                    "{s:?} is not a review outcome; use fixed, follow_up, expected, noise or false_alarm"
                )
            })
    }

    /// `fixed` and `follow_up` count as action taken; the rest as none.
    pub fn is_action(self) -> bool {
        matches!(self, Outcome::Fixed | Outcome::FollowUp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_read_back_as_they_print() {
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Ok(o));
        }
        assert!(Outcome::parse("ignored")
            .unwrap_err()
            .contains("false_alarm"));
    }

    #[test]
    fn only_fixed_and_follow_up_count_as_action() {
        let action: Vec<_> = Outcome::ALL.into_iter().filter(|o| o.is_action()).collect();
        assert_eq!(action, [Outcome::Fixed, Outcome::FollowUp]);
    }
}
