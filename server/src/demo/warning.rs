//! The demonstration's warning: XAA's reviewer raises and issues a warning
//! on its published assessment, addressed to ECOWAS's focal point and UN
//! headquarters' decision-makers, and the demonstration shows how long it
//! took to reach each (receipts come back across the federation).

use anyhow::{Context, Result};
use chrono::{TimeDelta, Utc};
use std::collections::BTreeSet;

use crate::model::assessment::{AssessmentStatus, OverallRisk};
use crate::model::caller::{Caller, Role};
use crate::model::marking::Tlp;
use crate::model::warning::{
    Addressee, AssessmentRef, Category, Certainty, Severity, Urgency, WarningContent, WarningLevel,
};
use crate::node::RunningNode;
use crate::store::StoredWarning;

/// Whom the demonstration warning is for.
const ADDRESSEES: [(&str, Role); 2] = [("ecowas", Role::FocalPoint), ("un-hq", Role::DecisionMaker)];

/// Raises and issues the warning at XAA's node, unless an earlier run did.
pub(super) async fn issue(xaa: &RunningNode) -> Result<StoredWarning> {
    let warnings = xaa.warnings();
    if let Some(earlier) = xaa.store().warnings()?.into_iter().find(|w| !w.received) {
        return Ok(earlier);
    }
    let assessment = xaa
        .store()
        .latest_assessments()?
        .into_iter()
        .find(|a| a.status == AssessmentStatus::Published && a.content.tlp == Tlp::Green)
        .context("XAA has no published TLP:GREEN sample assessment")?;
    let reviewer = Caller {
        subject: "demo-reviewer".into(),
        name: "Demonstration reviewer".into(),
        issuer: "demo".into(),
        organisation: "xaa".into(),
        roles: BTreeSet::from([Role::Analyst, Role::Reviewer]),
    };
    let content = WarningContent {
        situation: assessment.content.situation.clone(),
        assessment: AssessmentRef::of(&assessment),
        level: WarningLevel::Warning,
        category: Category::Safety,
        urgency: Urgency::Expected,
        severity: Severity::Severe,
        certainty: Certainty::Likely,
        headline: "Hate speech on local radio ahead of the census in Northern XAA".into(),
        description: format!(
            "Fictional. XAA assesses a {} risk of atrocity crimes in {}, deteriorating.",
            OverallRisk::as_str(assessment.content.overall_risk),
            assessment.content.situation.title
        ),
        instruction: "Deploy the regional envoy; brief the Security Council.".into(),
        addressees: ADDRESSEES
            .iter()
            .map(|(organisation, role)| Addressee {
                organisation: (*organisation).to_owned(),
                role: *role,
            })
            .collect(),
        expires: Utc::now() + TimeDelta::days(30),
        tlp: Tlp::Green,
        risk_factors: Vec::new(),
    };
    let draft = warnings.raise(&reviewer, content).await?;
    warnings.issue(&reviewer, &draft.id).await?;
    xaa.store()
        .warning("xaa", &draft.id)?
        .context("the issued warning is not in XAA's store")
}

/// Waits until every addressee's node has confirmed delivery.
pub(super) async fn wait_for_receipts(xaa: &RunningNode, id: &str) -> Result<StoredWarning> {
    let mut changes = xaa.warnings().event_changes();
    loop {
        changes.borrow_and_update();
        let stored = xaa.store().warning("xaa", id)?.context("the warning is gone")?;
        let delivered: BTreeSet<&str> = stored
            .responses
            .deliveries
            .iter()
            .map(|d| d.organisation.as_str())
            .collect();
        if ADDRESSEES.iter().all(|(org, _)| delivered.contains(org)) {
            return Ok(stored);
        }
        changes.changed().await?;
    }
}

/// One line per addressee: how long after its sending the warning reached it.
pub(super) fn report(stored: &StoredWarning) {
    let w = &stored.warning;
    println!(
        "\nXAA's warning {} ({}, {}): \"{}\"",
        w.id, w.content.level, w.content.urgency, w.content.headline
    );
    let Some(sent) = w.sent() else {
        return;
    };
    for (org, role) in ADDRESSEES {
        match stored.responses.deliveries.iter().find(|d| d.organisation == org) {
            Some(d) => println!(
                "  to {org:<7} ({role}): delivered after {} ms",
                (d.at - sent).num_milliseconds().max(0)
            ),
            None => println!("  to {org:<7} ({role}): not delivered yet"),
        }
    }
    println!(
        "  Its timeline: tocsin --node <XAA's API> warning timeline {}",
        w.id
    );
}
