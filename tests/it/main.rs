//! asakai's integration tests: one binary, real SQLite files, real HTTP on loopback.

mod browser;
mod client;
mod digest;
mod digest_cli;
mod digest_condensed;
mod digest_labels;
mod github;
mod helpers;
mod kill;
mod lookup;
mod report;
mod resilience;
mod review;
mod serve;
mod serve_process;
mod sim;
mod sim_realism;
mod sync;
mod task;
mod web;
mod web_browser;
mod webdriver;
mod webhook;
mod webhook_input;
mod webhook_sync;
mod weekly_post;
