//! Warnings board: warnings addressed to this organisation and those it
//! raised, with deadlines (overdue highlighted) and, for users whose role
//! allows it, forms to acknowledge and decide.

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use std::sync::Arc;

use super::{snake, when};
use crate::model::warning::{AckKind, ActionKind, DecisionKind, MsgType, WarningStatus};
use crate::policy::Action;
use crate::store::StoredWarning;
use crate::warnings::{NewAction, WarningFilter, WarningsError};
use crate::web::html::{Nav, csrf_field, escape, page, url_part};
use crate::web::i18n::t;
use crate::web::session::{Session, SignedIn};
use crate::web::{Web, error_page, html};

pub(in crate::web) async fn show(State(web): State<Arc<Web>>, SignedIn(session): SignedIn) -> Response {
    let lang = session.lang;
    let warnings = &web.services.warnings;
    let all = match warnings.list(&session.caller, &WarningFilter::default()) {
        Ok(all) => all,
        Err(e) => return failure(&session, &e),
    };
    let org = warnings.organisation();
    let may = |action| warnings.authorize(&session.caller, action).is_ok();
    let forms = Forms {
        acknowledge: may(Action::AcknowledgeWarning),
        decide: may(Action::DecideWarning),
        record: may(Action::RecordAction),
    };
    let received: Vec<&StoredWarning> = all
        .iter()
        .filter(|w| w.warning.content.addressee(org).is_some() || w.received)
        .collect();
    let sent: Vec<&StoredWarning> = all.iter().filter(|w| w.warning.sender == org).collect();
    let mut out = format!(
        r#"<p class="live" id="live" aria-live="polite">{}</p><div id="board">"#,
        escape(t(lang, "board.live"))
    );
    for (key, list, answer) in [("board.received", received, true), ("board.sent", sent, false)] {
        out.push_str(&format!("<h2>{}</h2>", escape(t(lang, key))));
        out.push_str(&table(&session, org, &list, answer.then_some(forms)));
    }
    out.push_str("</div>");
    html(page(&session, Nav::Warnings, t(lang, "board.title"), &out))
}

/// Which forms the user's role allows.
#[derive(Debug, Clone, Copy)]
struct Forms {
    acknowledge: bool,
    decide: bool,
    record: bool,
}

fn table(session: &Session, org: &str, list: &[&StoredWarning], forms: Option<Forms>) -> String {
    let lang = session.lang;
    if list.is_empty() {
        return format!("<p>{}</p>", escape(t(lang, "board.empty")));
    }
    let now = Utc::now();
    let mut out = format!(
        r#"<div class="scroll"><table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        escape(t(lang, "board.warning")),
        escape(t(lang, "board.status")),
        escape(t(lang, "board.ack_by")),
        escape(t(lang, "board.decide_by")),
        escape(t(lang, "board.answers")),
    );
    for stored in list {
        let w = &stored.warning;
        let r = &stored.responses;
        let acked = r.acknowledgements.iter().any(|a| a.organisation == org);
        let decided = r.decisions.iter().any(|d| d.organisation == org);
        let deadline = |at: Option<chrono::DateTime<Utc>>, done: bool| match at {
            Some(at) if !done && now > at => format!(
                r#"<span class="overdue">{} ({})</span>"#,
                escape(&when(at)),
                escape(t(lang, "board.overdue"))
            ),
            Some(at) => escape(&when(at)),
            None => String::new(),
        };
        let issued = w.issued.as_ref();
        let mut answers = Vec::new();
        if acked {
            answers.push(escape(t(lang, "board.acknowledged")));
        }
        if decided {
            answers.push(escape(t(lang, "board.decided")));
        }
        let answerable = w.status == WarningStatus::Issued && w.msg_type != MsgType::Cancel;
        let mut cell = answers.join(", ");
        if let Some(forms) = forms.filter(|_| answerable) {
            if forms.acknowledge && !acked {
                cell.push_str(&ack_form(session, &w.sender, &w.id));
            }
            if forms.decide && acked && !decided {
                cell.push_str(&decide_form(session, &w.sender, &w.id));
            }
            if forms.record && decided {
                cell.push_str(&action_form(session, &w.sender, &w.id));
            }
        }
        let overdue_row = (issued.is_some_and(|i| now > i.acknowledge_by) && !acked)
            || (issued.is_some_and(|i| now > i.decide_by) && !decided);
        out.push_str(&format!(
            r#"<tr{}><th scope="row"><a href="/warnings/{}/{}">{}</a><br><small>{} · {}</small></th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            if overdue_row && forms.is_some() { r#" class="late""# } else { "" },
            url_part(&w.sender),
            url_part(&w.id),
            escape(&w.content.headline),
            escape(&w.sender),
            escape(&w.content.level.to_string()),
            escape(&snake(w.status)),
            deadline(issued.map(|i| i.acknowledge_by), acked),
            deadline(issued.map(|i| i.decide_by), decided),
            cell,
        ));
    }
    out.push_str("</tbody></table></div>");
    out
}

