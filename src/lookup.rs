//! `asakai alerts`: the history lookup's three formats.

use std::io::Write;

use chrono::{Datelike, TimeZone};
use chrono_tz::Tz;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::alert::{state_at, AlertView, State};
use crate::review::{AnnotatedAlert, Annotations};
use crate::store::StoredAlert;

/// Output formats of `alerts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// Writes `alerts` (state as of `now`) in `format`.
pub fn write(
    out: &mut dyn Write,
    alerts: &[StoredAlert],
    format: Format,
    tz: Tz,
    now: i64,
) -> std::io::Result<()> {
    let mut listing = Listing::start(out, format, tz, now)?;
    listing.rows(alerts)?;
    listing.finish()
}

/// Like [`write`], with each JSON object's `review` and `task` from `notes`.
pub fn write_with(
    out: &mut dyn Write,
    alerts: &[StoredAlert],
    format: Format,
    tz: Tz,
    now: i64,
    notes: &Annotations,
) -> std::io::Result<()> {
    let mut listing = Listing::start(out, format, tz, now)?.with_notes(notes);
    listing.rows(alerts)?;
    listing.finish()
}

/// A listing written as its rows arrive, so that memory stays flat however many there are.
pub struct Listing<'a> {
    out: &'a mut dyn Write,
    format: Format,
    tz: Tz,
    now: i64,
    written: u64,
    /// Reviews and tasks for the JSON objects (`null` without).
    notes: Option<&'a Annotations>,
}

impl<'a> Listing<'a> {
    /// Writes the header (the table's column names, the CSV header, JSON's `[`).
    pub fn start(
        out: &'a mut dyn Write,
        format: Format,
        tz: Tz,
        now: i64,
    ) -> std::io::Result<Self> {
        match format {
            Format::Json => write!(out, "[")?,
            Format::Csv => csv::Writer::from_writer(&mut *out).write_record(CSV_HEADER)?,
            Format::Table => write_table_head(out)?,
        }
        Ok(Listing {
            out,
            format,
            tz,
            now,
            written: 0,
            notes: None,
        })
    }

    /// Gives JSON objects their `review` and `task`.
    pub fn with_notes(mut self, notes: &'a Annotations) -> Self {
        self.notes = Some(notes);
        self
    }

    fn object(&self, a: &StoredAlert) -> AnnotatedAlert {
        match self.notes {
            Some(notes) => notes.annotate(a, self.now),
            None => AnnotatedAlert {
                alert: AlertView::at(a, self.now),
                review: None,
                task: None,
            },
        }
    }

    pub fn rows(&mut self, alerts: &[StoredAlert]) -> std::io::Result<()> {
        match self.format {
            Format::Json => {
                for a in alerts {
                    let text = serde_json::to_string_pretty(&self.object(a))?;
                    // Indented as one pretty array would be.
                    let sep = if self.written == 0 { "\n" } else { ",\n" };
                    write!(self.out, "{sep}  {}", text.replace('\n', "\n  "))?;
                    self.written += 1;
                }
            }
            Format::Csv => {
                write_csv(&mut *self.out, alerts, self.now)?;
                self.written += alerts.len() as u64;
            }
            Format::Table => {
                write_table_rows(&mut *self.out, alerts, self.tz, self.now)?;
                self.written += alerts.len() as u64;
            }
        }
        Ok(())
    }

    pub fn finish(self) -> std::io::Result<()> {
        if self.format == Format::Json {
            let end = if self.written == 0 { "]" } else { "\n]" };
            writeln!(self.out, "{end}")?;
        }
        self.out.flush()
    }
}

const CSV_HEADER: [&str; 17] = [
    "id",
    "type",
    "status",
    "severity",
    "state",
    "monitor_id",
    "monitor",
    "host_id",
    "host",
    "services",
    "roles",
    "opened_at",
    "closed_at",
    "reason",
    "message",
    "value",
    "url",
];

