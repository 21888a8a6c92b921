//! Slack (design §11): the app mode's Web API, its messages with outcome menus,
//! the signature of Slack's requests, and the interactions endpoint. (Incoming
//! webhooks, for teams without the app, are `crate::delivery`'s.)

pub mod app;
pub mod interactions;
pub mod refresh;
pub mod signature;
pub mod web_api;
