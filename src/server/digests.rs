//! The digests the server has built, shared by every request. The meeting's screen,
//! the API and every client ask for the same few digests, and building one reads the
//! store (tens of milliseconds on a million alerts): fifty clients at once would
//! queue behind fifty builds of the same thing.
//!
//! A digest is reused while nobody wrote through this server since it was built
//! ([`Digests::wrote`], rung after every request that may write), so a review shows
//! on the next load. What arrives by itself (a pass, a webhook: [`Digests::synced`]),
//! writes by another process (a `poll` or `review` from the command line) and the
//! passing of time ("open for 3h") show within moments: one request rebuilds while
//! the others are served the digest they would have had a moment before, so a pass
//! on a busy morning never makes fifty readers wait for the same build. The build
//! runs on its own task, and the request that started it waits for it only briefly.
//! Today's digest is built as the server starts ([`Digests::warm_up`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;

use crate::digest::{meeting, Digest, Window, WindowSpec};
use crate::store::{Store, StoreError};
use crate::teams::Team;

/// How long a digest is served as it was built when nothing was written here.
const FRESH: Duration = Duration::from_secs(15);
/// How long the request that found a digest aged waits for its rebuild.
const REBUILD_WAIT: Duration = Duration::from_millis(40);
/// Digests kept: today's, yesterday's and a few the team looked back at. A heavy
/// day's digest holds every alert of it, so the cache stays small.
const KEPT: usize = 4;

/// A digest is of a window and a team (`""`: every service).
type Key = (String, i64, i64);

#[derive(Default)]
pub struct Digests {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Rung after every write a person makes through this server.
    writes: AtomicU64,
    /// Rung after every pass and webhook.
    syncs: AtomicU64,
    /// Digests built so far (for tests and the curious: a cache that works builds few).
    builds: AtomicU64,
    built: Mutex<HashMap<Key, Built>>,
    /// One build at a time: requests that miss together wait for the same build.
    building: Arc<tokio::sync::Mutex<()>>,
}

struct Built {
    writes: u64,
    syncs: u64,
    at: Instant,
    digest: Arc<Shared>,
}

/// A digest, and its JSON and pages once some request asked for them: making the
/// page of a day of a million-alert store costs far more than sending it.
pub struct Shared {
    pub digest: Digest,
    json: OnceLock<Bytes>,
    /// Its review queue (the meeting screen's items), made once.
    queue: OnceLock<crate::digest::queue::Queue>,
    /// Its condensed JSON (a heavy day's `/api/digest`), made once.
    condensed: OnceLock<Bytes>,
    /// Its web page by query (the language, and the links that keep it).
    pages: Mutex<HashMap<String, Bytes>>,
    /// One page made at a time: requests that miss together wait for the same page.
    making_page: tokio::sync::Mutex<()>,
}

/// Alerts in a window above which `/api/digest` condenses (`?alerts=all` sends them all).
pub const CONDENSE_ABOVE: i64 = 2_000;

/// Page variants kept per digest: a query is the visitor's, so only a few are kept.
const PAGES_KEPT: usize = 4;

impl Shared {
    fn new(digest: Digest) -> Shared {
        Shared {
            digest,
            json: OnceLock::new(),
            queue: OnceLock::new(),
            condensed: OnceLock::new(),
            pages: Mutex::new(HashMap::new()),
            making_page: tokio::sync::Mutex::new(()),
        }
    }

    /// Held while a page of this digest is made; look again for the page once held.
    pub async fn making_page(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.making_page.lock().await
    }

    /// The page made for `query`, if one was.
    pub fn page(&self, query: &str) -> Option<Bytes> {
        self.pages
            .lock()
            .expect("the page cache lock")
            .get(query)
            .cloned()
    }

    /// Keeps the page made for `query` (unless enough variants are kept already).
    pub fn keep_page(&self, query: String, html: String) -> Bytes {
        let html = Bytes::from(html);
        let mut pages = self.pages.lock().expect("the page cache lock");
        if pages.len() < PAGES_KEPT {
            pages.insert(query, html.clone());
        }
        html
    }

