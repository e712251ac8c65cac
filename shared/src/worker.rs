//! Summary jobs: the processing every queue adapter calls, and the local RabbitMQ
//! consumer.

use std::time::Duration;

use anyhow::Context;
use futures_util::StreamExt as _;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::FieldTable;
use tracing::Instrument as _;
use uuid::Uuid;

use crate::config::QueueSettings;
use crate::queue::rabbitmq::{connect, declare_queue};
use crate::queue::Job;
use crate::store::documents::DocumentStore;
use crate::store::texts::{StoredKeyPhrase, StoredSummary, SummarySentence, TextStore};
use crate::webhooks::Webhooks;

/// The worker's stores, built once per execution environment.
#[derive(Clone)]
pub struct WorkerState {
    pub documents: DocumentStore,
    pub texts: TextStore,
    pub webhooks: Webhooks,
}

/// The end state of a job. Every variant means the message may be acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// The summary is stored and the document is `done`.
    Done { sentences: usize },
    /// The job cannot succeed; the document is `failed` with this reason.
    Failed { reason: String },
    /// Nothing to do: the document is unknown, deleted or already finished.
    Skipped,
}

/// Processes one job: claims the document, summarizes its text on a blocking thread,
/// stores the summary and marks the document `done`, or `failed` with a reason. Then
/// it sends the document's webhook, if any; a webhook failure never fails the job.
///
/// # Errors
/// Returns an error for a transient failure (a store unreachable); the message must
/// then stay on the queue for another try.
pub async fn process_job(state: &WorkerState, job: Job) -> anyhow::Result<JobOutcome> {
    let doc_id = job.doc_id;
    let Some(claimed) = state.documents.claim(doc_id).await? else {
        tracing::info!(%doc_id, "job skipped: document unknown or finished");
        return Ok(JobOutcome::Skipped);
    };

    let Some(stored) = state.texts.find(doc_id).await? else {
        return fail(state, doc_id, "The document text is missing.").await;
    };
    let options = claimed.options.to_summarizer();
    let text = stored.text;
    let summary =
        tokio::task::spawn_blocking(move || summarize_text(&text, &options)).await.context("summarizer task failed")?;
    if summary.sentences.is_empty() {
        return fail(state, doc_id, "The text has no sentences to summarize.").await;
    }

    let sentences = summary.sentences.len();
    if !state.texts.set_summary(doc_id, &summary).await? {
        return fail(state, doc_id, "The document text is missing.").await;
    }
    state.documents.mark_done(doc_id, sentences as i32).await?;
    tracing::info!(%doc_id, sentences, attempt = claimed.attempts, "job done");
    state.webhooks.deliver(doc_id).await;
    Ok(JobOutcome::Done { sentences })
}

async fn fail(state: &WorkerState, doc_id: Uuid, reason: &str) -> anyhow::Result<JobOutcome> {
    state.documents.mark_failed(doc_id, reason).await?;
    tracing::warn!(%doc_id, reason, "job failed");
    state.webhooks.deliver(doc_id).await;
    Ok(JobOutcome::Failed { reason: reason.to_owned() })
}

fn summarize_text(text: &str, options: &summarizer::Options) -> StoredSummary {
    let summary = summarizer::summarize_with(text, options);
    let sentences = summary
        .sentences
        .into_iter()
        .map(|s| SummarySentence { text: s.plain.into_owned(), start: s.start as u64, end: s.end as u64 })
        .collect();
    let key_phrases =
        summary.key_phrases.into_iter().map(|p| StoredKeyPhrase { text: p.text, score: p.score }).collect();
    StoredSummary {
        sentences,
        method: summarizer::METHOD.to_owned(),
        language: summary.language.map(|l| l.code().to_owned()),
        key_phrases,
    }
}

/// How long a failed delivery waits before it goes back on the queue, so a store
/// outage does not turn into a hot redelivery loop.
const REQUEUE_DELAY: Duration = Duration::from_secs(1);

