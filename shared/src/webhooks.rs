//! Webhooks: a signed `POST` to the callback URL of a document when its summary is
//! done or has failed, in the manner of the Standard Webhooks specification
//! (<https://www.standardwebhooks.com/>).
//!
//! Delivery is at least once. Each document has one stable `webhook-id`, so receivers
//! can drop repeats. A failed attempt is retried with exponential backoff until
//! [`RetryPolicy::max_attempts`], and a webhook failure never fails the job.

pub mod target;

use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use futures_util::StreamExt as _;
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sha2::Sha256;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::config::WebhookSettings;
use crate::store::webhooks::{ClaimedDelivery, WebhookStore};
use target::{CallbackUrl, TargetError};

/// The prefix of a webhook secret; the rest is the base64 of the key.
pub const SECRET_PREFIX: &str = "whsec_";

/// How many deliveries [`Webhooks::deliver_due`] sends at once.
const CONCURRENT_DELIVERIES: usize = 8;

/// When and how often a delivery is attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt; each later wait is `multiplier` times
    /// longer, up to `max_delay`.
    pub first_delay: Duration,
    pub multiplier: u32,
    pub max_delay: Duration,
    /// Attempts in all, the first included; after the last one the delivery is given up.
    pub max_attempts: i32,
    /// The time one attempt may take, DNS lookup included.
    pub timeout: Duration,
    /// How long a claimed delivery is held before another worker may claim it again.
    /// [`Webhooks::deliver_due`] sends no more than it can finish in half of it.
    pub lease: Duration,
}

impl Default for RetryPolicy {
    /// 8 attempts, waiting 10 s, 30 s, 90 s, 270 s, 810 s, 2430 s and 3600 s between
    /// them (about 2 hours in all), 5 s per attempt.
    fn default() -> Self {
        Self {
            first_delay: Duration::from_secs(10),
            multiplier: 3,
            max_delay: Duration::from_secs(3600),
            max_attempts: 8,
            timeout: Duration::from_secs(5),
            lease: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// Returns the wait after failed attempt number `attempt` (from 1), or `None` when
    /// it was the last.
    pub fn retry_delay(&self, attempt: i32) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let exponent = u32::try_from(attempt.max(1) - 1).unwrap_or(0);
        let factor = self.multiplier.checked_pow(exponent).unwrap_or(u32::MAX);
        Some(self.first_delay.checked_mul(factor).unwrap_or(self.max_delay).min(self.max_delay))
    }
}

/// Generates a webhook secret: [`SECRET_PREFIX`] and the base64 of 32 random bytes
/// from the operating system's random source.
pub fn generate_secret() -> SecretString {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key)).into()
}

/// Signs a payload as the `webhook-signature` header carries it:
/// `v1,` and the base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed with
/// the decoded secret.
///
/// # Errors
/// Returns an error when the secret is not [`SECRET_PREFIX`] and base64.
pub fn sign(secret: &SecretString, webhook_id: &str, timestamp: i64, body: &str) -> anyhow::Result<String> {
    let encoded = secret.expose_secret().strip_prefix(SECRET_PREFIX).unwrap_or(secret.expose_secret());
    let key = STANDARD.decode(encoded).map_err(|_| anyhow::anyhow!("webhook secret is not valid base64"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| anyhow::anyhow!("webhook secret is empty"))?;
    mac.update(format!("{webhook_id}.{timestamp}.{body}").as_bytes());
    Ok(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// Returns the `webhook-id` of a document's callback, the same on every attempt.
pub fn webhook_id(doc_id: Uuid) -> String {
    format!("msg_{doc_id}")
}

/// The JSON body of a webhook. It never contains the text or the summary.
#[derive(Debug, Serialize)]
pub struct Payload<'a> {
    /// `summary.done` or `summary.failed`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// When the document finished, in RFC 3339.
    #[serde(with = "time::serde::rfc3339")]
    pub timestamp: OffsetDateTime,
    pub data: PayloadData<'a>,
}

/// The document a webhook is about.
#[derive(Debug, Serialize)]
pub struct PayloadData<'a> {
    pub doc_id: Uuid,
    /// `done` or `failed`.
    pub status: &'a str,
    /// The failure reason, or `null`.
    pub error: Option<&'a str>,
}

impl<'a> Payload<'a> {
    fn of(delivery: &'a ClaimedDelivery) -> Self {
        let kind = if delivery.status == "done" { "summary.done" } else { "summary.failed" };
        Self {
            kind,
            timestamp: delivery.finished_at.unwrap_or_else(OffsetDateTime::now_utc),
            data: PayloadData { doc_id: delivery.doc_id, status: &delivery.status, error: delivery.error.as_deref() },
        }
    }
}

/// Why an attempt failed, as stored in `last_error` and logged: a status or an error
/// kind, never a response body or the URL.
#[derive(Debug, thiserror::Error)]
enum AttemptError {
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error("timed out after {0:?}")]
    TimedOut(Duration),
    #[error("connection failed")]
    Connect,
    #[error("HTTP {0}")]
    Status(u16),
    #[error("request failed")]
    Request,
    #[error("internal error: {0}")]
    Internal(String),
}

