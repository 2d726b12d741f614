//! The `taxii` scenario: the same objects added in batches and paged back
//! on Tocsin and, side by side, on the OASIS TAXII 2.1 reference server
//! (medallion), in objects per second, with the ratio Tocsin/medallion.

use anyhow::Result;
use std::time::Duration;

use super::report::{Report, Row};
use super::{taxii_medallion, taxii_tocsin};

/// Objects per add request and per page read back, on both sides.
pub const BATCH: usize = 100;
/// What the scenario is measured against: Tocsin's add-and-page-back
/// throughput at least this many times medallion's.
const GOAL: f64 = 50.0;

/// How long one side took to add and to page back `objects` objects, and
/// how big one object was on its wire.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    pub objects: usize,
    pub add: Duration,
    pub page: Duration,
    /// Mean bytes of one object as sent: a signed envelope, or STIX JSON.
    pub object_bytes: usize,
}

impl Timings {
    fn rate(&self, took: Duration) -> f64 {
        self.objects as f64 / took.as_secs_f64()
    }

    /// Objects per second through adding and then paging back, together.
    fn combined(&self) -> f64 {
        self.rate(self.add + self.page)
    }
}

/// One measure of a side's timings, in objects per second.
type Rate = fn(&Timings) -> f64;

/// The situation text both sides carry: a Tocsin narrative and a STIX
/// report's description, deterministic, about 600 characters.
pub fn narrative(index: usize) -> String {
    const PLACES: [&str; 5] = ["Kafa", "Dorin", "Tumbo", "Sela", "Marra"];
    let place = PLACES[index % PLACES.len()];
    let displaced = 1_200 + (index * 37) % 9_000;
    let incidents = 3 + index % 17;
    format!(
        "Benchmark assessment {index}. Reports from {place} district describe {incidents} incidents \
         in the past fortnight in which armed groups singled out members of one community at \
         checkpoints, burned two villages and blocked humanitarian access on the main road. \
         About {displaced} people have fled towards the regional capital. Hate speech on local \
         radio has intensified ahead of the contested elections, and militia leaders have called \
         for the community to be driven out. Local authorities have not responded and the police \
         presence was withdrawn last week. Early warning indicators: grievances over land, prior \
         mass violence, impunity, and mobilisation of armed groups along identity lines."
    )
}

/// Runs `objects` objects through medallion and through Tocsin, one round
/// each per repetition; medallion first, so that a missing Python fails
/// before Tocsin's side is spent.
pub async fn taxii(report: &mut Report, objects: usize, repetitions: usize) -> Result<()> {
    let venv = taxii_medallion::install().await?;
    let (mut tocsin, mut medallion) = (Vec::new(), Vec::new());
    for round in 1..=repetitions.max(1) {
        let theirs = taxii_medallion::round(&venv, objects).await?;
        shown("medallion", round, &theirs);
        medallion.push(theirs);
        let ours = taxii_tocsin::round(objects).await?;
        shown("tocsin", round, &ours);
        tocsin.push(ours);
    }
    let rates = |side: &[Timings], of: Rate| side.iter().map(of).collect::<Vec<_>>();
    let measures: [(&str, Rate); 3] = [
        ("add, batches of 100", |t| t.rate(t.add)),
        ("page back, pages of 100", |t| t.rate(t.page)),
        ("add + page back", Timings::combined),
    ];
    for (measure, of) in measures {
        for (side, timings) in [("tocsin", &tocsin), ("medallion", &medallion)] {
            let label = format!("{side}: {objects} objects, {measure}");
            report.add(Row::of("taxii", &label, "objects/s", &rates(timings, of)));
        }
        let ratios: Vec<f64> = tocsin
            .iter()
            .zip(&medallion)
            .map(|(ours, theirs)| of(ours) / of(theirs))
            .collect();
        report.add(Row::of(
            "taxii",
            &format!("tocsin/medallion, {measure}"),
            "×",
            &ratios,
        ));
    }
    let combined = |side: &[Timings]| median(&rates(side, Timings::combined));
    let ratio = combined(&tocsin) / combined(&medallion);
    let verdict = if ratio >= GOAL { "reached" } else { "not reached" };
    let (ours, theirs) = (&tocsin[0], &medallion[0]);
    report.note(format!(
        "taxii: the same {objects} deterministic objects (~{} bytes each as medallion receives \
         them: STIX 2.1 `report` JSON; ~{} bytes as Tocsin receives them: a signed TLP:GREEN \
         assessment summary with the same text as its narrative) added in batches of {BATCH} and \
         paged back {BATCH} a page. medallion {}: its memory backend on loopback HTTP with basic \
         auth; add is timed from the first POST until every status resource says complete (a \
         pending one is polled), page-back from the first GET until `more` is false, and the \
         page-back must count every object. {} Goal: add + page back at least \
         {GOAL:.0}× medallion's — {verdict} (median {ratio:.1}×).",
        theirs.object_bytes,
        ours.object_bytes,
        taxii_medallion::VERSION,
        taxii_tocsin::WHAT_IS_TIMED,
    ));
    Ok(())
}

fn shown(side: &str, round: usize, t: &Timings) {
    println!(
        "  taxii {side}, round {round}: {} added in {:.1?} ({:.0}/s), paged back in {:.1?} ({:.0}/s)",
        t.objects,
        t.add,
        t.rate(t.add),
        t.page,
        t.rate(t.page)
    );
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    super::report::percentile(&sorted, 50.0)
}
