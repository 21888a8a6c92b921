//! The Mackerel API: typed models and the HTTP client.

mod client;
mod error;
pub mod models;
mod monitor;

pub use client::{Client, ClientConfig, RequestObserver, PAGE_LIMIT};
pub use error::MackerelError;
pub use models::*;
