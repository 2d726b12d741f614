//! The federation administration calls of `tocsin.v1.NodeService`: each
//! authorises the caller, calls `federation::admin` and converts the answer.
//! A node that does not federate answers FAILED_PRECONDITION.

use chrono::Utc;
use tocsin_proto::v1 as pb;
use tonic::{Request, Response, Status};

use crate::api::convert::{
    timestamp, wire_confidence, wire_crime, wire_level, wire_risk, wire_tlp, wire_trend,
};
use crate::api::error::{admin_status, invalid, status};
use crate::api::node_service::{NodeApi, caller};
use crate::assessments::ServiceError;
use crate::federation::admin::{self, Explanation, PeerStatus};
use crate::federation::identity::is_org_id;
use crate::federation::sharing_files::{SharingFileError, reload_sharing};
use crate::federation::state::FederationState;
use crate::model::ValidationError;
use crate::model::hex::hex;
use crate::model::shown;
use crate::model::statement::SharedAssessment;
use crate::policy::Action;
use crate::policy::sharing::SharingAction;
use crate::store::{Equivocation, Refusal};

impl NodeApi {
    /// Authorises `action` for the caller, then gives the federation state.
    fn admin<T>(&self, request: &Request<T>, action: Action) -> Result<&FederationState, Status> {
        let caller = caller(request)?;
        self.assessments.authorize_node(&caller, action).map_err(status)?;
        self.federation
            .as_ref()
            .ok_or_else(|| Status::failed_precondition("this node does not federate"))
    }

    pub(super) fn list_peers_call(
        &self,
        request: &Request<pb::ListPeersRequest>,
    ) -> Result<Response<pb::ListPeersResponse>, Status> {
        let state = self.admin(request, Action::ListPeers)?;
        let peers = admin::peers(state).map_err(admin_status)?;
        Ok(Response::new(pb::ListPeersResponse {
            peers: peers.iter().map(peer).collect(),
        }))
    }

    pub(super) fn list_quarantine_call(
        &self,
        request: &Request<pb::ListQuarantineRequest>,
    ) -> Result<Response<pb::ListQuarantineResponse>, Status> {
        let state = self.admin(request, Action::ListQuarantine)?;
        let held = admin::quarantine(state).map_err(admin_status)?;
        Ok(Response::new(pb::ListQuarantineResponse {
            equivocations: held.iter().map(equivocation).collect(),
        }))
    }

    pub(super) fn list_refusals_call(
        &self,
        request: &Request<pb::ListRefusalsRequest>,
    ) -> Result<Response<pb::ListRefusalsResponse>, Status> {
        let state = self.admin(request, Action::ListRefusals)?;
        let refused = admin::refusals(state).map_err(admin_status)?;
        Ok(Response::new(pb::ListRefusalsResponse {
            refusals: refused.iter().map(refusal).collect(),
        }))
    }

    /// Also needs `GetAssessment` on the version explained.
    pub(super) fn explain_sharing_call(
        &self,
        request: &Request<pb::ExplainSharingRequest>,
    ) -> Result<Response<pb::ExplainSharingResponse>, Status> {
        let state = self.admin(request, Action::ExplainSharing)?;
        let caller = caller(request)?;
        let r = request.get_ref();
        let id = r.assessment_id.as_str();
        if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(invalid(ValidationError::new(
                "assessment_id",
                format!("`{}` is not an assessment id", shown(id)),
            )));
        }
        if !is_org_id(&r.to_org) {
            return Err(invalid(ValidationError::new(
                "to_org",
                format!("`{}` is not an organisation id", shown(&r.to_org)),
            )));
        }
        let version = admin::version_to_explain(state, id, (r.version != 0).then_some(r.version))
            .map_err(admin_status)?;
        let view = self.assessments.get(&caller, id, Some(version)).map_err(status)?;
        let explained =
            admin::explain(state, &view.assessment, &r.to_org, Utc::now()).map_err(admin_status)?;
        Ok(Response::new(explanation(&explained)))
    }

    pub(super) async fn reload_sharing_policy_call(
        &self,
        request: &Request<pb::ReloadSharingPolicyRequest>,
    ) -> Result<Response<pb::ReloadSharingPolicyResponse>, Status> {
        let state = self.admin(request, Action::ReloadSharingPolicy)?;
        let actor = caller(request)?.subject;
        let before = state.sharing().epoch;
        let epoch = reload_sharing(state, &actor).await.map_err(|e| match e {
            SharingFileError::Store(e) => status(ServiceError::Store(e)),
            e => Status::invalid_argument(e.to_string()),
        })?;
        Ok(Response::new(pb::ReloadSharingPolicyResponse {
            epoch,
            changed: epoch != before,
        }))
    }
}

