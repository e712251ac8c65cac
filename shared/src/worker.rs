//! Summary jobs: the processing every queue adapter calls, and the local RabbitMQ
//! consumer.

use std::cell::RefCell;
use std::time::Duration;

use anyhow::Context;
use futures_util::StreamExt as _;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions};
use lapin::types::FieldTable;
use tracing::Instrument as _;
use uuid::Uuid;

use crate::config::QueueSettings;
use crate::domain::json_encoded_len;
use crate::queue::rabbitmq::{connect, declare_queue};
use crate::queue::Job;
use crate::store::documents::{DocumentStore, InvalidDocument};
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
/// A permanent failure (a document row that does not parse, a summarizer that
/// panics on the text) marks the document `failed`, so the job is never retried.
///
/// # Errors
/// Returns an error for a transient failure (a store unreachable); the message must
/// then stay on the queue for another try.
pub async fn process_job(state: &WorkerState, job: Job) -> anyhow::Result<JobOutcome> {
    match run_job(state, job).await {
        Err(error) if error.chain().any(|cause| cause.is::<InvalidDocument>()) => {
            tracing::error!(doc_id = %job.doc_id, error.message = %error, "job cannot succeed");
            fail(state, job.doc_id, "The document's stored options are invalid. Submit the document again.").await
        }
        other => other,
    }
}

