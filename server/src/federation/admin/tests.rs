//! Tests of the administration views of XAA's node, with XAA's example
//! sharing policy and a directory of ECOWAS, the AU, UN HQ and an NGO.

use chrono::{DateTime, TimeZone, Utc};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::federation::directory::Directory;
use crate::model::assessment::{Assessment, OverallRisk};
use crate::model::fixtures;
use crate::model::marking::Tlp;
use crate::model::reference::ReferenceData;
use crate::model::signing::NodeKey;
use crate::model::statement::{Audience, Disclosure, Retraction, Statement, StatementBody};
use crate::model::verified::Verified;
use crate::policy::sharing::{SharingAction, SharingPolicy};
use crate::store::{Arrival, Store};

fn directory() -> Directory {
    let org = |id: &str, kind: &str, groups: &str| {
        format!(
            "[[organisation]]\nid = \"{id}\"\nname = \"{id} node\"\nkind = \"{kind}\"\n\
             groups = [{groups}]\nendpoint = \"https://{id}.example:7501\"\n"
        )
    };
    let text = [
        "ca_cert = \"ca.crt\"\n".to_owned(),
        org("xaa", "member_state", "\"ecowas\", \"au\""),
        org("ecowas", "regional_body", "\"ecowas\", \"au\""),
        org("au", "regional_body", "\"au\""),
        org("un-hq", "un_office", "\"un-system\""),
        org("ngo", "civil_society", ""),
    ]
    .concat();
    Directory::from_toml(&text, "directory.toml").unwrap()
}

fn state(dir: &Path) -> FederationState {
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies/sharing/xaa");
    FederationState::new(
        "xaa".into(),
        Store::open(&dir.join("store")).unwrap(),
        Arc::new(directory()),
        Arc::new(NodeKey::from_seed(&[7; 32]).with_key_id("xaa-1").unwrap()),
        SharingPolicy::load(&policies).unwrap(),
        Arc::new(ReferenceData::embedded().unwrap()),
        2,
        3,
        1 << 20,
    )
}

fn published(risk: OverallRisk, tlp: Tlp) -> Assessment {
    let mut content = fixtures::content();
    content.overall_risk = risk;
    content.tlp = tlp;
    let now = Utc.with_ymd_and_hms(2026, 11, 3, 9, 0, 0).unwrap();
    let draft = Assessment::new_draft("a-1".into(), content, "xaa", "ada", now);
    draft.submit(now).unwrap().publish("rev", now).unwrap()
}

/// A verified statement `id` of `origin` (payload hash all `sha`) and the
/// time it arrives.
fn entry(id: &str, origin: &str, sha: u8, minute: u32) -> (Verified<Statement>, DateTime<Utc>) {
    let statement = Statement {
        id: id.into(),
        origin: origin.into(),
        issued_at: Utc::now(),
        audience: Audience {
            recipients: BTreeSet::from(["xaa".to_owned()]),
            hop_limit: 2,
        },
        tlp: Tlp::Green,
        body: StatementBody::Retraction(Retraction {
            statement_ids: vec![],
            reason: String::new(),
        }),
    };
    let verified = Verified::new(
        statement,
        vec![sha],
        [sha; 32],
        format!("{origin}-1"),
        origin.into(),
    );
    (
        verified,
        Utc.with_ymd_and_hms(2026, 11, 3, 10, minute, 0).unwrap(),
    )
}

fn arrived<'a>(entry: &'a (Verified<Statement>, DateTime<Utc>), from: &'a str) -> Arrival<'a> {
    Arrival {
        verified: &entry.0,
        relays: &[],
        from,
        at: entry.1,
    }
}

/// (action, allowed, reasons) for every sharing action.
fn verdicts(e: &Explanation) -> Vec<(&'static str, bool, Vec<String>)> {
    SharingAction::ALL
        .iter()
        .map(|a| {
            (
                a.as_str(),
                e.decision.allows(*a),
                e.decision.reasons_for(*a).to_vec(),
            )
        })
        .collect()
}

fn v(action: &'static str, allowed: bool, reasons: &[&str]) -> (&'static str, bool, Vec<String>) {
    (action, allowed, reasons.iter().map(|r| (*r).to_owned()).collect())
}

#[test]
fn explains_what_each_peer_gets() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    let now = Utc::now();
    let high = published(OverallRisk::High, Tlp::Green);

    let ecowas = explain(&state, &high, "ecowas", now).unwrap();
    assert_eq!(
        verdicts(&ecowas),
        [
            v("share", true, &["own-situations-to-ecowas"]),
            v("share_factors", true, &["factors-when-high"]),
            v("share_indicators", false, &[]),
            v("share_narrative", false, &[]),
            v("share_locations", false, &[]),
            v("relay", false, &["own statement"]),
        ]
    );
    let view = ecowas.received.unwrap();
    assert_eq!(view.disclosed, [Disclosure::Share, Disclosure::Factors].into());
    let factors = view.factors.unwrap();
    assert_eq!(factors.len(), 2);
    assert!(factors.iter().all(|f| f.indicators.is_none()));
    assert!(view.narrative.is_none());
    assert_eq!(view.situation.countries, ["XAA"]);

    let au = explain(&state, &high, "au", now).unwrap();
    assert_eq!(
        verdicts(&au)[..2],
        [
            v("share", true, &["high-risk-summary-to-au-and-un"]),
            v("share_factors", false, &["detail-to-ecowas-only"]),
        ]
    );
    let view = au.received.unwrap();
    assert_eq!(view.disclosed, [Disclosure::Share].into());
    assert!(view.factors.is_none() && view.narrative.is_none());
    assert_eq!((view.overall_risk, view.horizon_months), (OverallRisk::High, 6));

    let moderate = published(OverallRisk::Moderate, Tlp::Green);
    let au = explain(&state, &moderate, "au", now).unwrap();
    assert_eq!(verdicts(&au)[0], v("share", false, &[]));
    assert_eq!(au.received, None);

    let ngo = explain(&state, &high, "ngo", now).unwrap();
    assert!(verdicts(&ngo).iter().all(|(_, allowed, _)| !allowed));
    assert_eq!(verdicts(&ngo)[0], v("share", false, &["known-partners-only"]));
    assert_eq!((ngo.peer.kind.as_str(), ngo.received), ("civil_society", None));

    let red = published(OverallRisk::High, Tlp::Red);
    let ecowas = explain(&state, &red, "ecowas", now).unwrap();
    assert_eq!(verdicts(&ecowas)[0], v("share", false, &["tlp"]));
    assert_eq!((ecowas.tlp, ecowas.received), (Tlp::Red, None));
}

