//! Rendering a digest through handlebars templates embedded in the binary (a
//! templates folder can override any of them), each with its format's escaping.

use std::path::Path;

use handlebars::Handlebars;

use super::context::context;
use super::labels::Lang;
use super::model::Digest;
use super::window::Window;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Markdown,
    Slack,
    Html,
    Text,
    Json,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template {name} ({origin}) does not parse: {message}")]
    Template {
        name: String,
        origin: String,
        message: String,
    },
    #[error("template {name} failed to render: {message}")]
    Render { name: String, message: String },
    #[error("cannot read the templates folder {0}: {1}")]
    Folder(String, std::io::Error),
}

const BUILT_IN: [(&str, &str); 4] = [
    ("markdown", include_str!("../../templates/markdown.hbs")),
    ("text", include_str!("../../templates/text.hbs")),
    ("html", include_str!("../../templates/html.hbs")),
    ("slack", include_str!("../../templates/slack.hbs")),
];

/// Renders `digest` in `format` and `lang`, with templates from `overrides` where present.
pub fn render(
    digest: &Digest,
    window: &Window,
    format: Format,
    lang: Lang,
    overrides: Option<&Path>,
) -> Result<String, RenderError> {
    render_with_graphs(digest, window, format, lang, overrides, &Graphs::new())
}

/// Inline SVG graphs by alert id (`graphs::for_digest`), for the HTML format.
pub type Graphs = std::collections::HashMap<String, String>;

/// [`render`], the HTML format carrying `graphs` under their alerts' lines.
pub fn render_with_graphs(
    digest: &Digest,
    window: &Window,
    format: Format,
    lang: Lang,
    overrides: Option<&Path>,
    graphs: &Graphs,
) -> Result<String, RenderError> {
    let name = match format {
        Format::Json => {
            return Ok(serde_json::to_string_pretty(digest).expect("a digest serializes") + "\n")
        }
        Format::Markdown => "markdown",
        Format::Slack => "slack",
        Format::Html => "html",
        Format::Text => "text",
    };
    let registry = registry(name, format, overrides)?;
    let chart = if format == Format::Html {
        super::chart::svg(digest, window, lang.labels())
    } else {
        String::new()
    };
    let ctx = context(digest, window, lang.labels(), chart, format == Format::Html);
    let rendered = if format == Format::Html && !graphs.is_empty() {
        let mut value = serde_json::to_value(&ctx).expect("a digest's context serializes");
        with_graphs(&mut value, graphs);
        // The value as it is: `render` would serialize it again, a copy of every
        // line of a heavy day's page.
        registry.render_with_context(name, &handlebars::Context::from(value))
    } else {
        registry.render(name, &ctx)
    };
    let text = rendered.map_err(|e| RenderError::Render {
        name: name.to_owned(),
        message: e.to_string(),
    })?;
    Ok(match format {
        Format::Slack => {
            serde_json::to_string_pretty(&crate::slack::blocks::blocks(&text, &ctx))
                .expect("blocks serialize")
                + "\n"
        }
        _ => text,
    })
}

/// Puts each graph on every line of its alert (an alert may be listed under
/// several services).
fn with_graphs(value: &mut serde_json::Value, graphs: &Graphs) {
    use serde_json::Value;
    match value {
        Value::Object(o) => {
            let graph = match (o.get("id"), o.get("graph_svg")) {
                (Some(Value::String(id)), Some(Value::Null)) => graphs.get(id),
                _ => None,
            };
            if let Some(svg) = graph {
                o.insert("graph_svg".into(), Value::String(svg.clone()));
            }
            o.values_mut().for_each(|v| with_graphs(v, graphs));
        }
        Value::Array(a) => a.iter_mut().for_each(|v| with_graphs(v, graphs)),
        _ => {}
    }
}

