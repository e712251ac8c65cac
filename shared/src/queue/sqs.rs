//! The SQS queue adapter (aws-sdk-sqs): publishes jobs, and outside Lambda consumes
//! them the way Lambda's SQS event source does.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use aws_sdk_sqs::config::timeout::TimeoutConfig;
use aws_sdk_sqs::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use secrecy::ExposeSecret;

use super::{Job, JobQueue};
use crate::config::SqsSettings;
use crate::worker::{handle_sqs_event, WorkerState};

/// The maximum number of messages one receive call returns, which SQS caps at 10.
pub const MAX_BATCH: i32 = 10;

/// Builds an SQS client for the settings: the region and credentials they name, the
/// endpoint they name (or the region's AWS endpoint), rustls with the ring provider,
/// and timeouts well under a function's timeout.
pub fn client(settings: &SqsSettings) -> aws_sdk_sqs::Client {
    let credentials = Credentials::new(
        settings.access_key_id.clone(),
        settings.secret_access_key.expose_secret().to_owned(),
        settings.session_token.as_ref().map(|token| token.expose_secret().to_owned()),
        None,
        "environment",
    );
    let http_client =
        aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https();
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(5))
        .operation_timeout(Duration::from_secs(10))
        .build();
    let mut config = aws_sdk_sqs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(settings.region.clone()))
        .credentials_provider(credentials)
        .http_client(http_client)
        .timeout_config(timeouts);
    if let Some(endpoint) = &settings.endpoint_url {
        config = config.endpoint_url(endpoint);
    }
    aws_sdk_sqs::Client::from_conf(config.build())
}

/// Jobs on one SQS queue.
#[derive(Clone)]
pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsQueue {
    /// Creates the adapter; it connects on first use.
    pub fn new(settings: &SqsSettings) -> Self {
        Self { client: client(settings), queue_url: settings.queue_url.clone() }
    }

    /// Wraps an existing client, for a queue URL of its endpoint.
    pub fn with_client(client: aws_sdk_sqs::Client, queue_url: impl Into<String>) -> Self {
        Self { client, queue_url: queue_url.into() }
    }

    /// Returns the queue URL.
    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    /// Receives up to `max` messages, waiting up to `wait` for the first (long polling).
    /// Each message stays invisible to other consumers for the queue's visibility
    /// timeout unless it is deleted or released.
    ///
    /// # Errors
    /// Returns an error when the request fails.
    pub async fn receive(&self, max: i32, wait: Duration) -> anyhow::Result<Vec<Message>> {
        let output = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(max.clamp(1, MAX_BATCH))
            .wait_time_seconds(i32::try_from(wait.as_secs()).unwrap_or(20).min(20))
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .customize()
            .config_override(
                aws_sdk_sqs::config::Config::builder().timeout_config(
                    // A long poll keeps the request open for up to `wait`.
                    TimeoutConfig::builder()
                        .operation_attempt_timeout(wait + Duration::from_secs(5))
                        .operation_timeout(wait + Duration::from_secs(10))
                        .build(),
                ),
            )
            .send()
            .await
            .context("failed to receive SQS messages")?;
        Ok(output.messages.unwrap_or_default())
    }

    /// Deletes a received message, so no consumer receives it again.
    ///
    /// # Errors
    /// Returns an error when the request fails.
    pub async fn delete(&self, receipt_handle: &str) -> anyhow::Result<()> {
        self.client
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt_handle)
            .send()
            .await
            .context("failed to delete SQS message")?;
        Ok(())
    }

    /// Sets how long a received message stays invisible from now; zero makes it
    /// visible again at once.
    ///
    /// # Errors
    /// Returns an error when the request fails.
    pub async fn set_visibility(&self, receipt_handle: &str, timeout: Duration) -> anyhow::Result<()> {
        self.client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(i32::try_from(timeout.as_secs()).unwrap_or(i32::MAX))
            .send()
            .await
            .context("failed to change SQS message visibility")?;
        Ok(())
    }

    /// Receives one batch, hands it to [`handle_sqs_event`] as Lambda would, and
    /// deletes the records it did not report as failed. Failed records stay on the
    /// queue and come back after the visibility timeout, until the queue's redrive
    /// policy moves them to the dead-letter queue. Returns the number of records
    /// received and failed.
    ///
    /// # Errors
    /// Returns an error when receiving or deleting fails.
    pub async fn poll_once(&self, state: &WorkerState, wait: Duration) -> anyhow::Result<PollOutcome> {
        let messages = self.receive(MAX_BATCH, wait).await?;
        if messages.is_empty() {
            return Ok(PollOutcome::default());
        }

        let mut event = SqsEvent::default();
        event.records = messages.iter().map(to_event_record).collect();
        let response = handle_sqs_event(state, event).await;

        let failed: std::collections::HashSet<&str> =
            response.batch_item_failures.iter().map(|failure| failure.item_identifier.as_str()).collect();
        let entries: Vec<DeleteMessageBatchRequestEntry> = messages
            .iter()
            .filter(|message| !failed.contains(message.message_id().unwrap_or_default()))
            .filter_map(|message| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(message.message_id().unwrap_or_default())
                    .receipt_handle(message.receipt_handle()?)
                    .build()
                    .ok()
            })
            .collect();
        if !entries.is_empty() {
            let output = self
                .client
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .context("failed to delete processed SQS messages")?;
            for failure in output.failed() {
                // The message comes back after the visibility timeout; claim skips it.
                tracing::warn!(
                    message_id = failure.id(),
                    code = failure.code(),
                    "failed to delete processed SQS message"
                );
            }
        }
        Ok(PollOutcome { received: messages.len(), failed: failed.len() })
    }
}

