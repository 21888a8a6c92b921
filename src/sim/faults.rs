//! Faults on request, for reliability tests: errors, throttling, delays, cut-off bodies.

use std::sync::Mutex;
use std::time::Duration;

/// Rates are per request, from 0.0 to 1.0.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Answer 500 or 503.
    pub error_rate: f64,
    /// Answer 429 with `Retry-After: 1`.
    pub throttle_rate: f64,
    /// Cut the body in half (the client sees JSON that does not parse).
    pub truncate_rate: f64,
    /// Wait this long before answering.
    pub delay: Duration,
}

pub enum Fault {
    None,
    Error(u16),
    Throttle,
    Truncate,
}

pub struct FaultState {
    faults: Mutex<(Faults, fastrand::Rng)>,
}

impl FaultState {
    pub fn new(faults: Faults, seed: u64) -> Self {
        FaultState {
            faults: Mutex::new((faults, fastrand::Rng::with_seed(seed ^ 0xFA17))),
        }
    }

    pub fn set(&self, faults: Faults) {
        self.faults.lock().unwrap().0 = faults;
    }

    /// Draws the fault for one request, and the delay to apply first.
    pub fn draw(&self) -> (Fault, Duration) {
        let mut guard = self.faults.lock().unwrap();
        let (f, rng) = &mut *guard;
        let roll = rng.f64();
        let fault = if roll < f.error_rate {
            Fault::Error(if rng.bool() { 500 } else { 503 })
        } else if roll < f.error_rate + f.throttle_rate {
            Fault::Throttle
        } else if roll < f.error_rate + f.throttle_rate + f.truncate_rate {
            Fault::Truncate
        } else {
            Fault::None
        };
        (fault, f.delay)
    }
}
