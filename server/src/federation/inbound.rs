//! One delivery from a peer, checked before anything is stored: the
//! envelope and relay path verify, the sender may present it, it is
//! addressed to this node; then it is stored with the peer's cursor in one
//! write, and queued for the peers this node may relay it to. A delivery
//! that fails any check is refused, recorded, and skipped. Deliveries that
//! arrived together have their signatures checked at once, then are checked
//! one by one and stored in one write.

use chrono::Utc;
use prost::Message;
use std::collections::BTreeSet;
use tocsin_proto::v1 as pb;

use crate::federation::cores::in_parts;
use crate::federation::envelope::open_proven;
use crate::federation::outbound::peer;
use crate::federation::proven::prove_envelopes;
use crate::federation::received;
use crate::federation::relay::check_delivery;
use crate::federation::state::FederationState;
use crate::federation::warning_view::{policy_level, shared_situation};
use crate::model::audit::{AuditEvent, AuditKind};
use crate::model::shared_warning::ResponseKind;
use crate::model::signature_check::Proven;
use crate::model::statement::{Statement, StatementBody};
use crate::model::verified::Verified;
use crate::policy::sharing::StatementFacts;
use crate::store::{Applied, Arrival, BatchWritten, Forward, Inbound, Refusal, StoreError};

/// What became of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    Applied(Applied),
    Refused(String),
}

/// Deliveries that arrived together from one peer, each checked on its
/// own, ready to store; owned, so a subscription can check the next batch
/// while this one is written.
#[derive(Debug)]
pub struct CheckedBatch {
    from: String,
    /// The cursor of the last delivery.
    cursor: Vec<u8>,
    checked: Vec<Result<Checked, String>>,
}

/// Checks each of `deliveries` from `from` (in order, each on its own: a
/// refused one is recorded and skipped), then applies them all, with the
/// cursor of the last, in one write; returns what became of each.
pub async fn receive_batch(
    state: &FederationState,
    from: &str,
    deliveries: Vec<pb::Delivery>,
) -> Result<Vec<Received>, StoreError> {
    match check_batch(state, from, deliveries) {
        Some(batch) => apply_batch(state, batch).await,
        None => Ok(Vec::new()),
    }
}

/// Checks each of `deliveries` from `from`, writing nothing; `None` for no
/// deliveries.
pub fn check_batch(
    state: &FederationState,
    from: &str,
    deliveries: Vec<pb::Delivery>,
) -> Option<CheckedBatch> {
    let cursor = deliveries.last()?.cursor.clone();
    let checked = check_all(state, from, &deliveries);
    Some(CheckedBatch {
        from: from.to_owned(),
        cursor,
        checked,
    })
}

/// Stores a checked batch: the statements that passed, the refusals, and
/// the cursor of the last delivery, in one write; returns what became of
/// each delivery.
pub async fn apply_batch(state: &FederationState, batch: CheckedBatch) -> Result<Vec<Received>, StoreError> {
    let CheckedBatch {
        from,
        cursor,
        mut checked,
    } = batch;
    let from = from.as_str();
    follow_retractions(state, from, &mut checked)?;
    let now = Utc::now();
    let batch: Vec<Inbound<'_>> = checked
        .iter()
        .map(|c| match c {
            Ok(c) => Inbound::Statement {
                arrival: Arrival {
                    verified: &c.verified,
                    relays: &c.relays,
                    from,
                    at: now,
                },
                forward: c.forward.as_ref(),
                retracts: &c.retracts,
            },
            Err(reason) => Inbound::Refused(Refusal {
                peer: from.to_owned(),
                reason: reason.clone(),
                at: now,
            }),
        })
        .collect();
    let audit = |index: usize, applied: Applied| match checked.get(index)? {
        Ok(c) => received_event(from, c.verified.value(), applied),
        Err(reason) => Some(AuditEvent::peer(AuditKind::DeliveryRefused, from).detail(reason)),
    };
    // Once the batch is written, during its flush: the warnings fold
    // starts on it, and the views' copy of the inbox takes it in.
    let made = |written: &BatchWritten| {
        if written.logged {
            state.warning_arrived();
        }
        let stored_now = checked
            .iter()
            .zip(&written.applied)
            .filter_map(|(c, applied)| match c {
                Ok(c) if *applied == Applied::Stored => Some(received::Stored {
                    statement: c.verified.value(),
                    retracts: &c.retracts,
                }),
                _ => None,
            });
        // The batch is stored whatever happens here: a copy that cannot be
        // brought forward is dropped, and the next view reads the inbox.
        if let Err(e) = received::note_stored(state, written, stored_now) {
            tracing::warn!(error = %e, "received summaries will be read from the inbox again");
        }
    };
    let written = state
        .store
        .apply_inbound_batch_then(from, &cursor, &batch, &audit, &made)
        .await?;
    let (mut stored, mut forwarded) = (0, false);
    let mut received = Vec::with_capacity(written.applied.len());
    for (c, applied) in checked.iter().zip(written.applied) {
        let c = match c {
            Ok(c) => c,
            Err(reason) => {
                tracing::warn!(peer = %from, %reason, "delivery refused");
                received.push(Received::Refused(reason.clone()));
                continue;
            }
        };
        let statement = c.verified.value();
        match applied {
            Applied::Stored => {
                stored += 1;
                forwarded |= c.forward.is_some();
            }
            Applied::Quarantined => tracing::warn!(
                peer = %from,
                origin = %statement.origin,
                statement = %statement.id,
                "equivocation: same statement id with different content, quarantined"
            ),
            Applied::Duplicate => {}
        }
        received.push(Received::Applied(applied));
    }
    // The inbox counter counts statements, not writes.
    state.inbox_grew(stored);
    if forwarded {
        state.outbox_grew();
    }
    Ok(received)
}

