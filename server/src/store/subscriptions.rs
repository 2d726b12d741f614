//! Subscriptions and the webhook outbox: `subscriptions` (id → subscription),
//! `webhook_jobs` (job id big-endian → job, so a scan yields them in the
//! order they were queued), `webhook_enqueued` (subscription id\0notification
//! id → job id: a notification is queued once per subscription, ever) and
//! `webhook_dead` (job id → dead letter). Every write is durable before it
//! returns.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use crate::model::subscription::Subscription;
use crate::store::codec::{decode, encode};
use crate::store::{Store, StoreError};

const SUBSCRIPTIONS: &str = "subscriptions";
const JOBS: &str = "webhook_jobs";
const ENQUEUED: &str = "webhook_enqueued";
const DEAD: &str = "webhook_dead";
const META: &str = "meta";
const NEXT_JOB: &[u8] = b"webhook_next_job";

/// One notification waiting to be POSTed to one subscription's webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookJob {
    pub id: u64,
    pub subscription_id: String,
    pub notification_id: String,
    /// The JSON body, exactly as it will be signed and sent.
    #[serde(with = "crate::store::codec::base64_bytes")]
    pub body: Vec<u8>,
    /// Failed attempts so far.
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub enqueued_at: DateTime<Utc>,
}

/// A job that failed `max_attempts` times, kept until an admin replays it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The job as it was after its last attempt (`last_error` says why).
    pub job: WebhookJob,
    pub dead_at: DateTime<Utc>,
}

fn enqueued_key(subscription_id: &str, notification_id: &str) -> Vec<u8> {
    let mut key = subscription_id.as_bytes().to_vec();
    key.push(0);
    key.extend_from_slice(notification_id.as_bytes());
    key
}

fn u64_of(tree: &'static str, key: &[u8], bytes: &[u8]) -> Result<u64, StoreError> {
    <[u8; 8]>::try_from(bytes)
        .map(u64::from_be_bytes)
        .map_err(|_| StoreError::Corrupt {
            tree,
            key: String::from_utf8_lossy(key).into_owned(),
            reason: format!("expected 8 bytes, found {}", bytes.len()),
        })
}

fn abort(e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => StoreError::Io(e),
    }
}

