//! The morning digest (design §5–§6): the window, a pure build of the typed
//! [`Digest`], rendering in every format and language, and delivery to Slack.

mod build;
mod chart;
pub(crate) mod context;
mod labels;
pub mod load;
pub mod meeting;
mod model;
mod page;
pub use page::summary_context;
pub mod queue;
mod render;
mod sections;
mod window;

pub use crate::store::digest::Reach;
pub use build::{
    build, percentile, DigestInput, HostInMaintenance, MeetingNotes, Pair, STATE_ORDER,
};
pub use context::{fired_before, monitor_name};
pub use labels::{duration, Labels, Lang, EN, JA};
pub use model::*;
pub use render::{
    escape_markdown, escape_slack, render, render_with_graphs, safe_url, url_helper, Format,
    Graphs, RenderError,
};
pub use window::{parse_meeting_time, Calendar, Mode, OffDay, Window, WindowSpec};
