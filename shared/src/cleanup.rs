//! The scheduled cleanup: removes what the functions leave behind, re-queues jobs
//! whose worker died and fails jobs that reached the dead-letter queue.
//!
//! Every step is safe to run in two processes at once. PostgreSQL rows are taken
//! with `FOR UPDATE SKIP LOCKED` or changed by conditional statements, and MongoDB
//! deletes are idempotent. A step that fails is logged and named in the report, and
//! the other steps still run.

use crate::webhooks::Webhooks;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use futures_util::TryStreamExt as _;
use mongodb::bson::{doc, Bson, DateTime, Document};
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::config::CleanupSettings;
use crate::dead_letters::{DeadLetterQueue, DeadLetters};
use crate::outbox::{self, Outbox};
use crate::queue::{Job, JobQueue};
use crate::store::texts::COLLECTION;

/// The maximum number of batches one step handles in a run, so a run ends well within its timeout
/// even after a long outage; the next run continues.
const MAX_BATCHES: usize = 20;

/// The smallest batch in which the wrong-database guard judges the share of orphans.
const GUARD_MIN_BATCH: usize = 10;

/// The counts of one cleanup run, logged as one line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CleanupReport {
    /// Refresh tokens deleted: revoked, past their login's absolute expiry, or
    /// expired without being used.
    pub refresh_tokens_deleted: u64,
    /// Jobs stuck in `processing` past their lease that went back on the queue.
    pub jobs_requeued: u64,
    /// Stuck jobs that were already re-queued the maximum number of times, now `failed`.
    pub jobs_failed: u64,
    /// Jobs of the outbox (stored, but never confirmed by the broker) published.
    pub jobs_published: u64,
    /// Documents marked `failed` because their job reached the dead-letter queue
    /// before a worker finished it.
    pub dead_lettered_jobs_failed: u64,
    /// Messages removed from the dead-letter queue, including those counted above.
    pub dead_letters_removed: u64,
    /// Rate-limit rows of past windows deleted.
    pub rate_limit_rows_deleted: u64,
    /// Documents past the retention period deleted, with their text.
    pub expired_documents_deleted: u64,
    /// MongoDB texts without a document row deleted.
    pub orphan_texts_deleted: u64,
    /// Document rows without a MongoDB text deleted.
    pub textless_documents_deleted: u64,
    /// Webhooks due for a retry that were attempted.
    pub webhooks_attempted: u64,
    /// The steps that failed; their errors are logged.
    pub failed_steps: Vec<&'static str>,
}

/// The maximum number of webhooks one run retries. Deliveries run 8 at a time with a 5 s timeout,
/// so 40 take at most 25 s, well inside the function's timeout.
pub const WEBHOOK_BATCH: i64 = 40;

/// Returns the reason a document gets when its job never finished.
pub fn stuck_job_reason(attempts: i32) -> String {
    format!("The summary did not finish after {attempts} attempts. Submit the document again.")
}

/// The clients and settings of the cleanup, built once per execution environment.
#[derive(Clone)]
pub struct Cleanup {
    pub pool: PgPool,
    pub texts: mongodb::Collection<Document>,
    pub queue: Arc<dyn JobQueue>,
    pub settings: CleanupSettings,
    /// Retries webhooks that are due, when set.
    pub webhooks: Option<Webhooks>,
    /// The job queue's dead-letter queue, read on every run when set.
    pub dead_letter_queue: Option<DeadLetterQueue>,
}

impl Cleanup {
    /// Uses the `documents` collection of `mongo` for texts.
    pub fn new(pool: PgPool, mongo: &mongodb::Database, queue: Arc<dyn JobQueue>, settings: CleanupSettings) -> Self {
        Self { pool, texts: mongo.collection(COLLECTION), queue, settings, webhooks: None, dead_letter_queue: None }
    }

    /// Makes each run also retry webhooks that are due, at most `WEBHOOK_BATCH` a run.
    #[must_use]
    pub fn with_webhooks(mut self, webhooks: Webhooks) -> Self {
        self.webhooks = Some(webhooks);
        self
    }

    /// Makes each run settle the jobs in the job queue's dead-letter queue.
    #[must_use]
    pub fn with_dead_letter_queue(mut self, queue: DeadLetterQueue) -> Self {
        self.dead_letter_queue = Some(queue);
        self
    }

