//! Situation: one situation in detail, every organisation's latest assessment
//! side by side, the history of their overall risk, the risk-factor grid, the
//! indicators observed and the open warnings about it.

mod history;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;

use super::board::failure;
use super::{snake, when};
use crate::assessments::{Assessments, ListFilter, ServiceError};
use crate::federation::received::received_history;
use crate::federation::situations::{FederatedSituation, situation};
use crate::federation::state::FederationState;
use crate::model::assessment::{Assessment, FactorLevel, OverallRisk, Trend};
use crate::model::caller::Caller;
use crate::model::reference::ReferenceData;
use crate::model::shown;
use crate::store::StoredWarning;
use crate::warnings::{WarningFilter, WarningsError};
use crate::web::html::{Nav, escape, page, url_part};
use crate::web::i18n::{Lang, t};
use crate::web::session::{Session, SignedIn};
use crate::web::{Web, error_page, html};

pub(in crate::web) async fn show(
    State(web): State<Arc<Web>>,
    Path(id): Path<String>,
    SignedIn(session): SignedIn,
) -> Response {
    let lang = session.lang;
    let assessments = &web.services.assessments;
    let federation = web.services.federation.as_ref();
    let found = match situation(assessments, federation, &session.caller, &id) {
        Ok(found) => found,
        Err(e) => return refused(&session, &id, &e),
    };
    let own = found.situation.latest_published.as_ref();
    let columns = columns(assessments.organisation(), &found);
    let reference = assessments.reference();
    let mut out = summary(lang, &found, own);
    out.push_str(&side_by_side(lang, &columns));
    let points = match history_points(
        web.services.federation.as_ref(),
        assessments,
        &session.caller,
        &found,
    ) {
        Ok(points) => points,
        Err(e) => return refused(&session, &id, &e),
    };
    out.push_str(&history::section(lang, assessments.organisation(), &points));
    out.push_str(&grid(lang, reference, &columns));
    out.push_str(&indicators(lang, reference, own));
    let warnings = &web.services.warnings;
    let filter = WarningFilter {
        open: true,
        ..WarningFilter::default()
    };
    match warnings.list(&session.caller, &filter) {
        Ok(all) => out.push_str(&open_warnings(lang, &all, &found.situation.id)),
        Err(WarningsError::Access(_)) => {}
        Err(e) => return failure(&session, &e),
    }
    let title = format!("{} · {}", t(lang, "situation.title"), found.situation.spec.title);
    html(page(&session, Nav::Overview, &title, &out))
}

/// The page for a situation that cannot be shown, with the API's status.
fn refused(session: &Session, id: &str, error: &ServiceError) -> Response {
    let (status, key, detail) = match error {
        ServiceError::NotFound { .. } => (
            StatusCode::NOT_FOUND,
            "situation.unknown",
            format!("situation `{}`", shown(id)),
        ),
        ServiceError::Denied { .. } => (StatusCode::FORBIDDEN, "error.forbidden", error.to_string()),
        ServiceError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, "error.failed", String::new()),
        other => (StatusCode::BAD_REQUEST, "error.failed", other.to_string()),
    };
    error_page(session, status, key, &detail)
}

/// `value`'s word in `lang`, under `prefix` (`risk.very_high`).
fn word(lang: Lang, prefix: &str, value: impl serde::Serialize) -> String {
    t(lang, &format!("{prefix}.{}", snake(value))).to_owned()
}

/// The open warnings about situation `id`, linked to their timelines.
fn open_warnings(lang: Lang, all: &[StoredWarning], id: &str) -> String {
    let items: String = all
        .iter()
        .map(|stored| &stored.warning)
        .filter(|w| w.content.situation.key() == id)
        .map(|w| {
            format!(
                r#"<li><a href="/warnings/{}/{}">{}</a> · {} · {}</li>"#,
                url_part(&w.sender),
                url_part(&w.id),
                escape(&w.content.headline),
                escape(&w.sender),
                escape(&w.content.level.to_string()),
            )
        })
        .collect();
    let list = if items.is_empty() {
        format!("<p>{}</p>", escape(t(lang, "situation.no_warnings")))
    } else {
        format!("<ul>{items}</ul>")
    };
    format!("<h2>{}</h2>{list}", escape(t(lang, "situation.warnings")))
}

