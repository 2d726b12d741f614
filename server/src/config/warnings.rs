//! The configuration sections of early warning: response deadlines, the
//! escalation chain and thresholds (`[warnings]`), webhook delivery
//! (`[webhooks]`) and the Atom feed (`[feed]`).

use chrono::TimeDelta;
use serde::Deserialize;

use crate::model::reference::ReferenceData;
use crate::model::warning::{
    AckDeadlines, EscalationChain, ResponseDeadlines, Threshold, period, validate_thresholds,
};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarningsSection {
    #[serde(with = "period")]
    pub acknowledge_immediate: TimeDelta,
    #[serde(with = "period")]
    pub acknowledge_expected: TimeDelta,
    #[serde(with = "period")]
    pub acknowledge_future: TimeDelta,
    #[serde(with = "period")]
    pub acknowledge_past: TimeDelta,
    #[serde(with = "period")]
    pub acknowledge_unknown: TimeDelta,
    #[serde(with = "period")]
    pub decide_within: TimeDelta,
    pub escalation_chain: Vec<String>,
    /// Crossing one proposes a draft warning for a reviewer.
    #[serde(default)]
    pub thresholds: Vec<Threshold>,
}

impl WarningsSection {
    /// The deadlines fixed on each warning this node issues.
    pub fn deadlines(&self) -> ResponseDeadlines {
        ResponseDeadlines {
            acknowledgement: AckDeadlines {
                immediate: self.acknowledge_immediate,
                expected: self.acknowledge_expected,
                future: self.acknowledge_future,
                past: self.acknowledge_past,
                unknown: self.acknowledge_unknown,
            },
            decision: self.decide_within,
        }
    }

    pub fn chain(&self) -> EscalationChain {
        EscalationChain::new(self.escalation_chain.iter().cloned())
    }

    /// The error is `(key, message)`, the key under `warnings.`.
    pub(super) fn validate(&self) -> Result<(), (String, String)> {
        let named =
            |prefix: &str, e: crate::model::ValidationError| (format!("{prefix}{}", e.field), e.message);
        self.deadlines().validate().map_err(|e| {
            let key = match e.field.as_str() {
                "decision" => "decide_within".to_owned(),
                other => other.replace("acknowledgement.", "acknowledge_"),
            };
            (key, e.message)
        })?;
        self.chain().validate().map_err(|e| named("escalation_chain", e))
    }

    /// Thresholds name factors and levels of the reference data, so they
    /// are checked once it is loaded; the error is `(key, message)`.
    pub fn validate_thresholds(&self, reference: &ReferenceData) -> Result<(), (String, String)> {
        validate_thresholds(&self.thresholds, reference)
            .map_err(|e| (format!("warnings.thresholds{}", e.field), e.message))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksSection {
    /// Attempts before a notification goes to the dead letters.
    pub max_attempts: u32,
    /// The wait before the first retry; it doubles, up to `last_retry`.
    #[serde(with = "period")]
    pub first_retry: TimeDelta,
    #[serde(with = "period")]
    pub last_retry: TimeDelta,
    /// Certificate authorities (PEM) trusted for webhook receivers besides
    /// the system's; empty: the system's only.
    pub ca_cert: std::path::PathBuf,
}

impl WebhooksSection {
    pub(super) fn validate(&self) -> Result<(), (String, String)> {
        if !(1..=100).contains(&self.max_attempts) {
            return Err((
                "max_attempts".into(),
                format!("{} is out of range: 1 to 100", self.max_attempts),
            ));
        }
        for (key, value) in [("first_retry", self.first_retry), ("last_retry", self.last_retry)] {
            if value <= TimeDelta::zero() || value > TimeDelta::days(1) {
                return Err((
                    key.into(),
                    format!(
                        "`{}` is out of range: more than zero and at most 1d",
                        period::format(value)
                    ),
                ));
            }
        }
        if self.last_retry < self.first_retry {
            return Err((
                "last_retry".into(),
                "must not be shorter than `first_retry`".into(),
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedSection {
    /// The HTTPS address of the Atom feed of TLP:CLEAR warnings (with the
    /// API's TLS identity); empty: no feed.
    pub listen: String,
}

impl FeedSection {
    /// The address to serve the feed on, if any.
    pub fn addr(&self) -> Option<std::net::SocketAddr> {
        self.listen.parse().ok()
    }

    pub(super) fn validate(&self) -> Result<(), (String, String)> {
        if !self.listen.is_empty() && self.addr().is_none() {
            return Err((
                "listen".into(),
                format!("`{}` is not a socket address like 127.0.0.1:7445", self.listen),
            ));
        }
        Ok(())
    }
}
