//! A seeded fault schedule over a set of proxies: one fault at a time, on a
//! link drawn at random, for a random short period, until told to stop; the
//! seed is printed and `TOCSIN_FAULT_SEED` replays the same sequence.

use std::time::{Duration, Instant};

use tocsin_tests::fault_proxy::{Cut, FaultProxy};
use tokio::sync::watch;

/// A small deterministic generator (SplitMix64).
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `low..high`.
    pub(crate) fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low).max(1)
    }
}

/// The seed from `TOCSIN_FAULT_SEED`, or a new one.
pub(crate) fn seed() -> u64 {
    match std::env::var("TOCSIN_FAULT_SEED") {
        Ok(text) => text.trim().parse().expect("TOCSIN_FAULT_SEED is a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
    }
}

/// Applies faults to `proxies` until `stop` turns true, then heals them
/// all; returns the log of what it did.
pub(crate) async fn run(proxies: &[FaultProxy], seed: u64, mut stop: watch::Receiver<bool>) -> Vec<String> {
    let mut rng = Rng::new(seed);
    let started = Instant::now();
    let mut log = Vec::new();
    while !*stop.borrow() {
        let proxy = &proxies[rng.between(0, proxies.len() as u64) as usize];
        let period = Duration::from_millis(rng.between(100, 700));
        let fault = match rng.between(0, 7) {
            0 => {
                proxy.drop_new(true);
                proxy.cut(Cut::Reset);
                "drop new connections (after a reset)"
            }
            1 => {
                proxy.stall(true);
                "stall"
            }
            2 => {
                proxy.delay(Duration::from_millis(rng.between(5, 200)));
                "delay"
            }
            3 => {
                proxy.cut(Cut::Reset);
                "cut (reset)"
            }
            4 => {
                proxy.cut(Cut::Close);
                "cut (close)"
            }
            5 => {
                proxy.hold_next();
                proxy.cut(Cut::Close);
                "reorder the reconnect"
            }
            _ => "nothing",
        };
        log.push(format!(
            "{:>6.2}s {} {fault} for {period:?}",
            started.elapsed().as_secs_f64(),
            proxy.name()
        ));
        // The fault's own length, ended early when the workload is done.
        let _ = tokio::time::timeout(period, stop.wait_for(|s| *s)).await;
        proxy.heal();
    }
    for proxy in proxies {
        proxy.heal();
    }
    log
}
