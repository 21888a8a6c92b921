//! The window a digest covers (design §5): `[start, end)` in the team's zone, from
//! the previous business day to the meeting, so that Monday covers Friday to Sunday
//! and the day after a holiday covers the holiday.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;
use serde::Serialize;

use crate::timefmt::{start_of_day, InputError};

/// `[start, end)` in Unix seconds, with the zone it was computed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: i64,
    pub tz: Tz,
    /// The meeting this window is for (`None` for an explicit `--from/--to`).
    pub meeting: Option<NaiveDate>,
}

impl Window {
    pub fn local(&self, t: i64) -> DateTime<Tz> {
        self.tz
            .timestamp_opt(t, 0)
            .single()
            .unwrap_or_else(|| self.tz.timestamp_opt(0, 0).unwrap())
    }

    pub fn hours(&self) -> i64 {
        (self.end - self.start + 3599) / 3600
    }

    /// Whole days covered, rounded (a DST day still counts as one).
    pub fn days(&self) -> i64 {
        ((self.end - self.start + 43_200) / 86_400).max(1)
    }

    /// Whether the window is today's (or still running) at `now`: only then does
    /// the hosts' status as of now say anything about it.
    pub fn is_current(&self, now: i64) -> bool {
        now < self.end + 86_400
    }
}

/// Why a meeting date is not a business day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OffDay {
    Weekend,
    Holiday,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    CalendarDay,
    SincePreviousMeeting,
}

impl Mode {
    pub fn parse(s: &str) -> Result<Mode, InputError> {
        match s {
            "calendar-day" => Ok(Mode::CalendarDay),
            "since-previous-meeting" => Ok(Mode::SincePreviousMeeting),
            _ => Err(InputError(format!(
                "{s:?} is not a digest mode; use calendar-day or since-previous-meeting"
            ))),
        }
    }
}

/// Which days are business days: Monday to Friday, minus holidays.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    /// Japanese public holidays (the jpholiday crate's rules, which follow the
    /// Cabinet Office's list, 内閣府「国民の祝日について」).
    pub japanese: bool,
    pub extra: BTreeSet<NaiveDate>,
}

impl Calendar {
    pub fn is_business_day(&self, d: NaiveDate) -> bool {
        self.off_day(d).is_none()
    }

    /// Why `d` is not a business day, if it is not.
    pub fn off_day(&self, d: NaiveDate) -> Option<OffDay> {
        if matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
            return Some(OffDay::Weekend);
        }
        let holiday = self.extra.contains(&d)
            || (self.japanese && jpholiday::jpholiday::JPHoliday::new().is_holiday(&d));
        holiday.then_some(OffDay::Holiday)
    }

    /// The business day before `d` (at most a month back, for calendars full of holidays).
    pub fn previous_business_day(&self, d: NaiveDate) -> NaiveDate {
        let mut day = d.pred_opt().unwrap_or(d);
        for _ in 0..31 {
            if self.is_business_day(day) {
                return day;
            }
            day = day.pred_opt().unwrap_or(day);
        }
        d.pred_opt().unwrap_or(d)
    }
}

/// How windows are cut for a team.
#[derive(Debug, Clone)]
pub struct WindowSpec {
    pub tz: Tz,
    pub mode: Mode,
    pub meeting_time: NaiveTime,
    pub calendar: Calendar,
}

impl WindowSpec {
    /// The window of the meeting on `date`.
    pub fn for_meeting(&self, date: NaiveDate) -> Window {
        let previous = self.calendar.previous_business_day(date);
        let (start, end) = match self.mode {
            Mode::CalendarDay => (start_of_day(previous, self.tz), start_of_day(date, self.tz)),
            Mode::SincePreviousMeeting => (self.at_meeting(previous), self.at_meeting(date)),
        };
        Window {
            start,
            end,
            tz: self.tz,
            meeting: Some(date),
        }
    }

    /// The window before `w`: the previous meeting's, ending where `w` starts.
    pub fn previous(&self, w: &Window) -> Window {
        match w.meeting {
            Some(date) => self.for_meeting(self.calendar.previous_business_day(date)),
            None => Window {
                start: w.start - (w.end - w.start),
                end: w.start,
                tz: w.tz,
                meeting: None,
            },
        }
    }

    fn at_meeting(&self, date: NaiveDate) -> i64 {
        let local = date.and_time(self.meeting_time);
        match self.tz.from_local_datetime(&local) {
            chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => t.timestamp(),
            // A meeting time inside a DST gap: the hour after it.
            chrono::LocalResult::None => self
                .tz
                .from_local_datetime(&(local + chrono::Duration::hours(1)))
                .earliest()
                .map_or(start_of_day(date, self.tz), |t| t.timestamp()),
        }
    }
}

