//! The assessment editor for analysts: a new assessment, or a revision of
//! the latest version, written in a form and saved as a draft through the
//! assessments service (its Cedar policy and validation). A refused form
//! comes back as typed, with the field at fault named.

mod form;
mod values;

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::Arc;

use super::assessments::failure;
use super::board::checked;
use crate::assessments::ServiceError;
use crate::model::assessment::AssessmentStatus;
use crate::policy::Action;
use crate::web::html::{Nav, page, url_part};
use crate::web::i18n::t;
use crate::web::session::{Session, SignedIn};
use crate::web::{Web, error_page, html};
use form::Target;
use values::FormValues;

/// `GET /assessments/new`: an empty form with careful defaults.
pub(in crate::web) async fn new(State(web): State<Arc<Web>>, SignedIn(session): SignedIn) -> Response {
    let assessments = &web.services.assessments;
    if let Err(e) = assessments.authorize_node(&session.caller, Action::CreateAssessment) {
        return failure(&session, &e);
    }
    let defaults = FormValues::from_pairs(
        [
            ("tlp", "amber"),
            ("horizon_months", "6"),
            ("trend", "unchanged"),
            ("confidence", "medium"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec(),
    );
    let target = Target {
        action: "/assessments",
        base_version: None,
    };
    editor_page(&web, &session, &defaults, &target, None, StatusCode::OK)
}

/// `POST /assessments`: saves a new draft.
pub(in crate::web) async fn create(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let values = FormValues::from_pairs(pairs);
    let session = match checked(&web, &headers, values.one("csrf")) {
        Ok(session) => session,
        Err(refused) => return refused,
    };
    let target = Target {
        action: "/assessments",
        base_version: None,
    };
    let assessments = &web.services.assessments;
    let content = match values.to_content(&assessments.reference().catalogue) {
        Ok(content) => content,
        Err(e) => return refused(&web, &session, &values, &target, &e.to_string()),
    };
    match assessments.create(&session.caller, content).await {
        Ok(view) => saved(&view.assessment.id),
        Err(ServiceError::Invalid(e)) => refused(&web, &session, &values, &target, &e.to_string()),
        Err(e) => failure(&session, &e),
    }
}

/// `GET /assessments/{id}/edit`: the latest version in the form.
pub(in crate::web) async fn edit(
    State(web): State<Arc<Web>>,
    Path(id): Path<String>,
    SignedIn(session): SignedIn,
) -> Response {
    let assessments = &web.services.assessments;
    let view = match assessments.get(&session.caller, &id, None) {
        Ok(view) => view,
        Err(e) => return failure(&session, &e),
    };
    let a = &view.assessment;
    if !assessments.allowed(&session.caller, Action::ReviseAssessment, a)
        || a.status == AssessmentStatus::Superseded
    {
        return error_page(&session, StatusCode::FORBIDDEN, "error.forbidden", "");
    }
    if view.sources_withheld {
        // Saving would drop sources this user may not read.
        return error_page(&session, StatusCode::FORBIDDEN, "editor.sources_withheld", "");
    }
    let action = format!("/assessments/{}/edit", url_part(&a.id));
    let target = Target {
        action: &action,
        base_version: Some(a.version),
    };
    let values = FormValues::from_content(&a.content);
    editor_page(&web, &session, &values, &target, None, StatusCode::OK)
}

/// `POST /assessments/{id}/edit`: saves a revision as a draft.
pub(in crate::web) async fn revise(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let values = FormValues::from_pairs(pairs);
    let session = match checked(&web, &headers, values.one("csrf")) {
        Ok(session) => session,
        Err(refused) => return refused,
    };
    let action = format!("/assessments/{}/edit", url_part(&id));
    let Ok(base) = values.one("base_version").parse::<u32>() else {
        let detail = format!(
            "base_version `{}` is not a version number",
            values.one("base_version")
        );
        return error_page(&session, StatusCode::BAD_REQUEST, "error.failed", &detail);
    };
    let target = Target {
        action: &action,
        base_version: Some(base),
    };
    let assessments = &web.services.assessments;
    let content = match values.to_content(&assessments.reference().catalogue) {
        Ok(content) => content,
        Err(e) => return refused(&web, &session, &values, &target, &e.to_string()),
    };
    match assessments.revise(&session.caller, &id, base, content).await {
        Ok(view) => saved(&view.assessment.id),
        Err(ServiceError::Invalid(e)) => refused(&web, &session, &values, &target, &e.to_string()),
        Err(e) => failure(&session, &e),
    }
}

fn saved(id: &str) -> Response {
    Redirect::to(&format!("/assessments/{}", url_part(id))).into_response()
}

/// The form again, as posted, with what is wrong.
fn refused(web: &Web, session: &Session, values: &FormValues, target: &Target<'_>, error: &str) -> Response {
    editor_page(web, session, values, target, Some(error), StatusCode::BAD_REQUEST)
}

fn editor_page(
    web: &Web,
    session: &Session,
    values: &FormValues,
    target: &Target<'_>,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let catalogue = &web.services.assessments.reference().catalogue;
    let body = form::render(session, catalogue, values, target, error);
    let title = match target.base_version {
        None => t(session.lang, "editor.new"),
        Some(_) => t(session.lang, "editor.revise"),
    };
    (status, html(page(session, Nav::Assessments, title, &body))).into_response()
}