/// Batches at least this long are checked on all cores at once (verifying
/// signatures is most of what checking costs).
const SPREAD_FROM: usize = 16;

/// Checks each of `deliveries` on its own, in order, splitting a long batch
/// across the cores; the checks read, never write, so their order does not
/// matter, only that of the results.
fn check_all(
    state: &FederationState,
    from: &str,
    deliveries: &[pb::Delivery],
) -> Vec<Result<Checked, String>> {
    in_parts(deliveries, SPREAD_FROM, |part| check_part(state, from, part))
}

/// Checks each of `deliveries` on its own, their envelope signatures first
/// all at once.
fn check_part(
    state: &FederationState,
    from: &str,
    deliveries: &[pb::Delivery],
) -> Vec<Result<Checked, String>> {
    let envelopes = deliveries.iter().filter_map(|d| d.envelope.as_ref());
    let proven = prove_envelopes(envelopes, &state.directory, state.max_message_bytes);
    deliveries
        .iter()
        .map(|d| check(state, from, d, &proven))
        .collect()
}

/// The audit entry for a stored or quarantined statement from `from`
/// (duplicates are not news).
fn received_event(from: &str, statement: &Statement, applied: Applied) -> Option<AuditEvent> {
    let what = match applied {
        Applied::Stored => "stored",
        Applied::Quarantined => "quarantined: same id with different content",
        Applied::Duplicate => return None,
    };
    let detail = format!("{} from `{}`, {what}", statement.body.kind(), statement.origin);
    let event = AuditEvent::peer(AuditKind::StatementReceived, from).subject(&statement.id);
    Some(event.detail(detail))
}

/// A delivery that passed every check, ready to store.
#[derive(Debug)]
struct Checked {
    verified: Verified<Statement>,
    /// Encoded relay attestations, as they came.
    relays: Vec<Vec<u8>>,
    forward: Option<Forward>,
    /// For a retraction: the `(origin, statement id)`s it withdraws.
    retracts: Vec<(String, String)>,
    /// For a retraction within its hop limit: it follows what it withdraws
    /// (its `forward` is set as it is stored, by `follow_retractions`).
    follows: bool,
}

fn check(
    state: &FederationState,
    from: &str,
    delivery: &pb::Delivery,
    proven: &Proven,
) -> Result<Checked, String> {
    let envelope = delivery.envelope.as_ref().ok_or("delivery without an envelope")?;
    let verified = open_proven(envelope, &state.directory, state.max_message_bytes, proven)
        .map_err(|e| e.to_string())?;
    let hops = check_delivery(&verified, &delivery.relays, &state.directory, &state.org, from)
        .map_err(|e| e.to_string())?;
    let statement = verified.value();
    if statement.origin == state.org {
        return Err(format!("statement `{}` was made by this node", statement.id));
    }
    if !statement.audience.recipients.contains(&state.org) {
        return Err(format!(
            "statement `{}` of `{}` is not addressed to `{}`",
            statement.id, statement.origin, state.org
        ));
    }
    let relays: Vec<Vec<u8>> = delivery.relays.iter().map(Message::encode_to_vec).collect();
    let (forward, retracts, follows) = match &statement.body {
        StatementBody::Retraction(retraction) => {
            let retracts = retraction
                .statement_ids
                .iter()
                .map(|id| (statement.origin.clone(), id.clone()))
                .collect();
            (None, retracts, hops < statement.audience.hop_limit)
        }
        _ => {
            let forward =
                forward_to(state, statement, from, hops).map(|recipients| relay_to(state, recipients));
            (forward, Vec::new(), false)
        }
    };
    Ok(Checked {
        verified,
        relays,
        forward,
        retracts,
        follows,
    })
}

/// Relaying to `recipients`, as decided now under the current sharing
/// policy.
fn relay_to(state: &FederationState, recipients: BTreeSet<String>) -> Forward {
    Forward {
        recipients,
        epoch: state.sharing().epoch,
        added_at: Utc::now(),
    }
}

