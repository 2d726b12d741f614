//! What one call consumes, made afresh before it, and a snapshot of the AU's
//! state (assessments, warnings with their responses, subscriptions) taken
//! around a call that must change nothing.

use tocsin_proto::v1 as pb;
use tocsin_tests::content;

use super::fixtures::{Clients, Fixtures, Staff, Stage, assessment, warning};
use super::rows::Fresh;

/// The ids a call is aimed at, when it needs its own.
#[derive(Debug, Clone, Default)]
pub(crate) struct Target {
    pub(crate) id: String,
    /// The decision a `CloseWarning` closes on.
    pub(crate) decision: String,
}

/// A subscription that matches no warning (no webhook fires).
pub(crate) fn quiet_filters() -> pb::SubscriptionFilters {
    pb::SubscriptionFilters {
        countries: vec!["XZZ".into()],
        ..Default::default()
    }
}

fn due() -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: chrono::Utc::now().timestamp() + 7 * 86_400,
        nanos: 0,
    })
}

pub(crate) fn own(id: &str) -> Option<pb::WarningName> {
    Some(pb::WarningName {
        sender: String::new(),
        id: id.to_owned(),
    })
}

pub(crate) fn action_request(warning: Option<pb::WarningName>) -> pb::RecordActionRequest {
    pb::RecordActionRequest {
        warning,
        decision_id: String::new(),
        kind: "mediation".into(),
        description: "Envoy to the northern districts.".into(),
        owner: String::new(),
        due: due(),
    }
}

/// Makes what `fresh` asks for; `author` is the column's own subject as an
/// analyst (or a staff analyst for columns without one).
pub(crate) async fn prepare(fresh: Fresh, fx: &Fixtures, staff: &Staff, author: &Clients) -> Target {
    let (a, r) = (&staff.analyst, &staff.reviewer);
    let id = match fresh {
        Fresh::Nothing => String::new(),
        Fresh::Draft => assessment(a, r, content::valid(), Stage::Draft).await,
        Fresh::InReview => assessment(a, r, content::valid(), Stage::InReview).await,
        Fresh::OwnInReview => assessment(author, r, content::valid(), Stage::InReview).await,
        Fresh::Published => assessment(a, r, content::valid(), Stage::Published).await,
        Fresh::WarningDraft => warning(a, r, fx.content.clone(), false).await,
        Fresh::Action => {
            let detail = staff
                .decider
                .warnings
                .clone()
                .record_action(action_request(own(&fx.warning_issued)))
                .await
                .unwrap()
                .into_inner();
            detail.actions.last().unwrap().id.clone()
        }
        Fresh::Decided => {
            let id = warning(a, r, fx.content.clone(), true).await;
            let detail = staff
                .decider
                .warnings
                .clone()
                .decide_warning(pb::DecideWarningRequest {
                    warning: own(&id),
                    kind: "monitor".into(),
                    justification: "Watching the census.".into(),
                })
                .await
                .unwrap()
                .into_inner();
            let decision = detail.decisions.last().unwrap().id.clone();
            return Target { id, decision };
        }
        Fresh::OwnSubscription => subscribe(author).await,
        Fresh::OthersSubscription => subscribe(&staff.someone).await,
    };
    Target {
        id,
        decision: String::new(),
    }
}

async fn subscribe(owner: &Clients) -> String {
    owner
        .subscriptions
        .clone()
        .create_subscription(pb::CreateSubscriptionRequest {
            filters: Some(quiet_filters()),
            webhook_url: String::new(),
            webhook_secret: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .id
}

/// The AU's state as lines: every assessment version, every warning, the
/// long-lived warnings with their responses, every subscription.
pub(crate) async fn snapshot(staff: &Staff, fx: &Fixtures) -> Vec<String> {
    let o = &staff.observer;
    let mut lines = Vec::new();
    let assessments = o
        .node
        .clone()
        .list_assessments(pb::ListAssessmentsRequest {
            all_versions: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .assessments;
    for a in assessments {
        lines.push(format!(
            "assessment {} v{} status {} updated {:?}",
            a.id, a.version, a.status, a.updated_at
        ));
    }
    let warnings = o
        .warnings
        .clone()
        .list_warnings(pb::ListWarningsRequest::default())
        .await
        .unwrap()
        .into_inner()
        .warnings;
    for w in warnings {
        lines.push(format!(
            "warning {}/{} {} {} updated {:?}",
            w.sender, w.id, w.msg_type, w.status, w.updated_at
        ));
    }
    for (sender, id) in [("", &fx.warning_issued), ("ecowas", &fx.received)] {
        let detail = o
            .warnings
            .clone()
            .get_warning(pb::WarningName {
                sender: sender.to_owned(),
                id: id.clone(),
            })
            .await
            .unwrap()
            .into_inner();
        lines.extend(detail.timeline.iter().map(|t| format!("timeline of {id}: {t:?}")));
        lines.extend(
            detail
                .decisions
                .iter()
                .map(|d| format!("decision on {id}: {d:?}")),
        );
        lines.extend(detail.actions.iter().map(|a| format!("action on {id}: {a:?}")));
    }
    let subscriptions = o
        .subscriptions
        .clone()
        .list_subscriptions(pb::ListSubscriptionsRequest {})
        .await
        .unwrap()
        .into_inner()
        .subscriptions;
    lines.extend(
        subscriptions
            .iter()
            .map(|s| format!("subscription {} of {}", s.id, s.owner)),
    );
    lines.sort();
    lines
}

/// What changed between two snapshots, if anything (a few lines of it).
pub(crate) fn changes(before: &[String], after: &[String]) -> Option<String> {
    let gone = before
        .iter()
        .filter(|l| !after.contains(l))
        .map(|l| format!("- {l}"));
    let new = after
        .iter()
        .filter(|l| !before.contains(l))
        .map(|l| format!("+ {l}"));
    let all: Vec<String> = gone.chain(new).collect();
    if all.is_empty() {
        return None;
    }
    let mut shown: Vec<String> = all.iter().take(4).cloned().collect();
    if all.len() > 4 {
        shown.push(format!("… {} more", all.len() - 4));
    }
    Some(shown.join("; "))
}
