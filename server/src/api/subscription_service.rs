//! `tocsin.v1.SubscriptionService`: thin adapters from gRPC to
//! `warnings::subscriptions` and `warnings::webhook`. Plain subscriptions
//! need `ManageSubscriptions`; a webhook, everyone's subscriptions and the
//! dead letters need `ManageWebhooks` (admins). No answer ever carries a
//! webhook secret.

use std::collections::BTreeSet;
use tocsin_proto::v1 as pb;
use tocsin_proto::v1::subscription_service_server::SubscriptionService;
use tonic::{Request, Response, Status};

use crate::api::convert::{timestamp, wire_crime};
use crate::api::error::{invalid, status};
use crate::api::node_service::caller;
use crate::assessments::{Assessments, ServiceError};
use crate::model::ValidationError;
use crate::model::caller::Caller;
use crate::model::reference::ReferenceData;
use crate::model::situation::Crime;
use crate::model::subscription::{Filters, MAX_FILTER_VALUES, Subscription, Webhook};
use crate::policy::Action;
use crate::store::{DeadLetter, StoreError};
use crate::warnings::subscriptions::{SubscriptionError, Subscriptions};
use crate::warnings::webhook::Webhooks;

/// The subscription API of one node.
#[derive(Debug, Clone)]
pub struct SubscriptionApi {
    assessments: Assessments,
    subscriptions: Subscriptions,
    webhooks: Webhooks,
}

impl SubscriptionApi {
    pub fn new(assessments: Assessments, subscriptions: Subscriptions, webhooks: Webhooks) -> Self {
        Self {
            assessments,
            subscriptions,
            webhooks,
        }
    }

    fn authorize(&self, caller: &Caller, action: Action) -> Result<(), Status> {
        self.assessments.authorize_node(caller, action).map_err(status)
    }

    /// Whether the access policy lets `caller` manage webhooks: an admin,
    /// who sees and deletes everyone's subscriptions.
    fn is_admin(&self, caller: &Caller) -> bool {
        self.assessments
            .authorize_node(caller, Action::ManageWebhooks)
            .is_ok()
    }
}

fn subscription_status(error: SubscriptionError) -> Status {
    match error {
        SubscriptionError::Invalid(e) => invalid(e),
        SubscriptionError::NotFound(_) => Status::not_found(error.to_string()),
        SubscriptionError::Store(e) => store_status(e),
    }
}

fn store_status(error: StoreError) -> Status {
    status(ServiceError::Store(error))
}

#[tonic::async_trait]
impl SubscriptionService for SubscriptionApi {
    async fn create_subscription(
        &self,
        r: Request<pb::CreateSubscriptionRequest>,
    ) -> Result<Response<pb::Subscription>, Status> {
        let caller = caller(&r)?;
        self.authorize(&caller, Action::ManageSubscriptions)?;
        let r = r.into_inner();
        let webhook = webhook(r.webhook_url, r.webhook_secret).map_err(invalid)?;
        if webhook.is_some() {
            self.authorize(&caller, Action::ManageWebhooks)?;
        }
        let requested = r.filters.unwrap_or_default();
        check_in_request_order(&requested, self.subscriptions.reference())
            .map_err(|e| invalid(e.under("filters")))?;
        let filters = filters(requested).map_err(|e| invalid(e.under("filters")))?;
        let created = self
            .subscriptions
            .create(&caller, filters, webhook)
            .await
            .map_err(subscription_status)?;
        Ok(Response::new(wire_subscription(&created)))
    }

    async fn list_subscriptions(
        &self,
        r: Request<pb::ListSubscriptionsRequest>,
    ) -> Result<Response<pb::ListSubscriptionsResponse>, Status> {
        let caller = caller(&r)?;
        self.authorize(&caller, Action::ManageSubscriptions)?;
        let found = self
            .subscriptions
            .list(&caller, self.is_admin(&caller))
            .map_err(subscription_status)?;
        Ok(Response::new(pb::ListSubscriptionsResponse {
            subscriptions: found.iter().map(wire_subscription).collect(),
        }))
    }

