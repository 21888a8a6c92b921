//! asakai's integration tests: one binary, real stores (SQLite files, or PostgreSQL
//! databases when `ASAKAI_TEST_POSTGRES` names a server: see `helpers::TestDb`), real
//! HTTP on loopback.

mod axe;
mod browser;
mod client;
mod db_copy;
mod digest;
mod digest_cli;
mod digest_condensed;
mod digest_labels;
mod digest_load;
mod github;
mod graphs;
mod graphs_draw;
mod hardening;
mod helpers;
mod kill;
mod leader;
mod lookup;
mod meeting;
mod migrations;
mod replicas;
mod report;
mod resilience;
mod review;
mod serve;
mod serve_process;
mod sim;
mod sim_realism;
mod slack;
mod slack_posts;
mod store;
mod sync;
mod task;
mod teams;
mod web;
mod web_browser;
mod web_words;
mod webdriver;
mod webhook;
mod webhook_input;
mod webhook_sync;
mod weekly_post;
