//! One handlebars registry for every page: the layout, its partials and the pages,
//! embedded in the binary, strict (a missing field is a bug, not a blank) and with
//! HTML escaping on for everything but the markup asakai writes itself (charts,
//! graphs, the alert result rows: each escapes its own values).

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use handlebars::Handlebars;
use serde_json::{json, Value};

use super::words::{words, words_json, Words};
use crate::digest::Lang;
use crate::server::App;

const TEMPLATES: [(&str, &str); 11] = [
    ("layout", include_str!("../../templates/web/layout.hbs")),
    (
        "review_form",
        include_str!("../../templates/web/review_form.hbs"),
    ),
    ("digest", include_str!("../../templates/web/digest.hbs")),
    ("alerts", include_str!("../../templates/web/alerts.hbs")),
    ("alert", include_str!("../../templates/web/alert.hbs")),
    ("tasks", include_str!("../../templates/web/tasks.hbs")),
    ("monitors", include_str!("../../templates/web/monitors.hbs")),
    ("error", include_str!("../../templates/web/error.hbs")),
    (
        "meeting_row",
        include_str!("../../templates/web/meeting_row.hbs"),
    ),
    (
        "meeting_detail",
        include_str!("../../templates/web/meeting_detail.hbs"),
    ),
    (
        "task_item",
        include_str!("../../templates/web/task_item.hbs"),
    ),
];

fn registry() -> &'static Handlebars<'static> {
    static REGISTRY: OnceLock<Handlebars<'static>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::html_escape);
        // The digest's own helper: only http(s) links leave the page.
        hb.register_helper("url", Box::new(crate::digest::url_helper));
        hb.register_helper("eq", Box::new(eq_helper));
        hb.register_helper("outcome_label", Box::new(outcome_helper));
        for (name, text) in TEMPLATES {
            hb.register_template_string(name, text)
                .unwrap_or_else(|e| panic!("built-in template {name} does not parse: {e}"));
        }
        hb
    })
}

/// What every page knows: its language and words, and the query's `lang` to keep
/// in links.
pub struct Page {
    pub lang: Lang,
    pub words: &'static Words,
    /// `&lang=xx` when the visitor chose a language, else empty.
    pub lang_query: String,
    /// This page's query in each language (`?...&lang=en`, `?...&lang=ja`): switching
    /// language keeps the search.
    switch: [String; 2],
}

impl Page {
    /// `?lang=` when it names a language, else `[digest] lang`.
    pub fn new(app: &App, query: &HashMap<String, Vec<String>>) -> Page {
        let asked = query
            .get("lang")
            .and_then(|v| v.last())
            .and_then(|l| Lang::parse(l).ok());
        let lang = asked.unwrap_or(crate::digest::meeting::configured_lang(&app.settings));
        Page {
            lang,
            words: words(lang),
            lang_query: asked
                .map(|l| format!("&lang={}", code(l)))
                .unwrap_or_default(),
            switch: [Lang::En, Lang::Ja].map(|l| in_lang(query, l)),
        }
    }

    /// `template` inside the layout, with `body` as `page`.
    pub fn render(&self, status: StatusCode, template: &str, title: &str, body: Value) -> Response {
        match self.html(template, title, body) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => (e.status, e.message).into_response(),
        }
    }

    /// The HTML of `template` inside the layout, with `body` as `page`.
    pub fn html(&self, template: &str, title: &str, body: Value) -> Result<String, PageError> {
        // Built by moving `body` in: `json!` copies every value it is given (on the
        // alerts page, every row again), and `Handlebars::render` would copy the
        // page's data once more. The words are made into JSON once per language.
        let mut ctx = json!({
            "lang": code(self.lang),
            "lang_query": self.lang_query,
            "lang_en": self.switch[0],
            "lang_ja": self.switch[1],
            "title": title,
        });
        ctx["w"] = words_json(self.lang).clone();
        ctx["page"] = body;
        let mut ctx = handlebars::Context::from(ctx);
        // The page first, then the layout around its HTML: a layout called as a
        // partial block copies the whole context, every row of the page included.
        let page = render_template(template, &ctx)?;
        let data = ctx.data_mut();
        data["page"] = Value::Null;
        data["body"] = Value::String(page);
        render_template("layout", &ctx)
    }

    /// `template` alone, without the layout: a part of a page that the page's
    /// script puts in place (the meeting screen's detail).
    pub fn fragment(
        &self,
        template: &str,
        body: &impl serde::Serialize,
    ) -> Result<String, PageError> {
        let mut ctx = json!({
            "lang": code(self.lang),
            "lang_query": self.lang_query,
        });
        ctx["w"] = words_json(self.lang).clone();
        ctx["page"] = serde_json::to_value(body)
            .map_err(|e| PageError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        render_template(template, &handlebars::Context::from(ctx))
    }

    /// An error page: what went wrong, in words a person can act on.
    pub fn error(&self, e: PageError) -> Response {
        let title = self.words.error.to_owned();
        self.render(e.status, "error", &title, json!({"message": e.message}))
    }
}

/// One template of the registry, a failure logged and shown as a 500.
fn render_template(template: &str, ctx: &handlebars::Context) -> Result<String, PageError> {
    registry().render_with_context(template, ctx).map_err(|e| {
        tracing::error!(template, error = %e, "a page failed to render");
        PageError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the page failed to render",
        )
    })
}

/// `query` with its `lang` set to `lang`, as a relative link.
fn in_lang(query: &HashMap<String, Vec<String>>, lang: Lang) -> String {
    let mut keys: Vec<&String> = query.keys().filter(|k| *k != "lang").collect();
    keys.sort();
    let mut s = form_urlencoded::Serializer::for_suffix(String::from("?"), 1);
    for k in keys {
        for v in &query[k] {
            s.append_pair(k, v);
        }
    }
    s.append_pair("lang", code(lang));
    s.finish()
}

pub fn code(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::Ja => "ja",
    }
}

/// A page that could not be shown, with its status.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl PageError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> PageError {
        PageError {
            status,
            message: message.into(),
        }
    }
}

impl From<crate::server::api::ApiError> for PageError {
    fn from(e: crate::server::api::ApiError) -> Self {
        let (status, message) = e.parts();
        PageError { status, message }
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(e: crate::store::StoreError) -> Self {
        crate::server::api::ApiError::from(e).into()
    }
}

impl From<crate::review::ReviewError> for PageError {
    fn from(e: crate::review::ReviewError) -> Self {
        crate::server::api::ApiError::from(e).into()
    }
}

// `{{#if (eq a b)}}`: marks the chosen option of a select.
handlebars::handlebars_helper!(eq_helper: |a: Value, b: Value| a == b);

/// `{{outcome_label value}}`: an outcome in the page's language (`@root.w.outcomes`).
fn outcome_helper(
    h: &handlebars::Helper,
    _: &Handlebars,
    ctx: &handlebars::Context,
    _: &mut handlebars::RenderContext,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    let value = h.param(0).and_then(|p| p.value().as_str()).unwrap_or("");
    let label = ctx.data()["w"]["outcomes"]
        .as_array()
        .and_then(|all| all.iter().find(|o| o["value"] == value))
        .and_then(|o| o["label"].as_str())
        .unwrap_or(value);
    out.write(&handlebars::html_escape(label))?;
    Ok(())
}
