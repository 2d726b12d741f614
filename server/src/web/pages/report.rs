//! Report: how long warnings took to be acknowledged, decided and acted on
//! (overall with its distribution, per organisation, per situation), and the
//! open warnings still without action — the measures of `tocsin report`.

mod svg;

use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;

use super::board::failure;
use super::{duration, when};
use crate::model::warning::measures::{self, AddresseeTimes, Stats, Summary};
use crate::model::warning::{MsgType, Responses, Warning, WarningStatus};
use crate::store::StoredWarning;
use crate::web::html::{Nav, escape, page, url_part};
use crate::web::i18n::{Lang, t};
use crate::web::session::SignedIn;
use crate::web::{Web, html};

pub(in crate::web) async fn show(State(web): State<Arc<Web>>, SignedIn(session): SignedIn) -> Response {
    let lang = session.lang;
    let warnings = &web.services.warnings;
    // Measured as the API's `GetReport` does, by `model::warning::measures`.
    let all = match warnings.reported(&session.caller) {
        Ok(all) => all,
        Err(e) => return failure(&session, &e),
    };
    let items: Vec<(&Warning, &Responses)> = all.iter().map(|s| (&s.warning, &s.responses)).collect();
    let rows: Vec<AddresseeTimes> = items
        .iter()
        .flat_map(|(w, r)| measures::addressee_times(w, r))
        .collect();
    let mut out = overall(lang, &rows);
    out.push_str(&grouped(lang, "organisation", &measures::by_organisation(&items)));
    out.push_str(&grouped(lang, "situation", &measures::by_situation(&items)));
    out.push_str(&without_action(lang, &all, Utc::now()));
    html(page(&session, Nav::Report, t(lang, "report.title"), &out))
}

/// A step of the response, timed from the warning's sending.
#[derive(Debug, Clone, Copy)]
enum Step {
    Acknowledgement,
    Decision,
    Action,
}

const STEPS: [Step; 3] = [Step::Acknowledgement, Step::Decision, Step::Action];

impl Step {
    /// The translation key, whose end names the step in ids.
    fn key(self) -> &'static str {
        match self {
            Step::Acknowledgement => "report.to_acknowledgement",
            Step::Decision => "report.to_decision",
            Step::Action => "report.to_action",
        }
    }

    fn id(self) -> &'static str {
        self.key().trim_start_matches("report.to_")
    }

    fn name(self, lang: Lang) -> &'static str {
        t(lang, self.key())
    }

    fn time(self, row: &AddresseeTimes) -> Option<TimeDelta> {
        match self {
            Step::Acknowledgement => row.to_acknowledgement,
            Step::Decision => row.to_decision,
            Step::Action => row.to_first_action,
        }
    }

    fn stats(self, summary: &Summary) -> Stats {
        match self {
            Step::Acknowledgement => summary.to_acknowledgement,
            Step::Decision => summary.to_decision,
            Step::Action => summary.to_first_action,
        }
    }
}

/// The distribution's buckets: translation key and upper bound in hours.
const BUCKETS: [(&str, Option<i64>); 6] = [
    ("report.under_1h", Some(1)),
    ("report.1h_6h", Some(6)),
    ("report.6h_24h", Some(24)),
    ("report.1d_3d", Some(72)),
    ("report.3d_7d", Some(168)),
    ("report.over_7d", None),
];

/// How many of `times` fall in each bucket.
fn distribution(times: impl Iterator<Item = TimeDelta>) -> [usize; BUCKETS.len()] {
    let mut counts = [0; BUCKETS.len()];
    for time in times {
        let bucket = BUCKETS
            .iter()
            .position(|(_, below)| below.is_none_or(|h| time < TimeDelta::hours(h)))
            .unwrap_or(BUCKETS.len() - 1);
        counts[bucket] += 1;
    }
    counts
}

fn median(stats: &Stats) -> String {
    stats.median.map(duration).unwrap_or_else(|| "—".to_owned())
}

