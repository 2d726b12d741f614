//! A federation-wide leak check across real nodes: five node processes in a
//! line (XAA — ECOWAS — AU — UN HQ — civil society) with the example sharing
//! policies of every set, XAA's hop limit lowered to one. Each publishes an
//! assessment at every TLP level and two risk levels, every field carrying
//! a marker of its own; ECOWAS sends a TLP:RED warning to the AU alone, XAA
//! a TLP:AMBER one to ECOWAS and the AU. Once a CLEAR warning from each node
//! has reached every node it can (statements travel in origin order, on
//! the same path), the nodes stop and everything each ever received is
//! searched — every file of its data directory, every inbox envelope
//! decoded, and its whole trace-level log: no source, note, trigger,
//! response option or admin-2 p-code of another node's assessment, no
//! narrative or statement beyond what the policy, TLP and hop limit allow —
//! and what they allow did arrive, exactly.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "federation_wide_leaks/corpus.rs"]
mod corpus;
#[path = "federation_wide_leaks/nodes.rs"]
mod nodes;
#[path = "federation_wide_leaks/search.rs"]
mod search;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};
use tocsin_proto::v1 as pb;
use tocsin_server::federation::open_bytes;
use tocsin_server::federation::received::relays_of;
use tocsin_server::model::marking::Tlp;
use tocsin_server::model::statement::{Disclosure, StatementBody};
use tocsin_server::store::{InboxEntry, Store};
use tocsin_tests::federation::OrgSpec;
use tocsin_tests::federation_files::FederationFiles;

use corpus::{Case, LINE, cases, hop_limit, reachable};
use nodes::{Node, warning};
use search::Index;

const TEST_LIMIT: Duration = Duration::from_secs(170);
const RED_WARNING: &str = "WRED[ecowas to au]";
const AMBER_WARNING: &str = "WAMBER[xaa to ecowas and au]";

fn specs() -> Vec<OrgSpec> {
    let spec = |id, kind, groups, subscribe| OrgSpec {
        id,
        kind,
        groups,
        sharing: Some(id),
        subscribe,
    };
    vec![
        spec("xaa", "member_state", &["ecowas", "au"], &["ecowas"]),
        spec("ecowas", "regional_body", &["au", "ecowas"], &["xaa", "au"]),
        spec("au", "regional_body", &["au"], &["ecowas", "un-hq"]),
        spec("un-hq", "un_office", &["un-system"], &["au", "civil-society"]),
        spec("civil-society", "civil_society", &[], &["un-hq"]),
    ]
}

fn tlp(tlp: pb::Tlp) -> Tlp {
    match tlp {
        pb::Tlp::Clear | pb::Tlp::Unspecified => Tlp::Clear,
        pb::Tlp::Green => Tlp::Green,
        pb::Tlp::Amber => Tlp::Amber,
        pb::Tlp::AmberStrict => Tlp::AmberStrict,
        pb::Tlp::Red => Tlp::Red,
    }
}

/// Everything one node ever held or said, gathered after it stopped.
struct Gathered {
    log: String,
    files: usize,
    bytes: usize,
    inbox: Vec<InboxEntry>,
    /// The markers in its files (bytes that are not UTF-8 replaced: markers
    /// are ASCII), in its inbox envelopes (the store keeps them in base64)
    /// and in its log (as `log`).
    index: Index,
}

impl Gathered {
    /// Where `marker` is: file names, inbox entries and `log`.
    fn find(&self, marker: &str) -> Vec<String> {
        self.index.find(marker)
    }
}

fn files_under(dir: &Path, into: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, into);
        } else {
            let bytes = std::fs::read(&path).unwrap();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            into.push((path.display().to_string(), text));
        }
    }
}