/// CSV rows without the header (for a listing written in parts).
pub fn write_csv(out: &mut dyn Write, alerts: &[StoredAlert], now: i64) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    for a in alerts {
        let v = AlertView::at(a, now);
        let text = spreadsheet_safe;
        let opt = |s: &Option<String>| text(s.clone().unwrap_or_default());
        w.write_record([
            text(v.id),
            text(v.kind),
            text(v.status),
            opt(&v.severity),
            v.state.as_str().to_owned(),
            opt(&v.monitor_id),
            opt(&v.monitor),
            opt(&v.host_id),
            opt(&v.host),
            text(v.services.join(";")),
            text(v.roles.join(";")),
            v.opened_at.to_string(),
            v.closed_at.map(|t| t.to_string()).unwrap_or_default(),
            opt(&v.reason),
            opt(&v.message),
            // A number stays a number: a negative value is data, not a formula.
            v.value.map(|x| x.to_string()).unwrap_or_default(),
            opt(&v.url),
        ])?;
    }
    w.flush()
}

/// A text cell a spreadsheet will not run: one that begins with a formula character
/// (`=`, `+`, `-`, `@`, tab or carriage return) gets a leading `'`, as OWASP's
/// CSV-injection guidance says. Alert text is anyone's who can name a monitor or
/// write a message; the JSON stays exact.
pub fn spreadsheet_safe(cell: String) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell,
    }
}

/// Columns: id, opened, state, severity, service, then monitor @ host in what is left of 80.
const WIDTHS: [usize; 5] = [11, 11, 10, 4, 10];
const LINE: usize = 80;

/// Columns left for "monitor @ host".
const REST: usize =
    LINE - (WIDTHS[0] + WIDTHS[1] + WIDTHS[2] + WIDTHS[3] + WIDTHS[4]) - WIDTHS.len();

fn write_table_head(out: &mut dyn Write) -> std::io::Result<()> {
    let head = ["ID", "OPENED", "STATE", "SEV", "SERVICE", "MONITOR @ HOST"];
    writeln!(out, "{}", row(&head.map(str::to_owned), REST))
}

fn write_table_rows(
    out: &mut dyn Write,
    alerts: &[StoredAlert],
    tz: Tz,
    now: i64,
) -> std::io::Result<()> {
    let rest = REST;
    let this_year = tz.timestamp_opt(now, 0).single().map(|t| t.year());
    for a in alerts {
        let opened = tz.timestamp_opt(a.opened_at, 0).single();
        let when = match opened {
            Some(t) if Some(t.year()) == this_year => t.format("%m-%d %H:%M").to_string(),
            Some(t) => t.format("%Y-%m-%d").to_string(),
            None => "?".into(),
        };
        let (state, guessed) = state_at(
            a.closed_at,
            a.close_cause.as_deref(),
            a.reason.as_deref(),
            now,
        );
        let state = if a.gone {
            "gone".to_owned()
        } else {
            format!("{}{}", short_state(state), if guessed { "?" } else { "" })
        };
        let sev = a
            .severity
            .as_deref()
            .map(|s| s.get(..4).unwrap_or(s))
            .unwrap_or("-")
            .to_owned();
        let service = if a.services.is_empty() {
            "-".to_owned()
        } else {
            a.services.join(",")
        };
        let monitor = a
            .monitor_name
            .clone()
            .or_else(|| a.monitor_id.clone())
            .unwrap_or_else(|| a.kind.clone());
        let what = match &a.host_name {
            Some(h) => format!("{monitor} @ {h}"),
            None => monitor,
        };
        writeln!(
            out,
            "{}",
            row(
                &[a.id.clone(), when, state, sev, service, single_line(&what)],
                rest
            )
        )?;
    }
    Ok(())
}

fn short_state(s: State) -> &'static str {
    match s {
        State::Open => "open",
        State::Recovered => "recovered",
        State::ClosedManually => "manual",
        State::ClosedBySystem => "system",
    }
}

fn row(cells: &[String; 6], rest: usize) -> String {
    let mut line = String::new();
    for (cell, width) in cells.iter().zip(WIDTHS) {
        line.push_str(&fit(cell, width));
        line.push(' ');
    }
    line.push_str(&clip(&cells[5], rest));
    line.trim_end().to_owned()
}

fn single_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Cut to `width` terminal columns (wide characters count two), marking the cut with "…".
fn clip(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

fn fit(s: &str, width: usize) -> String {
    let clipped = clip(s, width);
    let pad = width.saturating_sub(clipped.width());
    format!("{clipped}{}", " ".repeat(pad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_text_is_clipped_to_terminal_columns() {
        assert_eq!(clip("ディスク使用率", 7), "ディス…");
        assert_eq!(fit("db", 4), "db  ");
        assert!(clip("ディスク使用率が高い", 9).width() <= 9);
    }
}
