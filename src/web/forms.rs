//! The pages' forms: plain POSTs that answer 303 back to the page they came from,
//! so they work without JavaScript (the script posts the same forms in place).
//! The guard has already refused cross-site posts (design §7).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;

use super::render::{Page, PageError};
use crate::review::{self, issues, task, NewTask, Outcome};
use crate::server::{App, User};

type Fields = HashMap<String, String>;

fn fields(body: &Bytes) -> Fields {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The alert ids of a form: one `ids` field, comma-separated (a whole group).
fn ids(f: &Fields) -> Vec<String> {
    f.get("ids")
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Where to go after the post: a path on this site only, never another host.
fn back(f: &Fields) -> String {
    match f.get("back") {
        Some(b) if b.starts_with('/') && !b.starts_with("//") && !b.contains('\\') => b.clone(),
        _ => "/".to_owned(),
    }
}

fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}

/// Errors show as a page in the language the form was in.
fn failed(app: &App, f: &Fields, e: PageError) -> Response {
    let query = f
        .get("lang")
        .map(|l| HashMap::from([("lang".to_owned(), vec![l.clone()])]))
        .unwrap_or_default();
    Page::new(app, &query).error(e)
}

/// `POST /review`: `ids`, `outcome`, `note`, `back`.
pub async fn review(
    State(app): State<Arc<App>>,
    Extension(User(user)): Extension<User>,
    body: Bytes,
) -> Response {
    let f = fields(&body);
    let result = async {
        let outcome = Outcome::parse(f.get("outcome").map_or("", String::as_str))
            .map_err(|e| PageError::new(StatusCode::BAD_REQUEST, e))?;
        let note = f.get("note").map(|n| n.trim()).filter(|n| !n.is_empty());
        let now = chrono::Utc::now().timestamp();
        review::record(&app.store, &ids(&f), outcome, note, user.as_deref(), now).await?;
        app.digests.wrote();
        Ok::<_, PageError>(see_other(&back(&f)))
    }
    .await;
    result.unwrap_or_else(|e| failed(&app, &f, e))
}

/// `POST /task`: `ids`, optional `title` and `github`, `back`. A GitHub failure
/// leaves the task saved with its error, which the tasks page shows.
pub async fn task(
    State(app): State<Arc<App>>,
    Extension(User(user)): Extension<User>,
    body: Bytes,
) -> Response {
    let f = fields(&body);
    let result = async {
        let github = f.contains_key("github");
        let new = NewTask {
            alert_ids: ids(&f),
            title: f.get("title").filter(|t| !t.trim().is_empty()).cloned(),
            github,
            by: user,
        };
        let now = chrono::Utc::now().timestamp();
        let opened = task::open(&app.store, &new, now).await?;
        app.digests.wrote();
        if let Err(e) = issues::after_open(&app.store, &app.settings, &opened, github, now).await {
            tracing::warn!(task = opened.task.id, error = %e, "GitHub failed for a task opened on a page");
        }
        Ok::<_, PageError>(see_other(&back(&f)))
    }
    .await;
    result.unwrap_or_else(|e| failed(&app, &f, e))
}

/// `POST /tasks/{id}/done`, back to the tasks page.
pub async fn task_done(State(app): State<Arc<App>>, Path(id): Path<i64>, body: Bytes) -> Response {
    let f = fields(&body);
    let now = chrono::Utc::now().timestamp();
    match task::done(&app.store, id, now).await {
        Ok(_) => {
            app.digests.wrote();
            see_other(&back(&f))
        }
        Err(e) => failed(&app, &f, e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_stays_on_this_site() {
        let f = |b: &str| Fields::from([("back".to_owned(), b.to_owned())]);
        assert_eq!(back(&f("/digests/2026-11-24")), "/digests/2026-11-24");
        assert_eq!(back(&f("//evil.example/")), "/");
        assert_eq!(back(&f("https://evil.example/")), "/");
        assert_eq!(back(&f("/\\evil.example")), "/");
    }

    #[test]
    fn a_group_form_names_every_alert() {
        let f = Fields::from([("ids".to_owned(), "a, b,,c".to_owned())]);
        assert_eq!(ids(&f), ["a", "b", "c"]);
    }
}
