//! A report as plain sections (headings, paragraphs, lists, tables of plain
//! text), and one renderer per format. Every string is untrusted text: each
//! renderer escapes it for its format, so no report can inject markup or pings.

use std::fmt::Write;

use serde_json::{json, Value};
use unicode_width::UnicodeWidthStr;

use crate::digest::{escape_markdown, escape_slack};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Doc {
    pub title: String,
    pub sections: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Para(String),
    List(Vec<String>),
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

impl Section {
    pub fn new(heading: impl Into<String>) -> Section {
        Section {
            heading: heading.into(),
            blocks: Vec::new(),
        }
    }

    pub fn para(mut self, text: impl Into<String>) -> Section {
        self.blocks.push(Block::Para(text.into()));
        self
    }

    pub fn list(mut self, items: Vec<String>) -> Section {
        self.blocks.push(Block::List(items));
        self
    }

    pub fn table(mut self, head: &[&str], rows: Vec<Vec<String>>) -> Section {
        let head = head.iter().map(|h| h.to_string()).collect();
        self.blocks.push(Block::Table { head, rows });
        self
    }
}

pub fn markdown(doc: &Doc) -> String {
    let mut out = format!("# {}\n", escape_markdown(&doc.title));
    for s in &doc.sections {
        let _ = write!(out, "\n## {}\n", escape_markdown(&s.heading));
        for b in &s.blocks {
            out.push('\n');
            match b {
                Block::Para(p) => {
                    let _ = writeln!(out, "{}", escape_markdown(p));
                }
                Block::List(items) => {
                    for i in items {
                        let _ = writeln!(out, "- {}", escape_markdown(i));
                    }
                }
                Block::Table { head, rows } => out.push_str(&markdown_table(head, rows)),
            }
        }
    }
    out
}

fn markdown_table(head: &[String], rows: &[Vec<String>]) -> String {
    let line = |cells: &[String]| {
        let cells: Vec<String> = cells.iter().map(|c| escape_markdown(c)).collect();
        format!("| {} |\n", cells.join(" | "))
    };
    let mut out = line(head);
    out += &format!("|{}\n", " --- |".repeat(head.len()));
    for r in rows {
        out += &line(r);
    }
    out
}

/// Plain text: no escaping needed, tables aligned in terminal columns.
pub fn text(doc: &Doc) -> String {
    let mut out = format!("{}\n{}\n", doc.title, "=".repeat(doc.title.width()));
    for s in &doc.sections {
        let _ = write!(out, "\n{}\n{}\n", s.heading, "-".repeat(s.heading.width()));
        for b in &s.blocks {
            out.push_str(&text_block(b));
        }
    }
    out
}

fn text_block(b: &Block) -> String {
    match b {
        Block::Para(p) => format!("{p}\n"),
        Block::List(items) => items.iter().map(|i| format!("  - {i}\n")).collect(),
        Block::Table { head, rows } => text_table(head, rows),
    }
}

fn text_table(head: &[String], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = head.iter().map(|h| h.width()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.width());
        }
    }
    let line = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(c.width()))))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(head);
    for r in rows {
        out += &line(r);
    }
    out
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A self-contained page: no script, no outside resources.
pub fn html(doc: &Doc, lang: &str) -> String {
    let mut out = format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{t}</title>\n\
         <style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left}}</style>\n\
         </head><body>\n<h1>{t}</h1>\n",
        t = escape_html(&doc.title)
    );
    for s in &doc.sections {
        let _ = writeln!(out, "<h2>{}</h2>", escape_html(&s.heading));
        for b in &s.blocks {
            out.push_str(&html_block(b));
        }
    }
    out + "</body></html>\n"
}

fn html_block(b: &Block) -> String {
    match b {
        Block::Para(p) => format!("<p>{}</p>\n", escape_html(p)),
        Block::List(items) => {
            let li: String = items
                .iter()
                .map(|i| format!("<li>{}</li>", escape_html(i)))
                .collect();
            format!("<ul>{li}</ul>\n")
        }
        Block::Table { head, rows } => {
            let row = |cells: &[String], tag: &str| {
                let c: String = cells
                    .iter()
                    .map(|c| format!("<{tag}>{}</{tag}>", escape_html(c)))
                    .collect();
                format!("<tr>{c}</tr>")
            };
            let body: String = rows.iter().map(|r| row(r, "td")).collect();
            format!("<table>{}{body}</table>\n", row(head, "th"))
        }
    }
}

/// Slack's section text is cut at 3,000 characters.
const SLACK_TEXT: usize = 2900;

/// Slack Block Kit: a header, then one section per block; tables as preformatted text.
pub fn slack(doc: &Doc) -> String {
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": cut(&doc.title, 150)}}),
    ];
    for s in &doc.sections {
        blocks.push(section(&format!("*{}*", escape_slack(&s.heading))));
        for b in &s.blocks {
            let text = match b {
                Block::Para(p) => escape_slack(p),
                Block::List(items) => items
                    .iter()
                    .map(|i| format!("• {}", escape_slack(i)))
                    .collect::<Vec<_>>()
                    .join("\n"),
                // Inside ``` only &, <, > are markup.
                Block::Table { .. } => format!("```{}```", escape_entities(&text_block(b))),
            };
            blocks.push(section(&text));
        }
    }
    serde_json::to_string_pretty(&json!({"text": doc.title, "blocks": blocks})).expect("json")
        + "\n"
}

fn section(text: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": cut(text, SLACK_TEXT)}})
}

fn escape_entities(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hostile() -> Doc {
        Doc {
            title: "<b>report</b>".into(),
            sections: vec![Section::new("h")
                .para("<!channel> *bold* [x](javascript:alert(1))")
                .table(&["a|b"], vec![vec!["<script>".into()]])],
        }
    }

    #[test]
    fn untrusted_text_stays_text_in_every_format() {
        let d = hostile();
        assert!(!html(&d, "en").contains("<script>") && !html(&d, "en").contains("<b>"));
        assert!(!slack(&d).contains("<!channel>") && !slack(&d).contains("<script>"));
        let md = markdown(&d);
        assert!(
            md.contains("\\[x\\]") && md.contains("a\\|b") && !md.contains("<script>"),
            "{md}"
        );
    }

    #[test]
    fn text_tables_line_up_wide_characters() {
        let t = text_table(
            &["名前".into(), "n".into()],
            &[vec!["ab".into(), "1".into()]],
        );
        assert_eq!(t, "名前  n\nab    1\n");
    }
}