    /// The digest's review queue: every alert in one item (see `digest::queue`).
    pub fn queue(&self) -> &crate::digest::queue::Queue {
        self.queue
            .get_or_init(|| crate::digest::queue::queue(&self.digest))
    }

    /// Whether `/api/digest` sends items rather than every alert object: on a
    /// heavy day every object is tens of megabytes no client reads whole.
    pub fn is_heavy(&self) -> bool {
        self.digest.totals.total() > CONDENSE_ABOVE
    }

    /// The digest as `/api/digest` sends it on a heavy day: everything but the
    /// alert objects, and the review queue's items (alert ids and counts) instead.
    pub fn condensed_json(&self) -> Bytes {
        self.condensed
            .get_or_init(|| {
                let mut v = serde_json::to_value(crate::digest::Condensed::of(&self.digest))
                    .expect("a digest serializes");
                v["queue"] = serde_json::to_value(self.queue()).expect("a queue serializes");
                Bytes::from(serde_json::to_vec(&v).expect("JSON"))
            })
            .clone()
    }

    /// The digest's JSON (what `digest --format json` prints, without its
    /// indentation: a third smaller on a heavy day), serialized once.
    pub fn json(&self) -> Bytes {
        self.json
            .get_or_init(|| {
                let text = serde_json::to_vec(&self.digest).expect("a digest serializes");
                Bytes::from(text)
            })
            .clone()
    }
}

enum Found {
    Fresh(Arc<Shared>),
    /// Nobody wrote here since, but a pass did, or it is older than `FRESH`.
    Aged(Arc<Shared>),
    Missing,
}

impl Digests {
    /// Marks the store as written by a person: the next request builds its digest again.
    pub fn wrote(&self) {
        self.inner.writes.fetch_add(1, Ordering::SeqCst);
    }

    /// How many digests this server has built.
    pub fn builds(&self) -> u64 {
        self.inner.builds.load(Ordering::SeqCst)
    }

    /// Whether a digest of `window` for `team` is kept, fresh or aged.
    pub fn holds(&self, window: &Window, team: Option<&Team>) -> bool {
        let key: Key = (
            team.map_or(String::new(), |t| t.name.clone()),
            window.start,
            window.end,
        );
        !matches!(self.inner.find(&key), Found::Missing)
    }

    /// Marks the store as written by a pass or a webhook: the next request rebuilds,
    /// and requests meanwhile get the digest as it was.
    pub fn synced(&self) {
        self.inner.syncs.fetch_add(1, Ordering::SeqCst);
    }

    /// The digest of `window` for `team` (`None`: every service), built now or shared.
    /// An aged digest is rebuilt by the first request to see it, which waits for the
    /// build at most [`REBUILD_WAIT`] and is then served the digest of a moment ago:
    /// on a million alerts a build can take longer than a page may (design §9), and
    /// the build goes on to serve the requests after it.
    pub async fn of(
        &self,
        store: &Store,
        spec: &WindowSpec,
        window: &Window,
        team: Option<&Team>,
    ) -> Result<Arc<Shared>, StoreError> {
        let key: Key = (
            team.map_or(String::new(), |t| t.name.clone()),
            window.start,
            window.end,
        );
        match self.inner.find(&key) {
            Found::Fresh(d) => return Ok(d),
            Found::Aged(d) => match self.inner.building.clone().try_lock_owned() {
                Ok(one) => {
                    let build = self.spawn_build(one, store, spec, window, team, key);
                    return match tokio::time::timeout(REBUILD_WAIT, build).await {
                        Ok(Ok(built)) => built,
                        Ok(Err(e)) => std::panic::resume_unwind(e.into_panic()),
                        // Still building: this request gets the digest of a moment ago.
                        Err(_) => Ok(d),
                    };
                }
                // Another request is building: this one gets the digest of a moment ago.
                Err(_) => return Ok(d),
            },
            Found::Missing => {}
        }
        let _one = self.inner.building.lock().await;
        // The request this one waited for may have built it.
        if let Found::Fresh(d) = self.inner.find(&key) {
            return Ok(d);
        }
        self.inner.build(store, spec, window, team, key).await
    }