    async fn delete_subscription(
        &self,
        r: Request<pb::DeleteSubscriptionRequest>,
    ) -> Result<Response<pb::DeleteSubscriptionResponse>, Status> {
        let caller = caller(&r)?;
        self.authorize(&caller, Action::ManageSubscriptions)?;
        let id = r.into_inner().id;
        if id.trim().is_empty() || id.len() > 128 {
            return Err(invalid(ValidationError::new(
                "id",
                "must be a subscription id (1 to 128 characters)",
            )));
        }
        self.subscriptions
            .delete(&caller, &id, self.is_admin(&caller))
            .await
            .map_err(subscription_status)?;
        Ok(Response::new(pb::DeleteSubscriptionResponse {}))
    }

    async fn list_dead_letters(
        &self,
        r: Request<pb::ListDeadLettersRequest>,
    ) -> Result<Response<pb::ListDeadLettersResponse>, Status> {
        self.authorize(&caller(&r)?, Action::ManageWebhooks)?;
        let letters = self.webhooks.dead_letters().map_err(store_status)?;
        Ok(Response::new(pb::ListDeadLettersResponse {
            dead_letters: letters.iter().map(wire_dead_letter).collect(),
        }))
    }

    async fn replay_dead_letter(
        &self,
        r: Request<pb::ReplayDeadLetterRequest>,
    ) -> Result<Response<pb::ReplayDeadLetterResponse>, Status> {
        self.authorize(&caller(&r)?, Action::ManageWebhooks)?;
        let id = r.into_inner().id;
        if id == 0 {
            return Err(invalid(ValidationError::new(
                "id",
                "must be a dead letter id (from 1)",
            )));
        }
        if !self.webhooks.replay(id).await.map_err(store_status)? {
            return Err(Status::not_found(format!("dead letter `{id}` not found")));
        }
        Ok(Response::new(pb::ReplayDeadLetterResponse {}))
    }
}

/// The webhook of a create request: none when both fields are empty.
/// Errors name the request fields (`webhook_url`, `webhook_secret`).
fn webhook(url: String, secret: String) -> Result<Option<Webhook>, ValidationError> {
    if url.is_empty() {
        if !secret.is_empty() {
            return Err(ValidationError::new(
                "webhook_url",
                "a secret needs a webhook address",
            ));
        }
        return Ok(None);
    }
    let webhook = Webhook { url, secret };
    webhook
        .validate()
        .map_err(|e| ValidationError::new(format!("webhook_{}", e.field), e.message))?;
    Ok(Some(webhook))
}

/// Filters from the wire; errors name the field and its index in the
/// request (`countries[2]`). A value listed twice is refused.
/// Checks each listed country, regional body, region and factor against the
/// reference data in the request's order, so that an error names the
/// value's place in the request (`countries[1]`), not in a sorted set.
fn check_in_request_order(
    f: &pb::SubscriptionFilters,
    reference: &ReferenceData,
) -> Result<(), ValidationError> {
    // Counts first: a request listing a hundred thousand values is refused
    // before any of them is looked up.
    let sizes = [
        ("countries", f.countries.len()),
        ("regional_bodies", f.regional_bodies.len()),
        ("m49_regions", f.m49_regions.len()),
        ("risk_factors", f.risk_factors.len()),
        ("crimes", f.crimes.len()),
    ];
    for (field, len) in sizes {
        if len > MAX_FILTER_VALUES {
            return Err(ValidationError::new(
                field,
                format!("{len} values; at most {MAX_FILTER_VALUES} allowed"),
            ));
        }
    }
    let one = |field: &str, i: usize, filters: Filters| {
        filters
            .validate(reference)
            .map_err(|e| ValidationError::new(format!("{field}[{i}]"), e.message))
    };
    for (i, value) in f.countries.iter().enumerate() {
        let countries = BTreeSet::from([value.clone()]);
        one(
            "countries",
            i,
            Filters {
                countries,
                ..Filters::default()
            },
        )?;
    }
    for (i, value) in f.regional_bodies.iter().enumerate() {
        let regional_bodies = BTreeSet::from([value.clone()]);
        one(
            "regional_bodies",
            i,
            Filters {
                regional_bodies,
                ..Filters::default()
            },
        )?;
    }
    for (i, value) in f.m49_regions.iter().enumerate() {
        let m49_regions = BTreeSet::from([value.clone()]);
        one(
            "m49_regions",
            i,
            Filters {
                m49_regions,
                ..Filters::default()
            },
        )?;
    }
    for (i, value) in f.risk_factors.iter().enumerate() {
        if let Ok(factor) = u8::try_from(*value) {
            let risk_factors = BTreeSet::from([factor]);
            one(
                "risk_factors",
                i,
                Filters {
                    risk_factors,
                    ..Filters::default()
                },
            )?;
        }
    }
    Ok(())
}

