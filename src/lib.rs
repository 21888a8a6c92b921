//! asakai (朝会, "morning meeting"): every Mackerel alert in SQLite, and the
//! morning digest a team runs its standup from.
//!
//! The modules follow the data flow: [`mackerel`] (the API) → [`sync`] → [`store`]
//! → [`lookup`] and the digest; [`webhook`] takes Mackerel's pushes into the same store.

pub mod alert;
pub mod cli;
pub mod config;
pub mod digest;
pub mod github;
pub mod graphs;
pub mod lookup;
pub mod mackerel;
pub mod memory;
pub mod report;
pub mod review;
pub mod secret;
pub mod server;
pub mod sim;
pub mod slack;
pub mod store;
pub mod sync;
pub mod teams;
pub mod telemetry;
pub mod timefmt;
pub mod web;
pub mod webhook;
