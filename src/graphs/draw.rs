//! A graph of one alert as SVG: a pure function of the series, the thresholds,
//! the alert's span, the zone, the language and the time.
//!
//! Text and axes are `currentColor` (inline, the page's text colour, light or
//! dark); the series and thresholds are colours that keep 3:1 against both the
//! light and the dark backgrounds of asakai's pages. Names from Mackerel are
//! escaped: they stay text.

use std::fmt::Write;

use chrono_tz::Tz;

use super::scale::{clock, number, spans_days, time_ticks, value_axis};
use super::series::Point;
use super::words::{self, describe, Event};
use crate::digest::Lang;

/// Everything a graph shows.
#[derive(Debug, Clone, Copy)]
pub struct Chart<'a> {
    pub points: &'a [Point],
    /// The time range drawn, Unix seconds (the range read).
    pub range: (i64, i64),
    pub thresholds: Thresholds,
    /// When the alert opened, and closed (`None`: still open).
    pub span: (i64, Option<i64>),
    /// The monitor's name (or the metric's)...
    pub what: &'a str,
    /// ...and the host or service it was measured on.
    pub on: Option<&'a str>,
}

/// A monitor's thresholds: crossed upwards (`>`), or downwards when `below` (`<`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Thresholds {
    pub below: bool,
    pub warning: Option<f64>,
    pub critical: Option<f64>,
}

impl Thresholds {
    /// From a monitor's `operator`, `warning` and `critical`.
    pub fn new(operator: Option<&str>, warning: Option<f64>, critical: Option<f64>) -> Self {
        Thresholds {
            below: operator == Some("<"),
            warning,
            critical,
        }
    }

    fn beyond(&self, v: f64, threshold: f64) -> bool {
        if self.below {
            v < threshold
        } else {
            v > threshold
        }
    }
}

/// Inline in a page (transparent, the page's colours), or a document of its own
/// (an opaque background, light unless the viewer prefers dark: for links and PNG).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Inline,
    Standalone,
}

pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 240;
const X0: f64 = 52.0;
const X1: f64 = 540.0;
const Y0: f64 = 34.0;
const Y1: f64 = 210.0;

pub const SERIES: &str = "#2f7de1";
pub const WARNING: &str = "#b7791f";
pub const CRITICAL: &str = "#e0483e";

/// Maps times and values to the plot area.
struct Frame {
    range: (i64, i64),
    lo: f64,
    hi: f64,
}

impl Frame {
    fn x(&self, t: i64) -> f64 {
        let span = (self.range.1 - self.range.0).max(1) as f64;
        X0 + (t - self.range.0) as f64 / span * (X1 - X0)
    }

    fn y(&self, v: f64) -> f64 {
        Y1 - (v - self.lo) / (self.hi - self.lo) * (Y1 - Y0)
    }
}

/// The graph as an SVG document (`Style::Standalone`) or element (`Style::Inline`).
pub fn svg(chart: &Chart, tz: Tz, lang: Lang, now: i64, style: Style) -> String {
    let t = chart.thresholds;
    let values = chart
        .points
        .iter()
        .map(|p| p.v)
        .chain(t.warning)
        .chain(t.critical);
    let (lo, hi, ticks) = value_axis(values);
    let frame = Frame {
        range: chart.range,
        lo,
        hi,
    };
    let label = escape(&alt_text(chart, tz, lang));
    let mut out = String::with_capacity(8 * 1024 + chart.points.len() * 16);
    open_svg(&mut out, &label, lang, style);
    let title = escape(&truncate(&words::subject(chart.what, chart.on, lang), 80));
    let _ = write!(
        out,
        r#"<text x="8" y="18" font-size="13" font-weight="600" fill="currentColor">{title}</text>"#
    );
    span(&mut out, chart, &frame, now, lang);
    value_grid(&mut out, &frame, &ticks);
    time_axis(&mut out, &frame, tz);
    thresholds(&mut out, &frame, t, lang);
    series(&mut out, &frame, chart.points);
    out.push_str("</svg>");
    out
}

