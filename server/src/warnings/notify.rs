//! Notifying subscribers by webhook: follows the node's feed of warning
//! events from a persisted position and queues one notification per event
//! for every webhook subscription whose filters the warning matches. The
//! queue is idempotent per (subscription, notification), so a crash between
//! queueing and saving the position only queues nothing twice.
//!
//! A webhook leaves the node: a TLP:CLEAR or GREEN warning travels in full;
//! for AMBER, AMBER+STRICT and RED the notification says only that
//! something happened, to which warning, at which level — the content stays
//! on the node, for those allowed to read it there.

use serde_json::{Value, json};
use tokio::sync::watch;

use super::Warnings;
use super::subscriptions::Subscriptions;
use super::webhook::Webhooks;
use crate::model::marking::Tlp;
use crate::store::{StoreError, StoredWarning, WarningEvent};

/// Events read from the feed at a time.
const BATCH: usize = 256;

/// Events that concern drafts, which subscribers are not told about.
const UNSENT: [&str; 2] = ["raised", "proposed"];

/// Queues notifications until `shutdown`.
pub async fn run(
    warnings: Warnings,
    subscriptions: Subscriptions,
    webhooks: Webhooks,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut changes = warnings.event_changes();
    loop {
        changes.borrow_and_update();
        match notify_pending(&warnings, &subscriptions, &webhooks).await {
            Ok(0) => {}
            Ok(queued) => tracing::debug!(notifications = queued, "webhook notifications queued"),
            Err(e) => tracing::error!(error = %e, "cannot queue webhook notifications"),
        }
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { return },
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}

/// Queues the notifications of every event after the saved position;
/// returns how many it queued.
pub async fn notify_pending(
    warnings: &Warnings,
    subscriptions: &Subscriptions,
    webhooks: &Webhooks,
) -> Result<usize, StoreError> {
    let mut queued = 0;
    loop {
        let after = warnings.store.notified_up_to()?;
        let events = warnings.events_after(after, BATCH)?;
        let Some(last) = events.last().map(|e| e.seq) else {
            return Ok(queued);
        };
        for event in events.iter().filter(|e| !UNSENT.contains(&e.kind.as_str())) {
            let Some(stored) = warnings.store_warning(&event.sender, &event.warning_id) else {
                continue;
            };
            for subscription in subscriptions.matching(&stored.warning)? {
                let id = notification_id(event);
                if webhooks
                    .enqueue(&subscription, &id, &body(event, &stored, &id, &subscription.id))
                    .await?
                {
                    queued += 1;
                }
            }
        }
        warnings.store.set_notified_up_to(last)?;
    }
}

/// Printable, unique per event: `<sender>/<warning id>#<event sequence>`.
fn notification_id(event: &WarningEvent) -> String {
    format!("{}/{}#{}", event.sender, event.warning_id, event.seq)
}

/// The JSON a webhook receiver gets.
pub fn body(event: &WarningEvent, stored: &StoredWarning, id: &str, subscription: &str) -> Value {
    let w = &stored.warning;
    let c = &w.content;
    let mut warning = json!({
        "sender": w.sender,
        "id": w.id,
        "msg_type": w.msg_type.as_str(),
        "status": w.status.as_str(),
        "level": c.level.as_str(),
        "tlp": c.tlp.to_string(),
        "sent": w.sent(),
    });
    if matches!(c.tlp, Tlp::Clear | Tlp::Green) {
        let extra = json!({
            "urgency": c.urgency.as_str(),
            "severity": c.severity.as_str(),
            "certainty": c.certainty.as_str(),
            "headline": c.headline,
            "description": c.description,
            "instruction": c.instruction,
            "situation": {
                "title": c.situation.title,
                "countries": c.situation.countries,
                "crimes_at_risk": c.situation.crimes_at_risk.iter().map(|x| x.as_str()).collect::<Vec<_>>(),
            },
            "risk_factors": c.risk_factors,
            "addressees": c.addressees.iter().map(|a| json!({"organisation": a.organisation, "role": a.role.as_str()})).collect::<Vec<_>>(),
            "expires": c.expires,
            "acknowledge_by": w.issued.as_ref().map(|i| i.acknowledge_by),
            "decide_by": w.issued.as_ref().map(|i| i.decide_by),
        });
        if let (Value::Object(into), Value::Object(from)) = (&mut warning, extra) {
            into.extend(from);
        }
    } else {
        warning["content"] = json!(format!("withheld: {}; read it on the node", c.tlp));
    }
    json!({
        "notification_id": id,
        "subscription_id": subscription,
        "event": event.kind,
        "text": if matches!(c.tlp, Tlp::Clear | Tlp::Green) { event.text.clone() } else { String::new() },
        "at": event.at,
        "warning": warning,
    })
}
