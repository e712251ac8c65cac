//! The job outbox: documents whose job the broker has not confirmed yet.
//!
//! A document row is stored with `published_at` NULL and gets a timestamp once its
//! job is confirmed. When publishing fails after the row is stored, the submission
//! still succeeds, and [`Outbox::drain`] publishes the job later: the summarize
//! function calls it now and then, and the scheduled cleanup on every run. A job
//! may so be published twice (a confirm lost on the way back, or a drain that
//! overlaps a slow submission), which the worker's idempotent claim absorbs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use sqlx::PgPool;
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::queue::{Job, JobQueue};

/// The minimum age of an unpublished job before a drain publishes it, so that a drain
/// does not race the submission that is still publishing it.
pub const MIN_AGE: Duration = Duration::from_secs(10);

/// The minimum time between two drains that one summarize process starts on its own.
const OPPORTUNISTIC_PERIOD: Duration = Duration::from_secs(30);

/// The maximum number of jobs an opportunistic drain publishes, so that it adds
/// little to the request that runs it.
const OPPORTUNISTIC_BATCH: i64 = 20;

/// The result of one drain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DrainReport {
    /// Jobs published and marked published.
    pub published: u64,
    /// Whether a publish failed. The drain stopped there, and the job stays in the outbox.
    pub publish_failed: bool,
}

/// The unpublished jobs in PostgreSQL and the queue to publish them to.
#[derive(Clone)]
pub struct Outbox {
    pool: PgPool,
    queue: Arc<dyn JobQueue>,
    last_drain: Arc<Mutex<Option<Instant>>>,
}

impl Outbox {
    /// Wraps the pool of the `documents` table and the job queue.
    pub fn new(pool: PgPool, queue: Arc<dyn JobQueue>) -> Self {
        Self { pool, queue, last_drain: Arc::new(Mutex::new(None)) }
    }

    /// Records that the broker confirmed the job of `doc_id`.
    ///
    /// # Errors
    /// Returns an error when the update fails.
    pub async fn mark_published(&self, doc_id: Uuid) -> anyhow::Result<()> {
        sqlx::query("UPDATE documents SET published_at = now() WHERE doc_id = $1 AND published_at IS NULL")
            .bind(doc_id)
            .execute(&self.pool)
            .await
            .context("failed to mark job published")?;
        Ok(())
    }

    /// Counts the queued documents whose job is not published yet, whatever their age.
    ///
    /// # Errors
    /// Returns an error when the query fails.
    pub async fn count_unpublished(&self) -> anyhow::Result<i64> {
        sqlx::query_scalar("SELECT count(*) FROM documents WHERE published_at IS NULL AND status = 'queued'")
            .fetch_one(&self.pool)
            .await
            .context("failed to count unpublished jobs")
    }

    /// Publishes up to `max_jobs` unpublished jobs of queued documents older than
    /// `min_age`, oldest first, and marks each published. Stops at the first publish
    /// that fails, because the broker is then most likely down for the others too.
    ///
    /// Rows are locked with `FOR UPDATE SKIP LOCKED`, so concurrent drains publish
    /// different jobs.
    ///
    /// # Errors
    /// Returns an error when a query fails; a publish failure is reported in
    /// [`DrainReport::publish_failed`] instead.
    pub async fn drain(&self, max_jobs: i64, min_age: Duration) -> anyhow::Result<DrainReport> {
        let mut tx = self.pool.begin().await.context("failed to begin outbox transaction")?;
        let doc_ids: Vec<Uuid> = sqlx::query_scalar(
            "SELECT doc_id FROM documents \
             WHERE published_at IS NULL AND status = 'queued' AND created_at <= now() - make_interval(secs => $2) \
             ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED",
        )
        .bind(max_jobs)
        .bind(min_age.as_secs_f64())
        .fetch_all(&mut *tx)
        .await
        .context("failed to find unpublished jobs")?;

        let mut report = DrainReport::default();
        for doc_id in doc_ids {
            if let Err(error) = self.queue.publish(Job { doc_id }).await {
                tracing::warn!(%doc_id, error.message = %error, error.cause_chain = ?error, "failed to publish job from the outbox");
                report.publish_failed = true;
                break;
            }
            sqlx::query("UPDATE documents SET published_at = now() WHERE doc_id = $1")
                .bind(doc_id)
                .execute(&mut *tx)
                .await
                .context("failed to mark job published")?;
            tracing::info!(%doc_id, "job published from the outbox");
            report.published += 1;
        }
        tx.commit().await.context("failed to commit outbox drain")?;
        Ok(report)
    }

    /// Drains a small batch unless this process drained less than 30 s ago. Errors
    /// are logged, not returned: the caller's own work has succeeded already.
    pub async fn drain_if_due(&self) {
        {
            let mut last = self.last_drain.lock().await;
            if last.is_some_and(|at| at.elapsed() < OPPORTUNISTIC_PERIOD) {
                return;
            }
            *last = Some(Instant::now());
        }
        match self.drain(OPPORTUNISTIC_BATCH, MIN_AGE).await {
            Ok(report) if report.published > 0 => tracing::info!(published = report.published, "outbox drained"),
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(error.message = %error, error.cause_chain = ?error, "failed to drain the outbox")
            }
        }
    }
}