    /// Builds today's digest of every service in the background, unless a request
    /// builds it first: the first people to open the meeting screen after the server
    /// started then find it built.
    pub fn warm_up(&self, store: &Store, spec: &WindowSpec, now: i64) {
        let date = chrono::TimeZone::timestamp_opt(&spec.tz, now, 0)
            .single()
            .map(|t| t.date_naive());
        let (Some(date), Ok(one)) = (date, self.inner.building.clone().try_lock_owned()) else {
            return;
        };
        let window = spec.for_meeting(date);
        let key: Key = (String::new(), window.start, window.end);
        // The handle is dropped: the build finishes, or fails with a warning in the
        // log (the first request then builds it again and answers what went wrong).
        drop(self.spawn_build(one, store, spec, &window, None, key));
    }

    /// A build on its own task, holding `one` (the building lock) until it is done.
    fn spawn_build(
        &self,
        one: tokio::sync::OwnedMutexGuard<()>,
        store: &Store,
        spec: &WindowSpec,
        window: &Window,
        team: Option<&Team>,
        key: Key,
    ) -> tokio::task::JoinHandle<Result<Arc<Shared>, StoreError>> {
        let (inner, store, spec, window) =
            (self.inner.clone(), store.clone(), spec.clone(), *window);
        let team = team.cloned();
        tokio::spawn(async move {
            let built = inner
                .build(&store, &spec, &window, team.as_ref(), key)
                .await;
            drop(one);
            if let Err(e) = &built {
                tracing::warn!(error = %e, "could not build a digest");
            }
            built
        })
    }
}

impl Inner {
    fn find(&self, key: &Key) -> Found {
        let writes = self.writes.load(Ordering::SeqCst);
        let syncs = self.syncs.load(Ordering::SeqCst);
        let built = self.built.lock().expect("the digest cache lock");
        match built.get(key) {
            Some(b) if b.writes == writes && b.syncs == syncs && b.at.elapsed() < FRESH => {
                Found::Fresh(b.digest.clone())
            }
            Some(b) if b.writes == writes => Found::Aged(b.digest.clone()),
            _ => Found::Missing,
        }
    }

    async fn build(
        &self,
        store: &Store,
        spec: &WindowSpec,
        window: &Window,
        team: Option<&Team>,
        key: Key,
    ) -> Result<Arc<Shared>, StoreError> {
        // Counted before reading: a write during the build leaves it stale at once.
        let writes = self.writes.load(Ordering::SeqCst);
        let syncs = self.syncs.load(Ordering::SeqCst);
        let now = chrono::Utc::now().timestamp();
        self.builds.fetch_add(1, Ordering::SeqCst);
        let digest = Arc::new(Shared::new(
            meeting::team_digest_of(
                store,
                spec,
                window,
                now,
                team.and_then(|t| t.scope.as_ref()),
            )
            .await?,
        ));
        let mut built = self.built.lock().expect("the digest cache lock");
        if built.len() >= KEPT && !built.contains_key(&key) {
            if let Some(oldest) = built
                .iter()
                .min_by_key(|(_, b)| b.at)
                .map(|(k, _)| k.clone())
            {
                built.remove(&oldest);
            }
        }
        let replaced = built.insert(
            key,
            Built {
                writes,
                syncs,
                at: Instant::now(),
                digest: digest.clone(),
            },
        );
        drop(built);
        drop(replaced);
        // Building left tens of megabytes free in the heaps (a heavy day's rows and
        // their views), and so did the digest it replaced: give them back soon rather
        // than at the next pass, so a busy server holds what it uses, not its last builds.
        crate::memory::release_soon();
        Ok(digest)
    }
}