fn filters(f: pb::SubscriptionFilters) -> Result<Filters, ValidationError> {
    let min_level = if f.min_level.is_empty() {
        None
    } else {
        Some(
            f.min_level
                .parse()
                .map_err(|m| ValidationError::new("min_level", m))?,
        )
    };
    let mut filters = Filters {
        countries: unique("countries", f.countries)?,
        regional_bodies: unique("regional_bodies", f.regional_bodies)?,
        m49_regions: unique("m49_regions", f.m49_regions)?,
        min_level,
        ..Filters::default()
    };
    let mut crimes = Vec::with_capacity(f.crimes.len());
    for (i, value) in f.crimes.iter().enumerate() {
        crimes.push(crime(*value).ok_or_else(|| {
            ValidationError::new(
                format!("crimes[{i}]"),
                format!("`{value}` is not a crime (genocide, crimes_against_humanity, war_crimes, ethnic_cleansing)"),
            )
        })?);
    }
    filters.crimes = unique("crimes", crimes)?;
    let mut factors = Vec::with_capacity(f.risk_factors.len());
    for (i, value) in f.risk_factors.iter().enumerate() {
        factors.push(u8::try_from(*value).map_err(|_| {
            ValidationError::new(
                format!("risk_factors[{i}]"),
                format!("`{value}` is not a risk factor (1 to 14)"),
            )
        })?);
    }
    filters.risk_factors = unique("risk_factors", factors)?;
    Ok(filters)
}

/// The values as a set, refusing one listed twice.
fn unique<T: Ord + std::fmt::Display>(field: &str, values: Vec<T>) -> Result<BTreeSet<T>, ValidationError> {
    let mut set = BTreeSet::new();
    for (i, value) in values.into_iter().enumerate() {
        let shown = value.to_string();
        if !set.insert(value) {
            return Err(ValidationError::new(
                format!("{field}[{i}]"),
                format!("`{}` is listed twice", shown.chars().take(64).collect::<String>()),
            ));
        }
    }
    Ok(set)
}

fn crime(value: i32) -> Option<Crime> {
    match pb::Crime::try_from(value).ok()? {
        pb::Crime::Unspecified => None,
        pb::Crime::Genocide => Some(Crime::Genocide),
        pb::Crime::CrimesAgainstHumanity => Some(Crime::CrimesAgainstHumanity),
        pb::Crime::WarCrimes => Some(Crime::WarCrimes),
        pb::Crime::EthnicCleansing => Some(Crime::EthnicCleansing),
    }
}