/// Consumes jobs from RabbitMQ until `shutdown` completes or the connection fails.
///
/// Each message is acknowledged only after [`process_job`] has stored the summary and
/// the status; a transient error puts it back on the queue, and a message that is not
/// a job is rejected without requeue.
///
/// # Errors
/// Returns an error when the broker cannot be reached or the connection drops.
pub async fn consume_rabbitmq(
    state: &WorkerState,
    settings: &QueueSettings,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let connection = connect(settings).await?;
    let channel = connection.create_channel().await.context("failed to open RabbitMQ channel")?;
    declare_queue(&channel, &settings.queue).await?;
    channel.basic_qos(settings.prefetch, BasicQosOptions::default()).await.context("failed to set prefetch")?;
    let mut consumer = channel
        .basic_consume(settings.queue.as_str().into(), "".into(), BasicConsumeOptions::default(), FieldTable::default())
        .await
        .context("failed to start consuming")?;
    tracing::info!(queue = %settings.queue, prefetch = settings.prefetch, "worker consuming");

    tokio::pin!(shutdown);
    loop {
        let delivery = tokio::select! {
            () = &mut shutdown => break,
            delivery = consumer.next() => delivery,
        };
        let Some(delivery) = delivery else { anyhow::bail!("RabbitMQ consumer stream ended") };
        let delivery = delivery.context("RabbitMQ delivery failed")?;

        let job = match Job::from_bytes(&delivery.data) {
            Ok(job) => job,
            Err(error) => {
                tracing::error!(error.message = %error, bytes = delivery.data.len(), "rejecting malformed job message");
                delivery
                    .nack(BasicNackOptions { requeue: false, ..Default::default() })
                    .await
                    .context("failed to reject message")?;
                continue;
            }
        };

        let span = tracing::info_span!("job", doc_id = %job.doc_id, redelivered = delivery.redelivered);
        match process_job(state, job).instrument(span).await {
            Ok(_) => {
                delivery.ack(BasicAckOptions::default()).await.context("failed to acknowledge job")?;
            }
            Err(error) => {
                tracing::error!(doc_id = %job.doc_id, error.message = %error, error.cause_chain = ?error, "job failed transiently; requeueing");
                tokio::time::sleep(REQUEUE_DELAY).await;
                delivery
                    .nack(BasicNackOptions { requeue: true, ..Default::default() })
                    .await
                    .context("failed to requeue job")?;
            }
        }
    }

    tracing::info!("worker stopping");
    let _ = channel.close(200, "worker stopping".into()).await;
    let _ = connection.close(200, "worker stopping".into()).await;
    Ok(())
}

/// Handles an SQS event in the worker Lambda: processes each record and returns a
/// partial batch response listing exactly the records to retry. A record that is not
/// a job is listed too, so it reaches the dead-letter queue after the receive limit.
pub async fn handle_sqs_event(
    state: &WorkerState,
    event: aws_lambda_events::event::sqs::SqsEvent,
) -> aws_lambda_events::event::sqs::SqsBatchResponse {
    use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse};

    let mut response = SqsBatchResponse::default();
    for record in event.records {
        let message_id = record.message_id.clone().unwrap_or_default();
        let job = record.body.as_deref().map(|body| Job::from_bytes(body.as_bytes()));
        let failed = match job {
            Some(Ok(job)) => {
                let span = tracing::info_span!("job", doc_id = %job.doc_id, %message_id);
                match process_job(state, job).instrument(span).await {
                    Ok(_) => false,
                    Err(error) => {
                        tracing::error!(%message_id, error.message = %error, error.cause_chain = ?error, "job failed transiently");
                        true
                    }
                }
            }
            _ => {
                tracing::error!(%message_id, "SQS record is not a job");
                true
            }
        };
        if failed {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message_id;
            response.batch_item_failures.push(failure);
        }
    }
    response
}
