//! Overview: every situation the user may see across the federation — this
//! node's assessments and what peers shared — by the highest overall risk
//! any organisation gives and the latest trend, filterable by regional body,
//! region, crime and risk level, with a map of the countries they concern.

mod map;
mod rows;

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::Arc;

use super::assessments::failure;
use super::snake;
use crate::federation::situations::situations;
use crate::model::assessment::OverallRisk;
use crate::model::situation::Crime;
use crate::web::html::{Nav, escape, page, url_part};
use crate::web::i18n::{Lang, t};
use crate::web::session::SignedIn;
use crate::web::{Web, html};
use rows::Row;

const LEVELS: [OverallRisk; 4] = [
    OverallRisk::Low,
    OverallRisk::Moderate,
    OverallRisk::High,
    OverallRisk::VeryHigh,
];

#[derive(Debug, Default, Deserialize)]
pub(in crate::web) struct Filter {
    body: Option<String>,
    region: Option<String>,
    crime: Option<String>,
    level: Option<String>,
}

pub(in crate::web) async fn show(
    State(web): State<Arc<Web>>,
    Query(filter): Query<Filter>,
    SignedIn(session): SignedIn,
) -> Response {
    let lang = session.lang;
    let assessments = &web.services.assessments;
    let federation = web.services.federation.as_ref();
    let all: Vec<Row> = match situations(assessments, federation, &session.caller, None, None) {
        Ok(all) => all
            .iter()
            .map(|found| Row::from_situation(assessments.organisation(), found))
            .collect(),
        Err(e) => return failure(&session, &e),
    };
    let pick = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    let (body, region, crime, level) = (
        pick(&filter.body),
        pick(&filter.region),
        pick(&filter.crime),
        pick(&filter.level),
    );
    let mut shown: Vec<&Row> = all
        .iter()
        .filter(|r| body.as_ref().is_none_or(|b| r.regional_bodies.contains(b)))
        .filter(|r| region.as_ref().is_none_or(|g| r.region.as_ref() == Some(g)))
        .filter(|r| {
            crime
                .as_ref()
                .is_none_or(|c| r.crimes.iter().any(|x| snake(x) == *c))
        })
        .filter(|r| {
            level
                .as_ref()
                .is_none_or(|l| r.risk().is_some_and(|k| snake(k) == *l))
        })
        .collect();
    shown.sort_by_key(|r| std::cmp::Reverse(r.risk()));
    let bodies: BTreeSet<String> = all
        .iter()
        .flat_map(|r| r.regional_bodies.iter().cloned())
        .collect();
    let regions: BTreeSet<String> = all.iter().filter_map(|r| r.region.clone()).collect();
    let plain = |values: BTreeSet<String>| values.into_iter().map(|v| (v.clone(), v)).collect();
    let words = |prefix: &str, values: Vec<String>| {
        values
            .into_iter()
            .map(|v| (t(lang, &format!("{prefix}.{v}")).to_owned(), v))
            .collect()
    };
    let mut out = format!(
        r#"<form method="get" action="/overview" class="filters"><fieldset><legend>{}</legend>{}{}{}{}<button type="submit">{}</button></fieldset></form>"#,
        escape(t(lang, "overview.filter")),
        select(lang, "body", "overview.body", plain(bodies), &body),
        select(lang, "region", "overview.region", plain(regions), &region),
        select(
            lang,
            "crime",
            "overview.crime",
            words("crime", Crime::ALL.iter().map(snake).collect()),
            &crime
        ),
        select(
            lang,
            "level",
            "overview.level",
            words("risk", LEVELS.iter().map(snake).collect()),
            &level
        ),
        escape(t(lang, "overview.apply")),
    );
    out.push_str(&map::map(
        lang,
        shown
            .iter()
            .map(|r| (r.id.as_str(), r.countries.as_slice(), r.risk())),
    ));
    out.push_str(&table(lang, &shown));
    html(page(&session, Nav::Overview, t(lang, "overview.title"), &out))
}

/// A filter's select of `(label, value)` options, "any" first.
fn select(
    lang: Lang,
    name: &str,
    label: &str,
    options: Vec<(String, String)>,
    current: &Option<String>,
) -> String {
    let mut html = format!(
        r#"<label for="{name}">{}</label><select id="{name}" name="{name}"><option value="">{}</option>"#,
        escape(t(lang, label)),
        escape(t(lang, "overview.any"))
    );
    for (text, value) in options {
        let selected = if current.as_ref() == Some(&value) {
            " selected"
        } else {
            ""
        };
        html.push_str(&format!(
            r#"<option value="{}"{selected}>{}</option>"#,
            escape(&value),
            escape(&text)
        ));
    }
    html.push_str("</select>");
    html
}

fn table(lang: Lang, shown: &[&Row]) -> String {
    if shown.is_empty() {
        return format!("<p>{}</p>", escape(t(lang, "overview.empty")));
    }
    let mut out = format!(
        r#"<div class="scroll"><table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        escape(t(lang, "overview.situation")),
        escape(t(lang, "overview.countries")),
        escape(t(lang, "overview.body")),
        escape(t(lang, "overview.risk")),
        escape(t(lang, "overview.trend")),
        escape(t(lang, "overview.assessed_by")),
        escape(t(lang, "overview.published")),
    );
    for row in shown {
        let risk = match row.risk() {
            Some(risk) => format!(
                r#"<span class="risk risk-{0}">{1}</span>"#,
                risk.as_str(),
                escape(t(lang, &format!("risk.{}", risk.as_str())))
            ),
            None => escape(t(lang, "overview.not_published")),
        };
        let (trend, published) = match row.latest() {
            Some(latest) => (
                t(lang, &format!("trend.{}", snake(latest.trend))).to_owned(),
                super::when(latest.published_at),
            ),
            None => (String::new(), String::new()),
        };
        let bodies: Vec<&str> = row.regional_bodies.iter().map(String::as_str).collect();
        out.push_str(&format!(
            r#"<tr><th scope="row"><a href="/situations/{}">{}</a></th><td>{}</td><td>{}</td><td>{risk}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            url_part(&row.id),
            escape(&row.title),
            escape(&row.countries.join(", ")),
            escape(&bodies.join(", ")),
            escape(&trend),
            escape(&row.assessed_by().join(", ")),
            escape(&published),
        ));
    }
    out.push_str("</tbody></table></div>");
    out
}
