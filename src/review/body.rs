//! The text of a task (and of its GitHub issue): the alerts that led to it, with
//! their Mackerel links, times, hosts, services and the team's notes.

use std::collections::HashMap;
use std::fmt::Write;

use super::ReviewView;
use crate::alert::rfc3339;
use crate::store::StoredAlert;

/// Markdown-escaped, and `@` broken with a zero-width space: an alert message
/// must not mention (and notify) people or teams on GitHub.
fn escape_markdown(s: &str) -> String {
    crate::digest::escape_markdown(s).replace('@', "@\u{200B}")
}

/// Markdown for an issue body: one line per alert, untrusted text escaped.
pub fn markdown(alerts: &[StoredAlert], notes: &HashMap<String, ReviewView>) -> String {
    let mut out = String::from("Alerts that asked for this follow-up (recorded by asakai):\n\n");
    for a in alerts {
        out.push_str(&alert_line(a, notes.get(&a.id)));
        out.push('\n');
    }
    out
}

/// One alert as a Markdown list item.
pub fn alert_line(a: &StoredAlert, review: Option<&ReviewView>) -> String {
    let id = escape_markdown(&a.id);
    let mut line = match &a.url {
        Some(url) => format!("- [{id}]({url})"),
        None => format!("- {id}"),
    };
    let monitor = a
        .monitor_name
        .as_deref()
        .or(a.monitor_id.as_deref())
        .unwrap_or(&a.kind);
    let _ = write!(line, " {}", escape_markdown(monitor));
    if let Some(host) = a.host_name.as_deref().or(a.host_id.as_deref()) {
        let _ = write!(line, " on {}", escape_markdown(host));
    }
    if !a.services.is_empty() {
        let _ = write!(line, " ({})", escape_markdown(&a.services.join(", ")));
    }
    let severity = a.severity.as_deref().unwrap_or("?");
    let _ = write!(line, ", {severity}, opened {}", rfc3339(a.opened_at));
    match a.closed_at {
        Some(t) => {
            let _ = write!(line, ", closed {}", rfc3339(t));
        }
        None => line.push_str(", still open"),
    }
    if let Some(text) = a.message.as_deref().or(a.reason.as_deref()) {
        let _ = write!(line, ": {}", escape_markdown(&single_line(text)));
    }
    if let Some(note) = review.and_then(|r| r.note.as_deref()) {
        let _ = write!(line, " — note: {}", escape_markdown(&single_line(note)));
    }
    line
}

fn single_line(s: &str) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_text_can_neither_format_nor_mention_on_github() {
        assert_eq!(
            escape_markdown("@team *now* <b>"),
            "@\u{200B}team \\*now\\* &lt;b&gt;"
        );
        let long = "x ".repeat(300);
        assert!(single_line(&long).chars().count() <= 201);
    }
}
