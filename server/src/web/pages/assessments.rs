//! This node's assessments: the list (drafts, in review, published), one
//! assessment's latest version with its sources marked as never leaving the
//! node, and the submit-for-review and publish buttons for the users whose
//! role and the four-eyes rule allow them.

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;

use super::board::checked;
use super::{snake, when};
use crate::assessments::{AssessmentView, ListFilter, ServiceError};
use crate::model::assessment::{Assessment, AssessmentStatus};
use crate::policy::Action;
use crate::web::html::{Nav, csrf_field, escape, page, url_part};
use crate::web::i18n::t;
use crate::web::session::{Session, SignedIn};
use crate::web::{Web, error_page, html};

/// `GET /assessments`: every version the user may read, newest first.
pub(in crate::web) async fn list(State(web): State<Arc<Web>>, SignedIn(session): SignedIn) -> Response {
    let lang = session.lang;
    let assessments = &web.services.assessments;
    let all = match assessments.list(&session.caller, &ListFilter::default()) {
        Ok(all) => all,
        Err(e) => return failure(&session, &e),
    };
    let mut out = String::new();
    if assessments
        .authorize_node(&session.caller, Action::CreateAssessment)
        .is_ok()
    {
        out.push_str(&format!(
            r#"<p><a class="button" href="/assessments/new">{}</a></p>"#,
            escape(t(lang, "editor.new"))
        ));
    }
    if all.is_empty() {
        out.push_str(&format!("<p>{}</p>", escape(t(lang, "assessments.empty"))));
    } else {
        out.push_str(&format!(
            r#"<div class="scroll"><table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
            escape(t(lang, "overview.situation")),
            escape(t(lang, "assessments.status")),
            escape(t(lang, "situation.version")),
            escape(t(lang, "overview.risk")),
            escape(t(lang, "assessments.updated")),
        ));
        for view in &all {
            let a = &view.assessment;
            out.push_str(&format!(
                r#"<tr><th scope="row"><a href="/assessments/{}">{}</a></th><td data-status="{status}">{}</td><td>{}</td><td class="risk-{risk}">{}</td><td>{}</td></tr>"#,
                url_part(&a.id),
                escape(&a.content.situation.title),
                escape(t(lang, &format!("status.{}", a.status.as_str()))),
                a.version,
                escape(t(lang, &format!("risk.{}", a.content.overall_risk.as_str()))),
                escape(&when(a.updated_at)),
                status = a.status.as_str(),
                risk = a.content.overall_risk.as_str(),
            ));
        }
        out.push_str("</tbody></table></div>");
    }
    html(page(
        &session,
        Nav::Assessments,
        t(lang, "assessments.title"),
        &out,
    ))
}

/// `GET /assessments/{id}`: the latest version and what the user may do.
pub(in crate::web) async fn show(
    State(web): State<Arc<Web>>,
    Path(id): Path<String>,
    SignedIn(session): SignedIn,
) -> Response {
    let view = match web.services.assessments.get(&session.caller, &id, None) {
        Ok(view) => view,
        Err(e) => return failure(&session, &e),
    };
    let mut body = summary(&session, &view);
    body.push_str(&buttons(&web, &session, &view.assessment));
    let title = &view.assessment.content.situation.title;
    html(page(&session, Nav::Assessments, title, &body))
}

fn summary(session: &Session, view: &AssessmentView) -> String {
    let lang = session.lang;
    let a = &view.assessment;
    let c = &a.content;
    let row = |key: &str, value: String| format!("<dt>{}</dt><dd>{value}</dd>", escape(t(lang, key)));
    let crimes: Vec<String> = c
        .situation
        .crimes_at_risk
        .iter()
        .map(|crime| t(lang, &format!("crime.{}", crime.as_str())).to_owned())
        .collect();
    let mut out = String::from("<dl class=\"facts\">");
    out.push_str(&format!(
        r#"<dt>{}</dt><dd data-status="{}">{}</dd>"#,
        escape(t(lang, "assessments.status")),
        a.status.as_str(),
        escape(t(lang, &format!("status.{}", a.status.as_str())))
    ));
    out.push_str(&row("situation.version", a.version.to_string()));
    out.push_str(&row(
        "overview.countries",
        escape(&c.situation.countries.join(", ")),
    ));
    out.push_str(&row("situation.crimes", escape(&crimes.join(", "))));
    out.push_str(&row(
        "overview.risk",
        escape(t(lang, &format!("risk.{}", c.overall_risk.as_str()))),
    ));
    out.push_str(&row(
        "overview.trend",
        escape(t(lang, &format!("trend.{}", snake(c.trend)))),
    ));
    out.push_str(&row(
        "situation.confidence",
        escape(t(lang, &format!("confidence.{}", snake(c.confidence)))),
    ));
    out.push_str(&row("situation.horizon", c.horizon_months.to_string()));
    out.push_str(&row("editor.tlp", format!("TLP:{}", escape(c.tlp.as_str()))));
    out.push_str(&row("assessments.author", escape(&a.author)));
    out.push_str(&row("assessments.updated", escape(&when(a.updated_at))));
    out.push_str("</dl>");
    out.push_str(&factors(session, a));
    out.push_str(&format!(
        "<h2>{}</h2><p class=\"narrative\">{}</p>",
        escape(t(lang, "situation.narrative")),
        escape(&c.narrative)
    ));
    out.push_str(&sources(session, view));
    out
}

