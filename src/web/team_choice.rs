//! Which team's meeting a page shows (design §11): `?team=NAME` chooses and is
//! remembered in a cookie; without it the cookie's choice, else every service.
//! A name that is no team is a 400 page naming the teams.

use std::collections::HashMap;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use serde::Serialize;

use super::render::PageError;
use crate::teams::{self, Team};

const COOKIE: &str = "asakai_team";

/// The team chosen, and the cookie that remembers a new choice.
pub struct Choice<'a> {
    pub team: Option<&'a Team>,
    pub remember: Option<HeaderValue>,
}

impl Choice<'_> {
    /// What the page cache keys on besides the query.
    pub fn name(&self) -> &str {
        self.team.map_or("", |t| t.name.as_str())
    }
}

/// The team of this request: asked for, remembered, or none (every service).
pub fn choose<'a>(
    all: &'a [Team],
    query: &HashMap<String, Vec<String>>,
    headers: &HeaderMap,
) -> Result<Choice<'a>, PageError> {
    // One team with every service is no choice: today's single-team setup.
    if all.len() < 2 {
        return Ok(Choice {
            team: None,
            remember: None,
        });
    }
    if let Some(name) = query.get("team").and_then(|v| v.last()) {
        let team = match name.as_str() {
            "" => None,
            name => Some(
                teams::find(all, name).map_err(|e| PageError::new(StatusCode::BAD_REQUEST, e))?,
            ),
        };
        let value = form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>();
        let cookie = format!("{COOKIE}={value}; Path=/; SameSite=Lax; Max-Age=31536000");
        return Ok(Choice {
            team,
            remember: HeaderValue::from_str(&cookie).ok(),
        });
    }
    let remembered = cookie(headers).and_then(|name| all.iter().find(|t| t.name == name));
    Ok(Choice {
        team: remembered,
        remember: None,
    })
}

/// The remembered team's name, if the request carries one.
fn cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| {
            form_urlencoded::parse(format!("v={v}").as_bytes())
                .map(|(_, v)| v.into_owned())
                .next()
                .unwrap_or_default()
        })
}

/// A link of the team switcher.
#[derive(Debug, Serialize)]
pub struct TeamLink {
    pub label: String,
    pub href: String,
    pub current: bool,
}

/// The switcher: every service, then each team; empty when there is one team.
pub fn switcher(
    all: &[Team],
    chosen: &Choice,
    path: &str,
    lang_query: &str,
    every: &str,
) -> Vec<TeamLink> {
    if all.len() < 2 {
        return Vec::new();
    }
    let link = |name: &str, label: &str| TeamLink {
        label: label.to_owned(),
        href: format!(
            "{path}?team={}{lang_query}",
            form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
        ),
        current: chosen.name() == name,
    };
    std::iter::once(link("", every))
        .chain(all.iter().map(|t| link(&t.name, &t.name)))
        .collect()
}
