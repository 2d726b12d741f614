//! The federation statements a node makes about warnings, and to whom they
//! go. A warning goes to its addressees — naming them is the issuing
//! reviewer's decision to send it there — and to every peer the sharing
//! policy allows to `share` it with; a response goes back to the warning's
//! sender and to the peers the policy allows. The TLP rules hold over both:
//! TLP:RED goes to the named organisations only.

use chrono::{DateTime, Utc};
use prost::Message;
use std::collections::BTreeSet;

use crate::federation::envelope::seal;
use crate::federation::outbound::peer;
use crate::federation::state::FederationState;
use crate::federation::warning_view::{policy_level, shared_situation};
use crate::model::shared_warning::{SharedWarning, WarningResponse};
use crate::model::statement::{Audience, Statement, StatementBody};
use crate::model::warning::{EscalationChain, Warning};
use crate::policy::sharing::StatementFacts;
use crate::store::OutboxEntry;

/// What the sharing policy sees of a statement of `kind` about `warning`.
pub fn facts(
    state: &FederationState,
    warning: &Warning,
    kind: &str,
    named: BTreeSet<String>,
    received: bool,
) -> StatementFacts {
    let situation = shared_situation(state, warning);
    StatementFacts {
        kind: kind.to_owned(),
        tlp: warning.content.tlp,
        countries: situation.countries.iter().cloned().collect(),
        m49_region: situation.m49_region,
        regional_bodies: situation.regional_bodies.into_iter().collect(),
        crimes: situation.crimes_at_risk,
        level: policy_level(warning.content.level),
        origin: state.org.clone(),
        origin_kind: state
            .directory
            .organisation(&state.org)
            .map(|o| o.kind.as_str().to_owned())
            .unwrap_or_default(),
        received,
        named_recipients: named,
    }
}

/// `named` (those the statement is meant for whatever the policy says) and
/// every other organisation the policy lets this node `share` it with,
/// this node excepted; TLP:RED: `named` only.
fn recipients(state: &FederationState, facts: &StatementFacts, named: &BTreeSet<String>) -> BTreeSet<String> {
    let sharing = state.sharing();
    let mut recipients: BTreeSet<String> = named
        .iter()
        .filter(|org| state.directory.organisation(org).is_some())
        .cloned()
        .collect();
    for org in state.directory.organisations() {
        if let Some(peer) = peer(&state.directory, &org.id)
            && sharing.policy.decide(&peer, facts).share
        {
            recipients.insert(org.id.clone());
        }
    }
    recipients.remove(&state.org);
    recipients
}

/// Seals `body` under `id` for `recipients` into an outbox entry; `None`
/// when there is nobody to send it to.
fn entry(
    state: &FederationState,
    id: String,
    warning: &Warning,
    recipients: BTreeSet<String>,
    body: StatementBody,
    now: DateTime<Utc>,
) -> Option<OutboxEntry> {
    if recipients.is_empty() {
        return None;
    }
    let statement = Statement {
        id: id.clone(),
        origin: state.org.clone(),
        issued_at: now,
        audience: Audience {
            recipients: recipients.clone(),
            hop_limit: state.hop_limit,
        },
        tlp: warning.content.tlp,
        body,
    };
    Some(OutboxEntry {
        statement_id: id,
        origin: state.org.clone(),
        envelope: seal(&statement, &state.key).encode_to_vec(),
        relays: Vec::new(),
        recipients,
        added_at: now,
        epoch: state.sharing().epoch,
        retraction: false,
    })
}

/// The statement id of this node's warning `id`.
pub fn warning_statement_id(org: &str, id: &str) -> String {
    format!("{org}:w:{id}")
}

/// The statement of an issued warning of this node, for its addressees,
/// the organisations of `chain` between this node and each addressee (who
/// relay it there), and whoever the policy allows; `None` for a draft or
/// when nobody may get it.
pub fn warning_entry(
    state: &FederationState,
    warning: &Warning,
    chain: &EscalationChain,
    now: DateTime<Utc>,
) -> Option<OutboxEntry> {
    let shared = SharedWarning::of(warning, shared_situation(state, warning))?;
    let addressed: BTreeSet<String> = shared.addressed().map(str::to_owned).collect();
    let facts = facts(state, warning, "warning", addressed.clone(), false);
    let mut named = addressed.clone();
    for addressee in &addressed {
        named.extend(chain.between(&state.org, addressee).iter().cloned());
    }
    let recipients = recipients(state, &facts, &named);
    entry(
        state,
        warning_statement_id(&state.org, &warning.id),
        warning,
        recipients,
        StatementBody::Warning(shared),
        now,
    )
}

/// The statement of a response this node makes about `warning`: to its
/// sender (and `also`, e.g. the organisation escalated to) and whoever the
/// policy allows. `unique` tells apart responses of one kind (a decision's
/// id, an action's id and update count).
pub fn response_entry(
    state: &FederationState,
    warning: &Warning,
    response: WarningResponse,
    unique: &str,
    also: &[String],
    now: DateTime<Utc>,
) -> Option<OutboxEntry> {
    let kind = response.kind.as_str();
    let id = format!(
        "{}:r:{}:{}:{kind}:{unique}",
        state.org, warning.sender, warning.id
    );
    let mut named: BTreeSet<String> = also.iter().cloned().collect();
    named.insert(warning.sender.clone());
    let facts = facts(state, warning, kind, named.clone(), false);
    let recipients = recipients(state, &facts, &named);
    entry(
        state,
        id,
        warning,
        recipients,
        StatementBody::Response(response),
        now,
    )
}

/// Whether an inbox statement id names a warning or a response (the ids
/// this module gives), so that others need not be decoded.
pub fn is_warning_statement(id: &str) -> bool {
    let mut parts = id.splitn(3, ':');
    parts.next().is_some() && matches!(parts.next(), Some("w" | "r"))
}