async fn run_job(state: &WorkerState, job: Job) -> anyhow::Result<JobOutcome> {
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
    let summary = match tokio::task::spawn_blocking(move || summarize_text(&text, &options)).await {
        Ok(summary) => summary,
        // The summarizer is deterministic, so a panic would repeat on every try.
        Err(error) if error.is_panic() => return fail(state, doc_id, "The summarizer failed on this text.").await,
        Err(error) => return Err(error).context("summarizer task failed"),
    };
    if summary.sentences.is_empty() {
        return fail(state, doc_id, "The text has no sentences to summarize.").await;
    }

    let sentences = summary.sentences.len();
    if !state.texts.set_summary(doc_id, &summary).await? {
        return fail(state, doc_id, "The document text is missing.").await;
    }
    if !state.documents.mark_done(doc_id, sentences as i32).await? {
        // The owner deleted the document, or another worker claimed the job after this
        // one's lease ran out and finished first.
        tracing::warn!(%doc_id, attempt = claimed.attempts, "job not marked done: document deleted or finished elsewhere");
        return Ok(JobOutcome::Skipped);
    }
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

thread_local! {
    /// The word analysis each blocking thread keeps from one job to the next, which
    /// makes a series of jobs faster without changing any summary. Its cache is
    /// bounded (about 10 MB by the estimate of `summarizer::Summarizer`).
    static SUMMARIZER: RefCell<Option<summarizer::Summarizer>> = const { RefCell::new(None) };
}

fn summarize_text(text: &str, options: &summarizer::Options) -> StoredSummary {
    // Taken out while in use, so a panic drops it instead of leaving a half-updated
    // cache for the next job on this thread.
    let mut cached = SUMMARIZER.take().unwrap_or_default();
    let summary = cached.summarize(text, options);
    SUMMARIZER.set(Some(cached));
    let sentences = summary
        .sentences
        .into_iter()
        .map(|s| SummarySentence { text: s.plain.into_owned(), start: s.start as u64, end: s.end as u64 })
        .collect();
    let key_phrases =
        summary.key_phrases.into_iter().map(|p| StoredKeyPhrase { text: p.text, score: p.score }).collect();
    let mut stored = StoredSummary {
        sentences,
        method: summarizer::METHOD.to_owned(),
        language: summary.language_code.map(str::to_owned),
        key_phrases,
        truncated: false,
    };
    fit_summary(&mut stored, text);
    stored
}

/// The maximum size of a response in bytes: Lambda caps a synchronous response at
/// 6 MB (6,291,456 bytes), and this stays below it.
const MAX_RESPONSE_BYTES: usize = 6_000_000;

/// The bytes kept in a document's response for everything but its text and its
/// summary's sentences and bullets: ids, title, options, status, key phrases and
/// field names. Twenty key phrases of up to a sentence's 1000 bytes, JSON-encoded,
/// take at most 120 KB of it.
const RESERVED_RESPONSE_BYTES: usize = 256 * 1024;

/// Leaves out the summary's last sentences while the document's response would
/// exceed [`MAX_RESPONSE_BYTES`], and marks the summary `truncated` if it did. The
/// response contains the text and each sentence twice (`sentences`, `bullets`). Only
/// a summary of a large share of a long text comes near the limit: `ratio=1` on
/// 2.3 MB of text made an 8.3 MB response, which Lambda could not return.
pub(crate) fn fit_summary(summary: &mut StoredSummary, text: &str) {
    let budget = MAX_RESPONSE_BYTES.saturating_sub(json_encoded_len(text) + RESERVED_RESPONSE_BYTES);
    let mut used = 0;
    let fitting = summary
        .sentences
        .iter()
        .take_while(|sentence| {
            used += sentence_response_bytes(sentence);
            used <= budget
        })
        .count();
    if fitting < summary.sentences.len() {
        summary.sentences.truncate(fitting);
        summary.truncated = true;
    }
}

/// Returns the bytes that one sentence adds to a document's response: its JSON
/// object in `sentences`, with a comma, and its line in `bullets`, JSON-encoded.
fn sentence_response_bytes(sentence: &SummarySentence) -> usize {
    const FIELDS: usize = r#"{"text":,"start":,"end":},"#.len();
    let digits = |number: u64| number.checked_ilog10().map_or(1, |log| log as usize + 1);
    // The bullet in `bullets`: its JSON encoding counts two quotes, which stand for
    // the encoded `\n` between bullets.
    let bullet = json_encoded_len(&crate::routes::docs::bullet(&sentence.text));
    FIELDS + json_encoded_len(&sentence.text) + digits(sentence.start) + digits(sentence.end) + bullet
}

/// How long a job that failed transiently is retried in the worker before it goes
/// back on the queue. Each return counts towards the queue's delivery limit, so
/// retrying here first lets a job ride out a store outage of this length per delivery
/// without being dead-lettered.
const TRANSIENT_RETRY_BUDGET: Duration = Duration::from_secs(60);

/// The first and the maximum wait between two tries of a job that failed transiently.
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(500);
const MAX_RETRY_DELAY: Duration = Duration::from_secs(10);

/// The first and the maximum wait between two attempts to reach RabbitMQ.
const FIRST_RECONNECT_DELAY: Duration = Duration::from_millis(500);
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(30);

/// Consumes jobs from RabbitMQ until `shutdown` completes or the connection fails.
///
/// Each message is acknowledged only after [`process_job`] has stored the summary and
/// the status. A transient error is retried in the worker with backoff for up to 60 s,
/// then the message goes back on the queue. A message that is not a job is rejected
/// without requeue, so it moves to the dead-letter queue.
///
/// # Errors
/// Returns an error when the broker cannot be reached or the connection drops.
pub async fn consume_rabbitmq(
    state: &WorkerState,
    settings: &QueueSettings,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    consume_session(state, settings, shutdown, &mut || {}).await
}

/// Consumes jobs from RabbitMQ until `shutdown` completes, and reconnects with
/// exponential backoff (0.5 s doubling up to 30 s) whenever the broker cannot be
/// reached or the connection drops, for example after a broker restart. The backoff
/// starts over once a connection has been established.
pub async fn consume_rabbitmq_forever(
    state: &WorkerState,
    settings: &QueueSettings,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut backoff = FIRST_RECONNECT_DELAY;
    tokio::pin!(shutdown);
    loop {
        let mut connected = false;
        let mut on_connected = || connected = true;
        let session = consume_session(state, settings, std::future::pending(), &mut on_connected);
        let stopped = tokio::select! {
            result = session => result,
            () = &mut shutdown => return,
        };
        if connected {
            backoff = FIRST_RECONNECT_DELAY;
        }
        match stopped {
            Ok(()) => return,
            Err(error) => {
                tracing::error!(error.message = %error, error.cause_chain = ?error, retry_in_ms = backoff.as_millis() as u64, "worker lost RabbitMQ; reconnecting");
            }
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = &mut shutdown => return,
        }
        backoff = (backoff * 2).min(MAX_RECONNECT_DELAY);
    }
}

async fn consume_session(
    state: &WorkerState,
    settings: &QueueSettings,
    shutdown: impl std::future::Future<Output = ()>,
    on_connected: &mut (dyn FnMut() + Send),
) -> anyhow::Result<()> {
    let connection = connect(settings).await?;
    let channel = connection.create_channel().await.context("failed to open RabbitMQ channel")?;
    declare_queue(&channel, settings).await?;
    channel.basic_qos(settings.prefetch, BasicQosOptions::default()).await.context("failed to set prefetch")?;
    let mut consumer = channel
        .basic_consume(settings.queue.as_str().into(), "".into(), BasicConsumeOptions::default(), FieldTable::default())
        .await
        .context("failed to start consuming")?;
    on_connected();
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
        let settled = process_with_retries(state, job, &mut shutdown).instrument(span).await;
        if settled == Settled::Ack {
            delivery.ack(BasicAckOptions::default()).await.context("failed to acknowledge job")?;
        } else {
            delivery
                .nack(BasicNackOptions { requeue: true, ..Default::default() })
                .await
                .context("failed to requeue job")?;
        }
        if settled == Settled::RequeueAndStop {
            break;
        }
    }

    tracing::info!("worker stopping");
    let _ = channel.close(200, "worker stopping".into()).await;
    let _ = connection.close(200, "worker stopping".into()).await;
    Ok(())
}

