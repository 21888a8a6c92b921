//! The team's zone and the moment a page is made: every time on a page is written
//! against them, short for people and RFC 3339 for `<time datetime>`.

use chrono::Datelike;
use chrono_tz::Tz;
use serde::Serialize;

/// The team's zone and the moment a page is made: times are written against it.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    pub tz: Tz,
    pub now: i64,
}

/// A moment on a page: short words for people, RFC 3339 for `<time datetime>`.
#[derive(Debug, Serialize)]
pub struct Stamp {
    pub text: String,
    pub iso: String,
}

impl Clock {
    pub fn now(tz: Tz) -> Clock {
        Clock {
            tz,
            now: chrono::Utc::now().timestamp(),
        }
    }

    /// `11-27 16:28` in the team's zone; with the year when it is not this year's.
    pub fn stamp(&self, secs: i64) -> Stamp {
        let at = |t: i64| {
            chrono::DateTime::from_timestamp(t, 0)
                .unwrap_or_default()
                .with_timezone(&self.tz)
        };
        let t = at(secs);
        let format = if t.year() == at(self.now).year() {
            "%m-%d %H:%M"
        } else {
            "%Y-%m-%d %H:%M"
        };
        Stamp {
            text: t.format(format).to_string(),
            iso: t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        }
    }

    /// An RFC 3339 time as stored in reviews and tasks; as given when it does not parse.
    pub fn stamp_rfc3339(&self, text: &str) -> Stamp {
        match chrono::DateTime::parse_from_rfc3339(text) {
            Ok(t) => self.stamp(t.timestamp()),
            Err(_) => Stamp {
                text: text.to_owned(),
                iso: text.to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_is_short_this_year_and_names_the_year_otherwise() {
        let clock = Clock {
            tz: chrono_tz::Asia::Tokyo,
            now: 1_764_000_000, // 2025-11-25 01:00 in Tokyo
        };
        let s = clock.stamp(clock.now - 3600);
        assert_eq!(s.text, "11-25 00:00");
        assert_eq!(s.iso, "2025-11-25T00:00:00+09:00");
        assert_eq!(
            clock.stamp(clock.now - 365 * 86_400).text,
            "2024-11-25 01:00"
        );
    }
}