/// Sends webhooks and records their deliveries. Cheap to clone.
#[derive(Clone)]
pub struct Webhooks {
    store: WebhookStore,
    settings: WebhookSettings,
    policy: RetryPolicy,
}

impl Webhooks {
    /// Builds the sender with the default [`RetryPolicy`].
    pub fn new(pool: sqlx::PgPool, settings: WebhookSettings) -> Self {
        Self { store: WebhookStore::new(pool), settings, policy: RetryPolicy::default() }
    }

    /// Replaces the retry policy, e.g. with short waits in tests.
    #[must_use]
    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Returns the delivery rows.
    pub fn store(&self) -> &WebhookStore {
        &self.store
    }

    /// Returns the settings, e.g. for checking callback URLs at submission.
    pub fn settings(&self) -> WebhookSettings {
        self.settings
    }

    /// Stores the callback of a new document and returns its new secret, which the
    /// submitter receives once.
    ///
    /// # Errors
    /// Returns an error when the insert fails.
    pub async fn register(&self, doc_id: Uuid, url: &CallbackUrl) -> anyhow::Result<SecretString> {
        let secret = generate_secret();
        self.store.insert(doc_id, url.as_str(), secret.expose_secret()).await?;
        tracing::info!(%doc_id, host = url.host(), "webhook registered");
        Ok(secret)
    }

    /// Sends the webhook of a document that has just finished, if it has one that is
    /// due. Errors are logged, never returned: the delivery stays due, and
    /// [`Self::deliver_due`] retries it.
    pub async fn deliver(&self, doc_id: Uuid) {
        match self.store.claim(doc_id, self.policy.lease).await {
            Ok(Some(delivery)) => self.attempt(delivery).await,
            Ok(None) => {}
            Err(error) => {
                tracing::error!(%doc_id, error.message = %error, error.cause_chain = ?error, "failed to claim webhook delivery");
            }
        }
    }

    /// Sends at most `limit` due webhooks, up to 8 at once, and returns how many were
    /// attempted. Two concurrent calls never send the same delivery. `limit` is capped
    /// so that the batch ends within half the lease (96 with the default policy).
    ///
    /// # Errors
    /// Returns an error when the due deliveries cannot be claimed.
    pub async fn deliver_due(&self, limit: i64) -> anyhow::Result<usize> {
        let waves = (self.policy.lease.as_secs_f64() / 2.0 / self.policy.timeout.as_secs_f64()).floor().max(1.0);
        let limit = limit.min(waves as i64 * CONCURRENT_DELIVERIES as i64);
        let claimed = self.store.claim_due(limit, self.policy.lease).await?;
        let count = claimed.len();
        futures_util::stream::iter(claimed)
            .for_each_concurrent(CONCURRENT_DELIVERIES, |delivery| self.attempt(delivery))
            .await;
        Ok(count)
    }