/// The action taken on a delivery once its job has been tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Settled {
    Ack,
    Requeue,
    /// Requeue, then stop consuming: the shutdown future has completed.
    RequeueAndStop,
}

/// Processes a job, retrying transient failures with backoff for up to
/// [`TRANSIENT_RETRY_BUDGET`].
async fn process_with_retries(
    state: &WorkerState,
    job: Job,
    shutdown: &mut std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) -> Settled {
    let started = tokio::time::Instant::now();
    let mut delay = FIRST_RETRY_DELAY;
    loop {
        let error = match process_job(state, job).await {
            Ok(_) => return Settled::Ack,
            Err(error) => error,
        };
        if started.elapsed() + delay > TRANSIENT_RETRY_BUDGET {
            // After JOB_DELIVERY_LIMIT such returns the broker dead-letters the job, and
            // the cleanup's dead-letter step then marks its document `failed`.
            tracing::error!(doc_id = %job.doc_id, error.message = %error, error.cause_chain = ?error, "job failed transiently; requeueing");
            return Settled::Requeue;
        }
        tracing::warn!(doc_id = %job.doc_id, error.message = %error, retry_in_ms = delay.as_millis() as u64, "job failed transiently; retrying");
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = shutdown.as_mut() => return Settled::RequeueAndStop,
        }
        delay = (delay * 2).min(MAX_RETRY_DELAY);
    }
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

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;

    use super::*;

    #[test]
    fn kept_word_analysis_changes_no_summary() {
        let documents = [
            "Storms hit the coast today. Officials closed schools and roads. Storms may return next week.",
            "Die Regierung hat am Montag angekündigt, dass sie die Steuern erhöhen wird. Viele Bürger sind dagegen.",
            "Officials closed schools and roads. Storms hit the coast today. Running runners ran home.",
        ];
        let options = summarizer::Options { key_phrases: 2, ..summarizer::Options::new(NonZeroUsize::MIN) };
        for round in 0..2 {
            for text in documents {
                let fresh = summarizer::summarize_with(text, &options);
                let stored = summarize_text(text, &options);
                let sentences: Vec<&str> = stored.sentences.iter().map(|s| s.text.as_str()).collect();
                let expected: Vec<&str> = fresh.sentences.iter().map(|s| s.plain.as_ref()).collect();
                assert_eq!(sentences, expected, "round {round}");
                let phrases: Vec<&str> = stored.key_phrases.iter().map(|p| p.text.as_str()).collect();
                let expected: Vec<&str> = fresh.key_phrases.iter().map(|p| p.text.as_str()).collect();
                assert_eq!(phrases, expected, "round {round}");
            }
        }
        assert!(SUMMARIZER.with_borrow(Option::is_some), "the summarizer was not kept");
    }

    /// Returns the bytes that the text and the sentences and bullets of `summary` take
    /// in a document's response: the JSON of the text and of the summary, less the
    /// summary's other fields, which the reserved bytes cover.
    fn response_bytes(text: &str, summary: &StoredSummary) -> usize {
        let json = |summary: &StoredSummary| {
            serde_json::to_vec(&crate::routes::docs::SummaryView::from(summary.clone()))
                .expect("a summary serializes")
                .len()
        };
        let without_sentences = StoredSummary { sentences: Vec::new(), ..summary.clone() };
        json_encoded_len(text) + json(summary) - json(&without_sentences)
    }

    #[test]
    fn long_summary_is_cut_to_fit() {
        // Sentences full of characters that JSON and Markdown escape, so that the
        // response grows most for their length.
        let sentence = "A \"quoted\" *starred* [bracketed] \\ back\tslash line,\nend number ";
        let text: String = (0..40_000).map(|index| format!("{sentence}{index}. ")).collect();
        assert!(text.len() > 2_500_000, "text of {} bytes", text.len());
        let options = summarizer::Options::with_length(summarizer::Length::Ratio(
            summarizer::Ratio::new(1.0).expect("1 is a ratio"),
        ));

        let summary = summarize_text(&text, &options);

        assert!(summary.truncated, "a summary of all sentences was not cut");
        assert!(summary.sentences.len() > 1000, "only {} sentences kept", summary.sentences.len());
        let budget = MAX_RESPONSE_BYTES - RESERVED_RESPONSE_BYTES;
        let bytes = response_bytes(&text, &summary);
        // Within the budget, and short of it by less than two sentences.
        assert!(bytes <= budget, "{bytes} bytes of {budget}");
        assert!(bytes > budget - 300, "{bytes} bytes of {budget}");
    }

    #[test]
    fn short_summary_is_kept_whole() {
        let text = "Storms hit the coast today. Officials closed schools and roads. Storms may return next week.";
        let summary = summarize_text(text, &summarizer::Options::new(NonZeroUsize::MIN.saturating_add(2)));
        assert!(!summary.truncated);
        assert_eq!(summary.sentences.len(), 3);
    }
}