/// A retraction follows the statements it withdraws: to every peer this
/// node queued one of them for. Worked out as the batch is stored, from the
/// relay ledger as the batches before left it and from the statements
/// earlier in this batch (a statement and its retraction may come together).
fn follow_retractions(
    state: &FederationState,
    from: &str,
    checked: &mut [Result<Checked, String>],
) -> Result<(), StoreError> {
    for index in 0..checked.len() {
        let (earlier, rest) = checked.split_at_mut(index);
        let Some(Ok(c)) = rest.first_mut() else { continue };
        let statement = c.verified.value();
        let StatementBody::Retraction(retraction) = &statement.body else {
            continue;
        };
        if !c.follows {
            continue;
        }
        let mut recipients = BTreeSet::new();
        for id in &retraction.statement_ids {
            recipients.extend(state.store.queued_for(id)?);
            let queued_here = earlier
                .iter()
                .flatten()
                .filter(|e| {
                    let earlier = e.verified.value();
                    &earlier.id == id && earlier.origin == statement.origin
                })
                .filter_map(|e| e.forward.as_ref());
            for forward in queued_here {
                recipients.extend(forward.recipients.iter().cloned());
            }
        }
        recipients.retain(|p| p != &state.org && p != &statement.origin && p != from);
        if !recipients.is_empty() {
            c.forward = Some(relay_to(state, recipients));
        }
    }
    Ok(())
}

/// The peers this node may relay `statement` to: within its audience and
/// hop limit, never back to its origin or sender, TLP permitting, and as this
/// node's sharing policy allows `relay` — or to those it is owed to.
fn forward_to(
    state: &FederationState,
    statement: &Statement,
    from: &str,
    hops: u32,
) -> Option<BTreeSet<String>> {
    if !statement.tlp.may_relay() || hops >= statement.audience.hop_limit {
        return None;
    }
    let mut others = statement
        .audience
        .recipients
        .iter()
        .filter(|p| *p != &state.org && *p != &statement.origin && p.as_str() != from)
        .peekable();
    // Most statements are addressed to this node alone: nothing to decide.
    others.peek()?;
    let owed = owed_to(statement);
    let (mut facts, sharing) = (None, state.sharing());
    let recipients: BTreeSet<String> = others
        .filter(|p| {
            owed.contains(p.as_str())
                || peer(&state.directory, p).is_some_and(|peer| {
                    let facts = facts.get_or_insert_with(|| facts_of(state, statement));
                    sharing.policy.decide(&peer, facts).relay
                })
        })
        .cloned()
        .collect();
    (!recipients.is_empty()).then_some(recipients)
}

/// Those a statement is owed to, whom a relay forwards it to (TLP and hop
/// limit permitting) whatever its relay policy says: every recipient of a
/// warning (its addressees, the organisations of the sender's escalation
/// chain on the way to them, and whoever the sender's policy chose), and
/// every recipient of a response to a warning (its sender, the relays the
/// warning came through, the organisation an escalation goes to) — so that
/// warnings reach who must decide and the answers find their way back along
/// the path the warning took.
fn owed_to(statement: &Statement) -> BTreeSet<&str> {
    match &statement.body {
        StatementBody::Warning(warning) => statement
            .audience
            .recipients
            .iter()
            .map(String::as_str)
            .chain(warning.addressed())
            .collect(),
        // The responder named them: the warning's sender, the relays the
        // warning came through (the way back), and those its policy allows.
        StatementBody::Response(response) => {
            let mut owed: BTreeSet<&str> = statement.audience.recipients.iter().map(String::as_str).collect();
            owed.insert(response.warning_sender.as_str());
            if let ResponseKind::Escalation(escalation) = &response.kind {
                owed.insert(escalation.to.as_str());
            }
            owed
        }
        StatementBody::AssessmentSummary(_) | StatementBody::Retraction(_) => BTreeSet::new(),
    }
}

/// What the sharing policy sees of a statement this node received.
pub fn facts_of(state: &FederationState, statement: &Statement) -> StatementFacts {
    let origin_kind = state
        .directory
        .organisation(&statement.origin)
        .map(|o| o.kind.as_str().to_owned())
        .unwrap_or_default();
    let mut facts = StatementFacts {
        kind: statement.body.kind().to_owned(),
        tlp: statement.tlp,
        countries: BTreeSet::new(),
        m49_region: String::new(),
        regional_bodies: BTreeSet::new(),
        crimes: BTreeSet::new(),
        level: crate::model::assessment::OverallRisk::Low,
        origin: statement.origin.clone(),
        origin_kind,
        received: true,
        named_recipients: statement.audience.recipients.clone(),
    };
    let situation = match &statement.body {
        StatementBody::AssessmentSummary(summary) => {
            facts.level = summary.overall_risk;
            Some(summary.situation.clone())
        }
        StatementBody::Warning(warning) => {
            facts.level = policy_level(warning.level);
            Some(warning.situation.clone())
        }
        // A response is seen with the facts of the warning it answers,
        // when this node has it.
        StatementBody::Response(response) => state
            .store
            .warning(&response.warning_sender, &response.warning_id)
            .ok()
            .flatten()
            .map(|stored| {
                facts.level = policy_level(stored.warning.content.level);
                shared_situation(state, &stored.warning)
            }),
        StatementBody::Retraction(_) => None,
    };
    if let Some(situation) = situation {
        facts.countries = situation.countries.iter().cloned().collect();
        facts.m49_region = situation.m49_region;
        facts.regional_bodies = situation.regional_bodies.into_iter().collect();
        facts.crimes = situation.crimes_at_risk;
    }
    facts
}
