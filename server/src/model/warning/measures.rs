//! How long the response took: from sending to delivery, acknowledgement,
//! decision and first action, per addressee of each warning, summarised per
//! warning, per organisation and per situation; and what is overdue now.
//!
//! Only issued alerts and updates count (cancel notices ask for nothing).
//! Every time is measured from the warning's `sent`; a step not taken yet
//! is left out of the statistics, not counted as zero.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use super::{EscalationReason, MsgType, Responses, Warning, WarningStatus};

/// The times of one addressee of one warning; `None` for a step not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddresseeTimes {
    pub warning_id: String,
    /// The situation key.
    pub situation: String,
    pub organisation: String,
    pub to_delivery: Option<TimeDelta>,
    pub to_acknowledgement: Option<TimeDelta>,
    pub to_decision: Option<TimeDelta>,
    /// To the first action the organisation owns.
    pub to_first_action: Option<TimeDelta>,
}

/// Count, median and maximum of one kind of time. The median of an even
/// count is the mean of the middle two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    pub count: usize,
    pub median: Option<TimeDelta>,
    pub max: Option<TimeDelta>,
}

/// The statistics of a group of addressee times.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Summary {
    /// Distinct warnings in the group.
    pub warnings: usize,
    /// Addressee rows in the group.
    pub addressees: usize,
    pub to_delivery: Stats,
    pub to_acknowledgement: Stats,
    pub to_decision: Stats,
    pub to_first_action: Stats,
}

/// Something owed and not done by its deadline, on an open warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lapse {
    pub warning_id: String,
    pub situation: String,
    pub reason: EscalationReason,
    /// The organisation that owes it (the action's owner for an action).
    pub organisation: String,
    /// The addressee, or the action id for an overdue action.
    pub subject: String,
    pub due: DateTime<Utc>,
}

/// One row per addressee of an issued alert or update; none otherwise.
pub fn addressee_times(warning: &Warning, responses: &Responses) -> Vec<AddresseeTimes> {
    let Some(sent) = warning.sent() else {
        return Vec::new();
    };
    if warning.msg_type == MsgType::Cancel {
        return Vec::new();
    }
    let ours = |id: &str| id == warning.id;
    let since = |times: &mut dyn Iterator<Item = DateTime<Utc>>| times.min().map(|t| t - sent);
    warning
        .content
        .addressees
        .iter()
        .map(|addressee| {
            let org = addressee.organisation.as_str();
            AddresseeTimes {
                warning_id: warning.id.clone(),
                situation: warning.content.situation.key(),
                organisation: org.to_owned(),
                to_delivery: since(
                    &mut responses
                        .deliveries
                        .iter()
                        .filter(|d| ours(&d.warning_id) && d.organisation == org)
                        .map(|d| d.at),
                ),
                to_acknowledgement: since(
                    &mut responses
                        .acknowledgements
                        .iter()
                        .filter(|a| ours(&a.warning_id) && a.organisation == org)
                        .map(|a| a.at),
                ),
                to_decision: since(
                    &mut responses
                        .decisions
                        .iter()
                        .filter(|d| ours(&d.warning_id) && d.organisation == org)
                        .map(|d| d.at),
                ),
                to_first_action: since(
                    &mut responses
                        .actions
                        .iter()
                        .filter(|a| ours(&a.warning_id) && a.owner == org)
                        .map(|a| a.recorded_at),
                ),
            }
        })
        .collect()
}

/// The summary of one warning over its addressees.
pub fn per_warning(warning: &Warning, responses: &Responses) -> Summary {
    summarise(&addressee_times(warning, responses))
}

/// Summaries keyed by addressee organisation.
pub fn by_organisation(items: &[(&Warning, &Responses)]) -> BTreeMap<String, Summary> {
    group(items, |row| row.organisation.clone())
}

/// Summaries keyed by situation key.
pub fn by_situation(items: &[(&Warning, &Responses)]) -> BTreeMap<String, Summary> {
    group(items, |row| row.situation.clone())
}

