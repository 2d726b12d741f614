//! The fault proxy itself, over a plain TCP echo server: each fault does
//! what it says and nothing else.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tocsin_tests::fault_proxy::{Cut, FaultProxy, LONGEST_HOLD};
use tocsin_tests::ports::free_port;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Echoes every connection back until it closes.
async fn echo_server() -> SocketAddr {
    let port = free_port().unwrap();
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = stream.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    SocketAddr::from(([127, 0, 0, 1], port))
}

async fn proxy() -> FaultProxy {
    FaultProxy::start("test", echo_server().await).await.unwrap()
}

async fn connect(proxy: &FaultProxy) -> TcpStream {
    TcpStream::connect(("127.0.0.1", proxy.port())).await.unwrap()
}

/// Sends `text` and reads its echo, within `within`.
async fn round_trip(stream: &mut TcpStream, text: &[u8], within: Duration) -> std::io::Result<Vec<u8>> {
    stream.write_all(text).await?;
    let mut back = vec![0; text.len()];
    match tokio::time::timeout(within, stream.read_exact(&mut back)).await {
        Ok(read) => read.map(|_| back),
        Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
    }
}

const SOON: Duration = Duration::from_secs(5);

#[tokio::test]
async fn forwards_both_ways_and_passes_end_of_stream_on() {
    let proxy = proxy().await;
    let mut stream = connect(&proxy).await;
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    assert_eq!(round_trip(&mut stream, &big, SOON).await.unwrap(), big);
    stream.shutdown().await.unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty());
    let stats = proxy.stats();
    assert_eq!(
        (stats.accepted, stats.bytes_up, stats.bytes_down),
        (1, 200_000, 200_000)
    );
}

#[tokio::test]
async fn drops_new_connections_only_while_told_to() {
    let proxy = proxy().await;
    let mut before = connect(&proxy).await;
    assert_eq!(round_trip(&mut before, b"made", SOON).await.unwrap(), b"made");
    proxy.drop_new(true);
    // The kernel may complete the handshake before the proxy resets it.
    if let Ok(mut dropped) = TcpStream::connect(("127.0.0.1", proxy.port())).await {
        assert!(round_trip(&mut dropped, b"lost", SOON).await.is_err());
    }
    // A connection made before goes on working.
    assert_eq!(round_trip(&mut before, b"kept", SOON).await.unwrap(), b"kept");
    proxy.drop_new(false);
    let mut after = connect(&proxy).await;
    assert_eq!(round_trip(&mut after, b"back", SOON).await.unwrap(), b"back");
    assert_eq!(proxy.stats().dropped, 1);
}

#[tokio::test]
async fn a_stall_holds_bytes_without_closing_and_resumes() {
    let proxy = proxy().await;
    let mut stream = connect(&proxy).await;
    assert_eq!(round_trip(&mut stream, b"one", SOON).await.unwrap(), b"one");
    proxy.stall(true);
    let silent = round_trip(&mut stream, b"two", Duration::from_millis(300)).await;
    assert_eq!(silent.unwrap_err().kind(), std::io::ErrorKind::TimedOut);
    proxy.stall(false);
    let mut back = [0; 3];
    tokio::time::timeout(SOON, stream.read_exact(&mut back))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&back, b"two");
}

#[tokio::test]
async fn a_delay_holds_each_chunk_both_ways() {
    let proxy = proxy().await;
    let mut stream = connect(&proxy).await;
    proxy.delay(Duration::from_millis(150));
    let started = Instant::now();
    assert_eq!(round_trip(&mut stream, b"slow", SOON).await.unwrap(), b"slow");
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(300), "took {took:?}");
    proxy.heal();
    let started = Instant::now();
    round_trip(&mut stream, b"fast", SOON).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn a_throttle_limits_the_rate_and_lifts() {
    let proxy = proxy().await;
    let mut stream = connect(&proxy).await;
    proxy.throttle(64 * 1024);
    let started = Instant::now();
    let big = vec![7u8; 48 * 1024];
    assert_eq!(round_trip(&mut stream, &big, SOON).await.unwrap(), big);
    // 48 KiB at 64 KiB/s takes 0.75 s one way (the way back overlaps).
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(750), "took {took:?}");
    proxy.heal();
    round_trip(&mut stream, b"fast", SOON).await.unwrap();
}

#[tokio::test]
async fn cuts_live_connections_with_a_reset_or_a_close() {
    let proxy = proxy().await;
    let mut reset = connect(&proxy).await;
    round_trip(&mut reset, b"a", SOON).await.unwrap();
    proxy.cut(Cut::Reset);
    let mut buf = [0; 1];
    let read = tokio::time::timeout(SOON, reset.read(&mut buf)).await.unwrap();
    assert_eq!(read.unwrap_err().kind(), std::io::ErrorKind::ConnectionReset);

    let mut closed = connect(&proxy).await;
    round_trip(&mut closed, b"b", SOON).await.unwrap();
    proxy.cut(Cut::Close);
    let read = tokio::time::timeout(SOON, closed.read(&mut buf)).await.unwrap();
    assert_eq!(read.unwrap(), 0);
    assert_eq!(proxy.stats().cut, 2);
    // New connections are not affected.
    let mut fresh = connect(&proxy).await;
    assert_eq!(round_trip(&mut fresh, b"c", SOON).await.unwrap(), b"c");
}

#[tokio::test]
async fn a_frozen_connection_stays_open_and_silent_while_new_ones_work() {
    let proxy = proxy().await;
    let mut frozen = connect(&proxy).await;
    round_trip(&mut frozen, b"before", SOON).await.unwrap();
    proxy.freeze_live();
    let silent = round_trip(&mut frozen, b"after", Duration::from_millis(300)).await;
    assert_eq!(silent.unwrap_err().kind(), std::io::ErrorKind::TimedOut);
    let mut fresh = connect(&proxy).await;
    assert_eq!(round_trip(&mut fresh, b"fresh", SOON).await.unwrap(), b"fresh");
    proxy.heal();
    let still = round_trip(&mut frozen, b"", Duration::from_millis(300)).await;
    let mut back = [0; 5];
    let read = tokio::time::timeout(Duration::from_millis(300), frozen.read_exact(&mut back)).await;
    assert!(still.is_ok() && read.is_err(), "a frozen connection stays frozen");
}

#[tokio::test]
async fn a_held_connection_goes_through_after_a_later_one() {
    let proxy = proxy().await;
    proxy.hold_next();
    let mut first = connect(&proxy).await;
    let held = round_trip(&mut first, b"first", Duration::from_millis(300)).await;
    assert_eq!(held.unwrap_err().kind(), std::io::ErrorKind::TimedOut);
    let mut second = connect(&proxy).await;
    let started = Instant::now();
    assert_eq!(round_trip(&mut second, b"second", SOON).await.unwrap(), b"second");
    let mut back = [0; 5];
    tokio::time::timeout(SOON, first.read_exact(&mut back))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&back, b"first");
    assert!(
        started.elapsed() < LONGEST_HOLD,
        "released by the later connection, not the deadline"
    );
    assert_eq!(proxy.stats().held, 1);
}
