//! `tocsin.v1.WarningService`: thin adapters from gRPC to `warnings::Warnings`,
//! and the `WatchWarnings` stream over the node's feed of warning events.

use chrono::Utc;
use std::pin::Pin;
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::warning_service_server::WarningService;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use crate::api::error::invalid;
use crate::api::node_service::caller;
use crate::api::warning_convert::{content, datetime, detail, event, lapse, measure_row, parse, warning};
use crate::model::ValidationError;
use crate::model::warning::measures;
use crate::model::warning::{AckKind, Responses, Warning};
use crate::policy::Action;
use crate::warnings::subscriptions::Subscriptions;
use crate::warnings::{NewAction, WarningFilter, Warnings, WarningsError};

/// Events sent per read of the feed while replaying.
const BATCH: usize = 256;

/// The warning API of one node.
#[derive(Debug, Clone)]
pub struct WarningApi {
    warnings: Warnings,
    subscriptions: Subscriptions,
    /// Turns true when the node stops: open streams end.
    stopping: watch::Receiver<bool>,
}

impl WarningApi {
    pub fn new(warnings: Warnings, subscriptions: Subscriptions, stopping: watch::Receiver<bool>) -> Self {
        Self {
            warnings,
            subscriptions,
            stopping,
        }
    }
}

fn status(error: WarningsError) -> Status {
    match error {
        WarningsError::Invalid(_) => Status::invalid_argument(error.to_string()),
        WarningsError::NotFound { .. } => Status::not_found(error.to_string()),
        WarningsError::Access(e) => crate::api::error::status(e),
        WarningsError::Lifecycle(_) | WarningsError::Precondition(_) => {
            Status::failed_precondition(error.to_string())
        }
        WarningsError::Store(e) => crate::api::error::status(crate::assessments::ServiceError::Store(e)),
    }
}

fn required_content(c: Option<pb::WarningContent>) -> Result<crate::model::warning::WarningContent, Status> {
    let c = c.ok_or_else(|| invalid(ValidationError::new("content", "must be set")))?;
    content(c).map_err(|e| invalid(e.under("content")))
}

fn name(n: Option<pb::WarningName>) -> Result<(String, String), Status> {
    let n = n.ok_or_else(|| invalid(ValidationError::new("warning", "must be set")))?;
    if n.id.is_empty() {
        return Err(invalid(ValidationError::new("warning.id", "must not be empty")));
    }
    Ok((n.sender, n.id))
}

fn text(field: &str, value: &str) -> Result<(), Status> {
    if value.trim().is_empty() {
        Err(invalid(ValidationError::new(field, "must not be empty")))
    } else {
        Ok(())
    }
}

type EventStream = Pin<Box<dyn tokio_stream::Stream<Item = Result<pb::WarningEvent, Status>> + Send>>;

#[tonic::async_trait]
impl WarningService for WarningApi {
    async fn raise_warning(
        &self,
        r: Request<pb::RaiseWarningRequest>,
    ) -> Result<Response<pb::Warning>, Status> {
        let caller = caller(&r)?;
        let content = required_content(r.into_inner().content)?;
        let raised = self.warnings.raise(&caller, content).await.map_err(status)?;
        Ok(Response::new(warning(&raised, false)))
    }

    async fn draft_update(
        &self,
        r: Request<pb::DraftUpdateRequest>,
    ) -> Result<Response<pb::Warning>, Status> {
        let caller = caller(&r)?;
        let r = r.into_inner();
        text("id", &r.id)?;
        let content = required_content(r.content)?;
        let draft = self
            .warnings
            .draft_update(&caller, &r.id, content)
            .await
            .map_err(status)?;
        Ok(Response::new(warning(&draft, false)))
    }

    async fn draft_cancel(
        &self,
        r: Request<pb::DraftCancelRequest>,
    ) -> Result<Response<pb::Warning>, Status> {
        let caller = caller(&r)?;
        let r = r.into_inner();
        text("id", &r.id)?;
        let draft = self
            .warnings
            .draft_cancel(&caller, &r.id, &r.reason)
            .await
            .map_err(status)?;
        Ok(Response::new(warning(&draft, false)))
    }

    async fn revise_warning(
        &self,
        r: Request<pb::ReviseWarningRequest>,
    ) -> Result<Response<pb::Warning>, Status> {
        let caller = caller(&r)?;
        let r = r.into_inner();
        text("id", &r.id)?;
        let content = required_content(r.content)?;
        let revised = self
            .warnings
            .revise(&caller, &r.id, content)
            .await
            .map_err(status)?;
        Ok(Response::new(warning(&revised, false)))
    }

    async fn issue_warning(
        &self,
        r: Request<pb::IssueWarningRequest>,
    ) -> Result<Response<pb::Warning>, Status> {
        let caller = caller(&r)?;
        let r = r.into_inner();
        text("id", &r.id)?;
        let issued = self.warnings.issue(&caller, &r.id).await.map_err(status)?;
        Ok(Response::new(warning(&issued, false)))
    }

