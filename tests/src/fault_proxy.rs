//! A fault-injecting TCP proxy on loopback, put between two nodes: it
//! forwards each connection to its target byte for byte (mutual TLS passes
//! through untouched) and can be told at any moment to refuse new
//! connections, stall, delay bytes, cut live connections, or hold a new
//! connection back until a later one has gone through (reordered reconnects).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::ports::free_port;

/// Bytes read at a time from either side.
const CHUNK: usize = 16 * 1024;
/// Chunks in flight per direction while bytes are delayed.
const IN_FLIGHT: usize = 64;
/// Longest a held connection waits for a later one to go through first.
pub const LONGEST_HOLD: Duration = Duration::from_secs(3);

/// How live connections are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// An abortive close: both ends get a TCP reset.
    Reset,
    /// An orderly close: both ends read end-of-stream.
    Close,
}

/// What the proxy has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProxyStats {
    pub accepted: u64,
    /// Connections refused while `drop_new` was on.
    pub dropped: u64,
    /// Connections cut while live.
    pub cut: u64,
    /// Connections held back for a later one.
    pub held: u64,
    /// Bytes forwarded towards the target, and back.
    pub bytes_up: u64,
    pub bytes_down: u64,
}

/// The faults in force, shared by the accept loop and every connection.
#[derive(Debug)]
struct Faults {
    target: SocketAddr,
    drop_new: AtomicBool,
    hold_next: AtomicBool,
    stalled: watch::Sender<bool>,
    delay: watch::Sender<Duration>,
    /// Bytes per second each direction of a connection may carry; 0 is
    /// no limit.
    rate: watch::Sender<u64>,
    /// Bumped by each cut; a connection started under an older value ends.
    cuts: watch::Sender<(u64, Cut)>,
    /// Bumped by each freeze; a connection started under an older value
    /// moves no byte again (a half-open link), new ones are not affected.
    freezes: watch::Sender<u64>,
    /// The highest accept number that has reached the target.
    forwarded: watch::Sender<u64>,
    accepted: AtomicU64,
    dropped: AtomicU64,
    cut: AtomicU64,
    held: AtomicU64,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
}

