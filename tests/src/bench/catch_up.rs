//! The `catch-up` scenario: a peer returns after `N` statements were
//! published at the node it subscribes to; how long until it holds them all.

use anyhow::Result;
use std::time::{Duration, Instant};

use super::publish::publish_many;
use super::report::{Report, Row};
use crate::federation::xaa_and_ecowas;
use crate::federation_files::FederationFiles;
use crate::federation_nodes::{Federation, dev_token};

/// Runs `repetitions` rounds of: stop ECOWAS, publish `count` at XAA
/// (`in_flight` at once) and wait until XAA has projected them into its
/// outbox, start ECOWAS, time until it has stored them all.
pub async fn catch_up(
    report: &mut Report,
    count: usize,
    repetitions: usize,
    in_flight: usize,
    within: Duration,
) -> Result<()> {
    let files = FederationFiles::create(&xaa_and_ecowas())?;
    let mut federation = Federation::start(files, &["xaa", "ecowas"]).await?;
    let xaa = federation.node("xaa")?;
    let issuer = xaa.dev_issuer()?;
    let analyst = xaa.client(&dev_token(issuer, "ada", "analyst").await?).await?;
    let reviewer = xaa.client(&dev_token(issuer, "rev", "reviewer").await?).await?;
    // Warm-up: one statement across while both run.
    publish_many(&analyst, &reviewer, "catch-up warm-up", 1, 1).await?;
    federation.wait_for_stored("ecowas", 1, within).await?;

    let (mut catch_ups, mut rates) = (Vec::new(), Vec::new());
    for round in 0..repetitions {
        federation.stop("ecowas").await?;
        let label = format!("catch-up round {}", round + 1);
        let head = federation.running("xaa")?.store().outbox_head()?;
        let took = publish_many(&analyst, &reviewer, &label, count, in_flight).await?;
        rates.push(count as f64 / took.as_secs_f64());
        federation
            .wait_for_outbox("xaa", head + count as u64, within)
            .await?;
        federation.start_node("ecowas").await?;
        let started = Instant::now();
        federation.wait_for_stored("ecowas", count as u64, within).await?;
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
         in flight), XAA has projected them all into its outbox, ECOWAS starts again on its data \
         directory; timed from its start until it has stored every statement (on its inbox \
         watch, without polling)."
    ));
    Ok(())
}
