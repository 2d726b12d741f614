//! Users' subscriptions: create, list and delete them, and find those a
//! warning matches. Access decisions are the caller's (the API asks the
//! access policy); this service keeps users to their own subscriptions
//! unless told the caller may see or delete any.

use chrono::Utc;
use std::sync::Arc;

use crate::model::ValidationError;
use crate::model::caller::Caller;
use crate::model::reference::ReferenceData;
use crate::model::shown;
use crate::model::subscription::{Filters, Subscription, Webhook};
use crate::model::warning::Warning;
use crate::store::{Store, StoreError};

/// Why a subscription operation did not happen; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    #[error("invalid {0}")]
    Invalid(#[from] ValidationError),
    #[error("subscription `{0}` not found")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The subscriptions of one node.
#[derive(Debug, Clone)]
pub struct Subscriptions {
    store: Store,
    reference: Arc<ReferenceData>,
}

impl Subscriptions {
    /// The reference data filters are checked against.
    pub fn reference(&self) -> &ReferenceData {
        &self.reference
    }

    pub fn new(store: Store, reference: Arc<ReferenceData>) -> Self {
        Self { store, reference }
    }

    /// Records a subscription of `caller`'s after checking it; errors name
    /// the field (`filters.countries[0]`, `webhook.url`).
    pub async fn create(
        &self,
        caller: &Caller,
        filters: Filters,
        webhook: Option<Webhook>,
    ) -> Result<Subscription, SubscriptionError> {
        let subscription = Subscription {
            id: uuid::Uuid::now_v7().to_string(),
            owner: caller.subject.clone(),
            organisation: caller.organisation.clone(),
            filters,
            webhook,
            created_at: Utc::now(),
        };
        subscription.validate(&self.reference)?;
        self.store.insert_subscription(&subscription).await?;
        Ok(subscription)
    }

    /// `caller`'s subscriptions, or everyone's with `all`, oldest first.
    pub fn list(&self, caller: &Caller, all: bool) -> Result<Vec<Subscription>, SubscriptionError> {
        let mut found: Vec<Subscription> = self
            .store
            .subscriptions()?
            .into_iter()
            .filter(|s| all || s.owner == caller.subject)
            .collect();
        found.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(found)
    }

    /// Deletes one of `caller`'s subscriptions, or anyone's with `any`,
    /// with its queued notifications and dead letters. Someone else's
    /// subscription is not found, so its existence is not revealed.
    pub async fn delete(&self, caller: &Caller, id: &str, any: bool) -> Result<(), SubscriptionError> {
        let not_found = || SubscriptionError::NotFound(shown(id));
        let subscription = self.store.subscription(id)?.ok_or_else(not_found)?;
        if !any && subscription.owner != caller.subject {
            return Err(not_found());
        }
        if !self.store.delete_subscription(id).await? {
            return Err(not_found());
        }
        Ok(())
    }

    /// The subscriptions whose filters `warning` passes, oldest first.
    pub fn matching(&self, warning: &Warning) -> Result<Vec<Subscription>, StoreError> {
        let mut found: Vec<Subscription> = self
            .store
            .subscriptions()?
            .into_iter()
            .filter(|s| s.filters.matches(warning, &self.reference))
            .collect();
        found.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::caller::Role;
    use crate::model::fixtures;
    use crate::model::warning::{
        Addressee, AssessmentRef, Category, Certainty, Severity, Urgency, WarningContent, WarningLevel,
    };

    fn caller(subject: &str) -> Caller {
        Caller {
            subject: subject.into(),
            name: String::new(),
            issuer: "https://id.example.org".into(),
            organisation: "ecowas".into(),
            roles: [Role::FocalPoint].into(),
        }
    }

    fn countries(codes: &[&str]) -> Filters {
        Filters {
            countries: codes.iter().map(|c| (*c).to_owned()).collect(),
            ..Filters::default()
        }
    }

    fn warning(country: &str) -> Warning {
        let mut situation = fixtures::content().situation;
        situation.countries = vec![country.into()];
        let content = WarningContent {
            situation,
            assessment: AssessmentRef {
                id: "a1".into(),
                version: 1,
            },
            level: WarningLevel::Warning,
            category: Category::Safety,
            urgency: Urgency::Expected,
            severity: Severity::Severe,
            certainty: Certainty::Likely,
            headline: "Risk".into(),
            description: "Clashes.".into(),
            instruction: String::new(),
            addressees: vec![Addressee {
                organisation: "au".into(),
                role: Role::FocalPoint,
            }],
            expires: Utc::now() + chrono::TimeDelta::days(3),
            tlp: crate::model::marking::Tlp::Green,
            risk_factors: vec![7],
        };
        Warning::new_draft("w1".into(), "ecowas", content, "ana", Utc::now())
    }

    fn service() -> (tempfile::TempDir, Subscriptions) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let reference = Arc::new(ReferenceData::embedded().unwrap());
        (dir, Subscriptions::new(store, reference))
    }

    #[tokio::test]
    async fn users_see_and_delete_their_own_admins_any() {
        let (_dir, subs) = service();
        let (fatou, kofi, admin) = (caller("fatou"), caller("kofi"), caller("root"));
        let a = subs.create(&fatou, countries(&["MLI"]), None).await.unwrap();
        let b = subs.create(&kofi, countries(&["NGA"]), None).await.unwrap();
        assert_eq!((a.owner.as_str(), a.organisation.as_str()), ("fatou", "ecowas"));
        let ids = |list: Vec<Subscription>| list.into_iter().map(|s| s.id).collect::<Vec<_>>();
        assert_eq!(
            ids(subs.list(&fatou, false).unwrap()),
            std::slice::from_ref(&a.id)
        );
        assert_eq!(
            ids(subs.list(&admin, true).unwrap()),
            [a.id.clone(), b.id.clone()]
        );
        let err = subs.delete(&fatou, &b.id, false).await.unwrap_err();
        assert!(
            matches!(err, SubscriptionError::NotFound(ref id) if *id == b.id),
            "{err}"
        );
        subs.delete(&admin, &b.id, true).await.unwrap();
        subs.delete(&fatou, &a.id, false).await.unwrap();
        let err = subs.delete(&fatou, &a.id, false).await.unwrap_err();
        assert!(matches!(err, SubscriptionError::NotFound(_)), "{err}");
        assert!(subs.list(&admin, true).unwrap().is_empty());
    }

    #[tokio::test]
    async fn invalid_subscriptions_are_refused_naming_the_field() {
        let (_dir, subs) = service();
        let err = subs
            .create(&caller("fatou"), countries(&["ZZ9"]), None)
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid `filters.countries[0]`: unknown country code `ZZ9` (expected an ISO 3166-1 alpha-3 code)"
        );
        let hook = Webhook {
            url: "http://example.org".into(),
            secret: "0123456789abcdef".into(),
        };
        let err = subs
            .create(&caller("fatou"), Filters::default(), Some(hook))
            .await
            .unwrap_err();
        assert!(err.to_string().starts_with("invalid `webhook.url`"), "{err}");
        assert!(subs.list(&caller("fatou"), true).unwrap().is_empty());
    }

    #[tokio::test]
    async fn matching_finds_the_subscriptions_a_warning_passes() {
        let (_dir, subs) = service();
        let fatou = caller("fatou");
        let mali = subs.create(&fatou, countries(&["MLI"]), None).await.unwrap();
        let all = subs.create(&fatou, Filters::default(), None).await.unwrap();
        subs.create(&fatou, countries(&["NGA"]), None).await.unwrap();
        let found: Vec<String> = subs
            .matching(&warning("MLI"))
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(found, [mali.id, all.id]);
    }
}