fn ack_form(session: &Session, sender: &str, id: &str) -> String {
    let lang = session.lang;
    let field = format!("ack-{}", escape(id));
    format!(
        r#"<form method="post" action="/warnings/{}/{}/acknowledge" class="inline">{}<label for="{field}">{}</label><select id="{field}" name="kind"><option value="received">{}</option><option value="accepted_for_action">{}</option></select><button type="submit">{}</button></form>"#,
        url_part(sender),
        url_part(id),
        csrf_field(session),
        escape(t(lang, "ack.kind")),
        escape(t(lang, "ack.received")),
        escape(t(lang, "ack.accepted_for_action")),
        escape(t(lang, "ack.submit")),
    )
}

fn decide_form(session: &Session, sender: &str, id: &str) -> String {
    let lang = session.lang;
    let field = format!("decide-{}", escape(id));
    format!(
        r#"<form method="post" action="/warnings/{}/{}/decide" class="inline">{}<label for="{field}">{}</label><select id="{field}" name="kind"><option value="act">act</option><option value="monitor">monitor</option><option value="no_action">no_action</option></select><label for="{field}-j">{}</label><input id="{field}-j" name="justification" required maxlength="2000"><button type="submit">{}</button></form>"#,
        url_part(sender),
        url_part(id),
        csrf_field(session),
        escape(t(lang, "decide.kind")),
        escape(t(lang, "decide.justification")),
        escape(t(lang, "decide.submit")),
    )
}