    /// Runs every step once and logs the report as one line.
    pub async fn run(&self) -> CleanupReport {
        let started = Instant::now();
        let mut report = CleanupReport::default();

        record(&mut report, "refresh_tokens", self.delete_dead_refresh_tokens().await, |r, n| {
            r.refresh_tokens_deleted = n
        });
        if let Some(queue) = &self.dead_letter_queue {
            match self.settle_dead_letters(queue).await {
                Ok(settled) => {
                    report.dead_lettered_jobs_failed = settled.jobs_failed;
                    report.dead_letters_removed = settled.removed;
                }
                Err(error) => record_failure(&mut report, "dead_letters", &error),
            }
        }
        match self.requeue_stuck_jobs().await {
            Ok((requeued, failed)) => {
                report.jobs_requeued = requeued;
                report.jobs_failed = failed;
            }
            Err(error) => record_failure(&mut report, "stuck_jobs", &error),
        }
        record(&mut report, "outbox", self.publish_outbox().await, |r, n| r.jobs_published = n);
        record(&mut report, "rate_limits", self.delete_old_rate_limit_rows().await, |r, n| {
            r.rate_limit_rows_deleted = n
        });
        record(&mut report, "retention", self.delete_expired_documents().await, |r, n| r.expired_documents_deleted = n);
        record(&mut report, "orphan_texts", self.delete_orphan_texts().await, |r, n| r.orphan_texts_deleted = n);
        record(&mut report, "textless_documents", self.delete_textless_documents().await, |r, n| {
            r.textless_documents_deleted = n
        });
        if let Some(webhooks) = &self.webhooks {
            let attempted = webhooks.deliver_due(WEBHOOK_BATCH).await.map(|n| n as u64);
            record(&mut report, "webhooks", attempted, |r, n| r.webhooks_attempted = n);
        }

        tracing::info!(
            refresh_tokens_deleted = report.refresh_tokens_deleted,
            jobs_requeued = report.jobs_requeued,
            jobs_failed = report.jobs_failed,
            jobs_published = report.jobs_published,
            dead_lettered_jobs_failed = report.dead_lettered_jobs_failed,
            dead_letters_removed = report.dead_letters_removed,
            rate_limit_rows_deleted = report.rate_limit_rows_deleted,
            expired_documents_deleted = report.expired_documents_deleted,
            orphan_texts_deleted = report.orphan_texts_deleted,
            textless_documents_deleted = report.textless_documents_deleted,
            webhooks_attempted = report.webhooks_attempted,
            failed_steps = ?report.failed_steps,
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            "cleanup finished"
        );
        report
    }

    /// Deletes refresh tokens that can never be exchanged again. Used tokens of a live
    /// login are kept, because presenting one again must still revoke its family.
    ///
    /// # Errors
    /// Returns an error when a delete fails.
    pub async fn delete_dead_refresh_tokens(&self) -> anyhow::Result<u64> {
        self.delete_in_batches(
            "DELETE FROM refresh_tokens WHERE id IN (SELECT id FROM refresh_tokens \
             WHERE revoked_at IS NOT NULL OR family_expires_at <= now() OR (expires_at <= now() AND used_at IS NULL) \
             LIMIT $1 FOR UPDATE SKIP LOCKED)",
        )
        .await
        .context("failed to delete dead refresh tokens")
    }

    /// Settles the messages of the dead-letter queue, at most one step's worth of
    /// batches: see [`DeadLetters::drain`]. A document that becomes `failed` gets its
    /// webhook when this cleanup sends webhooks.
    ///
    /// # Errors
    /// Returns an error when the queue or the database cannot be reached.
    pub async fn settle_dead_letters(
        &self,
        queue: &DeadLetterQueue,
    ) -> anyhow::Result<crate::dead_letters::DeadLetterReport> {
        let dead_letters = DeadLetters::new(self.pool.clone(), queue.clone(), self.webhooks.clone());
        let max_messages = self.settings.batch_size as u64 * MAX_BATCHES as u64;
        dead_letters.drain(max_messages).await.context("failed to settle dead-lettered jobs")
    }

