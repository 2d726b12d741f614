//! Warning timeline: the full trail from raising to action, with the time
//! since issue and since the step before.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::TimeDelta;
use std::sync::Arc;

use super::board::{BoardQuery, failure};
use super::when;
use crate::warnings::{describe, timeline_of};
use crate::web::html::{Nav, escape, page};
use crate::web::i18n::t;
use crate::web::{Web, html};

pub(in crate::web) async fn show(
    State(web): State<Arc<Web>>,
    headers: HeaderMap,
    Path((sender, id)): Path<(String, String)>,
    Query(query): Query<BoardQuery>,
) -> Response {
    let session = match web.session(&headers, query.lang()) {
        Ok(session) => session,
        Err(redirect) => return redirect,
    };
    let lang = session.lang;
    let stored = match web.services.warnings.get(&session.caller, &sender, &id) {
        Ok(stored) => stored,
        Err(e) => return failure(&session, &e),
    };
    let entries = timeline_of(&stored);
    let start = entries.first().map(|e| e.at);
    let mut out = format!(
        r#"<p><strong>{}</strong> · {} · {}</p><p>{}</p><ol class="timeline">"#,
        escape(&stored.warning.content.headline),
        escape(&stored.warning.sender),
        escape(&stored.warning.content.level.to_string()),
        escape(&stored.warning.content.description),
    );
    let mut previous = start;
    for entry in &entries {
        let (name, _, text) = describe(&entry.event);
        let since_start = start.map(|s| entry.at - s).unwrap_or_default();
        let since_previous = previous.map(|p| entry.at - p).unwrap_or_default();
        previous = Some(entry.at);
        out.push_str(&format!(
            r#"<li class="event event-{}"><time datetime="{}">{}</time> <span class="who">{}</span> <span class="what">{}</span> <span class="after">{} {} (+{})</span></li>"#,
            escape(name),
            escape(&entry.at.to_rfc3339()),
            escape(&when(entry.at)),
            escape(&entry.who),
            escape(&text),
            escape(t(lang, "timeline.after")),
            escape(&duration(since_start)),
            escape(&duration(since_previous)),
        ));
    }
    out.push_str(&format!(
        r#"</ol><p><a href="/warnings">{}</a></p>"#,
        escape(t(lang, "timeline.back"))
    ));
    html(page(&session, Nav::Warnings, t(lang, "timeline.title"), &out))
}

/// `3d 4h`, `2h 5m`, `4m 10s`, `12s`.
fn duration(d: TimeDelta) -> String {
    let s = d.num_seconds().max(0);
    let (days, hours, minutes, seconds) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else if minutes > 0 {
        format!("{minutes}m {seconds}s")
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_two_units() {
        assert_eq!(duration(TimeDelta::seconds(12)), "12s");
        assert_eq!(duration(TimeDelta::seconds(250)), "4m 10s");
        assert_eq!(duration(TimeDelta::minutes(125)), "2h 5m");
        assert_eq!(duration(TimeDelta::hours(76)), "3d 4h");
        assert_eq!(duration(TimeDelta::seconds(-5)), "0s");
    }
}
