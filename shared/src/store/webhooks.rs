//! Webhook deliveries in PostgreSQL: one row per document that has a callback URL.

use std::time::Duration;

use anyhow::Context;
use secrecy::SecretString;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// A delivery claimed for one attempt, with what the payload reports.
#[derive(Debug)]
pub struct ClaimedDelivery {
    pub doc_id: Uuid,
    pub url: String,
    pub secret: SecretString,
    /// This attempt's number, counting from 1.
    pub attempt: i32,
    /// The document's status, `done` or `failed`.
    pub status: String,
    /// The document's failure reason, when it failed.
    pub error: Option<String>,
    /// When the document finished.
    pub finished_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    doc_id: Uuid,
    url: String,
    secret: String,
    attempts: i32,
    status: String,
    error: Option<String>,
    finished_at: Option<OffsetDateTime>,
}

impl From<ClaimRow> for ClaimedDelivery {
    fn from(row: ClaimRow) -> Self {
        Self {
            doc_id: row.doc_id,
            url: row.url,
            secret: row.secret.into(),
            attempt: row.attempts,
            status: row.status,
            error: row.error,
            finished_at: row.finished_at,
        }
    }
}

/// The state of a delivery, for tests and operators.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryState {
    pub attempts: i32,
    pub next_attempt_at: Option<OffsetDateTime>,
    pub delivered_at: Option<OffsetDateTime>,
    pub last_error: Option<String>,
}

/// A delivery is due when its document is finished, it is not delivered or given up,
/// and no other worker holds its lease. The claim bumps `attempts` and moves
/// `next_attempt_at` to the end of the lease, so a second claim finds nothing.
const CLAIM_SET: &str = "SET attempts = w.attempts + 1, next_attempt_at = now() + make_interval(secs => $2) \
     FROM documents d WHERE d.doc_id = w.doc_id AND d.status IN ('done', 'failed') \
     AND w.delivered_at IS NULL AND w.next_attempt_at <= now()";

const CLAIM_RETURNING: &str = "RETURNING w.doc_id, w.url, w.secret, w.attempts, d.status, d.error, d.finished_at";

/// Webhook delivery rows in PostgreSQL.
#[derive(Clone)]
pub struct WebhookStore {
    pool: PgPool,
}

impl WebhookStore {
    /// Wraps a pool.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Inserts the delivery of a document's callback, due as soon as the document
    /// is finished.
    ///
    /// # Errors
    /// Returns an error when the insert fails, e.g. for an unknown document.
    pub async fn insert(&self, doc_id: Uuid, url: &str, secret: &str) -> anyhow::Result<()> {
        sqlx::query("INSERT INTO webhook_deliveries (doc_id, url, secret) VALUES ($1, $2, $3)")
            .bind(doc_id)
            .bind(url)
            .bind(secret)
            .execute(&self.pool)
            .await
            .context("failed to insert webhook delivery")?;
        Ok(())
    }

    /// Deletes a document's delivery, for a submission that failed after it was stored.
    ///
    /// # Errors
    /// Returns an error when the delete fails.
    pub async fn delete(&self, doc_id: Uuid) -> anyhow::Result<()> {
        sqlx::query("DELETE FROM webhook_deliveries WHERE doc_id = $1")
            .bind(doc_id)
            .execute(&self.pool)
            .await
            .context("failed to delete webhook delivery")?;
        Ok(())
    }

    /// Claims a document's delivery for one attempt, holding it for `lease`. Returns
    /// `None` when it has none, or it is not due.
    ///
    /// # Errors
    /// Returns an error when the update fails.
    pub async fn claim(&self, doc_id: Uuid, lease: Duration) -> anyhow::Result<Option<ClaimedDelivery>> {
        let row: Option<ClaimRow> =
            sqlx::query_as(&format!("UPDATE webhook_deliveries w {CLAIM_SET} AND w.doc_id = $1 {CLAIM_RETURNING}"))
                .bind(doc_id)
                .bind(lease.as_secs_f64())
                .fetch_optional(&self.pool)
                .await
                .context("failed to claim webhook delivery")?;
        Ok(row.map(ClaimedDelivery::from))
    }

    /// Claims at most `limit` due deliveries, the longest-waiting first, holding each
    /// for `lease`. Rows another caller is claiming at the same time are skipped.
    ///
    /// # Errors
    /// Returns an error when the update fails.
    pub async fn claim_due(&self, limit: i64, lease: Duration) -> anyhow::Result<Vec<ClaimedDelivery>> {
        let rows: Vec<ClaimRow> = sqlx::query_as(&format!(
            "UPDATE webhook_deliveries w {CLAIM_SET} AND w.doc_id IN ( \
                 SELECT due.doc_id FROM webhook_deliveries due JOIN documents dd ON dd.doc_id = due.doc_id \
                 WHERE dd.status IN ('done', 'failed') AND due.delivered_at IS NULL \
                 AND due.next_attempt_at <= now() \
                 ORDER BY due.next_attempt_at LIMIT $1 FOR UPDATE OF due SKIP LOCKED) \
             {CLAIM_RETURNING}"
        ))
        .bind(limit)
        .bind(lease.as_secs_f64())
        .fetch_all(&self.pool)
        .await
        .context("failed to claim due webhook deliveries")?;
        Ok(rows.into_iter().map(ClaimedDelivery::from).collect())
    }

    /// Records a successful attempt; the delivery is finished.
    ///
    /// # Errors
    /// Returns an error when the update fails.
    pub async fn mark_delivered(&self, doc_id: Uuid) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE webhook_deliveries SET delivered_at = now(), next_attempt_at = NULL, last_error = NULL \
             WHERE doc_id = $1 AND delivered_at IS NULL",
        )
        .bind(doc_id)
        .execute(&self.pool)
        .await
        .context("failed to mark webhook delivered")?;
        Ok(())
    }

    /// Records a failed attempt with its error (a status or an error kind, never a
    /// response body), and schedules the next one after `retry_in`, or none.
    /// Does nothing when another worker has claimed the delivery since `attempt`.
    ///
    /// # Errors
    /// Returns an error when the update fails.
    pub async fn mark_failed(
        &self,
        doc_id: Uuid,
        attempt: i32,
        error: &str,
        retry_in: Option<Duration>,
    ) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE webhook_deliveries SET last_error = $3, \
             next_attempt_at = now() + make_interval(secs => $4::double precision) \
             WHERE doc_id = $1 AND attempts = $2 AND delivered_at IS NULL",
        )
        .bind(doc_id)
        .bind(attempt)
        .bind(error)
        .bind(retry_in.map(|delay| delay.as_secs_f64()))
        .execute(&self.pool)
        .await
        .context("failed to record webhook attempt")?;
        Ok(())
    }

    /// Returns the state of a document's delivery, if it has one.
    ///
    /// # Errors
    /// Returns an error when the query fails.
    pub async fn find(&self, doc_id: Uuid) -> anyhow::Result<Option<DeliveryState>> {
        sqlx::query_as(
            "SELECT attempts, next_attempt_at, delivered_at, last_error FROM webhook_deliveries WHERE doc_id = $1",
        )
        .bind(doc_id)
        .fetch_optional(&self.pool)
        .await
        .context("failed to look up webhook delivery")
    }
}