/// `HH:MM`.
pub fn parse_meeting_time(s: &str) -> Result<NaiveTime, InputError> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| {
        InputError(format!(
            "{s:?} is not a meeting time; write it as HH:MM, e.g. 09:30"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn spec(tz: Tz, mode: Mode) -> WindowSpec {
        WindowSpec {
            tz,
            mode,
            meeting_time: parse_meeting_time("09:30").unwrap(),
            calendar: Calendar {
                japanese: true,
                extra: BTreeSet::new(),
            },
        }
    }

    fn iso(w: &Window) -> (String, String) {
        (w.local(w.start).to_rfc3339(), w.local(w.end).to_rfc3339())
    }

    #[test]
    fn a_weekday_meeting_covers_the_day_before() {
        let w = spec(chrono_tz::Asia::Tokyo, Mode::CalendarDay).for_meeting(d(2026, 11, 25));
        assert_eq!(
            iso(&w),
            (
                "2026-11-24T00:00:00+09:00".into(),
                "2026-11-25T00:00:00+09:00".into()
            )
        );
    }

    #[test]
    fn monday_covers_friday_to_sunday() {
        let w = spec(chrono_tz::Asia::Tokyo, Mode::CalendarDay).for_meeting(d(2026, 11, 30));
        assert_eq!(
            iso(&w),
            (
                "2026-11-27T00:00:00+09:00".into(),
                "2026-11-30T00:00:00+09:00".into()
            )
        );
    }

    #[test]
    fn the_day_after_a_japanese_holiday_covers_it() {
        // 2026-11-23 (Mon) is 勤労感謝の日: Tuesday's meeting covers Friday to Monday.
        let w = spec(chrono_tz::Asia::Tokyo, Mode::CalendarDay).for_meeting(d(2026, 11, 24));
        assert_eq!(
            iso(&w),
            (
                "2026-11-20T00:00:00+09:00".into(),
                "2026-11-24T00:00:00+09:00".into()
            )
        );
        let mut plain = spec(chrono_tz::Asia::Tokyo, Mode::CalendarDay);
        plain.calendar.japanese = false;
        assert_eq!(
            iso(&plain.for_meeting(d(2026, 11, 24))).0,
            "2026-11-23T00:00:00+09:00"
        );
    }

    #[test]
    fn extra_holidays_from_config_count_too() {
        let mut s = spec(chrono_tz::Asia::Tokyo, Mode::CalendarDay);
        s.calendar.extra.insert(d(2026, 12, 29));
        assert_eq!(
            iso(&s.for_meeting(d(2026, 12, 30))).0,
            "2026-12-28T00:00:00+09:00"
        );
    }

    #[test]
    fn dst_days_have_23_and_25_hours_in_new_york() {
        let s = spec(chrono_tz::America::New_York, Mode::CalendarDay);
        let spring = s.for_meeting(d(2026, 3, 9)); // Monday: Fri 6th .. Mon 9th, Sunday the 8th is 23h
        assert_eq!(spring.end - spring.start, 3 * 86_400 - 3600);
        let mut plain = s.clone();
        plain.calendar.japanese = false;
        let fall = WindowSpec {
            mode: Mode::CalendarDay,
            ..plain
        };
        // 2026-11-01 (Sunday) has 25 hours; a meeting on Tuesday 3rd after a holiday on Monday 2nd.
        let mut with_holiday = fall.clone();
        with_holiday.calendar.extra.insert(d(2026, 11, 2));
        let w = with_holiday.for_meeting(d(2026, 11, 3));
        assert_eq!(
            iso(&w),
            (
                "2026-10-30T00:00:00-04:00".into(),
                "2026-11-03T00:00:00-05:00".into()
            )
        );
        assert_eq!(w.end - w.start, 4 * 86_400 + 3600);
        let one_day = fall.for_meeting(d(2026, 3, 10));
        assert_eq!(one_day.end - one_day.start, 86_400);
    }

    #[test]
    fn since_previous_meeting_runs_from_meeting_to_meeting() {
        let w =
            spec(chrono_tz::Asia::Tokyo, Mode::SincePreviousMeeting).for_meeting(d(2026, 11, 26));
        assert_eq!(
            iso(&w),
            (
                "2026-11-25T09:30:00+09:00".into(),
                "2026-11-26T09:30:00+09:00".into()
            )
        );
    }

    #[test]
    fn consecutive_digests_leave_no_gap_and_no_overlap() {
        for mode in [Mode::CalendarDay, Mode::SincePreviousMeeting] {
            let s = spec(chrono_tz::Asia::Tokyo, mode);
            let mut day = d(2026, 12, 1);
            let mut previous: Option<Window> = None;
            while day < d(2027, 1, 20) {
                if s.calendar.is_business_day(day) {
                    let w = s.for_meeting(day);
                    if let Some(p) = previous {
                        assert_eq!(p.end, w.start, "{mode:?} {day}");
                    }
                    assert_eq!(s.previous(&w).end, w.start);
                    previous = Some(w);
                }
                day = day.succ_opt().unwrap();
            }
        }
    }
}
