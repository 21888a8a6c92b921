//! Slack (design §11), all of it: the digest's Block Kit (`blocks`), the two
//! transports (incoming webhooks for teams without the app, `webhook`; the app's
//! Web API, `web_api`), the app's messages with outcome menus and their updates,
//! the signature of Slack's requests, and the interactions endpoint. The digest
//! and the reports only say what to post and to whom.

pub mod app;
pub mod blocks;
pub mod health;
pub mod interactions;
pub mod refresh;
pub mod signature;
pub mod web_api;
pub mod webhook;
