//! The HTML digest's chart: alerts opened per hour, stacked by state, as inline SVG.
//! Everything in it is numbers and asakai's own labels: no untrusted text.

use std::fmt::Write;

use chrono::Timelike;

use crate::alert::State;

use super::build::STATE_ORDER;
use super::labels::Labels;
use super::model::Digest;
use super::window::Window;

pub fn colour(s: State) -> &'static str {
    match s {
        State::Open => "#d64545",
        State::ClosedManually => "#e0a030",
        State::ClosedBySystem => "#4a90c2",
        State::Recovered => "#4caf6a",
    }
}

pub fn svg(d: &Digest, window: &Window, l: &Labels) -> String {
    let hours = &d.hourly;
    let (w, h, pad) = (720.0_f64, 160.0_f64, 24.0_f64);
    let max = hours.iter().map(|c| c.total()).max().unwrap_or(0).max(1) as f64;
    let bar = (w - pad) / hours.len().max(1) as f64;
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<svg class="chart" viewBox="0 0 {w} {}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg">"##,
        h + 40.0,
        l.per_hour
    );
    for (i, c) in hours.iter().enumerate() {
        let x = pad + i as f64 * bar;
        let from = window.local(window.start + i as i64 * 3600);
        let to = window.local((window.start + (i as i64 + 1) * 3600).min(window.end));
        let mut y = h;
        for s in STATE_ORDER.iter().rev() {
            let n = c.get(*s);
            if n == 0 {
                continue;
            }
            let height = n as f64 / max * (h - 10.0);
            y -= height;
            let hover = l
                .chart_hover
                .replace("{from}", &from.format("%m-%d %H:%M").to_string())
                .replace("{to}", &to.format("%H:%M").to_string())
                .replace("{n}", &n.to_string())
                .replace("{state}", &l.state(*s).to_lowercase());
            let _ = write!(
                out,
                r##"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{height:.1}" fill="{}"><title>{hover}</title></rect>"##,
                (bar - 1.0).max(1.0),
                colour(*s)
            );
        }
        // Every sixth hour is labelled with the local time, and midnights with the date.
        let local = from;
        if local.hour().is_multiple_of(6) {
            let label = if local.hour() == 0 {
                local.format("%m/%d")
            } else {
                local.format("%H:00")
            };
            let _ = write!(
                out,
                r##"<text x="{x:.1}" y="{}" font-size="10" fill="currentColor">{label}</text>"##,
                h + 14.0
            );
        }
    }
    let _ = write!(
        out,
        r##"<text x="0" y="10" font-size="10" fill="currentColor">{}</text>"##,
        max as i64
    );
    legend(&mut out, h + 26.0, l);
    let _ = write!(
        out,
        r##"<line x1="{pad}" y1="{h}" x2="{w}" y2="{h}" stroke="#999"/></svg>"##
    );
    out
}

/// A swatch and a name per state, so the colours need no guessing.
fn legend(out: &mut String, y: f64, l: &Labels) {
    let mut x = 24.0;
    for s in STATE_ORDER {
        let name = l.state(s);
        let _ = write!(
            out,
            r##"<rect x="{x}" y="{y}" width="10" height="10" fill="{}"/><text x="{}" y="{}" font-size="11" fill="currentColor">{name}</text>"##,
            colour(s),
            x + 14.0,
            y + 9.0
        );
        // Text takes the page's colour (readable light and dark); a Japanese
        // character is about as wide as the font is high, a Latin one 7 px.
        let width: f64 = name
            .chars()
            .map(|c| if c.is_ascii() { 7.0 } else { 11.5 })
            .sum();
        x += 24.0 + width;
    }
}
