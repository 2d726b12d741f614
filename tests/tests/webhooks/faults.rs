//! Webhook deliveries through a faulty link: the receiver sits behind a
//! fault proxy that refuses, stalls, delays and cuts connections (mid-request
//! and mid-response) on a seeded schedule while warnings are issued and
//! acknowledged. Once the link heals, every event has been accepted, the
//! first acceptances come in event order, and a repeat — possible only when
//! a cut took the answer away — carries the same delivery id and body, so a
//! receiver that drops repeats by id sees each event exactly once.

use super::*;
use std::collections::BTreeMap;
use tocsin_tests::fault_proxy::{Cut, FaultProxy};
use tocsin_tests::https_receiver::Receiver;
use tokio::sync::watch;

const WARNINGS: usize = 6;
/// Faults applied at least, however soon the events are all raised.
const MIN_FAULTS: usize = 12;

/// SplitMix64: the schedule is a function of the seed.
struct Rng(u64);

impl Rng {
    fn between(&mut self, low: u64, high: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        low + (z ^ (z >> 31)) % (high - low)
    }
}

fn seed() -> u64 {
    match std::env::var("TOCSIN_FAULT_SEED") {
        Ok(text) => text.trim().parse().expect("TOCSIN_FAULT_SEED is a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
    }
}

/// Applies one fault after another, `MIN_FAULTS` at least, until `stop` is
/// set, counting them in `applied`; the faults applied.
async fn faults(
    proxy: &FaultProxy,
    seed: u64,
    applied: &watch::Sender<usize>,
    mut stop: watch::Receiver<bool>,
) -> Vec<String> {
    let mut rng = Rng(seed);
    let mut log = Vec::new();
    while log.len() < MIN_FAULTS || !*stop.borrow() {
        let hold = Duration::from_millis(rng.between(100, 700));
        let what = match rng.between(0, 5) {
            0 => {
                proxy.drop_new(true);
                "refuse new connections"
            }
            1 => {
                proxy.stall(true);
                "stall"
            }
            2 => {
                proxy.delay(Duration::from_millis(rng.between(50, 400)));
                "delay"
            }
            3 => {
                proxy.cut(Cut::Reset);
                "cut (reset)"
            }
            _ => {
                proxy.cut(Cut::Close);
                "cut (close)"
            }
        };
        log.push(format!("{what} for {hold:?}"));
        applied.send_replace(log.len());
        if log.len() < MIN_FAULTS {
            tokio::time::sleep(hold).await;
        } else {
            let _ = tokio::time::timeout(hold, stop.wait_for(|s| *s)).await;
        }
        proxy.heal();
    }
    log
}

#[tokio::test]
async fn deliveries_through_a_faulty_link_arrive_in_order_and_repeat_only_by_id() {
    let seed = seed();
    println!("fault seed {seed} (replay with TOCSIN_FAULT_SEED={seed})");
    let pki = Pki::generate().unwrap();
    let files = tempfile::tempdir().unwrap();
    let env = webhook_env(&pki.write_ca(files.path()).unwrap(), 100);
    let node = start(&env).await;

    let receiver = Receiver::new(SECRET, 204);
    let serving = receiver.serve(&pki, ([127, 0, 0, 1], 0).into()).await.unwrap();
    let proxy = FaultProxy::start("node->receiver", serving.addr).await.unwrap();
    let url = format!("https://localhost:{}/hook", proxy.port());
    webhook_subscription(&node, &url, &["XAA"]).await;
    let assessment = publish(&node, "XAA").await;

    let (stop, stopped) = watch::channel(false);
    let applied = watch::Sender::new(0);
    let schedule = faults(&proxy, seed, &applied, stopped);
    let work = async {
        let mut ids = Vec::new();
        let mut faults_seen = applied.subscribe();
        for i in 0..WARNINGS {
            // Events spread over the schedule: two faults between warnings.
            faults_seen.wait_for(|n| *n >= 2 * i).await.unwrap();
            let headline = format!("Hate speech surges in Northern XAA, report {i}");
            let about = About {
                assessment: &assessment,
                country: "XAA",
                level: "warning",
                crime: pb::Crime::CrimesAgainstHumanity,
                tlp: pb::Tlp::Green,
                headline: &headline,
            };
            let warning = raise_and_issue(&node, &about).await;
            acknowledge(&node, &warning.id).await;
            ids.push(warning.id);
        }
        stop.send_replace(true);
        ids
    };
    let (log, ids) = tokio::join!(schedule, work);
    println!("{} faults: {log:?}", log.len());
    println!("{:?}", proxy.stats());

    let everything = |got: &[Delivery]| ids.iter().all(|id| has(got, id, "acknowledged"));
    let got = receiver.until(DEADLINE, everything).await.unwrap();
    let accepted: Vec<&Delivery> = got.iter().filter(|d| d.accepted()).collect();
    let mut first: BTreeMap<&str, &Delivery> = BTreeMap::new();
    let mut order = Vec::new();
    for delivery in &accepted {
        assert!(delivery.signed, "bad signature on {}", delivery.id);
        match first.get(delivery.id.as_str()) {
            Some(earlier) => assert_eq!(
                earlier.raw, delivery.raw,
                "a repeat of {} carried another body",
                delivery.id
            ),
            None => {
                first.insert(&delivery.id, delivery);
                order.push(delivery);
            }
        }
    }
    // Every event, once by id: issued and acknowledged for each warning.
    let mut expected: Vec<(String, &str)> = Vec::new();
    for id in &ids {
        expected.push((id.clone(), "issued"));
        expected.push((id.clone(), "acknowledged"));
    }
    let events: Vec<(String, &str)> = order
        .iter()
        .map(|d| {
            let warning = d.body["warning"]["id"].as_str().unwrap().to_owned();
            (warning, d.body["event"].as_str().unwrap_or_default())
        })
        .collect();
    assert_eq!(events, expected, "each event once, in the order it happened");
    let repeats = accepted.len() - order.len();
    println!("{} accepted, {repeats} repeats", accepted.len());
    if proxy.stats().cut == 0 {
        assert_eq!(repeats, 0, "a repeat without a cut connection");
    }
}