/// A proxy from `127.0.0.1:<port>` to a target; stops when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    name: String,
    port: u16,
    faults: Arc<Faults>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        // The accept task owns every connection's task: they end with it.
        self.accept.abort();
    }
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `target`; `name`
    /// appears in the fault log (e.g. `au->ecowas`).
    pub async fn start(name: &str, target: SocketAddr) -> Result<Self> {
        let port = free_port()?;
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .with_context(|| format!("cannot listen on port `{port}` for proxy `{name}`"))?;
        let faults = Arc::new(Faults {
            target,
            drop_new: AtomicBool::new(false),
            hold_next: AtomicBool::new(false),
            stalled: watch::Sender::new(false),
            delay: watch::Sender::new(Duration::ZERO),
            rate: watch::Sender::new(0),
            cuts: watch::Sender::new((0, Cut::Close)),
            freezes: watch::Sender::new(0),
            forwarded: watch::Sender::new(0),
            accepted: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            cut: AtomicU64::new(0),
            held: AtomicU64::new(0),
            bytes_up: AtomicU64::new(0),
            bytes_down: AtomicU64::new(0),
        });
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&faults)));
        Ok(Self {
            name: name.to_owned(),
            port,
            faults,
            accept,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// While on, new connections are accepted and reset at once.
    pub fn drop_new(&self, on: bool) {
        self.faults.drop_new.store(on, Ordering::SeqCst);
    }

    /// While on, no byte moves in either direction on any connection, and
    /// none is closed; off, forwarding resumes where it stopped.
    pub fn stall(&self, on: bool) {
        self.faults.stalled.send_replace(on);
    }

    /// Holds every chunk `by` before forwarding it (latency, not a rate limit).
    pub fn delay(&self, by: Duration) {
        self.faults.delay.send_replace(by);
    }

    /// Limits each direction of every connection to `bytes_per_second`
    /// (a slow link: a rate, not a latency); 0 lifts the limit.
    pub fn throttle(&self, bytes_per_second: u64) {
        self.faults.rate.send_replace(bytes_per_second);
    }

    /// Cuts every live connection, mid-stream if it is in one.
    pub fn cut(&self, how: Cut) {
        self.faults.cuts.send_modify(|(generation, cut)| {
            *generation += 1;
            *cut = how;
        });
    }

    /// Freezes every live connection for good, without closing it, as a
    /// link whose state a middlebox lost: neither end hears of it again
    /// unless it probes; new connections go through.
    pub fn freeze_live(&self) {
        self.faults.freezes.send_modify(|generation| *generation += 1);
    }

    /// Holds the next new connection (unforwarded) until a connection
    /// accepted after it has reached the target, or `LONGEST_HOLD` passed.
    pub fn hold_next(&self) {
        self.faults.hold_next.store(true, Ordering::SeqCst);
    }

    /// Ends every fault in force; live connections carry on.
    pub fn heal(&self) {
        self.drop_new(false);
        self.faults.hold_next.store(false, Ordering::SeqCst);
        self.delay(Duration::ZERO);
        self.throttle(0);
        self.stall(false);
    }

    pub fn stats(&self) -> ProxyStats {
        let f = &self.faults;
        ProxyStats {
            accepted: f.accepted.load(Ordering::SeqCst),
            dropped: f.dropped.load(Ordering::SeqCst),
            cut: f.cut.load(Ordering::SeqCst),
            held: f.held.load(Ordering::SeqCst),
            bytes_up: f.bytes_up.load(Ordering::SeqCst),
            bytes_down: f.bytes_down.load(Ordering::SeqCst),
        }
    }
}

async fn accept_loop(listener: TcpListener, faults: Arc<Faults>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((client, _)) = accepted else { continue };
                let number = faults.accepted.fetch_add(1, Ordering::SeqCst) + 1;
                if faults.drop_new.load(Ordering::SeqCst) {
                    faults.dropped.fetch_add(1, Ordering::SeqCst);
                    let _ = client.set_zero_linger();
                    drop(client);
                    continue;
                }
                let hold = faults.hold_next.swap(false, Ordering::SeqCst);
                connections.spawn(connection(client, number, hold, Arc::clone(&faults)));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Forwards one accepted connection until either side closes or it is cut.
async fn connection(mut client: TcpStream, number: u64, hold: bool, faults: Arc<Faults>) {
    let mut cuts = faults.cuts.subscribe();
    let generation = cuts.borrow_and_update().0;
    let frozen_at = *faults.freezes.borrow();
    if hold {
        faults.held.fetch_add(1, Ordering::SeqCst);
        let mut forwarded = faults.forwarded.subscribe();
        let _ = tokio::time::timeout(LONGEST_HOLD, forwarded.wait_for(|n| *n > number)).await;
    }
    let Ok(mut upstream) = TcpStream::connect(faults.target).await else {
        let _ = client.set_zero_linger();
        return;
    };
    let _ = upstream.set_nodelay(true);
    let _ = client.set_nodelay(true);
    faults.forwarded.send_modify(|n| *n = (*n).max(number));
    let cut = {
        let (client_read, client_write) = client.split();
        let (upstream_read, upstream_write) = upstream.split();
        let both = async {
            tokio::join!(
                pump(client_read, upstream_write, &faults, frozen_at, &faults.bytes_up),
                pump(
                    upstream_read,
                    client_write,
                    &faults,
                    frozen_at,
                    &faults.bytes_down
                ),
            )
        };
        tokio::select! {
            _ = both => None,
            cut = cuts.wait_for(|(g, _)| *g != generation) => cut.ok().map(|c| c.1),
        }
    };
    if let Some(how) = cut {
        faults.cut.fetch_add(1, Ordering::SeqCst);
        if how == Cut::Reset {
            let _ = client.set_zero_linger();
            let _ = upstream.set_zero_linger();
        }
    }
}

/// Copies `from` to `to` under the faults in force; at end-of-stream,
/// closes `to`'s writing side.
async fn pump(
    mut from: impl AsyncReadExt + Unpin,
    mut to: impl AsyncWriteExt + Unpin,
    faults: &Faults,
    frozen_at: u64,
    counter: &AtomicU64,
) {
    let (chunks, mut due) = mpsc::channel::<(Instant, Vec<u8>)>(IN_FLIGHT);
    let read = async move {
        let mut stalled = faults.stalled.subscribe();
        let mut buf = vec![0; CHUNK];
        loop {
            if stalled.wait_for(|s| !*s).await.is_err() || *faults.freezes.borrow() != frozen_at {
                std::future::pending::<()>().await;
            }
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let rate = *faults.rate.borrow();
            if rate > 0 {
                tokio::time::sleep(Duration::from_secs_f64(n as f64 / rate as f64)).await;
            }
            let at = Instant::now() + *faults.delay.borrow();
            if chunks.send((at, buf[..n].to_vec())).await.is_err() {
                return;
            }
        }
    };
    let write = async move {
        let mut stalled = faults.stalled.subscribe();
        while let Some((at, bytes)) = due.recv().await {
            tokio::time::sleep_until(at).await;
            if *faults.freezes.borrow() != frozen_at {
                std::future::pending::<()>().await;
            }
            if stalled.wait_for(|s| !*s).await.is_err() || to.write_all(&bytes).await.is_err() {
                return;
            }
            counter.fetch_add(bytes.len() as u64, Ordering::SeqCst);
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(read, write);
}