    async fn get_warning(&self, r: Request<pb::WarningName>) -> Result<Response<pb::WarningDetail>, Status> {
        let caller = caller(&r)?;
        let (sender, id) = name(Some(r.into_inner()))?;
        let stored = self.warnings.get(&caller, &sender, &id).map_err(status)?;
        Ok(Response::new(detail(&stored)))
    }

    async fn list_warnings(
        &self,
        r: Request<pb::ListWarningsRequest>,
    ) -> Result<Response<pb::ListWarningsResponse>, Status> {
        let caller = caller(&r)?;
        let r = r.into_inner();
        let filter = WarningFilter {
            status: if r.status.is_empty() {
                None
            } else {
                Some(parse("status", &r.status).map_err(invalid)?)
            },
            received: r.received,
            open: r.open,
        };
        let found = self.warnings.list(&caller, &filter).map_err(status)?;
        Ok(Response::new(pb::ListWarningsResponse {
            warnings: found.iter().map(|s| warning(&s.warning, s.received)).collect(),
        }))
    }

    async fn acknowledge_warning(
        &self,
        r: Request<pb::AcknowledgeWarningRequest>,
    ) -> Result<Response<pb::WarningDetail>, Status> {
        let caller = caller(&r)?;
        let r = r.into_inner();
        let (sender, id) = name(r.warning)?;
        let kind = match r
            .kind
            .trim()
            .to_ascii_lowercase()
            .replace([' ', '-'], "_")
            .as_str()
        {
            "received" => AckKind::Received,
            "accepted_for_action" | "accepted" => AckKind::AcceptedForAction,
            "forwarded" => AckKind::Forwarded {
                to: r.forwarded_to,
                reason: r.reason,
            },
            "declined" => AckKind::Declined { reason: r.reason },
            _ => {
                return Err(invalid(ValidationError::new(
                    "kind",
                    format!(
                        "unknown acknowledgement `{}` (expected received, accepted_for_action, forwarded or declined)",
                        r.kind
                    ),
                )));
            }
        };
        let stored = self
            .warnings
            .acknowledge(&caller, &sender, &id, kind)
            .await
            .map_err(status)?;
        Ok(Response::new(detail(&stored)))
    }

    async fn decide_warning(
        &self,
        r: Request<pb::DecideWarningRequest>,
    ) -> Result<Response<pb::WarningDetail>, Status> {
        let caller = caller(&r)?;
        let r = r.into_inner();
        let (sender, id) = name(r.warning)?;
        let kind = parse("kind", &r.kind).map_err(invalid)?;
        let stored = self
            .warnings
            .decide(&caller, &sender, &id, kind, &r.justification)
            .await
            .map_err(status)?;
        Ok(Response::new(detail(&stored)))
    }

    async fn record_action(
        &self,
        r: Request<pb::RecordActionRequest>,
    ) -> Result<Response<pb::WarningDetail>, Status> {
        let caller = caller(&r)?;
        let r = r.into_inner();
        let (sender, id) = name(r.warning)?;
        let new = NewAction {
            decision_id: (!r.decision_id.is_empty()).then_some(r.decision_id),
            kind: parse("kind", &r.kind).map_err(invalid)?,
            description: r.description,
            owner: r.owner,
            due: datetime("due", r.due).map_err(invalid)?,
        };
        let stored = self
            .warnings
            .record_action(&caller, &sender, &id, new)
            .await
            .map_err(status)?;
        Ok(Response::new(detail(&stored)))
    }

    async fn update_action(
        &self,
        r: Request<pb::UpdateActionRequest>,
    ) -> Result<Response<pb::WarningDetail>, Status> {
        let caller = caller(&r)?;
        let r = r.into_inner();
        let (sender, id) = name(r.warning)?;
        text("action_id", &r.action_id)?;
        let to = parse("status", &r.status).map_err(invalid)?;
        let outcome = (!r.outcome.is_empty()).then_some(r.outcome);
        let stored = self
            .warnings
            .update_action(&caller, &sender, &id, &r.action_id, to, outcome)
            .await
            .map_err(status)?;
        Ok(Response::new(detail(&stored)))
    }

    async fn close_warning(
        &self,
        r: Request<pb::CloseWarningRequest>,
    ) -> Result<Response<pb::WarningDetail>, Status> {
        let caller = caller(&r)?;
        let r = r.into_inner();
        text("id", &r.id)?;
        text("decision_id", &r.decision_id)?;
        let stored = self
            .warnings
            .close(&caller, &r.id, &r.decision_id)
            .await
            .map_err(status)?;
        Ok(Response::new(detail(&stored)))
    }

