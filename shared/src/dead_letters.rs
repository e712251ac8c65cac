//! The cleanup's dead-letter step: ends the documents whose job reached the
//! dead-letter queue (`QUEUE.dead` on RabbitMQ, the redrive target on SQS) before a
//! worker finished it, so that no document stays `queued` or `processing` for good.
//!
//! Each message is removed from the dead-letter queue once its document is settled.
//! Two runs at once never take the same message: RabbitMQ hands a message to one
//! channel until it is acknowledged, and SQS hides a received message for the queue's
//! visibility timeout. A message taken by a run that dies comes back, and settling it
//! again changes nothing.

use std::time::Duration;

use anyhow::Context;
use aws_sdk_sqs::types::MessageSystemAttributeName;
use lapin::options::{BasicAckOptions, BasicGetOptions, BasicNackOptions};
use sqlx::PgPool;
use uuid::Uuid;

use crate::config::{JobQueueSettings, QueueSettings};
use crate::queue::rabbitmq::{connect, dead_letter_names, declare_queue};
use crate::queue::sqs::{SqsQueue, MAX_BATCH};
use crate::queue::Job;
use crate::webhooks::Webhooks;

/// The error a document gets when its job was dead-lettered before it finished.
pub const DEAD_LETTER_REASON: &str = "The job reached the delivery limit without finishing. Submit the document again.";

/// How much later than a dead-lettered message the document may have been published
/// and still count as published by that message. A submission records `published_at`
/// after the broker's confirm (at most 5 s later), and the RabbitMQ timestamp has
/// whole seconds. A newer publish (the cleanup re-queueing a stuck job) comes at
/// least one job lease (30 s or more) after the claim of the earlier one.
const SAME_PUBLISH_SLACK: Duration = Duration::from_secs(15);

/// How long an SQS receive waits for a first message. A short poll may miss messages
/// that exist, so the step long-polls briefly and stops at the first empty receive.
const SQS_RECEIVE_WAIT: Duration = Duration::from_secs(1);

/// The dead-letter queue of the job queue.
#[derive(Clone)]
pub enum DeadLetterQueue {
    /// `QUEUE.dead` of the RabbitMQ job queue.
    RabbitMq(QueueSettings),
    /// The SQS queue that the job queue's redrive policy names.
    Sqs(SqsQueue),
}

impl DeadLetterQueue {
    /// Returns the dead-letter queue of the configured job queue, or `None` for SQS
    /// without `SQS_DEAD_LETTER_QUEUE_URL`.
    pub fn from_settings(settings: &JobQueueSettings) -> Option<Self> {
        match settings {
            JobQueueSettings::RabbitMq(settings) => Some(Self::RabbitMq(settings.clone())),
            JobQueueSettings::Sqs(settings) => {
                let url = settings.dead_letter_queue_url.as_ref()?;
                Some(Self::Sqs(SqsQueue::with_client(crate::queue::sqs::client(settings), url.clone())))
            }
        }
    }
}

/// The counts of one pass over the dead-letter queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeadLetterReport {
    /// Documents marked `failed` because their job was dead-lettered.
    pub jobs_failed: u64,
    /// Messages removed from the dead-letter queue: the jobs above, jobs whose
    /// document was finished, deleted, running or published again, and messages that
    /// are not jobs.
    pub removed: u64,
}

/// The outcome of settling one dead-lettered message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settlement {
    /// The document was waiting for this job and is now `failed`.
    Failed,
    /// The document is finished, deleted, held by a worker whose lease runs, or was
    /// published again after this message, so it is left as it is.
    LeftAlone,
    /// The message is not a job.
    NotAJob,
}

/// Reads the dead-letter queue and settles each job message.
#[derive(Clone)]
pub struct DeadLetters {
    pool: PgPool,
    queue: DeadLetterQueue,
    webhooks: Option<Webhooks>,
}

impl DeadLetters {
    /// Settles documents in the database of `pool`. With `webhooks`, a document that
    /// becomes `failed` gets its webhook at once. Without them, the next retry of due
    /// webhooks sends it.
    pub fn new(pool: PgPool, queue: DeadLetterQueue, webhooks: Option<Webhooks>) -> Self {
        Self { pool, queue, webhooks }
    }

    /// Takes up to `max_messages` messages from the dead-letter queue, settles each
    /// and removes it. A job message marks its document `failed` with
    /// [`DEAD_LETTER_REASON`] unless the document is finished, deleted, held by a
    /// worker whose lease runs, or was published again after the message. A message
    /// that is not a job is logged without its content and removed.
    ///
    /// # Errors
    /// Returns an error when the queue or the database cannot be reached. The message
    /// in hand then stays on the queue for the next run, and the messages settled
    /// before stay settled.
    pub async fn drain(&self, max_messages: u64) -> anyhow::Result<DeadLetterReport> {
        match &self.queue {
            DeadLetterQueue::RabbitMq(settings) => self.drain_rabbitmq(settings, max_messages).await,
            DeadLetterQueue::Sqs(queue) => self.drain_sqs(queue, max_messages).await,
        }
    }

