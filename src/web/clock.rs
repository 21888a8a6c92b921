//! The team's zone and the moment a page is made: every time on a page is written
//! against them, short for people and RFC 3339 for `<time datetime>`.

use std::fmt;

use chrono::format::{Fixed, Item};
use chrono::{DateTime, Datelike, Timelike};
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
        let m = self.moment(secs);
        let (text, iso) = (m.text().to_string(), m.iso().to_string());
        Stamp { text, iso }
    }

    /// `secs` in the team's zone, to be written as a [`Stamp`]'s two texts are
    /// (without making them: a page of results writes hundreds).
    pub fn moment(&self, secs: i64) -> Moment {
        let at = |t: i64| {
            DateTime::from_timestamp(t, 0)
                .unwrap_or_default()
                .with_timezone(&self.tz)
        };
        let t = at(secs);
        Moment {
            with_year: t.year() != at(self.now).year(),
            at: t,
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

/// A moment in the team's zone, written as a [`Stamp`]'s text or its `iso`.
pub struct Moment {
    at: DateTime<Tz>,
    with_year: bool,
}

/// RFC 3339 to the second with the zone's offset, as `to_rfc3339_opts(Secs, false)`
/// writes a whole second, straight into the page.
const RFC3339: [Item<'static>; 1] = [Item::Fixed(Fixed::RFC3339)];

impl Moment {
    /// `11-27 16:28`, or `2024-11-27 16:28` outside this year.
    pub fn text(&self) -> impl fmt::Display + '_ {
        Short(self)
    }

    /// `2025-11-27T16:28:00+09:00`, for `<time datetime>`.
    pub fn iso(&self) -> impl fmt::Display + '_ {
        self.at.format_with_items(RFC3339.iter())
    }
}

/// A moment's short text, written with numbers rather than a format string that
/// would be read again for every row.
struct Short<'a>(&'a Moment);

impl fmt::Display for Short<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.0.at;
        if self.0.with_year {
            write!(f, "{:04}-", t.year())?;
        }
        write!(
            f,
            "{:02}-{:02} {:02}:{:02}",
            t.month(),
            t.day(),
            t.hour(),
            t.minute()
        )
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

    #[test]
    fn a_stamp_reads_as_chrono_formats_it_across_zones_years_and_dst() {
        // Los Angeles, around its DST change on 2025-11-02, and a year earlier.
        let clock = Clock {
            tz: chrono_tz::America::Los_Angeles,
            now: 1_762_077_600,
        };
        for secs in [
            clock.now - 3600,
            clock.now + 3600,
            clock.now - 400 * 86_400,
            0,
        ] {
            let t = DateTime::from_timestamp(secs, 0)
                .unwrap()
                .with_timezone(&clock.tz);
            let s = clock.stamp(secs);
            let format = if t.year() == 2025 {
                "%m-%d %H:%M"
            } else {
                "%Y-%m-%d %H:%M"
            };
            assert_eq!(s.text, t.format(format).to_string());
            assert_eq!(s.iso, t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false));
        }
        assert_eq!(clock.stamp(clock.now).iso, "2025-11-02T02:00:00-08:00");
    }
}