fn open_svg(out: &mut String, label: &str, lang: Lang, style: Style) {
    let code = match lang {
        Lang::En => "en",
        Lang::Ja => "ja",
    };
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="graph" viewBox="0 0 {WIDTH} {HEIGHT}" "#
    );
    if style == Style::Standalone {
        let _ = write!(
            out,
            r##"width="{WIDTH}" height="{HEIGHT}" color="#1d1f21" "##
        );
    }
    let _ = write!(
        out,
        r#"role="img" aria-label="{label}" lang="{code}" font-family="system-ui, sans-serif"><title>{label}</title>"#
    );
    if style == Style::Standalone {
        // Presentation attributes draw it light; this sheet, where a viewer applies
        // it, turns it dark for a dark preference.
        out.push_str(
            "<style>@media (prefers-color-scheme: dark) { svg { color: #e6e6e6 } .bg { fill: #17191c } }</style>",
        );
        let _ = write!(
            out,
            r##"<rect class="bg" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>"##
        );
    }
}

/// The alert's open span, shaded, with a word over it: above the plot, under the
/// title, so that the line (often at the top while the alert is open) never hides it.
fn span(out: &mut String, chart: &Chart, f: &Frame, now: i64, lang: Lang) {
    let (opened, closed) = chart.span;
    let end = closed.unwrap_or(now).min(chart.range.1);
    let (x0, x1) = (f.x(opened.max(chart.range.0)), f.x(end));
    if x1 <= x0 {
        return;
    }
    let _ = write!(
        out,
        r#"<rect x="{x0:.1}" y="{Y0}" width="{:.1}" height="{}" fill="{CRITICAL}" fill-opacity="0.12"/>"#,
        x1 - x0,
        Y1 - Y0
    );
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="{}" font-size="10" fill="currentColor">{}</text>"#,
        x0.min(X1 - 60.0),
        Y0 - 4.0,
        words::span_label(closed.is_none(), lang)
    );
}

fn value_grid(out: &mut String, f: &Frame, ticks: &[f64]) {
    for v in ticks {
        let y = f.y(*v);
        let _ = write!(
            out,
            r#"<line x1="{X0}" x2="{X1}" y1="{y:.1}" y2="{y:.1}" stroke="currentColor" stroke-opacity="0.15"/><text x="{}" y="{:.1}" font-size="10" text-anchor="end" fill="currentColor">{}</text>"#,
            X0 - 6.0,
            y + 3.5,
            number(*v)
        );
    }
}

fn time_axis(out: &mut String, f: &Frame, tz: Tz) {
    let _ = write!(
        out,
        r#"<line x1="{X0}" x2="{X1}" y1="{Y1}" y2="{Y1}" stroke="currentColor" stroke-opacity="0.6"/>"#
    );
    for t in time_ticks(f.range.0, f.range.1, tz) {
        let x = f.x(t);
        let _ = write!(
            out,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{Y1}" y2="{}" stroke="currentColor" stroke-opacity="0.6"/><text x="{x:.1}" y="{}" font-size="10" text-anchor="middle" fill="currentColor">{}</text>"#,
            Y1 + 4.0,
            Y1 + 16.0,
            clock(t, tz, false)
        );
    }
}

/// Dashed lines at the thresholds, each labelled with its level and value beside
/// a swatch of its colour (the label itself is `currentColor`, for contrast).
fn thresholds(out: &mut String, f: &Frame, t: Thresholds, lang: Lang) {
    let lines: Vec<(bool, f64)> = [(true, t.critical), (false, t.warning)]
        .into_iter()
        .filter_map(|(c, v)| v.map(|v| (c, v)))
        .collect();
    let mut label_ys: Vec<f64> = lines.iter().map(|(_, v)| f.y(*v)).collect();
    if let [a, b] = label_ys.as_mut_slice() {
        // Two thresholds close together: their labels move apart to stay legible.
        let gap = (*a - *b).abs();
        if gap < 12.0 {
            let push = (12.0 - gap) / 2.0;
            let (up, down) = if *a <= *b { (a, b) } else { (b, a) };
            *up -= push;
            *down += push;
        }
    }
    for ((critical, v), label_y) in lines.iter().zip(label_ys) {
        let (colour, dash) = if *critical {
            (CRITICAL, "6 4")
        } else {
            (WARNING, "2 3")
        };
        let y = f.y(*v);
        let _ = write!(
            out,
            r#"<line x1="{X0}" x2="{X1}" y1="{y:.1}" y2="{y:.1}" stroke="{colour}" stroke-width="1.5" stroke-dasharray="{dash}"/><line x1="{}" x2="{}" y1="{label_y:.1}" y2="{label_y:.1}" stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"/><text x="{}" y="{:.1}" font-size="11" fill="currentColor">{} {}</text>"#,
            X1 + 5.0,
            X1 + 17.0,
            X1 + 21.0,
            label_y + 4.0,
            words::level(*critical, lang),
            number(*v)
        );
    }
}