    /// Calls [`Self::deliver_due`] every `period` until the task is dropped, logging
    /// failures. For a long-running worker.
    pub async fn retry_forever(&self, period: Duration, limit: i64) {
        let mut interval = tokio::time::interval(period);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if let Err(error) = self.deliver_due(limit).await {
                tracing::error!(error.message = %error, error.cause_chain = ?error, "failed to send due webhooks");
            }
        }
    }

    /// Makes one attempt and records its outcome.
    async fn attempt(&self, delivery: ClaimedDelivery) {
        let doc_id = delivery.doc_id;
        let attempt = delivery.attempt;
        let outcome = match tokio::time::timeout(self.policy.timeout, self.send(&delivery)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(AttemptError::TimedOut(self.policy.timeout)),
        };

        let recorded = match outcome {
            Ok(status) => {
                tracing::info!(%doc_id, attempt, status, "webhook delivered");
                self.store.mark_delivered(doc_id).await
            }
            Err(error) => {
                let retry_in = self.policy.retry_delay(attempt);
                match retry_in {
                    Some(delay) => {
                        tracing::warn!(%doc_id, attempt, error = %error, retry_in_s = delay.as_secs_f64(), "webhook attempt failed; will retry")
                    }
                    None => tracing::error!(%doc_id, attempt, error = %error, "webhook attempt failed; giving up"),
                }
                self.store.mark_failed(doc_id, attempt, &error.to_string(), retry_in).await
            }
        };
        if let Err(error) = recorded {
            tracing::error!(%doc_id, attempt, error.message = %error, error.cause_chain = ?error, "failed to record webhook attempt");
        }
    }

    /// Resolves and checks the target, then posts the signed payload to the checked
    /// addresses only. Returns the status of a 2xx response.
    async fn send(&self, delivery: &ClaimedDelivery) -> Result<u16, AttemptError> {
        let allow_loopback = self.settings.allow_loopback;
        let target = target::resolve(&delivery.url, allow_loopback).await?;

        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .https_only(!allow_loopback)
            .timeout(self.policy.timeout)
            .user_agent(concat!("docsum-webhooks/", env!("CARGO_PKG_VERSION")));
        if let Some(domain) = &target.domain {
            builder = builder.resolve_to_addrs(domain, &target.addresses);
        }
        let client = builder.build().map_err(|error| AttemptError::Internal(error.without_url().to_string()))?;

        let body =
            serde_json::to_string(&Payload::of(delivery)).map_err(|error| AttemptError::Internal(error.to_string()))?;
        let id = webhook_id(delivery.doc_id);
        let timestamp = OffsetDateTime::now_utc().unix_timestamp();
        let signature =
            sign(&delivery.secret, &id, timestamp, &body).map_err(|error| AttemptError::Internal(error.to_string()))?;

        let response = client
            .post(target.url)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|error| {
                if error.is_timeout() {
                    AttemptError::TimedOut(self.policy.timeout)
                } else if error.is_connect() {
                    AttemptError::Connect
                } else {
                    tracing::debug!(doc_id = %delivery.doc_id, error = %error.without_url(), "webhook request failed");
                    AttemptError::Request
                }
            })?;
        let status = response.status();
        if status.is_success() {
            Ok(status.as_u16())
        } else {
            Err(AttemptError::Status(status.as_u16()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_grow_threefold_up_to_an_hour() {
        let policy = RetryPolicy::default();
        let delays: Vec<u64> = (1..8).map(|attempt| policy.retry_delay(attempt).unwrap().as_secs()).collect();
        assert_eq!(delays, vec![10, 30, 90, 270, 810, 2430, 3600]);
        assert_eq!(policy.retry_delay(8), None);
    }

    #[test]
    fn default_lease_outlasts_a_full_batch() {
        let policy = RetryPolicy::default();
        let waves = 96 / CONCURRENT_DELIVERIES as u32;
        assert!(policy.timeout * waves <= policy.lease / 2);
    }

    #[test]
    fn secret_is_prefixed_base64_of_32_bytes() {
        let secret = generate_secret();
        let encoded = secret.expose_secret().strip_prefix(SECRET_PREFIX).expect("prefix");
        assert_eq!(STANDARD.decode(encoded).unwrap().len(), 32);
        assert_ne!(generate_secret().expose_secret(), secret.expose_secret());
    }

    #[test]
    fn signature_matches_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification and its reference
        // libraries: this secret, id, timestamp and body give this signature.
        let secret: SecretString = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned().into();
        let body = r#"{"test": 2432232314}"#;
        let signature = sign(&secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}