fn action_form(session: &Session, sender: &str, id: &str) -> String {
    let lang = session.lang;
    let field = format!("action-{}", escape(id));
    let options: String = ActionKind::ALL
        .iter()
        .map(|k| format!(r#"<option value="{0}">{0}</option>"#, k.as_str()))
        .collect();
    format!(
        r#"<form method="post" action="/warnings/{}/{}/action" class="inline">{}<label for="{field}">{}</label><select id="{field}" name="kind">{options}</select><label for="{field}-d">{}</label><input id="{field}-d" name="description" required maxlength="2000"><label for="{field}-due">{}</label><input id="{field}-due" name="due" type="date" required><button type="submit">{}</button></form>"#,
        url_part(sender),
        url_part(id),
        csrf_field(session),
        escape(t(lang, "action.kind")),
        escape(t(lang, "action.description")),
        escape(t(lang, "action.due")),
        escape(t(lang, "action.submit")),
    )
}

#[derive(Debug, Deserialize)]
pub(in crate::web) struct ActionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    description: String,
    /// `YYYY-MM-DD`, due at the end of that day (UTC).
    #[serde(default)]
    due: String,
}

pub(in crate::web) async fn record_action(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Path((sender, id)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Response {
    let session = match checked(&web, &headers, &form.csrf) {
        Ok(session) => session,
        Err(refused) => return refused,
    };
    let Ok(kind) = form.kind.parse::<ActionKind>() else {
        return bad(&session, &format!("unknown action kind `{}`", form.kind));
    };
    let Some(due) = chrono::NaiveDate::parse_from_str(&form.due, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .map(|d| d.and_utc())
    else {
        return bad(&session, &format!("invalid due date `{}`", form.due));
    };
    let warnings = &web.services.warnings;
    let decision_id = warnings
        .get(&session.caller, &sender, &id)
        .ok()
        .and_then(|stored| {
            stored
                .responses
                .decisions
                .iter()
                .rev()
                .find(|d| d.organisation == warnings.organisation())
                .map(|d| d.id.clone())
        });
    let new = NewAction {
        decision_id,
        kind,
        description: form.description,
        owner: String::new(),
        due,
    };
    let done = warnings.record_action(&session.caller, &sender, &id, new).await;
    answered(&session, done, &sender, &id)
}

#[derive(Debug, Deserialize)]
pub(in crate::web) struct AckForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
}

pub(in crate::web) async fn acknowledge(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Path((sender, id)): Path<(String, String)>,
    Form(form): Form<AckForm>,
) -> Response {
    let session = match checked(&web, &headers, &form.csrf) {
        Ok(session) => session,
        Err(refused) => return refused,
    };
    let kind = match form.kind.as_str() {
        "received" => AckKind::Received,
        "accepted_for_action" => AckKind::AcceptedForAction,
        other => return bad(&session, &format!("unknown acknowledgement `{other}`")),
    };
    let done = web
        .services
        .warnings
        .acknowledge(&session.caller, &sender, &id, kind)
        .await;
    answered(&session, done, &sender, &id)
}

#[derive(Debug, Deserialize)]
pub(in crate::web) struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    justification: String,
}

pub(in crate::web) async fn decide(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Path((sender, id)): Path<(String, String)>,
    Form(form): Form<DecideForm>,
) -> Response {
    let session = match checked(&web, &headers, &form.csrf) {
        Ok(session) => session,
        Err(refused) => return refused,
    };
    let Ok(kind) = form.kind.parse::<DecisionKind>() else {
        return bad(&session, &format!("unknown decision `{}`", form.kind));
    };
    let done = web
        .services
        .warnings
        .decide(&session.caller, &sender, &id, kind, &form.justification)
        .await;
    answered(&session, done, &sender, &id)
}

/// The session, if signed in and the form's CSRF token is its own.
// The error is the response the handler returns as it is.
#[allow(clippy::result_large_err)]
pub(in crate::web) fn checked(web: &Web, headers: &HeaderMap, csrf: &str) -> Result<Session, Response> {
    let session = web.session(headers, None)?;
    if !session.csrf_ok(csrf) {
        return Err(error_page(&session, StatusCode::FORBIDDEN, "error.csrf", ""));
    }
    Ok(session)
}

fn answered<T>(session: &Session, done: Result<T, WarningsError>, sender: &str, id: &str) -> Response {
    match done {
        Ok(_) => Redirect::to(&format!("/warnings/{}/{}", url_part(sender), url_part(id))).into_response(),
        Err(e) => failure(session, &e),
    }
}

fn bad(session: &Session, detail: &str) -> Response {
    error_page(session, StatusCode::BAD_REQUEST, "error.failed", detail)
}

/// The page for a service error, with the status the API would choose.
pub(in crate::web) fn failure(session: &Session, error: &WarningsError) -> Response {
    let (status, key) = match error {
        WarningsError::Access(_) => (StatusCode::FORBIDDEN, "error.forbidden"),
        WarningsError::NotFound { .. } => (StatusCode::NOT_FOUND, "error.not_found"),
        WarningsError::Invalid(_) => (StatusCode::BAD_REQUEST, "error.failed"),
        WarningsError::Lifecycle(_) | WarningsError::Precondition(_) => {
            (StatusCode::CONFLICT, "error.failed")
        }
        WarningsError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error.failed"),
    };
    let detail = match error {
        WarningsError::Store(_) => String::new(),
        other => other.to_string(),
    };
    error_page(session, status, key, &detail)
}