fn group(
    items: &[(&Warning, &Responses)],
    key: impl Fn(&AddresseeTimes) -> String,
) -> BTreeMap<String, Summary> {
    let mut groups: BTreeMap<String, Vec<AddresseeTimes>> = BTreeMap::new();
    for (warning, responses) in items {
        for row in addressee_times(warning, responses) {
            groups.entry(key(&row)).or_default().push(row);
        }
    }
    groups
        .into_iter()
        .map(|(k, rows)| (k, summarise(&rows)))
        .collect()
}

/// The statistics of `rows`.
pub fn summarise(rows: &[AddresseeTimes]) -> Summary {
    let stats = |pick: fn(&AddresseeTimes) -> Option<TimeDelta>| {
        let values: Vec<TimeDelta> = rows.iter().filter_map(pick).collect();
        stats(values)
    };
    Summary {
        warnings: rows.iter().map(|r| &r.warning_id).collect::<BTreeSet<_>>().len(),
        addressees: rows.len(),
        to_delivery: stats(|r| r.to_delivery),
        to_acknowledgement: stats(|r| r.to_acknowledgement),
        to_decision: stats(|r| r.to_decision),
        to_first_action: stats(|r| r.to_first_action),
    }
}

/// Count, median and maximum of `values`.
pub fn stats(mut values: Vec<TimeDelta>) -> Stats {
    values.sort_unstable();
    let n = values.len();
    let median = match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some(values[n / 2 - 1] + (values[n / 2] - values[n / 2 - 1]) / 2),
    };
    Stats {
        count: n,
        median,
        max: values.last().copied(),
    }
}

/// Everything overdue at `now` on open warnings: addressees of issued
/// warnings with no acknowledgement past the acknowledgement deadline or no
/// decision past the decision deadline (unless they declined or forwarded
/// it), and actions of issued or superseded warnings past their due date
/// and neither completed nor abandoned. Ordered by due time.
pub fn overdue(items: &[(&Warning, &Responses)], now: DateTime<Utc>) -> Vec<Lapse> {
    let mut lapses = Vec::new();
    for (warning, responses) in items {
        let Some(issued) = &warning.issued else {
            continue;
        };
        if warning.msg_type == MsgType::Cancel {
            continue;
        }
        let situation = warning.content.situation.key();
        let ours = |id: &str| id == warning.id;
        let mut lapse = |reason, organisation: &str, subject: &str, due| {
            lapses.push(Lapse {
                warning_id: warning.id.clone(),
                situation: situation.clone(),
                reason,
                organisation: organisation.to_owned(),
                subject: subject.to_owned(),
                due,
            })
        };
        if warning.status == WarningStatus::Issued {
            for addressee in &warning.content.addressees {
                let org = addressee.organisation.as_str();
                let mut acks = responses
                    .acknowledgements
                    .iter()
                    .filter(|a| ours(&a.warning_id) && a.organisation == org)
                    .peekable();
                let acknowledged = acks.peek().is_some();
                let handed_off = acks.any(|a| a.kind.hands_off());
                if !acknowledged && now > issued.acknowledge_by {
                    lapse(
                        EscalationReason::NoAcknowledgement,
                        org,
                        org,
                        issued.acknowledge_by,
                    );
                }
                let decided = responses
                    .decisions
                    .iter()
                    .any(|d| ours(&d.warning_id) && d.organisation == org);
                if !decided && !handed_off && now > issued.decide_by {
                    lapse(EscalationReason::OverdueDecision, org, org, issued.decide_by);
                }
            }
        }
        if matches!(warning.status, WarningStatus::Issued | WarningStatus::Superseded) {
            for action in responses.actions.iter().filter(|a| ours(&a.warning_id)) {
                if !action.status().is_final() && now > action.due {
                    lapse(
                        EscalationReason::OverdueAction,
                        &action.owner,
                        &action.id,
                        action.due,
                    );
                }
            }
        }
    }
    lapses.sort_by_key(|l| l.due);
    lapses
}