fn peer(p: &PeerStatus) -> pb::PeerStatus {
    let o = &p.organisation;
    pb::PeerStatus {
        id: o.id.clone(),
        name: o.name.clone(),
        kind: o.kind.as_str().to_owned(),
        groups: o.groups.iter().cloned().collect(),
        endpoint: o.endpoint.clone(),
        has_cursor: p.cursor.is_some(),
        cursor_epoch: p.cursor.map(|c| c.epoch).unwrap_or_default(),
        cursor_seq: p.cursor.map(|c| c.seq).unwrap_or_default(),
        received: p.received,
        originated: p.originated,
        last_received_at: p.last_received_at.map(timestamp),
    }
}

fn equivocation(e: &Equivocation) -> pb::Equivocation {
    pb::Equivocation {
        statement_id: e.statement_id.clone(),
        origin: e.origin.clone(),
        first_sha256: hex(&e.first_sha256),
        second_sha256: hex(&e.second_sha256),
        received_from: e.received_from.clone(),
        at: Some(timestamp(e.at)),
    }
}

fn refusal(r: &Refusal) -> pb::RefusedDelivery {
    pb::RefusedDelivery {
        peer: r.peer.clone(),
        reason: r.reason.clone(),
        at: Some(timestamp(r.at)),
    }
}

fn explanation(e: &Explanation) -> pb::ExplainSharingResponse {
    pb::ExplainSharingResponse {
        assessment_id: e.assessment_id.clone(),
        version: e.version,
        tlp: wire_tlp(e.tlp) as i32,
        to_org: e.peer.id.clone(),
        to_kind: e.peer.kind.clone(),
        to_groups: e.peer.groups.iter().cloned().collect(),
        verdicts: SharingAction::ALL
            .iter()
            .map(|&action| pb::SharingVerdict {
                action: action.as_str().to_owned(),
                allowed: e.decision.allows(action),
                reasons: e.decision.reasons_for(action).to_vec(),
            })
            .collect(),
        errors: e.decision.errors.clone(),
        received: e.received.as_ref().map(shared_view),
    }
}

fn shared_view(a: &SharedAssessment) -> pb::SharedView {
    let s = &a.situation;
    pb::SharedView {
        disclosed: a.disclosed.iter().map(|d| d.as_str().to_owned()).collect(),
        situation: Some(pb::SituationSpec {
            title: s.title.clone(),
            countries: s.countries.clone(),
            admin1: s.admin1.clone(),
            admin2: s.admin2.clone(),
            crimes_at_risk: s.crimes_at_risk.iter().map(|c| wire_crime(*c) as i32).collect(),
            protected_groups: s
                .protected_groups
                .iter()
                .map(|g| pb::ProtectedGroup {
                    basis: g.basis.clone(),
                    label: g.label.clone(),
                })
                .collect(),
        }),
        m49_region: s.m49_region.clone(),
        regional_bodies: s.regional_bodies.clone(),
        overall_risk: wire_risk(a.overall_risk) as i32,
        ongoing: a.ongoing,
        trend: wire_trend(a.trend) as i32,
        confidence: wire_confidence(a.confidence) as i32,
        horizon_months: a.horizon_months,
        factors: a
            .factors
            .iter()
            .flatten()
            .map(|f| pb::SharedFactorLevel {
                factor: u32::from(f.factor),
                level: wire_level(f.level) as i32,
                indicators: f.indicators.clone().unwrap_or_default(),
            })
            .collect(),
        narrative: a.narrative.clone().unwrap_or_default(),
    }
}