/// Stops every node at once (each takes its time to shut down) and gathers
/// what each held.
async fn gather(nodes: BTreeMap<&'static str, Node>) -> BTreeMap<&'static str, Gathered> {
    let mut stopping = tokio::task::JoinSet::new();
    for (org, node) in nodes {
        let Node { process, data, .. } = node;
        stopping.spawn(async move {
            let log = match process.terminate().await {
                Ok(log) => log,
                Err(e) => panic!("stopping `{org}`: {e:#}"),
            };
            (org, log, data)
        });
    }
    let mut gathered = BTreeMap::new();
    while let Some(stopped) = stopping.join_next().await {
        let (org, log, data) = stopped.unwrap();
        let mut files = Vec::new();
        files_under(data.path(), &mut files);
        let inbox = Store::open(&data.path().join("store")).unwrap().inbox().unwrap();
        let mut index = Index::default();
        index.add("log", &log);
        let bytes = files.iter().map(|(_, text)| text.len()).sum();
        for (name, text) in &files {
            index.add(name, text);
        }
        for entry in &inbox {
            let mut bytes = entry.envelope.clone();
            bytes.extend(entry.relays.iter().flatten());
            index.add(
                &format!("inbox `{}`", entry.statement_id),
                &String::from_utf8_lossy(&bytes),
            );
        }
        let files = files.len();
        gathered.insert(
            org,
            Gathered {
                log,
                files,
                bytes,
                inbox,
                index,
            },
        );
    }
    gathered
}

/// Decodes each inbox entry of `node` and checks it against the TLP rules,
/// its origin's hop limit and what the case allows; returns, per case
/// index, the union of what the views held disclose.
fn check_inbox(
    node: &str,
    gathered: &Gathered,
    cases: &BTreeMap<(String, String), usize>,
    all: &[Case],
    directory: &tocsin_server::federation::Directory,
    faults: &mut Vec<String>,
) -> BTreeMap<usize, BTreeSet<Disclosure>> {
    let mut held: BTreeMap<usize, BTreeSet<Disclosure>> = BTreeMap::new();
    for entry in &gathered.inbox {
        let statement = open_bytes(&entry.envelope, directory, 1 << 20)
            .unwrap_or_else(|e| {
                panic!(
                    "`{node}` holds `{}`, which does not verify: {e}",
                    entry.statement_id
                )
            })
            .into_value();
        let relays = relays_of(entry);
        let what = format!(
            "`{node}` holds `{}` ({}, relays {relays:?})",
            statement.id, statement.tlp
        );
        if !relays.is_empty() && !statement.tlp.may_relay() {
            faults.push(format!("{what}: relayed beyond its TLP"));
        }
        let limit = hop_limit(&statement.origin);
        if statement.audience.hop_limit != limit || relays.len() > limit as usize {
            faults.push(format!("{what}: beyond hop limit {limit}"));
        }
        if statement.tlp == Tlp::Red && (!relays.is_empty() || !statement.audience.recipients.contains(node))
        {
            faults.push(format!("{what}: TLP:RED not named to it"));
        }
        let StatementBody::AssessmentSummary(summary) = &statement.body else {
            continue;
        };
        let Some(&index) = cases.get(&(statement.origin.clone(), summary.assessment_id.clone())) else {
            faults.push(format!("{what}: of no assessment of the set"));
            continue;
        };
        let case = &all[index];
        let allowed = case.expected(node).unwrap_or_default();
        if !allowed.is_superset(&summary.disclosed) {
            faults.push(format!(
                "{what}: discloses {:?}, allowed {allowed:?}",
                summary.disclosed
            ));
        }
        if statement.tlp != tlp(case.tlp) {
            faults.push(format!("{what}: marked otherwise than {:?}", case.tlp));
        }
        let disclosed = |d| summary.disclosed.contains(&d);
        let indicators = summary.factors.iter().flatten().any(|f| f.indicators.is_some());
        if summary.factors.is_some() != disclosed(Disclosure::Factors)
            || indicators != disclosed(Disclosure::Indicators)
            || summary.narrative.is_some() != disclosed(Disclosure::Narrative)
            || !summary.situation.admin2.is_empty()
        {
            faults.push(format!(
                "{what}: fields beyond {:?}: {summary:?}",
                summary.disclosed
            ));
        }
        held.entry(index)
            .or_default()
            .extend(summary.disclosed.iter().copied());
    }
    held
}

/// Markers of `cases` and of the warnings where `node` must not have them,
/// and those it must have; returns how many of its own assessments' local
/// markers other than sources its log shows.
fn check_markers(node: &str, gathered: &Gathered, all: &[Case], faults: &mut Vec<String>) -> usize {
    let mut own_logged = 0;
    let check = |marker: &str, allowed: bool, why: &str| {
        let found = gathered.find(marker);
        if allowed && found.iter().all(|f| f == "log") {
            Some(format!(
                "`{node}` should hold `{marker}` ({why}) but its files do not"
            ))
        } else if !allowed && !found.is_empty() {
            Some(format!("`{node}` has `{marker}` ({why}) in {found:?}"))
        } else {
            None
        }
    };
    for case in all {
        if case.origin == node {
            // Its own store holds everything; sources stay out of every
            // log, the origin's own included.
            faults.extend(check(&case.narrative, true, "its own assessment"));
            for source in &case.sources {
                if gathered.log.contains(source.as_str()) {
                    faults.push(format!("`{node}` logged its own source `{source}`"));
                }
            }
            own_logged += case.local[2..]
                .iter()
                .filter(|m| gathered.log.contains(m.as_str()))
                .count();
            continue;
        }
        for local in &case.local {
            faults.extend(check(local, false, "never leaves its origin"));
        }
        let expected = case.expected(node);
        faults.extend(check(&case.title, expected.is_some(), "the statement"));
        let narrated = expected.is_some_and(|e| e.contains(&Disclosure::Narrative));
        faults.extend(check(&case.narrative, narrated, "the narrative"));
    }
    faults.extend(check(
        RED_WARNING,
        ["ecowas", "au"].contains(&node),
        "TLP:RED, named to the AU",
    ));
    faults.extend(check(
        AMBER_WARNING,
        ["xaa", "ecowas"].contains(&node),
        "TLP:AMBER, never relayed",
    ));
    own_logged
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_leaves_a_node_beyond_policy_tlp_and_hop_limit() {
    tokio::time::timeout(TEST_LIMIT, leak_check()).await.unwrap();
}

async fn leak_check() {
    let started = Instant::now();
    let mut files = FederationFiles::create(&specs()).unwrap();
    files.set("xaa", "TOCSIN_FEDERATION_HOP_LIMIT", "1").unwrap();
    let directory = files.directory().unwrap();
    let mut nodes = BTreeMap::new();
    for org in LINE {
        nodes.insert(org, Node::start(&files, org).await.unwrap());
    }
    let all = cases();
    let mut by_id: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut clear: BTreeMap<&str, (String, &'static str)> = BTreeMap::new();
    for org in LINE {
        let own: Vec<usize> = (0..all.len()).filter(|i| all[*i].origin == org).collect();
        let contents = own.iter().map(|i| all[*i].content()).collect();
        let ids = nodes[org].publish(contents).await.unwrap();
        for (index, id) in own.into_iter().zip(ids) {
            let country = if org == "xaa" { "XAA" } else { "NGA" };
            if all[index].tlp == pb::Tlp::Clear {
                clear.insert(org, (id.clone(), country));
            }
            by_id.insert((org.to_owned(), id), index);
        }
    }
    println!(
        "leaks: published {} assessments in {:.1?}",
        all.len(),
        started.elapsed()
    );

    let (ecowas_base, _) = &clear["ecowas"];
    let red = warning(ecowas_base, &["NGA"], RED_WARNING, pb::Tlp::Red, &["au"]);
    let red = nodes["ecowas"].issue(red).await.unwrap();
    let (xaa_base, _) = &clear["xaa"];
    let amber = warning(
        xaa_base,
        &["XAA"],
        AMBER_WARNING,
        pb::Tlp::Amber,
        &["ecowas", "au"],
    );
    let amber = nodes["xaa"].issue(amber).await.unwrap();
    // A CLEAR warning from each node to all others, issued after all it
    // sent; once it arrived somewhere, so did everything before it.
    let mut wanted: BTreeMap<&str, BTreeSet<(String, String)>> = BTreeMap::new();
    wanted.entry("au").or_default().insert(("ecowas".into(), red));
    wanted.entry("ecowas").or_default().insert(("xaa".into(), amber));
    for origin in LINE {
        let (base, country) = &clear[origin];
        let others: Vec<&str> = LINE.iter().copied().filter(|o| *o != origin).collect();
        let text = format!("BARRIER[{origin}]");
        let barrier = warning(base, &[country], &text, pb::Tlp::Clear, &others);
        let id = nodes[origin].issue(barrier).await.unwrap();
        for node in LINE.iter().filter(|n| reachable(origin, n)) {
            wanted
                .entry(node)
                .or_default()
                .insert((origin.to_owned(), id.clone()));
        }
    }
    for (node, wanted) in wanted {
        nodes[node].wait_for(wanted).await.unwrap();
    }
    println!(
        "leaks: every warning arrived {:.1?} after the start",
        started.elapsed()
    );

    let stopping = Instant::now();
    let gathered = gather(nodes).await;
    println!("leaks: stopped and gathered in {:.1?}", stopping.elapsed());
    let mut faults = Vec::new();
    let mut summary = Vec::new();
    for (node, held) in &gathered {
        assert!(held.log.contains("TRACE"), "`{node}` did not log at trace level");
        let own_logged = check_markers(node, held, &all, &mut faults);
        let views = check_inbox(node, held, &by_id, &all, &directory, &mut faults);
        for (index, case) in all.iter().enumerate().filter(|(_, c)| c.origin != *node) {
            let expected = case.expected(node);
            let got = views.get(&index).cloned();
            if got != expected {
                faults.push(format!(
                    "`{node}` holds {got:?} of {}, expected {expected:?}",
                    case.title
                ));
            }
        }
        summary.push(format!(
            "{node}: {} inbox entries, {} views of the set, {} files ({} bytes), log {} bytes \
             ({own_logged} local markers of its own assessments in it)",
            held.inbox.len(),
            views.len(),
            held.files,
            held.bytes,
            held.log.len()
        ));
    }
    for line in &summary {
        println!("leaks: {line}");
    }
    println!("leaks: checked in {:.1?}", started.elapsed());
    assert!(
        faults.is_empty(),
        "{} faults:\n{}",
        faults.len(),
        faults.join("\n")
    );
}
