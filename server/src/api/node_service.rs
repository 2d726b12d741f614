//! `tocsin.v1.NodeService`: thin adapters from gRPC to `Assessments`, to
//! `federation::withdraw` and `federation::situations` (which take the
//! federation side when the node has one), and to `admin_service` for the
//! federation administration calls.

use tocsin_proto::v1 as pb;
use tocsin_proto::v1::node_service_server::NodeService;
use tonic::{Request, Response, Status};

use crate::api::convert;
use crate::api::error::{invalid, status};
use crate::api::situation::situation;
use crate::assessments::{Assessments, ListFilter};
use crate::federation::state::FederationState;
use crate::federation::{situations, withdraw};
use crate::model::ValidationError;
use crate::model::caller::Caller;
use crate::policy::Action;

/// The node API of one node.
#[derive(Debug, Clone)]
pub struct NodeApi {
    pub(super) assessments: Assessments,
    /// The federation side, when the node federates.
    pub(super) federation: Option<FederationState>,
}

impl NodeApi {
    pub fn new(assessments: Assessments, federation: Option<FederationState>) -> Self {
        Self {
            assessments,
            federation,
        }
    }
}

/// The caller the authentication layer attached to this request.
pub(super) fn caller<T>(request: &Request<T>) -> Result<Caller, Status> {
    request
        .extensions()
        .get::<Caller>()
        .cloned()
        .ok_or_else(|| Status::unauthenticated("no authenticated caller for this request"))
}

fn content(
    content: Option<pb::AssessmentContent>,
) -> Result<crate::model::assessment::AssessmentContent, Status> {
    let content = content.ok_or_else(|| invalid(ValidationError::new("content", "must be set")))?;
    convert::content(content).map_err(|e| invalid(e.under("content")))
}

/// `0` on the wire means "the latest version".
fn version(v: u32) -> Option<u32> {
    (v != 0).then_some(v)
}

fn id(id: &str) -> Result<&str, Status> {
    if id.is_empty() {
        return Err(invalid(ValidationError::new("id", "must not be empty")));
    }
    if id.len() > 64 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(invalid(ValidationError::new(
            "id",
            format!("`{}` is not an assessment id", crate::model::shown(id)),
        )));
    }
    Ok(id)
}

fn filter_text(field: &str, value: String) -> Result<Option<String>, Status> {
    if value.len() > 64 {
        return Err(invalid(ValidationError::new(field, "at most 64 characters")));
    }
    Ok((!value.is_empty()).then_some(value))
}

#[tonic::async_trait]
impl NodeService for NodeApi {
    async fn who_am_i(
        &self,
        request: Request<pb::WhoAmIRequest>,
    ) -> Result<Response<pb::WhoAmIResponse>, Status> {
        let caller = caller(&request)?;
        self.assessments
            .authorize_node(&caller, Action::WhoAmI)
            .map_err(status)?;
        Ok(Response::new(pb::WhoAmIResponse {
            subject: caller.subject,
            name: caller.name,
            organisation: caller.organisation,
            roles: caller.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            issuer: caller.issuer,
        }))
    }

    async fn create_assessment(
        &self,
        request: Request<pb::CreateAssessmentRequest>,
    ) -> Result<Response<pb::Assessment>, Status> {
        let caller = caller(&request)?;
        let content = content(request.into_inner().content)?;
        let view = self.assessments.create(&caller, content).await.map_err(status)?;
        Ok(Response::new(convert::assessment(&view)))
    }

    async fn revise_assessment(
        &self,
        request: Request<pb::ReviseAssessmentRequest>,
    ) -> Result<Response<pb::Assessment>, Status> {
        let caller = caller(&request)?;
        let request = request.into_inner();
        let id = id(&request.id)?;
        if request.base_version == 0 {
            return Err(invalid(ValidationError::new(
                "base_version",
                "must be the version the revision was written against",
            )));
        }
        let content = content(request.content)?;
        let view = self
            .assessments
            .revise(&caller, id, request.base_version, content)
            .await
            .map_err(status)?;
        Ok(Response::new(convert::assessment(&view)))
    }

    async fn submit_assessment(
        &self,
        request: Request<pb::SubmitAssessmentRequest>,
    ) -> Result<Response<pb::Assessment>, Status> {
        let caller = caller(&request)?;
        let request = request.into_inner();
        let view = self
            .assessments
            .submit(&caller, id(&request.id)?, version(request.version))
            .await
            .map_err(status)?;
        Ok(Response::new(convert::assessment(&view)))
    }