    async fn drain_rabbitmq(&self, settings: &QueueSettings, max_messages: u64) -> anyhow::Result<DeadLetterReport> {
        let connection = connect(settings).await?;
        let result = async {
            let channel = connection.create_channel().await.context("failed to open RabbitMQ channel")?;
            // Declaring is idempotent, and a dead-letter queue that does not exist yet
            // then reads as empty.
            declare_queue(&channel, settings).await?;
            let (_, dead_queue) = dead_letter_names(&settings.queue);

            let mut report = DeadLetterReport::default();
            while report.removed < max_messages {
                let message = channel
                    .basic_get(dead_queue.as_str().into(), BasicGetOptions { no_ack: false })
                    .await
                    .with_context(|| format!("failed to read {dead_queue}"))?;
                let Some(message) = message else { break };
                let delivery = message.delivery;
                let message_id = format!("{dead_queue}#{}", delivery.delivery_tag);
                let sent_at = (*delivery.properties.timestamp()).map(|seconds| seconds as f64);

                let settled = match self.settle(&delivery.data, sent_at, &message_id).await {
                    Ok(settled) => settled,
                    Err(error) => {
                        // Put it back for the next run; the connection closes below anyway.
                        let _ = delivery.nack(BasicNackOptions { requeue: true, ..Default::default() }).await;
                        return Err(error);
                    }
                };
                delivery
                    .ack(BasicAckOptions::default())
                    .await
                    .with_context(|| format!("failed to acknowledge {message_id}"))?;
                report.count(settled);
            }
            Ok::<_, anyhow::Error>(report)
        }
        .await;
        let _ = connection.close(200, "dead-letter step finished".into()).await;
        result
    }

    async fn drain_sqs(&self, queue: &SqsQueue, max_messages: u64) -> anyhow::Result<DeadLetterReport> {
        let mut report = DeadLetterReport::default();
        while report.removed < max_messages {
            let batch = i32::try_from(max_messages - report.removed).unwrap_or(MAX_BATCH).min(MAX_BATCH);
            let messages = queue.receive(batch, SQS_RECEIVE_WAIT).await?;
            if messages.is_empty() {
                break;
            }
            for message in messages {
                let message_id = message.message_id().unwrap_or("unknown").to_owned();
                let sent_at = message
                    .attributes()
                    .and_then(|attributes| attributes.get(&MessageSystemAttributeName::SentTimestamp))
                    .and_then(|millis| millis.parse::<f64>().ok())
                    .map(|millis| millis / 1000.0);
                let body = message.body().unwrap_or_default().as_bytes();

                // An error leaves the message hidden until its visibility timeout ends,
                // and then the next run takes it again.
                let settled = self.settle(body, sent_at, &message_id).await?;
                let receipt_handle = message.receipt_handle().context("SQS message has no receipt handle")?;
                queue.delete(receipt_handle).await?;
                report.count(settled);
            }
        }
        Ok(report)
    }

    /// Settles one message; `sent_at` is when it was first published, in Unix seconds.
    async fn settle(&self, body: &[u8], sent_at: Option<f64>, message_id: &str) -> anyhow::Result<Settlement> {
        let Ok(job) = Job::from_bytes(body) else {
            tracing::warn!(message_id, bytes = body.len(), "removing a dead-lettered message that is not a job");
            return Ok(Settlement::NotAJob);
        };
        let doc_id = job.doc_id;

        if !self.mark_failed(doc_id, sent_at).await? {
            tracing::info!(%doc_id, message_id, "dead-lettered job removed; its document is finished, deleted, running or published again");
            return Ok(Settlement::LeftAlone);
        }
        tracing::warn!(%doc_id, message_id, reason = DEAD_LETTER_REASON, "dead-lettered job failed");
        if let Some(webhooks) = &self.webhooks {
            webhooks.deliver(doc_id).await;
        }
        Ok(Settlement::Failed)
    }

    /// Marks the document `failed` if it still waits for this job. A worker that
    /// finished first wins, a worker whose lease runs is left to finish, and a
    /// document published again after the message waits for that newer job.
    async fn mark_failed(&self, doc_id: Uuid, sent_at: Option<f64>) -> anyhow::Result<bool> {
        let updated = sqlx::query(
            "UPDATE documents SET status = 'failed', error = $2, finished_at = now(), updated_at = now(), \
             lease_expires_at = NULL \
             WHERE doc_id = $1 \
               AND (status = 'queued' OR (status = 'processing' AND lease_expires_at <= now())) \
               AND ($3::float8 IS NULL OR published_at IS NULL \
                    OR published_at <= to_timestamp($3) + make_interval(secs => $4))",
        )
        .bind(doc_id)
        .bind(DEAD_LETTER_REASON)
        .bind(sent_at)
        .bind(SAME_PUBLISH_SLACK.as_secs_f64())
        .execute(&self.pool)
        .await
        .context("failed to mark dead-lettered job failed")?
        .rows_affected();
        Ok(updated == 1)
    }
}

impl DeadLetterReport {
    fn count(&mut self, settled: Settlement) {
        self.removed += 1;
        if settled == Settlement::Failed {
            self.jobs_failed += 1;
        }
    }
}