fn registry(
    name: &str,
    format: Format,
    overrides: Option<&Path>,
) -> Result<Handlebars<'static>, RenderError> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    match format {
        Format::Html => hb.register_escape_fn(handlebars::html_escape),
        Format::Markdown => hb.register_escape_fn(escape_markdown),
        Format::Slack => hb.register_escape_fn(escape_slack),
        _ => hb.register_escape_fn(handlebars::no_escape),
    }
    hb.register_helper("url", Box::new(url_helper));
    let (source, origin) = template_source(name, overrides)?;
    hb.register_template_string(name, source)
        .map_err(|e| RenderError::Template {
            name: name.to_owned(),
            origin,
            message: e.to_string(),
        })?;
    Ok(hb)
}

fn template_source(name: &str, overrides: Option<&Path>) -> Result<(String, String), RenderError> {
    if let Some(dir) = overrides {
        let path = dir.join(format!("{name}.hbs"));
        if path.exists() {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| RenderError::Folder(path.display().to_string(), e))?;
            return Ok((text, path.display().to_string()));
        }
    }
    let built_in = BUILT_IN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| t.to_string())
        .unwrap_or_default();
    Ok((built_in, "built in".to_owned()))
}

/// Escapes `&`, `<`, `>` as entities and folds newlines, as every marked-up format
/// needs; `markup` handles the characters that are markup in one format.
fn escape_with(s: &str, markup: impl Fn(char, &mut String) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' => out.push(' '),
            c if markup(c, &mut out) => {}
            c => out.push(c),
        }
    }
    out
}

/// Markdown: untrusted text can neither format nor inject HTML.
pub fn escape_markdown(s: &str) -> String {
    escape_with(s, |c, out| {
        let special = "\\`*_{}[]()#+!|~".contains(c);
        if special {
            out.push('\\');
            out.push(c);
        }
        special
    })
}

/// Slack mrkdwn: `&`, `<`, `>` as entities (no `<!channel>`, no links), and the
/// formatting characters broken with a zero-width space so `*x*` stays literal.
pub fn escape_slack(s: &str) -> String {
    escape_with(s, |c, out| {
        let special = "*_~`".contains(c);
        if special {
            out.push('\u{200B}');
            out.push(c);
            out.push('\u{200B}');
        }
        special
    })
}

/// `{{url x}}`: a link target that is safe in every format: http(s) only, and
/// anything that could close an attribute, a Markdown link or a Slack link encoded.
pub fn url_helper(
    h: &handlebars::Helper,
    _: &Handlebars,
    _: &handlebars::Context,
    _: &mut handlebars::RenderContext,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let value = h.param(0).and_then(|p| p.value().as_str()).unwrap_or("");
    out.write(&safe_url(value))?;
    Ok(())
}

pub fn safe_url(url: &str) -> String {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return "#".to_owned();
    }
    // One string, not one per byte: a heavy day's page writes thousands of links.
    let mut safe = String::with_capacity(url.len());
    for b in url.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b':'
            | b'/'
            | b'?'
            | b'#'
            | b'@'
            | b'='
            | b'%'
            | b'+'
            | b','
            | b';' => safe.push(b as char),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                safe.push('%');
                safe.push(HEX[usize::from(b >> 4)] as char);
                safe.push(HEX[usize::from(b & 15)] as char);
            }
        }
    }
    safe
}

#[cfg(test)]
mod tests {
    use super::safe_url;

    #[test]
    fn a_link_keeps_what_urls_need_and_encodes_the_rest() {
        assert_eq!(
            safe_url("https://mackerel.io/orgs/o/alerts/2bj?x=1#a"),
            "https://mackerel.io/orgs/o/alerts/2bj?x=1#a"
        );
        assert_eq!(
            safe_url("https://x.example/a b\"<>'é"),
            "https://x.example/a%20b%22%3C%3E%27%C3%A9"
        );
        assert_eq!(safe_url("javascript:alert(1)"), "#");
        assert_eq!(safe_url("//evil.example/"), "#");
    }
}
