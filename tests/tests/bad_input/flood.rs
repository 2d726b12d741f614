//! Floods from one client: 200 `WatchWarnings` streams on one connection,
//! requests that are small on the wire but costly to check, and slow-loris
//! connections (silent TCP, a ClientHello sent a byte at a time, and after a
//! complete TLS handshake an HTTP/2 preface and a HEADERS frame sent a byte
//! at a time). Other clients must be served meanwhile.

use std::sync::Arc;
use std::time::Duration;

use tocsin_client::connect::{Bearer, authorised, authorised_warnings};
use tocsin_client::verifier::{Presented, Trust, client_config};
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::subscription_service_client::SubscriptionServiceClient;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::{Bystander, DEADLINE, Fixture};

const STREAMS: usize = 200;

/// Slow connections of each kind.
const SLOW: usize = 20;

/// The pause between two bytes of a slow connection.
const TRICKLE: Duration = Duration::from_millis(200);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_streams_from_one_client_leave_others_served() {
    let fixture = Fixture::start().await;
    let mut bystander = Bystander::start(&fixture).await;
    let flooder = authorised_warnings(fixture.node.channel().await.unwrap(), &fixture.token).unwrap();
    let mut opening = JoinSet::new();
    for _ in 0..STREAMS {
        let mut client = flooder.clone();
        opening.spawn(async move {
            client
                .watch_warnings(pb::WatchWarningsRequest::default())
                .await
                .map(tonic::Response::into_inner)
        });
    }
    let opened = tokio::time::timeout(DEADLINE, opening.join_all())
        .await
        .expect("200 streams open within the deadline");
    let mut streams: Vec<_> = opened.into_iter().collect::<Result<_, _>>().unwrap();
    assert_eq!(streams.len(), STREAMS);

    // While every stream is open, others are served, and one of them
    // issues a warning that every stream then hears of.
    bystander.serve(3).await;
    let mut same = flooder.clone();
    tokio::time::timeout(DEADLINE, same.list_warnings(pb::ListWarningsRequest::default()))
        .await
        .expect("a unary call beside the 200 streams is answered within the deadline")
        .unwrap();
    let mut reviewer = authorised_warnings(fixture.node.channel().await.unwrap(), &fixture.observer).unwrap();
    tokio::time::timeout(
        DEADLINE,
        reviewer.issue_warning(pb::IssueWarningRequest {
            id: fixture.draft_id.clone(),
        }),
    )
    .await
    .expect("the issue call is answered within the deadline")
    .unwrap();
    for (i, stream) in streams.iter_mut().enumerate() {
        let heard = tokio::time::timeout(DEADLINE, async {
            loop {
                let event = stream
                    .message()
                    .await?
                    .ok_or_else(|| tonic::Status::aborted("ended"))?;
                if event.kind == "issued" && event.warning.is_some_and(|w| w.id == fixture.draft_id) {
                    return Ok::<_, tonic::Status>(());
                }
            }
        })
        .await;
        assert!(
            matches!(heard, Ok(Ok(()))),
            "stream {i} did not hear of the issue: {heard:?}"
        );
    }
    bystander.serve(1).await;
    bystander.finish().await;

    // Closed again, the flooder's own connection serves a unary call.
    drop(streams);
    let mut flooder = flooder;
    tokio::time::timeout(
        DEADLINE,
        flooder.list_warnings(pb::ListWarningsRequest::default()),
    )
    .await
    .expect("answered within the deadline")
    .unwrap();
}

/// As many costly requests as the node's runtime has worker threads, each
/// small on the wire (100,000 copies of one country, 500 KB): refused by
/// the count limit, they must neither take long nor stall others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn costly_requests_from_one_client_leave_others_served() {
    let fixture = Fixture::start().await;
    let mut bystander = Bystander::start(&fixture).await;
    let channel = fixture.node.channel().await.unwrap();
    let mut costly = JoinSet::new();
    for _ in 0..2 {
        let mut client = SubscriptionServiceClient::with_interceptor(
            channel.clone(),
            Bearer::new(&fixture.token).unwrap(),
        );
        costly.spawn(async move {
            let request = pb::CreateSubscriptionRequest {
                filters: Some(pb::SubscriptionFilters {
                    countries: vec!["XAA".into(); 100_000],
                    ..Default::default()
                }),
                ..Default::default()
            };
            tokio::time::timeout(DEADLINE, client.create_subscription(request)).await
        });
    }
    bystander.serve(3).await;
    let answers = costly.join_all().await;
    let served = bystander.finish().await;
    for answer in answers {
        let status = answer
            .expect("refused within the deadline")
            .expect_err("100,000 countries are refused");
        assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
        assert!(status.message().contains("filters.countries"), "{status:?}");
    }
    assert!(served.slowest < DEADLINE, "{served:?}");
}

