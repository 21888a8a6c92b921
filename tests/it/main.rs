//! asakai's integration tests: one binary, real SQLite files, real HTTP on loopback.

mod browser;
mod client;
mod digest;
mod digest_cli;
mod helpers;
mod kill;
mod lookup;
mod resilience;
mod sim;
mod sync;