impl Store {
    fn subscription_tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree(name)?)
    }

    pub async fn insert_subscription(&self, subscription: &Subscription) -> Result<(), StoreError> {
        let value = encode(SUBSCRIPTIONS, subscription)?;
        self.subscription_tree(SUBSCRIPTIONS)?
            .insert(subscription.id.as_bytes(), value)?;
        self.durable().await
    }

    pub fn subscription(&self, id: &str) -> Result<Option<Subscription>, StoreError> {
        self.subscription_tree(SUBSCRIPTIONS)?
            .get(id.as_bytes())?
            .map(|v| decode(SUBSCRIPTIONS, id.as_bytes(), &v))
            .transpose()
    }

    /// Every subscription, by id.
    pub fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        self.subscription_tree(SUBSCRIPTIONS)?
            .iter()
            .map(|entry| {
                let (key, value) = entry?;
                decode(SUBSCRIPTIONS, &key, &value)
            })
            .collect()
    }

    /// Removes a subscription with its queued jobs, dead letters and
    /// enqueue marks; `false` if there was none.
    pub async fn delete_subscription(&self, id: &str) -> Result<bool, StoreError> {
        let (subs, jobs, enqueued, dead) = (
            self.subscription_tree(SUBSCRIPTIONS)?,
            self.subscription_tree(JOBS)?,
            self.subscription_tree(ENQUEUED)?,
            self.subscription_tree(DEAD)?,
        );
        let job_keys = job_keys_of(&jobs, JOBS, id, |job: WebhookJob| job)?;
        let dead_keys = job_keys_of(&dead, DEAD, id, |dead: DeadLetter| dead.job)?;
        let mut prefix = id.as_bytes().to_vec();
        prefix.push(0);
        let marks = enqueued
            .scan_prefix(&prefix)
            .keys()
            .collect::<Result<Vec<_>, _>>()?;
        let existed = (&subs, &jobs, &enqueued, &dead)
            .transaction(|(subs, jobs, enqueued, dead)| {
                let existed = subs.remove(id.as_bytes())?.is_some();
                for key in &job_keys {
                    jobs.remove(key.as_slice())?;
                }
                for key in &dead_keys {
                    dead.remove(key.as_slice())?;
                }
                for key in &marks {
                    enqueued.remove(key)?;
                }
                Ok::<_, ConflictableTransactionError<StoreError>>(existed)
            })
            .map_err(abort)?;
        self.durable().await?;
        Ok(existed)
    }

    /// Queues `body` for the subscription unless this notification was
    /// queued for it before (delivered, waiting or dead): the job, or
    /// `None` for a repeat.
    pub async fn enqueue_webhook(
        &self,
        subscription_id: &str,
        notification_id: &str,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Option<WebhookJob>, StoreError> {
        let (jobs, enqueued, meta) = (
            self.subscription_tree(JOBS)?,
            self.subscription_tree(ENQUEUED)?,
            self.subscription_tree(META)?,
        );
        let mark = enqueued_key(subscription_id, notification_id);
        let job = (&jobs, &enqueued, &meta)
            .transaction(|(jobs, enqueued, meta)| {
                if enqueued.get(&mark)?.is_some() {
                    return Ok(None);
                }
                let id = match meta.get(NEXT_JOB)? {
                    Some(bytes) => {
                        u64_of(META, NEXT_JOB, &bytes).map_err(ConflictableTransactionError::Abort)?
                    }
                    None => 1,
                };
                let job = WebhookJob {
                    id,
                    subscription_id: subscription_id.to_owned(),
                    notification_id: notification_id.to_owned(),
                    body: body.to_vec(),
                    attempts: 0,
                    next_attempt_at: now,
                    last_error: None,
                    enqueued_at: now,
                };
                let value = encode(JOBS, &job).map_err(ConflictableTransactionError::Abort)?;
                jobs.insert(&id.to_be_bytes(), value)?;
                enqueued.insert(mark.as_slice(), &id.to_be_bytes())?;
                meta.insert(NEXT_JOB, &(id + 1).to_be_bytes())?;
                Ok(Some(job))
            })
            .map_err(abort)?;
        if job.is_some() {
            self.durable().await?;
        }
        Ok(job)
    }

    /// Every queued job, in the order queued.
    pub fn webhook_jobs(&self) -> Result<Vec<WebhookJob>, StoreError> {
        self.subscription_tree(JOBS)?
            .iter()
            .map(|entry| {
                let (key, value) = entry?;
                decode(JOBS, &key, &value)
            })
            .collect()
    }

    /// Replaces a queued job (after a failed attempt); `false` if it is no
    /// longer queued.
    pub async fn update_webhook_job(&self, job: &WebhookJob) -> Result<bool, StoreError> {
        let value = encode(JOBS, job)?;
        let key = job.id.to_be_bytes();
        let swapped = self
            .subscription_tree(JOBS)?
            .fetch_and_update(key, |old| old.map(|_| value.clone()))?
            .is_some();
        self.durable().await?;
        Ok(swapped)
    }

    /// Removes a delivered (or abandoned) job.
    pub async fn remove_webhook_job(&self, id: u64) -> Result<(), StoreError> {
        self.subscription_tree(JOBS)?.remove(id.to_be_bytes())?;
        self.durable().await
    }

    /// Moves a job to the dead letters, in one transaction; `false` (and
    /// nothing written) if it is no longer queued.
    pub async fn bury_webhook_job(&self, dead: &DeadLetter) -> Result<bool, StoreError> {
        let value = encode(DEAD, dead)?;
        let key = dead.job.id.to_be_bytes();
        let (jobs, letters) = (self.subscription_tree(JOBS)?, self.subscription_tree(DEAD)?);
        let buried = (&jobs, &letters)
            .transaction(|(jobs, letters)| {
                if jobs.remove(&key)?.is_none() {
                    return Ok(false);
                }
                letters.insert(&key, value.as_slice())?;
                Ok::<_, ConflictableTransactionError<StoreError>>(true)
            })
            .map_err(abort)?;
        self.durable().await?;
        Ok(buried)
    }

    /// Every dead letter, oldest job first.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>, StoreError> {
        self.subscription_tree(DEAD)?
            .iter()
            .map(|entry| {
                let (key, value) = entry?;
                decode(DEAD, &key, &value)
            })
            .collect()
    }

    /// Moves dead letter `id` back to the queue under the same job id, with
    /// no attempts and due `now`; the job, or `None` if there is no such
    /// dead letter.
    pub async fn replay_dead_letter(
        &self,
        id: u64,
        now: DateTime<Utc>,
    ) -> Result<Option<WebhookJob>, StoreError> {
        let key = id.to_be_bytes();
        let (jobs, letters) = (self.subscription_tree(JOBS)?, self.subscription_tree(DEAD)?);
        let job = (&jobs, &letters)
            .transaction(|(jobs, letters)| {
                let Some(bytes) = letters.remove(&key)? else {
                    return Ok(None);
                };
                let dead: DeadLetter =
                    decode(DEAD, &key, &bytes).map_err(ConflictableTransactionError::Abort)?;
                let job = WebhookJob {
                    attempts: 0,
                    next_attempt_at: now,
                    ..dead.job
                };
                let value = encode(JOBS, &job).map_err(ConflictableTransactionError::Abort)?;
                jobs.insert(&key, value)?;
                Ok(Some(job))
            })
            .map_err(abort)?;
        if job.is_some() {
            self.durable().await?;
        }
        Ok(job)
    }
}

/// Keys of the records in `tree` whose job belongs to `subscription_id`.
fn job_keys_of<T: serde::de::DeserializeOwned>(
    tree: &sled::Tree,
    name: &'static str,
    subscription_id: &str,
    job: impl Fn(T) -> WebhookJob,
) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut keys = Vec::new();
    for entry in tree.iter() {
        let (key, value) = entry?;
        if job(decode(name, &key, &value)?).subscription_id == subscription_id {
            keys.push(key.to_vec());
        }
    }
    Ok(keys)
}

#[cfg(test)]
#[path = "subscriptions_tests.rs"]
mod tests;
