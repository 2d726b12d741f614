//! Loopback ports for test servers that must be named before they listen
//! (a federation directory lists every node's endpoint; a webhook receiver
//! comes back on the port it had).
//!
//! A port the kernel hands out for `bind(0)` is an ephemeral one: after it
//! is let go, any outgoing connection of the machine may take it as its
//! local port, and the server that later binds it fails with "address in
//! use". So ports come from below the ephemeral range, each handed out once
//! per process, and only if nothing listens there now.

use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Result, bail};

/// Ports handed out: `FIRST..LAST`, below Linux's ephemeral range
/// (32768–60999 by default).
const FIRST: u32 = 20_000;
const LAST: u32 = 32_000;

/// The next candidate, starting at a place that depends on the process id so
/// that test processes running side by side rarely try the same ports.
static NEXT: AtomicU32 = AtomicU32::new(0);

/// Each process starts at the beginning of a block this long: processes
/// started one after the other (consecutive ids) get consecutive blocks, not
/// starts one port apart whose runs of ports overlap at once. A test
/// process takes far fewer ports than this.
const BLOCK: u32 = 256;

/// A loopback port nothing listens on, not handed out before in this
/// process.
pub fn free_port() -> Result<u16> {
    free_ports(1)
}

/// The first of `count` consecutive loopback ports nothing listens on, none
/// handed out before in this process.
pub fn free_ports(count: u16) -> Result<u16> {
    let span = LAST - FIRST;
    let count = u32::from(count);
    // 0 means "not started yet"; the start is never 0.
    let start = (std::process::id() % (span / BLOCK)) * BLOCK + 1;
    let _ = NEXT.compare_exchange(0, start, Ordering::SeqCst, Ordering::SeqCst);
    for _ in 0..span / count.max(1) {
        let first = FIRST + NEXT.fetch_add(count, Ordering::SeqCst) % span;
        let Ok(first) = u16::try_from(first) else {
            continue;
        };
        let ports = (0..count).map(|i| u16::try_from(u32::from(first) + i));
        let all_free = ports.into_iter().all(|port| {
            port.is_ok_and(|port| u32::from(port) < LAST && TcpListener::bind(("127.0.0.1", port)).is_ok())
        });
        if all_free {
            return Ok(first);
        }
    }
    bail!("no {count} free loopback ports in {FIRST}..{LAST}")
}