/// Count and median of each step, a bar chart of each distribution, and
/// the same numbers as a table.
fn overall(lang: Lang, rows: &[AddresseeTimes]) -> String {
    let summary = measures::summarise(rows);
    let mut out = format!(
        r#"<dl class="facts"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl><div class="scroll"><table id="report-overall"><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        escape(t(lang, "report.warnings")),
        summary.warnings,
        escape(t(lang, "report.addressees")),
        summary.addressees,
        escape(t(lang, "report.step")),
        escape(t(lang, "report.count")),
        escape(t(lang, "report.median")),
    );
    for step in STEPS {
        let stats = step.stats(&summary);
        out.push_str(&format!(
            r#"<tr id="step-{}"><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td></tr>"#,
            step.id(),
            escape(step.name(lang)),
            stats.count,
            escape(&median(&stats)),
        ));
    }
    out.push_str("</tbody></table></div>");
    let labels: Vec<&str> = BUCKETS.iter().map(|(key, _)| t(lang, key)).collect();
    let heads: String = labels
        .iter()
        .map(|l| format!(r#"<th scope="col">{}</th>"#, escape(l)))
        .collect();
    let mut table = format!(
        r#"<div class="scroll"><table><caption>{}</caption><thead><tr><th scope="col">{}</th>{heads}</tr></thead><tbody>"#,
        escape(t(lang, "report.distribution_table")),
        escape(t(lang, "report.step")),
    );
    out.push_str(&format!(
        r#"<h2>{}</h2><div class="charts">"#,
        escape(t(lang, "report.distribution"))
    ));
    for step in STEPS {
        let counts = distribution(rows.iter().filter_map(|r| step.time(r)));
        let bars: Vec<(&str, usize)> = labels.iter().copied().zip(counts).collect();
        let caption = format!("chart-{}", step.id());
        out.push_str(&format!(
            r#"<figure><figcaption id="{caption}">{}</figcaption>{}</figure>"#,
            escape(step.name(lang)),
            svg::bars(&caption, &bars),
        ));
        let cells: String = counts
            .iter()
            .map(|n| format!(r#"<td class="num">{n}</td>"#))
            .collect();
        table.push_str(&format!(
            r#"<tr><th scope="row">{}</th>{cells}</tr>"#,
            escape(step.name(lang))
        ));
    }
    out.push_str("</div>");
    out.push_str(&table);
    out.push_str("</tbody></table></div>");
    out
}

/// One row per `by` (`organisation` addressed or `situation`): warnings,
/// then count and median of each step.
fn grouped(lang: Lang, by: &str, summaries: &BTreeMap<String, Summary>) -> String {
    let mut out = format!("<h2>{}</h2>", escape(t(lang, &format!("report.by_{by}"))));
    if summaries.is_empty() {
        out.push_str(&format!("<p>{}</p>", escape(t(lang, "report.empty"))));
        return out;
    }
    let steps: String = STEPS
        .iter()
        .map(|s| {
            format!(
                r#"<th scope="colgroup" colspan="2">{}</th>"#,
                escape(s.name(lang))
            )
        })
        .collect();
    let sub = format!(
        r#"<th scope="col">{}</th><th scope="col">{}</th>"#,
        escape(t(lang, "report.count")),
        escape(t(lang, "report.median")),
    );
    out.push_str(&format!(
        r#"<div class="scroll"><table class="measures"><thead><tr><th scope="col" rowspan="2">{}</th><th scope="col" rowspan="2">{}</th>{steps}</tr><tr>{}</tr></thead><tbody>"#,
        escape(t(lang, &format!("report.{by}"))),
        escape(t(lang, "report.warnings")),
        sub.repeat(STEPS.len()),
    ));
    for (name, summary) in summaries {
        let cells: String = STEPS
            .iter()
            .map(|s| {
                let stats = s.stats(summary);
                format!(
                    r#"<td class="num">{}</td><td class="num">{}</td>"#,
                    stats.count,
                    escape(&median(&stats))
                )
            })
            .collect();
        out.push_str(&format!(
            r#"<tr><th scope="row">{}</th><td class="num">{}</td>{cells}</tr>"#,
            escape(name),
            summary.warnings,
        ));
    }
    out.push_str("</tbody></table></div>");
    out
}

/// Issued warnings (not cancel notices) on which no action is recorded,
/// oldest first, with how long they have been open.
fn without_action(lang: Lang, all: &[StoredWarning], now: DateTime<Utc>) -> String {
    let mut open: Vec<(&Warning, DateTime<Utc>)> = all
        .iter()
        .filter(|s| s.warning.status == WarningStatus::Issued && s.warning.msg_type != MsgType::Cancel)
        .filter(|s| !s.responses.actions.iter().any(|a| a.warning_id == s.warning.id))
        .filter_map(|s| Some((&s.warning, s.warning.sent()?)))
        .collect();
    open.sort_by_key(|(_, sent)| *sent);
    let mut out = format!(
        r#"<section id="without-action"><h2>{}</h2>"#,
        escape(t(lang, "report.without_action"))
    );
    if open.is_empty() {
        out.push_str(&format!(
            "<p>{}</p></section>",
            escape(t(lang, "report.none_open"))
        ));
        return out;
    }
    out.push_str(&format!(
        r#"<div class="scroll"><table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        escape(t(lang, "board.warning")),
        escape(t(lang, "report.situation")),
        escape(t(lang, "report.sent")),
        escape(t(lang, "report.open_for")),
    ));
    for (w, sent) in open {
        out.push_str(&format!(
            r#"<tr><th scope="row"><a href="/warnings/{}/{}">{}</a><br><small>{} · {}</small></th><td>{}</td><td>{}</td><td class="num">{}</td></tr>"#,
            url_part(&w.sender),
            url_part(&w.id),
            escape(&w.content.headline),
            escape(&w.sender),
            escape(&w.content.level.to_string()),
            escape(&w.content.situation.key()),
            escape(&when(sent)),
            escape(&duration(now - sent)),
        ));
    }
    out.push_str("</tbody></table></div></section>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_fall_in_the_bucket_below_their_bound() {
        let hours = [0, 1, 5, 6, 30, 100, 168, 2000];
        let counts = distribution(hours.iter().map(|h| TimeDelta::hours(*h)));
        assert_eq!(counts, [1, 2, 1, 1, 1, 2]);
    }
}
