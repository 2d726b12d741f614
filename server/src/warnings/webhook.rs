//! Webhook delivery: notifications wait in a persisted outbox
//! (`store::subscriptions`) and are POSTed over HTTPS, signed with
//! HMAC-SHA256, one subscription's in order, each subscription on its own
//! task so one slow receiver holds up no other. A failure is retried with
//! exponential backoff; after `max_attempts` the job becomes a dead letter
//! an admin may replay. Nothing is lost across restarts: a job leaves the
//! outbox only after its receiver answered 2xx. A delivery cut off by a
//! shutdown is sent again, so receivers drop repeats by `X-Tocsin-Delivery`.
//!
//! Never logged: the secret, the body, the receiver's address.

use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::JoinSet;

use crate::config::WebhooksSection;
use crate::model::hex::hex;
use crate::model::subscription::{Subscription, Webhook};
use crate::store::{DeadLetter, Store, StoreError, WebhookJob};

pub const DELIVERY_HEADER: &str = "X-Tocsin-Delivery";
pub const TIMESTAMP_HEADER: &str = "X-Tocsin-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-Tocsin-Signature";
/// The longest a receiver may take to answer one POST.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The wait after the store failed, before the queue is read again.
const STORE_RETRY: Duration = Duration::from_secs(5);
/// The longest the loop sleeps with nothing due.
const IDLE: Duration = Duration::from_secs(3600);

/// Why the delivery service could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("webhooks: the extra CA certificates are not valid PEM: {0}")]
    CaCert(String),
    #[error("webhooks: the extra CA file holds no certificate")]
    NoCaCert,
    #[error("webhooks: `{key}` is out of range")]
    Period { key: &'static str },
    #[error("webhooks: cannot build the HTTPS client: {0}")]
    Client(String),
}

/// What happened to a job, for the audit trail. Carries no body and no
/// secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookEvent {
    Delivered {
        job: u64,
        subscription_id: String,
        notification_id: String,
        /// Failed attempts before this one.
        failed_before: u32,
    },
    Failed {
        job: u64,
        subscription_id: String,
        notification_id: String,
        attempts: u32,
        error: String,
        next_attempt_at: DateTime<Utc>,
    },
    DeadLettered {
        job: u64,
        subscription_id: String,
        notification_id: String,
        attempts: u32,
        error: String,
    },
    /// The subscription was deleted or has no webhook any more.
    Dropped {
        job: u64,
        subscription_id: String,
        notification_id: String,
    },
}

/// The retry schedule of the `[webhooks]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Retry {
    max_attempts: u32,
    first: Duration,
    last: Duration,
}

impl Retry {
    /// The wait after failed attempt number `attempts` (from 1):
    /// `first · 2^(attempts-1)`, at most `last`, times `jitter` (0.8–1).
    fn delay(&self, attempts: u32, jitter: f64) -> Duration {
        let doubled = self
            .first
            .checked_mul(1u32.checked_shl(attempts.saturating_sub(1)).unwrap_or(u32::MAX))
            .unwrap_or(self.last);
        doubled.min(self.last).mul_f64(jitter.clamp(0.8, 1.0))
    }
}

/// The delivery service: enqueue, the delivery loop (`run`), dead letters.
#[derive(Debug, Clone)]
pub struct Webhooks {
    store: Store,
    client: reqwest::Client,
    retry: Retry,
    wake: Arc<Notify>,
    events: Option<mpsc::UnboundedSender<WebhookEvent>>,
}

impl Webhooks {
    /// `extra_ca_pem`: certificate authorities (PEM, one or more) trusted for
    /// receivers besides the built-in web roots.
    pub fn new(
        store: Store,
        settings: &WebhooksSection,
        extra_ca_pem: Option<String>,
    ) -> Result<Self, WebhookError> {
        let period = |key, value: chrono::TimeDelta| {
            value
                .to_std()
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or(WebhookError::Period { key })
        };
        let retry = Retry {
            max_attempts: settings.max_attempts.max(1),
            first: period("first_retry", settings.first_retry)?,
            last: period("last_retry", settings.last_retry)?,
        };
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .https_only(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("tocsin-node/", env!("CARGO_PKG_VERSION")));
        if let Some(pem) = extra_ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|e| WebhookError::CaCert(e.to_string()))?;
            if certs.is_empty() {
                return Err(WebhookError::NoCaCert);
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder.build().map_err(|e| WebhookError::Client(e.to_string()))?;
        Ok(Self {
            store,
            client,
            retry,
            wake: Arc::new(Notify::new()),
            events: None,
        })
    }

