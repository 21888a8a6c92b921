//! Times and durations as people type them (design §7): RFC 3339 or `YYYY-MM-DD`
//! in the team's zone; `90s`, `15m`, `12h`, `30d`.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone};
use chrono_tz::Tz;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// `90s`, `15m`, `12h`, `30d` (and anything humantime reads, such as `1h 30m`).
pub fn parse_duration(text: &str) -> Result<Duration, InputError> {
    humantime::parse_duration(text.trim()).map_err(|e| {
        InputError(format!(
            "{text:?} is not a duration ({e}); write it like 90s, 15m, 12h or 30d"
        ))
    })
}

/// A time zone by its IANA name, such as `Asia/Tokyo` or `UTC`.
pub fn parse_zone(name: &str) -> Result<Tz, InputError> {
    Tz::from_str(name.trim()).map_err(|_| {
        InputError(format!("{name:?} is not a time zone; use an IANA name such as Asia/Tokyo, America/New_York or UTC"))
    })
}

/// The machine's zone, falling back to UTC when it cannot be told.
pub fn system_zone() -> Tz {
    iana_time_zone::get_timezone()
        .ok()
        .and_then(|n| Tz::from_str(&n).ok())
        .unwrap_or(chrono_tz::UTC)
}

/// A date `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<NaiveDate, InputError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        InputError(format!(
            "{text:?} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-24"
        ))
    })
}

/// Midnight starting `date` in `tz`, as Unix seconds (the first valid instant on a DST gap).
pub fn start_of_day(date: NaiveDate, tz: Tz) -> i64 {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    match tz.from_local_datetime(&midnight) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.timestamp(),
        chrono::LocalResult::None => {
            // A DST gap at midnight: the day starts at the first instant that exists.
            (1..=180)
                .find_map(|m| {
                    tz.from_local_datetime(&(midnight + chrono::Duration::minutes(m)))
                        .earliest()
                })
                .map(|t| t.timestamp())
                .unwrap_or_else(|| tz.from_utc_datetime(&midnight).timestamp())
        }
    }
}

/// A moment: RFC 3339, or a date meaning its midnight in `tz`. Unix seconds.
pub fn parse_time(text: &str, tz: Tz) -> Result<i64, InputError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.timestamp());
    }
    parse_date(text).map(|d| start_of_day(d, tz)).map_err(|_| {
        InputError(format!("{text:?} is not a time; write RFC 3339 (2026-11-24T09:30:00+09:00) or a date (2026-11-24)"))
    })
}

/// `poll --since`: a duration back from `now`, or a time.
pub fn parse_since(text: &str, now: i64, tz: Tz) -> Result<i64, InputError> {
    if let Ok(d) = parse_duration(text) {
        return Ok(now - d.as_secs() as i64);
    }
    parse_time(text, tz).map_err(|_| {
        InputError(format!(
            "--since {text:?} is neither a duration (7d, 12h) nor a time (2026-11-01 or RFC 3339)"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_the_brief_writes_them() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(
            parse_duration("30d").unwrap(),
            Duration::from_secs(30 * 86400)
        );
        assert!(parse_duration("soon").unwrap_err().0.contains("15m"));
    }

    #[test]
    fn a_date_means_midnight_in_the_zone() {
        let tokyo = parse_zone("Asia/Tokyo").unwrap();
        assert_eq!(
            parse_time("2026-11-24", tokyo).unwrap(),
            parse_time("2026-11-23T15:00:00Z", tokyo).unwrap()
        );
        assert!(parse_time("24/11/2026", tokyo).is_err());
        assert!(parse_zone("Mars/Olympus").unwrap_err().0.contains("IANA"));
    }
}
