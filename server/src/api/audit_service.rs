//! `tocsin.v1.AuditService`: auditors and admins query the node's audit
//! trail and verify its hash chain. Thin adapters over the store's
//! `audit_entries` and `verify_audit`.

use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::sync::Arc;
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::audit_service_server::AuditService;
use tonic::{Request, Response, Status};

use crate::api::convert::timestamp;
use crate::api::error::{invalid, status};
use crate::api::node_service::caller;
use crate::api::{AuthnLayer, NodeApi};
use crate::assessments::{Assessments, ServiceError};
use crate::auth::TokenVerifier;
use crate::model::ValidationError;
use crate::model::audit::{AuditEntry, AuditFilter, AuditKind, AuditReport, ProblemKind};
use crate::policy::Action;
use crate::store::Store;

/// Entries a query returns when it names no limit.
const DEFAULT_LIMIT: usize = 100;
/// Most entries one query returns, whatever it asks for.
const MAX_LIMIT: usize = 1000;
/// Longest `actor` or `subject` filter, in bytes.
const MAX_FILTER_BYTES: usize = 256;

/// The audit API of one node.
#[derive(Debug, Clone)]
pub struct AuditApi {
    assessments: Assessments,
    store: Store,
}

impl AuditApi {
    pub fn new(assessments: Assessments, store: Store) -> Self {
        Self { assessments, store }
    }

    /// The audit API beside `api`, over the same policy and store.
    pub fn for_node(api: &NodeApi) -> Self {
        Self::new(api.assessments.clone(), api.assessments.store().clone())
    }

    /// The authentication layer, recording sign-ins in this trail.
    pub fn authn(&self, verifier: Arc<TokenVerifier>) -> AuthnLayer {
        AuthnLayer::new(verifier).with_audit(self.store.clone(), self.assessments.organisation())
    }
}

/// The store's filter for a request, naming the field at fault.
fn filter(request: pb::QueryAuditRequest) -> Result<AuditFilter, ValidationError> {
    let kinds = request
        .kinds
        .iter()
        .enumerate()
        .map(|(i, k)| {
            k.parse::<AuditKind>()
                .map_err(|e| ValidationError::new(format!("kinds[{i}]"), e.to_string()))
        })
        .collect::<Result<BTreeSet<_>, _>>()?;
    let since = time("since", request.since)?;
    let until = time("until", request.until)?;
    if let (Some(since), Some(until)) = (since, until)
        && since >= until
    {
        return Err(ValidationError::new("until", "must be later than `since`"));
    }
    let limit = match request.limit as usize {
        0 => DEFAULT_LIMIT,
        n => n.min(MAX_LIMIT),
    };
    Ok(AuditFilter {
        kinds,
        actor: text("actor", request.actor)?,
        subject: text("subject", request.subject)?,
        since,
        until,
        after_seq: request.after_seq,
        limit: Some(limit),
    })
}

fn text(field: &str, value: String) -> Result<Option<String>, ValidationError> {
    if value.len() > MAX_FILTER_BYTES {
        return Err(ValidationError::new(
            field,
            format!("at most {MAX_FILTER_BYTES} bytes"),
        ));
    }
    Ok((!value.is_empty()).then_some(value))
}

fn time(field: &str, t: Option<prost_types::Timestamp>) -> Result<Option<DateTime<Utc>>, ValidationError> {
    t.map(|t| {
        u32::try_from(t.nanos)
            .ok()
            .and_then(|nanos| DateTime::from_timestamp(t.seconds, nanos))
            .ok_or_else(|| {
                ValidationError::new(
                    field,
                    format!("`{}s {}ns` is not a valid time", t.seconds, t.nanos),
                )
            })
    })
    .transpose()
}

fn entry(e: AuditEntry) -> pb::AuditEntry {
    pb::AuditEntry {
        seq: e.seq,
        at: Some(timestamp(e.at)),
        actor: e.actor,
        organisation: e.organisation,
        kind: e.kind.as_str().to_owned(),
        subject: e.subject,
        detail: e.detail,
        prev_hash: e.prev_hash,
        hash: e.hash,
    }
}

