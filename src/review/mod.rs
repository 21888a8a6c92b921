//! The meeting's memory (design §5, §7): the outcome the team recorded for each
//! alert, and the follow-up tasks it opened. The command line and the server call
//! the same functions here.

mod annotate;
mod body;
pub mod issues;
mod meeting;
pub use body::alert_line;
pub use meeting::meeting_notes;
mod outcome;
mod record;
pub mod task;
mod task_view;

pub use annotate::{AnnotatedAlert, Annotations, TaskRef};
pub use outcome::Outcome;
pub use record::{
    group_ids, history, latest_reviews, latest_reviews_of, pending, record, Recorded, ReviewView,
};
pub use task::{key_of, NewTask, Opened, Task, TaskState, TaskView};

use crate::store::StoreError;

/// What can go wrong recording the meeting's decisions; each message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no alert ids given: name at least one alert")]
    NoAlerts,
    #[error("unknown alert id(s): {}; nothing was recorded (see `asakai alerts`)", .0.join(", "))]
    UnknownAlerts(Vec<String>),
    #[error("{0}")]
    NoMatch(String),
    #[error("a task title cannot be empty; give one with --title or leave it out for the default")]
    EmptyTitle,
    #[error(
        "alerts {first} and {other} are of different monitors or hosts; a task follows one monitor on one host, so open one task per monitor and host"
    )]
    MixedKeys { first: String, other: String },
    #[error("no task #{0} (see `asakai task list --state all`)")]
    UnknownTask(i64),
    #[error(
        "another asakai is creating the GitHub issue of task #{0}; try again in a few minutes"
    )]
    CreateInFlight(i64),
    // Not a `source`: the message says it already, and `{:#}` would say it twice.
    #[error("GitHub failed for task #{task} (the task itself is saved): {error}")]
    Github {
        task: i64,
        error: crate::github::GithubError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}
