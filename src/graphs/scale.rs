//! The axes of a graph: a value range with round ticks, time ticks on round local
//! times of the team's zone, and numbers written short.

use chrono::{Offset, TimeZone};
use chrono_tz::Tz;

/// The value range to draw and its ticks, from every value that must show.
pub fn value_axis(values: impl Iterator<Item = f64>) -> (f64, f64, Vec<f64>) {
    let (mut lo, mut hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() || !hi.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if hi - lo < f64::EPSILON * hi.abs().max(1.0) {
        let pad = (hi.abs() * 0.1).max(1.0);
        (lo, hi) = (lo - pad, hi + pad);
    }
    // A range that starts near zero starts at zero (percentages, counts).
    if lo >= 0.0 && lo < (hi - lo) * 0.5 {
        lo = 0.0;
    }
    let step = nice_step((hi - lo) / 5.0);
    let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    let ticks = (0..)
        .map(|i| lo + f64::from(i) * step)
        .take_while(|t| *t <= hi + step * 1e-9)
        .take(12)
        .collect();
    (lo, hi, ticks)
}

/// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let raw = if raw.is_finite() && raw > 0.0 {
        raw
    } else {
        1.0
    };
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * power)
}

/// Tick times over `[from, to]`: every 5 min to every day, on round local times,
/// at most seven of them.
pub fn time_ticks(from: i64, to: i64, tz: Tz) -> Vec<i64> {
    const STEPS: [i64; 10] = [
        300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400,
    ];
    let span = (to - from).max(1);
    let step = STEPS
        .into_iter()
        .find(|s| span / s <= 6)
        .unwrap_or(86_400 * (span / (6 * 86_400) + 1));
    // Round in local time: the zone's offset at the start (a DST change inside a
    // few hours' graph moves the ticks off the hour by its amount, no more).
    let offset = i64::from(
        tz.offset_from_utc_datetime(&utc(from))
            .fix()
            .local_minus_utc(),
    );
    let first = (from + offset).div_euclid(step) * step - offset;
    let first = if first < from { first + step } else { first };
    (0..)
        .map(|i| first + i * step)
        .take_while(|t| *t <= to)
        .collect()
}

fn utc(t: i64) -> chrono::NaiveDateTime {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .naive_utc()
}

/// `t` as local `HH:MM`, or `MM-DD HH:MM` when `with_date`.
pub fn clock(t: i64, tz: Tz, with_date: bool) -> String {
    let local = tz.from_utc_datetime(&utc(t));
    let format = if with_date { "%m-%d %H:%M" } else { "%H:%M" };
    local.format(format).to_string()
}

/// Whether `from` and `to` fall on different local days.
pub fn spans_days(from: i64, to: i64, tz: Tz) -> bool {
    tz.from_utc_datetime(&utc(from)).date_naive() != tz.from_utc_datetime(&utc(to)).date_naive()
}

/// A number as short as reads well: `90`, `0.42`, `12.5k`, `3.1M`.
pub fn number(v: f64) -> String {
    let a = v.abs();
    let (x, unit) = if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let digits = match x.abs() {
        d if d >= 100.0 || x.fract() == 0.0 => 0,
        d if d >= 1.0 => 2,
        _ => 3,
    };
    let mut text = format!("{x:.digits$}");
    if text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').to_owned();
    }
    if text == "-0" {
        text = "0".to_owned();
    }
    text + unit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        let cases = [
            (90.0, "90"),
            (0.42, "0.42"),
            (12.3456, "12.35"),
            (400_000.0, "400k"),
            (3_140_000.0, "3.14M"),
            (-0.0001, "0"),
            (0.0005, "0.001"),
            (123.4, "123"),
        ];
        for (v, text) in cases {
            assert_eq!(number(v), text, "{v}");
        }
    }

    #[test]
    fn the_value_axis_takes_round_ticks_and_starts_near_zero_at_zero() {
        let (lo, hi, ticks) = value_axis([12.0, 93.0, 90.0, 80.0].into_iter());
        assert_eq!((lo, hi), (0.0, 100.0));
        assert_eq!(ticks, [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        // A percentage a little over 100 does not stretch the axis to 150.
        let (_, hi, _) = value_axis([30.0, 101.0].into_iter());
        assert_eq!(hi, 125.0);
        let (lo, hi, _) = value_axis([5000.0, 5100.0].into_iter());
        assert!(lo >= 4900.0 && hi <= 5200.0, "{lo}..{hi}");
        let (lo, hi, _) = value_axis([7.0, 7.0].into_iter());
        assert!(lo < 7.0 && hi > 7.0);
        let (lo, hi, _) = value_axis(std::iter::empty());
        assert!(lo < hi);
    }

    #[test]
    fn time_ticks_fall_on_round_local_times() {
        let tz = chrono_tz::Asia::Kolkata; // +05:30: UTC hours are not local hours
        let from = 1_764_000_000; // 2025-11-24T16:00Z = 21:30 IST
        let ticks = time_ticks(from, from + 5 * 3600, tz);
        let labels: Vec<String> = ticks.iter().map(|t| clock(*t, tz, false)).collect();
        assert_eq!(labels, ["22:00", "23:00", "00:00", "01:00", "02:00"]);
        assert!(spans_days(from, from + 5 * 3600, tz));
    }
}