fn report(r: AuditReport) -> pb::VerifyAuditResponse {
    pb::VerifyAuditResponse {
        ok: r.problem.is_none(),
        entries: r.entries,
        head_hash: r.head_hash,
        problem: r.problem.map(|p| pb::AuditProblem {
            seq: p.seq,
            kind: match p.kind {
                ProblemKind::Edited => pb::AuditProblemKind::Edited,
                ProblemKind::Removed => pb::AuditProblemKind::Removed,
                ProblemKind::Reordered => pb::AuditProblemKind::Reordered,
                ProblemKind::Truncated => pb::AuditProblemKind::Truncated,
            } as i32,
            message: p.message,
        }),
    }
}

#[tonic::async_trait]
impl AuditService for AuditApi {
    async fn query_audit(
        &self,
        request: Request<pb::QueryAuditRequest>,
    ) -> Result<Response<pb::QueryAuditResponse>, Status> {
        let caller = caller(&request)?;
        self.assessments
            .authorize_node(&caller, Action::QueryAudit)
            .map_err(status)?;
        let filter = filter(request.into_inner()).map_err(invalid)?;
        let entries = self
            .store
            .audit_entries(&filter)
            .map_err(|e| status(ServiceError::Store(e)))?;
        Ok(Response::new(pb::QueryAuditResponse {
            entries: entries.into_iter().map(entry).collect(),
        }))
    }

    async fn verify_audit(
        &self,
        request: Request<pb::VerifyAuditRequest>,
    ) -> Result<Response<pb::VerifyAuditResponse>, Status> {
        let caller = caller(&request)?;
        self.assessments
            .authorize_node(&caller, Action::VerifyAudit)
            .map_err(status)?;
        let store = self.store.clone();
        let verified = tokio::task::spawn_blocking(move || store.verify_audit())
            .await
            .map_err(|e| Status::internal(format!("the audit check did not finish: {e}")))?
            .map_err(|e| status(ServiceError::Store(e)))?;
        if let Some(problem) = &verified.problem {
            tracing::warn!(seq = problem.seq, kind = %problem.kind, "audit chain broken");
        }
        Ok(Response::new(report(verified)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(edit: impl FnOnce(&mut pb::QueryAuditRequest)) -> pb::QueryAuditRequest {
        let mut request = pb::QueryAuditRequest::default();
        edit(&mut request);
        request
    }

    #[test]
    fn requests_become_filters_with_a_capped_limit() {
        let empty = filter(request(|_| {})).unwrap();
        assert_eq!(empty.limit, Some(DEFAULT_LIMIT));
        let f = filter(request(|r| {
            r.kinds = vec!["sign_in".into(), "Assessment-Published".into()];
            r.actor = "ada".into();
            r.limit = 5000;
        }))
        .unwrap();
        assert_eq!(f.limit, Some(MAX_LIMIT));
        assert_eq!(f.actor.as_deref(), Some("ada"));
        assert_eq!(
            f.kinds,
            [AuditKind::SignIn, AuditKind::AssessmentPublished].into()
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let t = |seconds| prost_types::Timestamp { seconds, nanos: 0 };
        let cases = [
            (
                request(|r| r.kinds = vec!["sign_in".into(), "boom".into()]),
                "kinds[1]",
                "`boom`",
            ),
            (request(|r| r.actor = "a".repeat(300)), "actor", "256"),
            (
                request(|r| {
                    r.since = Some(prost_types::Timestamp {
                        seconds: 0,
                        nanos: -1,
                    })
                }),
                "since",
                "not a valid time",
            ),
            (
                request(|r| {
                    r.since = Some(t(20));
                    r.until = Some(t(10));
                }),
                "until",
                "later",
            ),
        ];
        for (request, field, needle) in cases {
            let err = filter(request).unwrap_err();
            assert_eq!(err.field, field, "{err}");
            assert!(err.message.contains(needle), "{err}");
        }
    }
}