fn factors(session: &Session, a: &Assessment) -> String {
    let lang = session.lang;
    let mut out = format!(
        r#"<h2>{}</h2><div class="scroll"><table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        escape(t(lang, "situation.factors")),
        escape(t(lang, "situation.factor")),
        escape(t(lang, "editor.level")),
        escape(t(lang, "situation.indicators")),
    );
    for f in &a.content.factors {
        out.push_str(&format!(
            r#"<tr><th scope="row">{}</th><td class="level-{level}">{}</td><td>{}</td></tr>"#,
            f.factor,
            escape(t(lang, &format!("level.{}", snake(f.level)))),
            escape(&f.indicators.join(", ")),
            level = snake(f.level),
        ));
    }
    out.push_str("</tbody></table></div>");
    out
}

/// Sources, shown only to users who may read them, marked as local.
fn sources(session: &Session, view: &AssessmentView) -> String {
    let lang = session.lang;
    let mut out = format!(
        r#"<section class="local"><h2>{}</h2><p class="hint">{}</p>"#,
        escape(t(lang, "editor.sources")),
        escape(t(lang, "editor.sources_hint"))
    );
    if view.sources_withheld {
        out.push_str(&format!(
            "<p>{}</p>",
            escape(t(lang, "assessments.sources_withheld"))
        ));
    } else {
        out.push_str("<ul>");
        for s in &view.assessment.content.sources {
            let grade = s.reliability.map(|g| format!(" ({g})")).unwrap_or_default();
            out.push_str(&format!("<li>{}{}</li>", escape(&s.reference), escape(&grade)));
        }
        out.push_str("</ul>");
    }
    out.push_str("</section>");
    out
}

/// Edit, submit and publish, each only where status and policy allow it.
fn buttons(web: &Web, session: &Session, a: &Assessment) -> String {
    let lang = session.lang;
    let may = |action| web.services.assessments.allowed(&session.caller, action, a);
    let id = url_part(&a.id);
    let mut out = String::from(r#"<div class="actions">"#);
    if a.status != AssessmentStatus::Superseded && may(Action::ReviseAssessment) {
        out.push_str(&format!(
            r#"<a class="button" href="/assessments/{id}/edit">{}</a>"#,
            escape(t(lang, "assessments.edit"))
        ));
    }
    for (status, action, path, key) in [
        (
            AssessmentStatus::Draft,
            Action::SubmitAssessment,
            "submit",
            "assessments.submit",
        ),
        (
            AssessmentStatus::InReview,
            Action::PublishAssessment,
            "publish",
            "assessments.publish",
        ),
    ] {
        if a.status == status && may(action) {
            out.push_str(&format!(
                r#"<form method="post" action="/assessments/{id}/{path}" class="inline">{}<input type="hidden" name="version" value="{}"><button type="submit">{}</button></form>"#,
                csrf_field(session),
                a.version,
                escape(t(lang, key))
            ));
        }
    }
    out.push_str("</div>");
    out
}

#[derive(Debug, Deserialize)]
pub(in crate::web) struct StepForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
}

/// `POST /assessments/{id}/submit`.
pub(in crate::web) async fn submit(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<StepForm>,
) -> Response {
    step(&web, &headers, &id, &form, Action::SubmitAssessment).await
}

/// `POST /assessments/{id}/publish`.
pub(in crate::web) async fn publish(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<StepForm>,
) -> Response {
    step(&web, &headers, &id, &form, Action::PublishAssessment).await
}

async fn step(web: &Web, headers: &HeaderMap, id: &str, form: &StepForm, action: Action) -> Response {
    let session = match checked(web, headers, &form.csrf) {
        Ok(session) => session,
        Err(refused) => return refused,
    };
    let Ok(version) = form.version.parse::<u32>() else {
        let detail = format!("version `{}` is not a version number", form.version);
        return error_page(&session, StatusCode::BAD_REQUEST, "error.failed", &detail);
    };
    let assessments = &web.services.assessments;
    let done = match action {
        Action::PublishAssessment => assessments.publish(&session.caller, id, Some(version)).await,
        _ => assessments.submit(&session.caller, id, Some(version)).await,
    };
    match done {
        Ok(_) => Redirect::to(&format!("/assessments/{}", url_part(id))).into_response(),
        Err(e) => failure(&session, &e),
    }
}

/// The page for a service error, with the status the API would choose.
pub(in crate::web) fn failure(session: &Session, error: &ServiceError) -> Response {
    let (status, key) = match error {
        ServiceError::Denied { .. } => (StatusCode::FORBIDDEN, "error.forbidden"),
        ServiceError::NotFound { .. } => (StatusCode::NOT_FOUND, "error.not_found"),
        ServiceError::Invalid(_) => (StatusCode::BAD_REQUEST, "error.failed"),
        ServiceError::Lifecycle(_) => (StatusCode::CONFLICT, "error.failed"),
        ServiceError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error.failed"),
    };
    let detail = match error {
        ServiceError::Store(_) => String::new(),
        other => other.to_string(),
    };
    error_page(session, status, key, &detail)
}