fn risk_badge(lang: Lang, risk: OverallRisk) -> String {
    format!(
        r#"<span class="risk risk-{}">{}</span>"#,
        escape(risk.as_str()),
        escape(&word(lang, "risk", risk))
    )
}

/// What the situation covers and this node's latest published assessment.
fn summary(lang: Lang, found: &FederatedSituation, own: Option<&Assessment>) -> String {
    let view = &found.situation;
    let spec = &view.spec;
    let crimes: Vec<String> = spec
        .crimes_at_risk
        .iter()
        .map(|c| word(lang, "crime", c))
        .collect();
    let groups: Vec<String> = spec
        .protected_groups
        .iter()
        .map(|g| format!("{} ({})", g.label, g.basis))
        .collect();
    let mut facts = vec![
        ("overview.countries", escape(&spec.countries.join(", "))),
        ("overview.body", escape(&view.regional_bodies.join(", "))),
        ("situation.crimes", escape(&crimes.join(", "))),
        ("situation.groups", escape(&groups.join(", "))),
    ];
    match own {
        Some(a) => {
            let c = &a.content;
            facts.extend([
                ("overview.risk", risk_badge(lang, c.overall_risk)),
                ("overview.trend", escape(&word(lang, "trend", c.trend))),
                (
                    "situation.confidence",
                    escape(&word(lang, "confidence", c.confidence)),
                ),
                ("situation.horizon", escape(&c.horizon_months.to_string())),
                ("situation.version", escape(&a.version.to_string())),
                (
                    "overview.published",
                    escape(&a.published_at.map(when).unwrap_or_default()),
                ),
                ("situation.narrative", escape(&c.narrative)),
            ]);
        }
        None => facts.push(("overview.published", escape(t(lang, "overview.not_published")))),
    }
    let rows: String = facts
        .iter()
        .map(|(key, value)| format!("<dt>{}</dt><dd>{value}</dd>", escape(t(lang, key))))
        .collect();
    format!(r#"<dl class="facts">{rows}</dl>"#)
}

/// Every version of the situation ever published: this node's own, as far
/// as the caller may list them (superseded and withdrawn ones too, at their
/// publication), and every version peers shared and did not retract.
fn history_points(
    federation: Option<&FederationState>,
    assessments: &Assessments,
    caller: &Caller,
    found: &FederatedSituation,
) -> Result<Vec<history::Point>, ServiceError> {
    let id = &found.situation.id;
    let filter = ListFilter {
        all_versions: true,
        ..ListFilter::default()
    };
    let own = match assessments.list(caller, &filter) {
        Ok(own) => own,
        // May see the situation but not list assessments: peers' alone.
        Err(ServiceError::Denied { .. }) => Vec::new(),
        Err(e) => return Err(e),
    };
    let mut points: Vec<history::Point> = own
        .into_iter()
        .map(|view| view.assessment)
        .filter(|a| a.content.situation.key() == *id)
        .filter_map(|a| {
            Some(history::Point {
                org: a.organisation,
                at: a.published_at?,
                risk: a.content.overall_risk,
            })
        })
        .collect();
    if let Some(state) = federation {
        points.extend(received_history(state, id)?.into_iter().map(|r| history::Point {
            org: r.origin,
            at: r.summary.published_at,
            risk: r.summary.overall_risk,
        }));
    }
    Ok(points)
}

/// One organisation's latest assessment, as far as it is known here.
struct Column {
    org: String,
    risk: Option<OverallRisk>,
    trend: Option<Trend>,
    date: Option<DateTime<Utc>>,
    /// Factor number → level; empty when the factors were not shared.
    levels: BTreeMap<u8, FactorLevel>,
}

/// This node's column first, then each peer's, by organisation.
fn columns(org: &str, found: &FederatedSituation) -> Vec<Column> {
    let own = found.situation.latest_published.as_ref();
    let mut columns = vec![Column {
        org: org.to_owned(),
        risk: own.map(|a| a.content.overall_risk),
        trend: own.map(|a| a.content.trend),
        date: own.and_then(|a| a.published_at),
        levels: own
            .map(|a| a.content.factors.iter().map(|f| (f.factor, f.level)).collect())
            .unwrap_or_default(),
    }];
    columns.extend(found.shared.iter().map(|r| {
        Column {
            org: r.origin.clone(),
            risk: Some(r.summary.overall_risk),
            trend: Some(r.summary.trend),
            date: Some(r.summary.published_at),
            levels: r
                .summary
                .factors
                .iter()
                .flatten()
                .map(|f| (f.factor, f.level))
                .collect(),
        }
    }));
    columns
}

fn side_by_side(lang: Lang, columns: &[Column]) -> String {
    let mut out = format!(
        r#"<h2>{}</h2><div class="scroll"><table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        escape(t(lang, "situation.side_by_side")),
        escape(t(lang, "situation.organisation")),
        escape(t(lang, "overview.risk")),
        escape(t(lang, "overview.trend")),
        escape(t(lang, "situation.date")),
    );
    for c in columns {
        out.push_str(&format!(
            r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            escape(&c.org),
            c.risk.map(|r| risk_badge(lang, r)).unwrap_or_default(),
            escape(&c.trend.map(|x| word(lang, "trend", x)).unwrap_or_default()),
            escape(
                &c.date
                    .map(when)
                    .unwrap_or_else(|| t(lang, "overview.not_published").to_owned())
            ),
        ));
    }
    out.push_str("</tbody></table></div>");
    out
}

/// The Framework's risk factors (rows) by organisation (columns).
fn grid(lang: Lang, reference: &ReferenceData, columns: &[Column]) -> String {
    let heads: String = columns
        .iter()
        .map(|c| format!(r#"<th scope="col">{}</th>"#, escape(&c.org)))
        .collect();
    let mut out = format!(
        r#"<h2>{}</h2><div class="scroll"><table class="grid"><thead><tr><th scope="col">{}</th>{heads}</tr></thead><tbody>"#,
        escape(t(lang, "situation.factors")),
        escape(t(lang, "situation.factor")),
    );
    for factor in reference.catalogue.factors() {
        let n = factor.number;
        let cells: String = columns
            .iter()
            .map(|c| match c.levels.get(&n) {
                Some(level) => format!(
                    r#"<td class="level level-{}">{}</td>"#,
                    escape(&snake(level)),
                    escape(&word(lang, "level", level))
                ),
                None => r#"<td class="level"></td>"#.to_owned(),
            })
            .collect();
        out.push_str(&format!(
            r#"<tr id="factor-{n}"><th scope="row">{n}. {}</th>{cells}</tr>"#,
            escape(&factor.name)
        ));
    }
    out.push_str("</tbody></table></div>");
    out
}

/// The indicators this node's latest assessment observed, with their text.
fn indicators(lang: Lang, reference: &ReferenceData, own: Option<&Assessment>) -> String {
    let mut rows = String::new();
    for f in own.iter().flat_map(|a| a.content.factors.iter()) {
        let factor = reference.catalogue.factor(f.factor);
        for code in &f.indicators {
            let label = factor.and_then(|x| x.indicator(code)).map(|i| i.label.as_str());
            rows.push_str(&format!(
                r#"<tr><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                f.factor,
                escape(code),
                escape(label.unwrap_or_default()),
            ));
        }
    }
    let mut out = format!("<h2>{}</h2>", escape(t(lang, "situation.indicators")));
    if rows.is_empty() {
        out.push_str(&format!("<p>{}</p>", escape(t(lang, "situation.no_indicators"))));
    } else {
        out.push_str(&format!(
            r#"<div class="scroll"><table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>{rows}</tbody></table></div>"#,
            escape(t(lang, "situation.factor")),
            escape(t(lang, "situation.indicator")),
            escape(t(lang, "situation.text")),
        ));
    }
    out
}
