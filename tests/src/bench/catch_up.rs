//! The `catch-up` scenario: a peer returns after `N` statements were
//! published at the node it subscribes to; how long until it holds them all.

use anyhow::{Result, bail};
use std::time::{Duration, Instant};

use super::publish::{inbox_count, publish_many};
use super::report::{Report, Row};
use crate::federation::OrgSpec;
use crate::federation_files::FederationFiles;
use crate::federation_nodes::{Federation, dev_token};

/// XAA publishing, ECOWAS subscribing to it.
fn pair() -> Vec<OrgSpec> {
    vec![
        OrgSpec {
            id: "xaa",
            kind: "member_state",
            groups: &["ecowas", "au"],
            sharing: Some("xaa"),
            subscribe: &[],
        },
        OrgSpec {
            id: "ecowas",
            kind: "regional_body",
            groups: &["au", "ecowas"],
            sharing: Some("ecowas"),
            subscribe: &["xaa"],
        },
    ]
}

/// How often the returning peer's inbox is counted.
const POLL: Duration = Duration::from_millis(50);

/// Runs `repetitions` rounds of: stop ECOWAS, publish `count` at XAA
/// (`in_flight` at once), start ECOWAS, time until its inbox holds them.
pub async fn catch_up(
    report: &mut Report,
    count: usize,
    repetitions: usize,
    in_flight: usize,
    within: Duration,
) -> Result<()> {
    let files = FederationFiles::create(&pair())?;
    let mut federation = Federation::start(files, &["xaa", "ecowas"]).await?;
    let xaa = federation.node("xaa")?;
    let issuer = xaa.dev_issuer()?;
    let analyst = xaa.client(&dev_token(issuer, "ada", "analyst").await?).await?;
    let reviewer = xaa.client(&dev_token(issuer, "rev", "reviewer").await?).await?;
    // Warm-up: one statement across while both run.
    publish_many(&analyst, &reviewer, "catch-up warm-up", 1, 1).await?;
    let mut expected = 1;
    wait_for_count(&federation, expected, within).await?;

    let (mut catch_ups, mut rates) = (Vec::new(), Vec::new());
    for round in 0..repetitions {
        federation.stop("ecowas").await?;
        let label = format!("catch-up round {}", round + 1);
        let took = publish_many(&analyst, &reviewer, &label, count, in_flight).await?;
        rates.push(count as f64 / took.as_secs_f64());
        expected += count;
        federation.start_node("ecowas").await?;
        let started = Instant::now();
        wait_for_count(&federation, expected, within).await?;
        let took = started.elapsed();
        println!("  {label}: {count} statements caught up in {took:.1?}");
        catch_ups.push(took);
    }
    report.add(Row::of(
        "catch-up",
        "publish at origin (create+submit+publish)",
        "statements/s",
        &rates,
    ));
    let measure = format!("{count} statements: restart → all in inbox");
    report.add(Row::of(
        "catch-up",
        &measure,
        "s",
        &catch_ups.iter().map(Duration::as_secs_f64).collect::<Vec<_>>(),
    ));
    let per_second: Vec<f64> = catch_ups.iter().map(|d| count as f64 / d.as_secs_f64()).collect();
    report.add(Row::of(
        "catch-up",
        "catch-up throughput",
        "statements/s",
        &per_second,
    ));
    report.note(format!(
        "catch-up: ECOWAS is stopped cleanly, XAA publishes {count} TLP:GREEN assessments ({in_flight} \
         in flight), ECOWAS starts again on its data directory; timed from its start until its inbox \
         holds every statement (counted every {POLL:?})."
    ));
    Ok(())
}

async fn wait_for_count(federation: &Federation, expected: usize, within: Duration) -> Result<()> {
    let store = federation.running("ecowas")?.store();
    let started = Instant::now();
    loop {
        let held = inbox_count(store)?;
        if held >= expected {
            return Ok(());
        }
        if started.elapsed() > within {
            bail!("`ecowas` holds {held} of {expected} statements after {within:?}");
        }
        tokio::time::sleep(POLL).await;
    }
}