    /// Puts the jobs of documents stuck in `processing` past their lease back on the
    /// queue, at most `max_requeues` times per document, and marks the others
    /// `failed`. Returns how many were re-queued and failed.
    ///
    /// A document goes back to `queued` only after its job was published, so a publish
    /// failure leaves it stuck for the next run.
    ///
    /// # Errors
    /// Returns an error when a query fails.
    pub async fn requeue_stuck_jobs(&self) -> anyhow::Result<(u64, u64)> {
        let (mut requeued, mut failed) = (0, 0);
        for _ in 0..MAX_BATCHES {
            let batch = self.requeue_stuck_batch().await?;
            requeued += batch.requeued;
            failed += batch.failed;
            // A publish failure leaves its row for the next run instead of this loop.
            if batch.found < self.settings.batch_size as u64 || batch.publish_failed {
                break;
            }
        }
        Ok((requeued, failed))
    }

    async fn requeue_stuck_batch(&self) -> anyhow::Result<StuckBatch> {
        let mut tx = self.pool.begin().await.context("failed to begin stuck job transaction")?;
        let stuck: Vec<(Uuid, i32, i32)> = sqlx::query_as(
            "SELECT doc_id, requeues, attempts FROM documents \
             WHERE status = 'processing' AND lease_expires_at <= now() \
             ORDER BY lease_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED",
        )
        .bind(self.settings.batch_size)
        .fetch_all(&mut *tx)
        .await
        .context("failed to find stuck jobs")?;

        let mut batch = StuckBatch { found: stuck.len() as u64, ..StuckBatch::default() };
        for (doc_id, requeues, attempts) in stuck {
            if requeues >= self.settings.max_requeues {
                sqlx::query(
                    "UPDATE documents SET status = 'failed', error = $2, finished_at = now(), updated_at = now(), \
                     lease_expires_at = NULL WHERE doc_id = $1 AND status = 'processing'",
                )
                .bind(doc_id)
                .bind(stuck_job_reason(attempts))
                .execute(&mut *tx)
                .await
                .context("failed to mark stuck job failed")?;
                tracing::warn!(%doc_id, attempts, requeues, "stuck job failed");
                batch.failed += 1;
                continue;
            }
            if let Err(error) = self.queue.publish(Job { doc_id }).await {
                tracing::error!(%doc_id, error.message = %error, error.cause_chain = ?error, "failed to re-queue stuck job");
                batch.publish_failed = true;
                continue;
            }
            sqlx::query(
                "UPDATE documents SET status = 'queued', requeues = requeues + 1, lease_expires_at = NULL, \
                 published_at = now(), updated_at = now() WHERE doc_id = $1 AND status = 'processing'",
            )
            .bind(doc_id)
            .execute(&mut *tx)
            .await
            .context("failed to mark stuck job queued")?;
            tracing::info!(%doc_id, attempts, requeues = requeues + 1, "stuck job re-queued");
            batch.requeued += 1;
        }
        tx.commit().await.context("failed to commit stuck jobs")?;
        Ok(batch)
    }

    /// Publishes the jobs left in the outbox by submissions whose publish failed,
    /// in batches, until the outbox is empty or a publish fails.
    ///
    /// # Errors
    /// Returns an error when a query fails or a publish fails, so the report names
    /// the step; the jobs published before that stay published.
    pub async fn publish_outbox(&self) -> anyhow::Result<u64> {
        let outbox = Outbox::new(self.pool.clone(), self.queue.clone());
        let mut published = 0;
        for _ in 0..MAX_BATCHES {
            let batch = outbox.drain(self.settings.batch_size, outbox::MIN_AGE).await?;
            published += batch.published;
            if batch.publish_failed {
                anyhow::bail!("failed to publish a job from the outbox after publishing {published}");
            }
            if batch.published < self.settings.batch_size as u64 {
                break;
            }
        }
        Ok(published)
    }

    /// Deletes rate-limit rows whose window started more than the retention ago.
    ///
    /// # Errors
    /// Returns an error when a delete fails.
    pub async fn delete_old_rate_limit_rows(&self) -> anyhow::Result<u64> {
        let retention = self.settings.rate_limit_retention.as_secs_f64();
        let mut deleted = 0;
        for _ in 0..MAX_BATCHES {
            let batch = sqlx::query(
                "DELETE FROM rate_limit_hits WHERE (bucket, window_start) IN \
                 (SELECT bucket, window_start FROM rate_limit_hits \
                  WHERE window_start < now() - make_interval(secs => $1) LIMIT $2 FOR UPDATE SKIP LOCKED)",
            )
            .bind(retention)
            .bind(self.settings.batch_size)
            .execute(&self.pool)
            .await
            .context("failed to delete old rate limit rows")?
            .rows_affected();
            deleted += batch;
            if batch < self.settings.batch_size as u64 {
                break;
            }
        }
        Ok(deleted)
    }