    /// Sends every [`WebhookEvent`] to `events` (e.g. for the audit trail).
    pub fn with_events(mut self, events: mpsc::UnboundedSender<WebhookEvent>) -> Self {
        self.events = Some(events);
        self
    }

    /// Queues `body` for the subscription's webhook, durably; `false` when
    /// it has no webhook or this notification was queued for it before
    /// (so it is never delivered twice). `notification_id` goes in the
    /// `X-Tocsin-Delivery` header: visible ASCII.
    pub async fn enqueue(
        &self,
        subscription: &Subscription,
        notification_id: &str,
        body: &serde_json::Value,
    ) -> Result<bool, StoreError> {
        if subscription.webhook.is_none() {
            return Ok(false);
        }
        let bytes = serde_json::to_vec(body).map_err(|e| StoreError::Encode {
            tree: "webhook_jobs",
            reason: e.to_string(),
        })?;
        let queued = self
            .store
            .enqueue_webhook(&subscription.id, notification_id, &bytes, Utc::now())
            .await?;
        if queued.is_some() {
            self.wake.notify_one();
        }
        Ok(queued.is_some())
    }

    /// Jobs that failed `max_attempts` times, oldest first.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>, StoreError> {
        self.store.dead_letters()
    }

    /// Puts dead letter `id` back in the queue, due now, its attempts reset;
    /// `false` if there is no such dead letter.
    pub async fn replay(&self, id: u64) -> Result<bool, StoreError> {
        let replayed = self.store.replay_dead_letter(id, Utc::now()).await?.is_some();
        if replayed {
            self.wake.notify_one();
        }
        Ok(replayed)
    }

    /// The delivery loop, until `shutdown` turns true (or its sender is
    /// dropped); then it waits for the POSTs in flight (each at most
    /// [`REQUEST_TIMEOUT`]) and returns. Run it once per node.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut running: JoinSet<()> = JoinSet::new();
        // Task id → the subscription it delivers for.
        let mut busy: HashMap<tokio::task::Id, String> = HashMap::new();
        loop {
            if *shutdown.borrow_and_update() {
                break;
            }
            let wait = match self.start_due(&mut running, &mut busy) {
                Ok(wait) => wait,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the webhook queue");
                    STORE_RETRY
                }
            };
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
                Some(done) = running.join_next_with_id() => {
                    let id = match &done {
                        Ok((id, ())) => *id,
                        Err(e) => {
                            tracing::error!(error = %e, "webhook delivery task failed");
                            e.id()
                        }
                    };
                    busy.remove(&id);
                }
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
            }
        }
        while running.join_next().await.is_some() {}
    }

    /// Starts a task for each subscription whose first queued job is due
    /// and that has none running; the wait until the next job falls due.
    fn start_due(
        &self,
        running: &mut JoinSet<()>,
        busy: &mut HashMap<tokio::task::Id, String>,
    ) -> Result<Duration, StoreError> {
        let mut heads: BTreeMap<String, WebhookJob> = BTreeMap::new();
        for job in self.store.webhook_jobs()? {
            heads.entry(job.subscription_id.clone()).or_insert(job);
        }
        let now = Utc::now();
        let mut wait = IDLE;
        for (subscription_id, job) in heads {
            if busy.values().any(|s| *s == subscription_id) {
                continue;
            }
            if job.next_attempt_at <= now {
                let task = running.spawn(self.clone().attempt(job));
                busy.insert(task.id(), subscription_id);
            } else {
                wait = wait.min((job.next_attempt_at - now).to_std().unwrap_or_default());
            }
        }
        Ok(wait)
    }

    /// One attempt at one job, and its outcome written down.
    async fn attempt(self, job: WebhookJob) {
        if let Err(e) = self.try_attempt(job).await {
            tracing::error!(error = %e, "cannot record a webhook delivery");
            tokio::time::sleep(STORE_RETRY).await;
        }
    }

    async fn try_attempt(&self, job: WebhookJob) -> Result<(), StoreError> {
        let (subscription_id, notification_id) = (job.subscription_id.clone(), job.notification_id.clone());
        let webhook = self.store.subscription(&subscription_id)?.and_then(|s| s.webhook);
        let Some(webhook) = webhook else {
            self.store.remove_webhook_job(job.id).await?;
            tracing::info!(subscription = %subscription_id, notification = %notification_id, "webhook notification dropped: the subscription has no webhook any more");
            self.emit(WebhookEvent::Dropped {
                job: job.id,
                subscription_id,
                notification_id,
            });
            return Ok(());
        };
        let error = match self.post(&webhook, &job).await {
            Ok(()) => {
                self.store.remove_webhook_job(job.id).await?;
                tracing::info!(subscription = %subscription_id, notification = %notification_id, attempts = job.attempts + 1, "webhook delivered");
                self.emit(WebhookEvent::Delivered {
                    job: job.id,
                    subscription_id,
                    notification_id,
                    failed_before: job.attempts,
                });
                return Ok(());
            }
            Err(error) => error,
        };
        let attempts = job.attempts.saturating_add(1);
        let now = Utc::now();
        let delay = self.retry.delay(attempts, 0.8 + 0.2 * rand::random::<f64>());
        let failed = WebhookJob {
            attempts,
            last_error: Some(error.clone()),
            next_attempt_at: now + chrono::TimeDelta::from_std(delay).unwrap_or(chrono::TimeDelta::MAX),
            ..job
        };
        if attempts >= self.retry.max_attempts {
            let id = failed.id;
            let dead = DeadLetter {
                job: failed,
                dead_at: now,
            };
            if self.store.bury_webhook_job(&dead).await? {
                tracing::warn!(subscription = %subscription_id, notification = %notification_id, attempts, error = %error, "webhook delivery failed for good; kept as dead letter {id}");
                self.emit(WebhookEvent::DeadLettered {
                    job: id,
                    subscription_id,
                    notification_id,
                    attempts,
                    error,
                });
            }
        } else if self.store.update_webhook_job(&failed).await? {
            tracing::warn!(subscription = %subscription_id, notification = %notification_id, attempts, error = %error, "webhook delivery failed; will retry");
            self.emit(WebhookEvent::Failed {
                job: failed.id,
                subscription_id,
                notification_id,
                attempts,
                error,
                next_attempt_at: failed.next_attempt_at,
            });
        }
        Ok(())
    }

    /// One signed POST; `Err` says why it did not count as delivered,
    /// without the address.
    async fn post(&self, webhook: &Webhook, job: &WebhookJob) -> Result<(), String> {
        let timestamp = Utc::now().timestamp();
        let response = self
            .client
            .post(&webhook.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(DELIVERY_HEADER, &job.notification_id)
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, signature(&webhook.secret, timestamp, &job.body))
            .body(job.body.clone())
            .send()
            .await
            .map_err(describe)?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the receiver answered {status}"))
        }
    }

    fn emit(&self, event: WebhookEvent) {
        if let Some(events) = &self.events {
            // A closed receiver only means nobody listens any more.
            let _ = events.send(event);
        }
    }
}