    async fn add_after_action_note(
        &self,
        r: Request<pb::AddAfterActionNoteRequest>,
    ) -> Result<Response<pb::WarningDetail>, Status> {
        let caller = caller(&r)?;
        let r = r.into_inner();
        let (sender, id) = name(r.warning)?;
        let outcome = parse("outcome", &r.outcome).map_err(invalid)?;
        let stored = self
            .warnings
            .note(&caller, &sender, &id, outcome, &r.lessons)
            .await
            .map_err(status)?;
        Ok(Response::new(detail(&stored)))
    }

    async fn export_cap(
        &self,
        r: Request<pb::ExportCapRequest>,
    ) -> Result<Response<pb::CapDocument>, Status> {
        let caller = caller(&r)?;
        let (sender, id) = name(r.into_inner().warning)?;
        let xml = self.warnings.cap(&caller, &sender, &id).map_err(status)?;
        Ok(Response::new(pb::CapDocument { xml }))
    }

    async fn get_report(&self, r: Request<pb::GetReportRequest>) -> Result<Response<pb::Report>, Status> {
        let caller = caller(&r)?;
        let all = self.warnings.reported(&caller).map_err(status)?;
        let items: Vec<(&Warning, &Responses)> = all.iter().map(|s| (&s.warning, &s.responses)).collect();
        let rows: Vec<measures::AddresseeTimes> = items
            .iter()
            .flat_map(|(w, r)| measures::addressee_times(w, r))
            .collect();
        let now = Utc::now();
        let sender_of = |id: &str| {
            all.iter()
                .find(|s| s.warning.id == id)
                .map(|s| s.warning.sender.clone())
                .unwrap_or_default()
        };
        Ok(Response::new(pb::Report {
            at: Some(crate::api::convert::timestamp(now)),
            overall: Some(measure_row("", &measures::summarise(&rows))),
            by_organisation: measures::by_organisation(&items)
                .iter()
                .map(|(k, s)| measure_row(k, s))
                .collect(),
            by_situation: measures::by_situation(&items)
                .iter()
                .map(|(k, s)| measure_row(k, s))
                .collect(),
            overdue: measures::overdue(&items, now)
                .iter()
                .map(|l| lapse(l, &sender_of(&l.warning_id)))
                .collect(),
        }))
    }

    type WatchWarningsStream = EventStream;

    async fn watch_warnings(
        &self,
        r: Request<pb::WatchWarningsRequest>,
    ) -> Result<Response<Self::WatchWarningsStream>, Status> {
        let caller = caller(&r)?;
        self.warnings
            .authorize(&caller, Action::ReadWarnings)
            .map_err(status)?;
        let r = r.into_inner();
        let mut after = match r.cursor.as_slice() {
            [] => 0,
            bytes => <[u8; 8]>::try_from(bytes)
                .map(u64::from_be_bytes)
                .map_err(|_| invalid(ValidationError::new("cursor", "not a cursor this node gave")))?,
        };
        // Only warnings matching one of the caller's subscriptions, if asked.
        let filter = if r.subscription_id.is_empty() {
            None
        } else {
            let own = self
                .subscriptions
                .list(&caller, false)
                .map_err(|e| Status::internal(e.to_string()))?
                .into_iter()
                .find(|s| s.id == r.subscription_id)
                .ok_or_else(|| {
                    Status::not_found(format!(
                        "subscription `{}` not found among yours",
                        crate::model::shown(&r.subscription_id)
                    ))
                })?;
            Some(own.filters)
        };
        let reference = self.warnings.reference();
        let (tx, rx) = mpsc::channel(BATCH);
        let warnings = self.warnings.clone();
        let mut changes = warnings.event_changes();
        let mut stopping = self.stopping.clone();
        tokio::spawn(async move {
            loop {
                let events = match warnings.events_after(after, BATCH) {
                    Ok(events) => events,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot read the warning feed");
                        let _ = tx
                            .send(Err(Status::internal("the node could not read its warning feed")))
                            .await;
                        return;
                    }
                };
                if events.is_empty() {
                    changes.borrow_and_update();
                    // Something may have been written between the read and now.
                    if warnings
                        .events_after(after, 1)
                        .map(|e| e.is_empty())
                        .unwrap_or(false)
                    {
                        tokio::select! {
                            changed = changes.changed() => if changed.is_err() { return },
                            _ = stopping.wait_for(|stop| *stop) => return,
                            () = tx.closed() => return,
                        }
                    }
                    continue;
                }
                for e in events {
                    after = e.seq;
                    let stored = warnings.store_warning(&e.sender, &e.warning_id);
                    let wanted = match (&filter, &stored) {
                        (None, _) => true,
                        (Some(filters), Some(s)) => {
                            s.warning.issued.is_some() && filters.matches(&s.warning, &reference)
                        }
                        (Some(_), None) => false,
                    };
                    if !wanted {
                        continue;
                    }
                    if tx.send(Ok(event(&e, stored.as_ref()))).await.is_err() {
                        return;
                    }
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}