    /// Deletes documents created more than the retention period ago: the row first,
    /// so no one can read the document, then its text. A text whose delete fails is
    /// an orphan that a later run removes.
    ///
    /// # Errors
    /// Returns an error when a delete fails.
    pub async fn delete_expired_documents(&self) -> anyhow::Result<u64> {
        let Some(retention) = self.settings.document_retention else { return Ok(0) };
        let mut deleted = 0;
        for _ in 0..MAX_BATCHES {
            let doc_ids: Vec<Uuid> = sqlx::query_scalar(
                "DELETE FROM documents WHERE doc_id IN (SELECT doc_id FROM documents \
                 WHERE created_at < now() - make_interval(secs => $1) LIMIT $2 FOR UPDATE SKIP LOCKED) \
                 RETURNING doc_id",
            )
            .bind(retention.as_secs_f64())
            .bind(self.settings.batch_size)
            .fetch_all(&self.pool)
            .await
            .context("failed to delete expired documents")?;
            if doc_ids.is_empty() {
                break;
            }
            deleted += doc_ids.len() as u64;
            let ids: Vec<Bson> = doc_ids.iter().map(|id| Bson::String(id.to_string())).collect();
            self.texts
                .delete_many(doc! { "_id": { "$in": ids } })
                .await
                .context("failed to delete texts of expired documents")?;
            if (doc_ids.len() as i64) < self.settings.batch_size {
                break;
            }
        }
        Ok(deleted)
    }

    /// Deletes MongoDB texts older than the orphan age that have no document row. A
    /// younger text may belong to a submission whose row is being inserted now.
    ///
    /// # Errors
    /// Returns an error when a query or delete fails.
    pub async fn delete_orphan_texts(&self) -> anyhow::Result<u64> {
        // NOTE: each run reads the id of every text older than the orphan age, so its
        // cost grows with the collection. A marker of checked texts would bound it.
        let cutoff = DateTime::from_system_time(std::time::SystemTime::now() - self.settings.orphan_min_age);
        let mut cursor = self
            .texts
            .find(doc! { "created_at": { "$lt": cutoff } })
            .projection(doc! { "_id": 1 })
            .batch_size(self.settings.batch_size as u32)
            .await
            .context("failed to list old texts")?;

        let mut deleted = 0;
        let mut chunk: Vec<String> = Vec::new();
        loop {
            let next = cursor.try_next().await.context("failed to read old texts")?;
            if let Some(id) = next.as_ref().and_then(|text| text.get_str("_id").ok()) {
                chunk.push(id.to_owned());
            }
            if chunk.len() as i64 >= self.settings.batch_size || (next.is_none() && !chunk.is_empty()) {
                deleted += self.delete_texts_without_rows(&chunk, cutoff).await?;
                chunk.clear();
            }
            if next.is_none() {
                return Ok(deleted);
            }
        }
    }

    async fn delete_texts_without_rows(&self, ids: &[String], cutoff: DateTime) -> anyhow::Result<u64> {
        let doc_ids: Vec<Uuid> = ids.iter().filter_map(|id| Uuid::parse_str(id).ok()).collect();
        let owned: HashSet<Uuid> = sqlx::query_scalar::<_, Uuid>("SELECT doc_id FROM documents WHERE doc_id = ANY($1)")
            .bind(&doc_ids)
            .fetch_all(&self.pool)
            .await
            .context("failed to look up document rows")?
            .into_iter()
            .collect();
        // An id that is not a UUID can have no row either.
        let orphans: Vec<&String> =
            ids.iter().filter(|id| Uuid::parse_str(id).map_or(true, |doc_id| !owned.contains(&doc_id))).collect();
        if orphans.is_empty() {
            return Ok(0);
        }
        guard_against_wrong_database(orphans.len(), ids.len(), "old texts have no document row")?;
        let filter_ids: Vec<Bson> = orphans.iter().map(|id| Bson::String((*id).clone())).collect();
        let result = self
            .texts
            .delete_many(doc! { "_id": { "$in": filter_ids }, "created_at": { "$lt": cutoff } })
            .await
            .context("failed to delete orphan texts")?;
        tracing::info!(found = orphans.len(), deleted = result.deleted_count, "orphan texts deleted");
        Ok(result.deleted_count)
    }