fn wire_subscription(s: &Subscription) -> pb::Subscription {
    let f = &s.filters;
    pb::Subscription {
        id: s.id.clone(),
        owner: s.owner.clone(),
        organisation: s.organisation.clone(),
        filters: Some(pb::SubscriptionFilters {
            countries: f.countries.iter().cloned().collect(),
            regional_bodies: f.regional_bodies.iter().cloned().collect(),
            m49_regions: f.m49_regions.iter().cloned().collect(),
            crimes: f.crimes.iter().map(|c| wire_crime(*c) as i32).collect(),
            risk_factors: f.risk_factors.iter().map(|n| u32::from(*n)).collect(),
            min_level: f.min_level.map(|l| l.to_string()).unwrap_or_default(),
        }),
        has_webhook: s.webhook.is_some(),
        webhook_url: s.webhook.as_ref().map(|w| w.url.clone()).unwrap_or_default(),
        created_at: Some(timestamp(s.created_at)),
    }
}

fn wire_dead_letter(d: &DeadLetter) -> pb::DeadLetter {
    pb::DeadLetter {
        id: d.job.id,
        subscription_id: d.job.subscription_id.clone(),
        notification_id: d.job.notification_id.clone(),
        attempts: d.job.attempts,
        last_error: d.job.last_error.clone().unwrap_or_default(),
        enqueued_at: Some(timestamp(d.job.enqueued_at)),
        dead_at: Some(timestamp(d.dead_at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: pb::SubscriptionFilters, field: &str, fragment: &str) {
        let err = filters(f).unwrap_err();
        assert_eq!(err.field, field, "{err}");
        assert!(err.message.contains(fragment), "`{err}` lacks `{fragment}`");
    }

    #[test]
    fn wire_filters_are_checked_in_request_order() {
        let ok = filters(pb::SubscriptionFilters {
            countries: vec!["NGA".into(), "MLI".into()],
            crimes: vec![pb::Crime::Genocide as i32],
            risk_factors: vec![7],
            min_level: "Warning".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ok.countries.len(), 2);
        assert_eq!(ok.crimes, [Crime::Genocide].into());
        assert_eq!(ok.min_level, Some(crate::model::warning::WarningLevel::Warning));
        let dup = pb::SubscriptionFilters {
            countries: vec!["NGA".into(), "MLI".into(), "NGA".into()],
            ..Default::default()
        };
        check(dup, "countries[2]", "`NGA` is listed twice");
        let crimes = pb::SubscriptionFilters {
            crimes: vec![pb::Crime::Genocide as i32, 0],
            ..Default::default()
        };
        check(crimes, "crimes[1]", "`0` is not a crime");
        let factors = pb::SubscriptionFilters {
            risk_factors: vec![3, 300],
            ..Default::default()
        };
        check(factors, "risk_factors[1]", "`300`");
        let level = pb::SubscriptionFilters {
            min_level: "severe".into(),
            ..Default::default()
        };
        check(level, "min_level", "unknown warning level `severe`");
    }

    #[test]
    fn webhook_fields_are_named_as_on_the_wire() {
        assert_eq!(webhook(String::new(), String::new()).unwrap(), None);
        let err = webhook(String::new(), "0123456789abcdef".into()).unwrap_err();
        assert_eq!(err.field, "webhook_url");
        let err = webhook("https://example.org/".into(), "short".into()).unwrap_err();
        assert_eq!(err.field, "webhook_secret");
        assert!(!err.to_string().contains("short"), "{err}");
        let err = webhook("http://example.org/".into(), "0123456789abcdef".into()).unwrap_err();
        assert_eq!(err.field, "webhook_url");
        assert!(
            webhook("https://example.org/".into(), "0123456789abcdef".into())
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn answers_never_carry_the_secret() {
        let s = Subscription {
            id: "s1".into(),
            owner: "root".into(),
            organisation: "ecowas".into(),
            filters: Filters::default(),
            webhook: Some(Webhook {
                url: "https://example.org/".into(),
                secret: "very-secret-value-42".into(),
            }),
            created_at: chrono::Utc::now(),
        };
        let wire = wire_subscription(&s);
        assert!(wire.has_webhook);
        assert!(!format!("{wire:?}").contains("very-secret-value-42"));
    }
}
