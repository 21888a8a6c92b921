//! asakai's integration tests: one binary, real SQLite files, real HTTP on loopback.

mod client;
mod helpers;
mod lookup;
mod sim;
mod sync;
