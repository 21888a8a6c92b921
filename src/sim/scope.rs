//! Mackerel keeps at most one open alert per monitor and host (its scope):
//! while one is open, the monitor changes that alert's status instead of
//! opening another. The history honours that as it is generated.

use std::collections::HashMap;

use super::history::SimAlert;

/// A monitor on a host (or on nothing, for service-level monitors).
pub type Scope = (u8, Option<u8>);

/// Until when each scope has an alert open, carried from day to day; and the
/// alerts that will stay open, whose opening no earlier alert may straddle.
#[derive(Debug, Clone, Default)]
pub struct Busy {
    until: HashMap<Scope, i64>,
    reserved: HashMap<Scope, i64>,
}

fn scope(a: &SimAlert) -> Scope {
    (a.monitor, a.host)
}

impl Busy {
    /// `reserved`: alerts that open at a fixed time and never close.
    pub fn new(reserved: &[SimAlert]) -> Busy {
        Busy {
            until: HashMap::new(),
            reserved: reserved.iter().map(|a| (scope(a), a.opened_at)).collect(),
        }
    }

    /// Whether `a` could open: its scope has nothing open then, and it would not
    /// still be open when a reserved alert of its scope opens.
    pub fn is_free(&self, a: &SimAlert) -> bool {
        let open_then = self
            .until
            .get(&scope(a))
            .is_some_and(|until| *until > a.opened_at);
        let straddles = self
            .reserved
            .get(&scope(a))
            .is_some_and(|r| a.opened_at < *r && a.closed_at.is_none_or(|c| c > *r));
        !open_then && !straddles
    }

    /// `a` opened: its scope is busy until it closes.
    pub fn take(&mut self, a: &SimAlert) {
        let until = a.closed_at.unwrap_or(i64::MAX);
        let slot = self.until.entry(scope(a)).or_insert(until);
        *slot = (*slot).max(until);
    }
}
