//! asakai's integration tests: one binary, real SQLite files, real HTTP on loopback.

mod browser;
mod client;
mod digest;
mod digest_cli;
mod digest_condensed;
mod digest_labels;
mod helpers;
mod lookup;
mod sim;
mod sim_realism;
mod sync;
