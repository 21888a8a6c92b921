//! The `review` and `task` of every alert object (design §7): loaded once, then
//! looked up per alert, so a listing of any size costs two small queries.

use std::collections::HashMap;

use serde::Serialize;

use super::task::{self, key_of, Task, TaskState};
use super::{latest_reviews, latest_reviews_of, ReviewView};
use crate::alert::AlertView;
use crate::store::{Store, StoreError, StoredAlert};

/// The task an alert belongs to, as the alert object shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskRef {
    pub id: i64,
    pub title: String,
    pub state: TaskState,
    pub url: Option<String>,
}

/// The alert object of design §7 with its outcome and task (`null` when none).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnotatedAlert {
    #[serde(flatten)]
    pub alert: AlertView,
    pub review: Option<ReviewView>,
    pub task: Option<TaskRef>,
}

/// Every outcome and task, ready to annotate alerts with.
#[derive(Debug, Default)]
pub struct Annotations {
    reviews: HashMap<String, ReviewView>,
    tasks: HashMap<i64, Task>,
    /// Alert id → the newest task it was attached to by hand.
    attached: HashMap<String, i64>,
    /// Key → its tasks, newest first.
    by_key: HashMap<String, Vec<i64>>,
}

impl Annotations {
    /// Every outcome and task: for a listing of every alert.
    pub async fn load(store: &Store) -> Result<Annotations, StoreError> {
        let mut notes = Self::tasks(store).await?;
        notes.reviews = latest_reviews(store).await?;
        Ok(notes)
    }

    /// The outcomes of the alerts shown and every task: for a page of them.
    /// Reviews grow with every meeting; tasks stay few.
    pub async fn load_for<'a>(
        store: &Store,
        shown: impl IntoIterator<Item = &'a StoredAlert>,
    ) -> Result<Annotations, StoreError> {
        let ids: Vec<&str> = shown.into_iter().map(|a| a.id.as_str()).collect();
        let mut notes = Self::tasks(store).await?;
        notes.reviews = latest_reviews_of(store, &ids).await?;
        Ok(notes)
    }

    /// The outcomes of the alerts shown, without tasks: for a page of results that
    /// shows no task (two fewer reads under every one of fifty clients).
    pub async fn reviews_of<'a>(
        store: &Store,
        shown: impl IntoIterator<Item = &'a StoredAlert>,
    ) -> Result<Annotations, StoreError> {
        let ids: Vec<&str> = shown.into_iter().map(|a| a.id.as_str()).collect();
        Ok(Annotations {
            reviews: latest_reviews_of(store, &ids).await?,
            ..Annotations::default()
        })
    }

    async fn tasks(store: &Store) -> Result<Annotations, StoreError> {
        let tasks = task::list(store, None).await?;
        let links = store.task_attachments().await?;
        let mut by_key: HashMap<String, Vec<i64>> = HashMap::new();
        for t in &tasks {
            by_key.entry(t.key.clone()).or_default().push(t.id);
        }
        Ok(Annotations {
            reviews: HashMap::new(),
            attached: links.into_iter().collect(),
            tasks: tasks.into_iter().map(|t| (t.id, t)).collect(),
            by_key,
        })
    }

    pub fn review(&self, alert_id: &str) -> Option<&ReviewView> {
        self.reviews.get(alert_id)
    }

    /// The task attached by hand, else the task of the alert's key that was open when it fired.
    pub fn task(&self, a: &StoredAlert) -> Option<&Task> {
        if let Some(t) = self.attached.get(&a.id).and_then(|id| self.tasks.get(id)) {
            return Some(t);
        }
        if self.by_key.is_empty() {
            return None;
        }
        self.by_key
            .get(&key_of(a))?
            .iter()
            .filter_map(|id| self.tasks.get(id))
            .find(|t| t.created_at < a.opened_at && t.closed_at.is_none_or(|c| a.opened_at < c))
    }

    /// The alert object as of `at`, with its review and task.
    pub fn annotate(&self, a: &StoredAlert, at: i64) -> AnnotatedAlert {
        AnnotatedAlert {
            alert: AlertView::at(a, at),
            review: self.review(&a.id).cloned(),
            task: self.task(a).map(|t| TaskRef {
                id: t.id,
                title: t.title.clone(),
                state: t.state,
                url: t.github_url.clone(),
            }),
        }
    }
}