/// How one slow connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trickled {
    /// Still open when told to stop, after sending that many bytes.
    Open(usize),
    /// The node closed it after that many bytes.
    Closed(usize),
}

/// Sends `bytes` one at a time, a `TRICKLE` apart, until `stop` or the
/// node closes the connection; what the node sends is read and dropped.
async fn trickle<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    mut bytes: impl Iterator<Item = u8>,
    mut stop: watch::Receiver<bool>,
) -> Trickled {
    let mut sent = 0;
    let mut buf = [0; 4096];
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return Trickled::Open(sent),
            read = stream.read(&mut buf) => match read {
                Ok(0) | Err(_) => return Trickled::Closed(sent),
                Ok(_) => continue,
            },
            () = tokio::time::sleep(TRICKLE) => {}
        }
        let Some(byte) = bytes.next() else { continue };
        if stream.write_all(&[byte]).await.is_err() || stream.flush().await.is_err() {
            return Trickled::Closed(sent);
        }
        sent += 1;
    }
}

/// The HTTP/2 preface, an empty SETTINGS frame, then a HEADERS frame that
/// announces 16 KiB of header block and never ends.
fn slow_request() -> impl Iterator<Item = u8> {
    let mut start = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    start.extend([0, 0, 0, 4, 0, 0, 0, 0, 0]);
    start.extend([0x00, 0x40, 0x00, 0x01, 0x04, 0, 0, 0, 1]);
    start.into_iter().chain(std::iter::repeat(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_loris_connections_leave_others_served() {
    let fixture = Fixture::start().await;
    let mut bystander = Bystander::start(&fixture).await;
    let config =
        Arc::new(client_config(Some(&Trust::Pin(fixture.node.fingerprint)), &Presented::default()).unwrap());
    let name = fixture.node.url.server_name().unwrap();
    let address = fixture.node.url.authority();
    let (stop, stopped) = watch::channel(false);
    let mut slow = JoinSet::new();
    for _ in 0..SLOW {
        let silent = TcpStream::connect(&address).await.unwrap();
        slow.spawn(labelled(
            "silent TCP",
            trickle(silent, std::iter::empty(), stopped.clone()),
        ));

        let mut hello = Vec::new();
        rustls::ClientConnection::new(config.clone(), name.clone())
            .unwrap()
            .write_tls(&mut hello)
            .unwrap();
        let handshake = TcpStream::connect(&address).await.unwrap();
        slow.spawn(labelled(
            "slow ClientHello",
            trickle(handshake, hello.into_iter(), stopped.clone()),
        ));

        let tcp = TcpStream::connect(&address).await.unwrap();
        let tls = tokio_rustls::TlsConnector::from(config.clone())
            .connect(name.clone(), tcp)
            .await
            .expect("the TLS handshake completes");
        slow.spawn(labelled(
            "slow HTTP/2 request",
            trickle(tls, slow_request(), stopped.clone()),
        ));
    }

    // Every slow connection is open and trickling; others are served, over
    // new connections each time.
    bystander.serve(10).await;
    let mut client = authorised(fixture.node.channel().await.unwrap(), &fixture.token).unwrap();
    tokio::time::timeout(DEADLINE, client.who_am_i(pb::WhoAmIRequest {}))
        .await
        .expect("answered within the deadline")
        .unwrap();
    let served = bystander.finish().await;
    assert!(served.rounds >= 11, "{served:?}");

    stop.send_replace(true);
    let ended = slow.join_all().await;
    let closed: Vec<_> = ended
        .iter()
        .filter(|(_, t)| matches!(t, Trickled::Closed(_)))
        .collect();
    println!("slow connections the node closed: {closed:?} of {}", ended.len());
}

/// A slow connection's outcome, labelled with its kind.
async fn labelled(kind: &'static str, trickled: impl Future<Output = Trickled>) -> (&'static str, Trickled) {
    (kind, trickled.await)
}