/// The counts of one [`SqsQueue::poll_once`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollOutcome {
    /// Records received.
    pub received: usize,
    /// Records left on the queue for another try.
    pub failed: usize,
}

/// Converts a received message into the record that Lambda's SQS event carries.
fn to_event_record(message: &Message) -> SqsMessage {
    let mut record = SqsMessage::default();
    record.message_id = message.message_id().map(str::to_owned);
    record.receipt_handle = message.receipt_handle().map(str::to_owned);
    record.body = message.body().map(str::to_owned);
    record.md5_of_body = message.md5_of_body().map(str::to_owned);
    record.event_source = Some("aws:sqs".to_owned());
    let attributes: HashMap<String, String> = message
        .attributes()
        .map(|attributes| attributes.iter().map(|(name, value)| (name.as_str().to_owned(), value.clone())).collect())
        .unwrap_or_default();
    record.attributes = attributes;
    record
}

#[async_trait::async_trait]
impl JobQueue for SqsQueue {
    async fn publish(&self, job: Job) -> anyhow::Result<()> {
        let body = String::from_utf8(job.to_bytes()).expect("JSON is UTF-8");
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body)
            .send()
            .await
            .context("failed to send job to SQS")?;
        Ok(())
    }
}

/// Consumes jobs from SQS until `shutdown` completes, as Lambda's event source would:
/// the local worker's loop when `JOB_QUEUE_KIND` is `sqs`. A failed receive is logged
/// and retried after a pause.
pub async fn consume_sqs(queue: &SqsQueue, state: &WorkerState, shutdown: impl std::future::Future<Output = ()>) {
    tracing::info!(queue_url = queue.queue_url(), "worker consuming SQS");
    tokio::pin!(shutdown);
    loop {
        let polled = tokio::select! {
            () = &mut shutdown => break,
            polled = queue.poll_once(state, Duration::from_secs(20)) => polled,
        };
        if let Err(error) = polled {
            tracing::error!(error.message = %error, error.cause_chain = ?error, "SQS poll failed; retrying in 5 s");
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
        }
    }
    tracing::info!("worker stopping");
}
