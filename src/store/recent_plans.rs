//! Plans of recent lookups, kept a minute. A plan (how a search term or a service
//! filter is joined) decides only how fast a lookup runs, never what it finds: every
//! plan reads the same alerts. One a minute old is good enough, so fifty people
//! asking the same at the meeting, or paging through its results, pay for deciding
//! it once: deciding counts matches, which cost about as much as the lookup itself.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a plan is kept.
const KEPT_FOR: Duration = Duration::from_secs(60);

/// Plans kept at most; past it, the expired go, and if none has, all do.
const KEPT_AT_MOST: usize = 256;

/// Plans `P` by what decided them, `K`.
pub(in crate::store) struct RecentPlans<K, P>(Mutex<HashMap<K, (P, Instant)>>);

impl<K, P> Default for RecentPlans<K, P> {
    fn default() -> Self {
        RecentPlans(Mutex::new(HashMap::new()))
    }
}

impl<K: Hash + Eq, P: Copy> RecentPlans<K, P> {
    /// The plan for `key` if it was decided within the last minute.
    pub fn recent(&self, key: &K) -> Option<P> {
        let plans = self.0.lock().unwrap_or_else(|e| e.into_inner());
        plans
            .get(key)
            .filter(|(_, at)| at.elapsed() < KEPT_FOR)
            .map(|(plan, _)| *plan)
    }

    pub fn keep(&self, key: K, plan: P) {
        let mut plans = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if plans.len() >= KEPT_AT_MOST {
            plans.retain(|_, (_, at)| at.elapsed() < KEPT_FOR);
            if plans.len() >= KEPT_AT_MOST {
                plans.clear();
            }
        }
        plans.insert(key, (plan, Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_is_kept_by_its_whole_key_and_the_keeping_is_bounded() {
        type Key = (String, Option<&'static str>, Option<u32>);
        let plans = RecentPlans::<Key, u8>::default();
        let key = |text: &str, column, limit| (text.to_owned(), column, limit);
        plans.keep(key("nginx", None, Some(100)), 1);
        plans.keep(key("nginx", Some("host_name"), Some(100)), 2);
        assert_eq!(plans.recent(&key("nginx", None, Some(100))), Some(1));
        assert_eq!(
            plans.recent(&key("nginx", Some("host_name"), Some(100))),
            Some(2)
        );
        assert_eq!(plans.recent(&key("nginx", None, None)), None);
        assert_eq!(plans.recent(&key("Nginx", None, Some(100))), None);
        for i in 0..KEPT_AT_MOST + 10 {
            plans.keep(key(&format!("t{i}"), None, None), 3);
        }
        assert!(plans.0.lock().unwrap().len() <= KEPT_AT_MOST);
        let last = key(&format!("t{}", KEPT_AT_MOST + 9), None, None);
        assert_eq!(plans.recent(&last), Some(3));
    }
}