/// A request failure and its causes, without the URL.
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = if error.is_timeout() {
        format!("no answer within {} s", REQUEST_TIMEOUT.as_secs())
    } else {
        error.to_string()
    };
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The `X-Tocsin-Signature` value: `sha256=` and the hex HMAC-SHA256, keyed
/// with the secret, of `<timestamp>.<body>`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let mut context = ring::hmac::Context::with_key(&key);
    context.update(timestamp.to_string().as_bytes());
    context.update(b".");
    context.update(body);
    let tag = context.sign();
    format!("sha256={}", hex(tag.as_ref()))
}

/// What a receiver does: whether `header` (the `X-Tocsin-Signature` value)
/// signs `body` sent at `timestamp` (the `X-Tocsin-Timestamp` value) with
/// `secret`, compared in constant time. Receivers should also refuse old
/// timestamps.
pub fn verify_signature(secret: &str, timestamp: &str, body: &[u8], header: &str) -> bool {
    let Some(tag) = header.strip_prefix("sha256=").and_then(unhex) else {
        return false;
    };
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let mut message = Vec::with_capacity(timestamp.len() + 1 + body.len());
    message.extend_from_slice(timestamp.as_bytes());
    message.push(b'.');
    message.extend_from_slice(body);
    ring::hmac::verify(&key, &message, &tag).is_ok()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
#[path = "webhook_receiver.rs"]
mod receiver;
#[cfg(test)]
#[path = "webhook_tests.rs"]
mod tests;