#[test]
fn explaining_needs_a_peer_and_a_published_version() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    let high = published(OverallRisk::High, Tlp::Green);
    let error = |to: &str| explain(&state, &high, to, Utc::now()).unwrap_err().to_string();
    assert_eq!(
        error("igad"),
        "organisation `igad` is not in the federation directory"
    );
    assert_eq!(
        error("xaa"),
        "`xaa` is this node: sharing is explained for a peer"
    );

    assert_eq!(
        version_to_explain(&state, "nope", None).unwrap_err().to_string(),
        "assessment `nope` not found"
    );
    assert_eq!(version_to_explain(&state, "nope", Some(3)).unwrap(), 3);
}

#[tokio::test]
async fn the_latest_published_version_is_explained_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    let now = Utc::now();
    let draft = Assessment::new_draft("a-2".into(), fixtures::content(), "xaa", "ada", now);
    state.store.insert_assessment(&draft).await.unwrap();
    assert_eq!(
        version_to_explain(&state, "a-2", None).unwrap_err().to_string(),
        "assessment `a-2` has no published version"
    );
    let review = draft.submit(now).unwrap();
    state.store.update_assessment(&review, 1).await.unwrap();
    let first = review.publish("rev", now).unwrap();
    state.store.publish_assessment(&first, None).await.unwrap();
    let second = first.revise(1, fixtures::content(), "ada", now).unwrap();
    state.store.update_assessment(&second, 1).await.unwrap();
    assert_eq!(second.version, 2);
    assert_eq!(version_to_explain(&state, "a-2", None).unwrap(), 1);
}

#[tokio::test]
async fn peers_show_cursors_and_what_each_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    let store = &state.store;
    let before = peers(&state).unwrap();
    let ids: Vec<&str> = before.iter().map(|p| p.organisation.id.as_str()).collect();
    assert_eq!(ids, ["au", "ecowas", "ngo", "un-hq"], "every other organisation");
    assert!(before.iter().all(|p| p.cursor.is_none() && p.received == 0));

    let cursor = |seq| Cursor { epoch: 4, seq }.encode();
    let own = entry("ecowas:s1", "ecowas", 1, 1);
    let relayed = entry("au:s1", "au", 2, 2);
    store
        .apply_inbound("ecowas", &cursor(7), Some(&arrived(&own, "ecowas")), None)
        .await
        .unwrap();
    store
        .apply_inbound("ecowas", &cursor(9), Some(&arrived(&relayed, "ecowas")), None)
        .await
        .unwrap();
    // The same id with other content: quarantined, not counted.
    let twin = entry("ecowas:s1", "ecowas", 3, 3);
    store
        .apply_inbound("ecowas", &cursor(10), Some(&arrived(&twin, "ecowas")), None)
        .await
        .unwrap();

    let after = peers(&state).unwrap();
    let ecowas = after.iter().find(|p| p.organisation.id == "ecowas").unwrap();
    assert_eq!(ecowas.cursor, Some(Cursor { epoch: 4, seq: 10 }));
    assert_eq!((ecowas.received, ecowas.originated), (2, 1));
    assert_eq!(ecowas.last_received_at, Some(relayed.1));
    assert_eq!(ecowas.organisation.endpoint, "https://ecowas.example:7501");
    let au = after.iter().find(|p| p.organisation.id == "au").unwrap();
    assert_eq!((au.cursor, au.received, au.originated), (None, 0, 1));

    let quarantined = quarantine(&state).unwrap();
    assert_eq!(quarantined.len(), 1);
    assert_eq!(
        (
            quarantined[0].statement_id.as_str(),
            quarantined[0].second_sha256.clone()
        ),
        ("ecowas:s1", vec![3; 32])
    );
}

#[tokio::test]
async fn refusals_are_listed_and_a_bad_cursor_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path());
    let refusal = Refusal {
        peer: "au".into(),
        reason: "statement `x` of `au` is not addressed to `xaa`".into(),
        at: Utc::now(),
    };
    state.store.record_refusal(&refusal).await.unwrap();
    assert_eq!(refusals(&state).unwrap(), [refusal]);

    state
        .store
        .apply_inbound("au", &[1, 2, 3], None, None)
        .await
        .unwrap();
    assert_eq!(
        peers(&state).unwrap_err().to_string(),
        "the cursor stored for peer `au` is unreadable: cursor of 3 bytes is not a Tocsin cursor (expected 17)"
    );
}