    async fn publish_assessment(
        &self,
        request: Request<pb::PublishAssessmentRequest>,
    ) -> Result<Response<pb::Assessment>, Status> {
        let caller = caller(&request)?;
        let request = request.into_inner();
        let view = self
            .assessments
            .publish(&caller, id(&request.id)?, version(request.version))
            .await
            .map_err(status)?;
        Ok(Response::new(convert::assessment(&view)))
    }

    async fn withdraw_assessment(
        &self,
        request: Request<pb::WithdrawAssessmentRequest>,
    ) -> Result<Response<pb::Assessment>, Status> {
        let caller = caller(&request)?;
        let request = request.into_inner();
        let view = withdraw::withdraw(
            &self.assessments,
            self.federation.as_ref(),
            &caller,
            id(&request.id)?,
            version(request.version),
            &request.reason,
        )
        .await
        .map_err(status)?;
        Ok(Response::new(convert::assessment(&view)))
    }

    async fn get_assessment(
        &self,
        request: Request<pb::GetAssessmentRequest>,
    ) -> Result<Response<pb::Assessment>, Status> {
        let caller = caller(&request)?;
        let request = request.into_inner();
        let view = self
            .assessments
            .get(&caller, id(&request.id)?, version(request.version))
            .map_err(status)?;
        Ok(Response::new(convert::assessment(&view)))
    }

    async fn list_assessments(
        &self,
        request: Request<pb::ListAssessmentsRequest>,
    ) -> Result<Response<pb::ListAssessmentsResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.into_inner();
        let filter = ListFilter {
            country: filter_text("country", r.country)?,
            regional_body: filter_text("regional_body", r.regional_body)?,
            status: convert::optional("status", r.status, convert::status).map_err(invalid)?,
            min_risk: convert::optional("min_risk", r.min_risk, convert::overall_risk).map_err(invalid)?,
            all_versions: r.all_versions,
        };
        let views = self.assessments.list(&caller, &filter).map_err(status)?;
        Ok(Response::new(pb::ListAssessmentsResponse {
            assessments: views.iter().map(convert::assessment).collect(),
        }))
    }

    async fn list_situations(
        &self,
        request: Request<pb::ListSituationsRequest>,
    ) -> Result<Response<pb::ListSituationsResponse>, Status> {
        let caller = caller(&request)?;
        let r = request.into_inner();
        let country = filter_text("country", r.country)?;
        let body = filter_text("regional_body", r.regional_body)?;
        let views = situations::situations(
            &self.assessments,
            self.federation.as_ref(),
            &caller,
            country.as_deref(),
            body.as_deref(),
        )
        .map_err(status)?;
        Ok(Response::new(pb::ListSituationsResponse {
            situations: views.iter().map(situation).collect(),
        }))
    }

    async fn get_situation(
        &self,
        request: Request<pb::GetSituationRequest>,
    ) -> Result<Response<pb::Situation>, Status> {
        let caller = caller(&request)?;
        let id = request.into_inner().id;
        if id.is_empty() || id.len() > 2_000 {
            return Err(invalid(ValidationError::new(
                "id",
                "must be a situation id such as `XAA`",
            )));
        }
        let view = situations::situation(&self.assessments, self.federation.as_ref(), &caller, &id)
            .map_err(status)?;
        Ok(Response::new(situation(&view)))
    }

    async fn list_peers(
        &self,
        request: Request<pb::ListPeersRequest>,
    ) -> Result<Response<pb::ListPeersResponse>, Status> {
        self.list_peers_call(&request)
    }

    async fn list_quarantine(
        &self,
        request: Request<pb::ListQuarantineRequest>,
    ) -> Result<Response<pb::ListQuarantineResponse>, Status> {
        self.list_quarantine_call(&request)
    }

    async fn list_refusals(
        &self,
        request: Request<pb::ListRefusalsRequest>,
    ) -> Result<Response<pb::ListRefusalsResponse>, Status> {
        self.list_refusals_call(&request)
    }

    async fn explain_sharing(
        &self,
        request: Request<pb::ExplainSharingRequest>,
    ) -> Result<Response<pb::ExplainSharingResponse>, Status> {
        self.explain_sharing_call(&request)
    }

    async fn reload_sharing_policy(
        &self,
        request: Request<pb::ReloadSharingPolicyRequest>,
    ) -> Result<Response<pb::ReloadSharingPolicyResponse>, Status> {
        self.reload_sharing_policy_call(&request).await
    }
}
