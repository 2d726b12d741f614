//! Overview: every situation the user may see, by overall risk and trend,
//! filterable by regional body, crime and risk level, with a map of the
//! countries they concern.

mod map;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::Arc;

use super::snake;
use crate::assessments::SituationView;
use crate::model::assessment::OverallRisk;
use crate::model::situation::Crime;
use crate::web::html::{Nav, escape, page, url_part};
use crate::web::i18n::t;
use crate::web::{Web, error_page, html};

#[derive(Debug, Default, Deserialize)]
pub(in crate::web) struct Filter {
    lang: Option<String>,
    body: Option<String>,
    crime: Option<String>,
    level: Option<String>,
}

pub(in crate::web) async fn show(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Query(filter): Query<Filter>,
) -> Response {
    let session = match web.session(&headers, filter.lang.as_deref()) {
        Ok(session) => session,
        Err(redirect) => return redirect,
    };
    let lang = session.lang;
    let all = match web.services.assessments.situations(&session.caller, None, None) {
        Ok(all) => all,
        Err(e) => return error_page(&session, StatusCode::FORBIDDEN, "error.forbidden", &e.to_string()),
    };
    let bodies: BTreeSet<&String> = all.iter().flat_map(|v| v.regional_bodies.iter()).collect();
    let pick = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let (body, crime, level) = (pick(&filter.body), pick(&filter.crime), pick(&filter.level));
    let mut shown: Vec<&SituationView> = all
        .iter()
        .filter(|v| body.as_ref().is_none_or(|b| v.regional_bodies.contains(b)))
        .filter(|v| {
            crime
                .as_ref()
                .is_none_or(|c| v.spec.crimes_at_risk.iter().any(|x| snake(x) == *c))
        })
        .filter(|v| {
            level.as_ref().is_none_or(|l| {
                v.latest_published
                    .as_ref()
                    .is_some_and(|a| snake(a.content.overall_risk) == *l)
            })
        })
        .collect();
    shown.sort_by_key(|v| std::cmp::Reverse(v.latest_published.as_ref().map(|a| a.content.overall_risk)));
    let select = |name: &str, label: &str, options: Vec<String>, current: &Option<String>| {
        let mut html = format!(
            r#"<label for="{name}">{}</label><select id="{name}" name="{name}"><option value="">{}</option>"#,
            escape(t(lang, label)),
            escape(t(lang, "overview.any"))
        );
        for option in options {
            let selected = if current.as_ref() == Some(&option) {
                " selected"
            } else {
                ""
            };
            html.push_str(&format!(
                r#"<option value="{0}"{selected}>{0}</option>"#,
                escape(&option)
            ));
        }
        html.push_str("</select>");
        html
    };
    let mut out = format!(
        r#"<form method="get" action="/overview" class="filters"><fieldset><legend>{}</legend>{}{}{}<button type="submit">{}</button></fieldset></form>"#,
        escape(t(lang, "overview.filter")),
        select(
            "body",
            "overview.body",
            bodies.into_iter().cloned().collect(),
            &body
        ),
        select(
            "crime",
            "overview.crime",
            Crime::ALL.iter().map(snake).collect(),
            &crime
        ),
        select(
            "level",
            "overview.level",
            [
                OverallRisk::Low,
                OverallRisk::Moderate,
                OverallRisk::High,
                OverallRisk::VeryHigh
            ]
            .iter()
            .map(snake)
            .collect(),
            &level
        ),
        escape(t(lang, "overview.apply")),
    );
    out.push_str(&map::map(lang, &shown));
    if shown.is_empty() {
        out.push_str(&format!("<p>{}</p>", escape(t(lang, "overview.empty"))));
    } else {
        out.push_str(&format!(
            r#"<div class="scroll"><table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
            escape(t(lang, "overview.situation")),
            escape(t(lang, "overview.countries")),
            escape(t(lang, "overview.body")),
            escape(t(lang, "overview.risk")),
            escape(t(lang, "overview.trend")),
            escape(t(lang, "overview.published")),
        ));
        for view in shown {
            let (risk, trend, published) = match &view.latest_published {
                Some(a) => (
                    snake(a.content.overall_risk),
                    snake(a.content.trend),
                    a.published_at.map(super::when).unwrap_or_default(),
                ),
                None => (
                    String::new(),
                    String::new(),
                    t(lang, "overview.not_published").to_owned(),
                ),
            };
            out.push_str(&format!(
                r#"<tr><th scope="row"><a href="/situations/{}">{}</a></th><td>{}</td><td>{}</td><td><span class="risk risk-{risk}">{risk}</span></td><td>{}</td><td>{}</td></tr>"#,
                url_part(&view.id),
                escape(&view.spec.title),
                escape(&view.spec.countries.join(", ")),
                escape(&view.regional_bodies.join(", ")),
                escape(&trend),
                escape(&published),
                risk = escape(&risk),
            ));
        }
        out.push_str("</tbody></table></div>");
    }
    html(page(&session, Nav::Overview, t(lang, "overview.title"), &out))
}