/// The series as a line, broken where Mackerel has no points for a while.
fn series(out: &mut String, f: &Frame, points: &[Point]) {
    if let [only] = points {
        let _ = write!(
            out,
            r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{SERIES}"/>"#,
            f.x(only.t),
            f.y(only.v)
        );
        return;
    }
    let gap = typical_step(points) * 3;
    let mut d = String::with_capacity(points.len() * 14);
    let mut previous: Option<i64> = None;
    for p in points {
        let command = match previous {
            Some(t) if p.t - t <= gap => 'L',
            _ => 'M',
        };
        let _ = write!(d, "{command}{:.1} {:.1}", f.x(p.t), f.y(p.v));
        previous = Some(p.t);
    }
    let _ = write!(
        out,
        r#"<path d="{d}" fill="none" stroke="{SERIES}" stroke-width="1.75" stroke-linejoin="round" stroke-linecap="round"/>"#
    );
}

/// The usual distance between points (a minute, mostly), at least a minute.
fn typical_step(points: &[Point]) -> i64 {
    let mut steps: Vec<i64> = points.windows(2).map(|w| w[1].t - w[0].t).collect();
    steps.sort_unstable();
    steps.get(steps.len() / 2).copied().unwrap_or(60).max(60)
}

/// The text alternative: what was measured, when, and what the series did.
pub fn alt_text(chart: &Chart, tz: Tz, lang: Lang) -> String {
    let with_date = spans_days(chart.range.0, chart.range.1, tz);
    let at = |t: i64| clock(t, tz, with_date);
    let t = chart.thresholds;
    let crossed = [(true, t.critical), (false, t.warning)]
        .into_iter()
        .find_map(|(critical, threshold)| {
            let threshold = threshold?;
            let p = chart.points.iter().find(|p| t.beyond(p.v, threshold))?;
            Some(Event::Crossed {
                critical,
                value: number(threshold),
                at: at(p.t),
                below: t.below,
            })
        });
    let event = crossed.unwrap_or_else(|| {
        let extreme = chart.points.iter().copied().reduce(|a, b| {
            let better = if t.below { b.v < a.v } else { b.v > a.v };
            if better {
                b
            } else {
                a
            }
        });
        Event::Extreme {
            value: extreme.map_or_else(String::new, |p| number(p.v)),
            at: extreme.map_or_else(String::new, |p| at(p.t)),
            below: t.below,
            within: t.warning.is_some() || t.critical.is_some(),
        }
    });
    let subject = words::subject(chart.what, chart.on, lang);
    let (from, to) = (at(chart.range.0), at(chart.range.1));
    describe(&subject, &from, &to, &event, chart.span.1.is_none(), lang)
}

/// Text as XML character data or an attribute value: markup characters escaped,
/// characters XML cannot carry (controls) dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_stay_text() {
        assert_eq!(
            escape("<script>&\"'\u{0}x\n"),
            "&lt;script&gt;&amp;&quot;&#39;x "
        );
    }

    #[test]
    fn long_names_are_cut_on_a_character() {
        assert_eq!(truncate("ディスク使用率", 3), "ディス…");
        assert_eq!(truncate("cpu", 3), "cpu");
    }
}
