//! The one mapping from domain errors to gRPC status codes.

use tonic::Status;

use crate::assessments::ServiceError;
use crate::federation::admin::AdminError;
use crate::model::ValidationError;
use crate::model::assessment::LifecycleError;
use crate::store::StoreError;

/// Converts a domain failure into the status a client sees. Store failures
/// are logged here and reported without internals.
pub(super) fn status(error: ServiceError) -> Status {
    match error {
        ServiceError::Invalid(_) => Status::invalid_argument(error.to_string()),
        ServiceError::NotFound { .. } => Status::not_found(error.to_string()),
        ServiceError::Denied { .. } => Status::permission_denied(error.to_string()),
        ServiceError::Lifecycle(LifecycleError::StaleVersion { .. }) => Status::aborted(error.to_string()),
        ServiceError::Lifecycle(_) => Status::failed_precondition(error.to_string()),
        ServiceError::Store(StoreError::Conflict { .. } | StoreError::AlreadyExists { .. }) => {
            Status::aborted(error.to_string())
        }
        ServiceError::Store(e) => {
            tracing::error!(error = %e, "store failure");
            Status::internal("the node could not read or write its store; see the node's log")
        }
    }
}

/// A request field that could not be decoded.
pub(super) fn invalid(error: ValidationError) -> Status {
    status(ServiceError::Invalid(error))
}

/// A federation administration request that could not be answered.
pub(super) fn admin_status(error: AdminError) -> Status {
    match error {
        AdminError::UnknownOrganisation(_) | AdminError::NoAssessment(_) => {
            Status::not_found(error.to_string())
        }
        AdminError::ThisNode(_) => Status::invalid_argument(error.to_string()),
        AdminError::NotPublished(_) => Status::failed_precondition(error.to_string()),
        AdminError::Cursor { .. } => {
            tracing::error!(error = %error, "unreadable federation cursor");
            Status::internal("the node could not read its federation state; see the node's log")
        }
        AdminError::Store(e) => status(ServiceError::Store(e)),
    }
}