    /// Deletes document rows older than the orphan age whose MongoDB text is missing,
    /// so no one is shown a document that can never be read or summarized.
    ///
    /// # Errors
    /// Returns an error when a query or delete fails.
    pub async fn delete_textless_documents(&self) -> anyhow::Result<u64> {
        // NOTE: like delete_orphan_texts, this reads every old row on each run.
        let min_age = self.settings.orphan_min_age.as_secs_f64();
        let mut deleted = 0;
        let mut after = Uuid::nil();
        loop {
            let doc_ids: Vec<Uuid> = sqlx::query_scalar(
                "SELECT doc_id FROM documents WHERE created_at < now() - make_interval(secs => $1) \
                 AND doc_id > $2 ORDER BY doc_id LIMIT $3",
            )
            .bind(min_age)
            .bind(after)
            .bind(self.settings.batch_size)
            .fetch_all(&self.pool)
            .await
            .context("failed to list old documents")?;
            let Some(last) = doc_ids.last() else { return Ok(deleted) };
            after = *last;

            let ids: Vec<Bson> = doc_ids.iter().map(|id| Bson::String(id.to_string())).collect();
            let with_text: HashSet<String> = self
                .texts
                .find(doc! { "_id": { "$in": ids } })
                .projection(doc! { "_id": 1 })
                .await
                .context("failed to look up texts")?
                .try_collect::<Vec<Document>>()
                .await
                .context("failed to read texts")?
                .iter()
                .filter_map(|text| text.get_str("_id").ok().map(str::to_owned))
                .collect();
            let textless: Vec<Uuid> =
                doc_ids.iter().copied().filter(|id| !with_text.contains(&id.to_string())).collect();
            if !textless.is_empty() {
                guard_against_wrong_database(textless.len(), doc_ids.len(), "old document rows have no text")?;
                let removed: Vec<Uuid> = sqlx::query_scalar(
                    "DELETE FROM documents WHERE doc_id = ANY($1) \
                     AND created_at < now() - make_interval(secs => $2) RETURNING doc_id",
                )
                .bind(&textless)
                .bind(min_age)
                .fetch_all(&self.pool)
                .await
                .context("failed to delete textless documents")?;
                for doc_id in &removed {
                    tracing::warn!(%doc_id, "document without text deleted");
                }
                deleted += removed.len() as u64;
            }
            if (doc_ids.len() as i64) < self.settings.batch_size {
                return Ok(deleted);
            }
        }
    }

    async fn delete_in_batches(&self, sql: &str) -> anyhow::Result<u64> {
        let mut deleted = 0;
        for _ in 0..MAX_BATCHES {
            let batch = sqlx::query(sql).bind(self.settings.batch_size).execute(&self.pool).await?.rows_affected();
            deleted += batch;
            if batch < self.settings.batch_size as u64 {
                break;
            }
        }
        Ok(deleted)
    }
}

/// The counts of one batch of stuck jobs.
#[derive(Debug, Default)]
struct StuckBatch {
    found: u64,
    requeued: u64,
    failed: u64,
    publish_failed: bool,
}

/// Returns an error when more than half of a batch looks orphaned: a cleanup pointed
/// at the wrong PostgreSQL or MongoDB database would otherwise delete everything.
fn guard_against_wrong_database(orphaned: usize, checked: usize, finding: &str) -> anyhow::Result<()> {
    if checked >= GUARD_MIN_BATCH && orphaned * 2 > checked {
        anyhow::bail!(
            "{orphaned} of {checked} {finding}, so nothing was deleted; check that DATABASE_URL, MONGODB_URL and \
             MONGODB_DATABASE name the product's databases"
        );
    }
    Ok(())
}

fn record(
    report: &mut CleanupReport,
    step: &'static str,
    result: anyhow::Result<u64>,
    set: impl FnOnce(&mut CleanupReport, u64),
) {
    match result {
        Ok(count) => set(report, count),
        Err(error) => record_failure(report, step, &error),
    }
}

fn record_failure(report: &mut CleanupReport, step: &'static str, error: &anyhow::Error) {
    tracing::error!(step, error.message = %error, error.cause_chain = ?error, "cleanup step failed");
    report.failed_steps.push(step);
}
