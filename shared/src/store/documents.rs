//! Document ownership and job status in PostgreSQL.

use anyhow::Context;
use serde::Serialize;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// The processing state of a document: `queued → processing → done | failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Queued,
    Processing,
    Done,
    Failed,
}

impl Status {
    fn parse(value: &str) -> anyhow::Result<Self> {
        Ok(match value {
            "queued" => Self::Queued,
            "processing" => Self::Processing,
            "done" => Self::Done,
            "failed" => Self::Failed,
            other => anyhow::bail!("unknown document status {other:?} in database"),
        })
    }
}

/// A document's ownership row.
#[derive(Debug, Clone)]
pub struct Document {
    pub doc_id: Uuid,
    pub user_id: Uuid,
    pub title: Option<String>,
    pub status: Status,
    pub error: Option<String>,
    pub requested_sentences: i32,
    pub text_bytes: i32,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A document claimed by a worker.
#[derive(Debug, Clone, Copy)]
pub struct Claimed {
    pub requested_sentences: i32,
    pub attempts: i32,
}

type DocumentRow = (Uuid, Uuid, Option<String>, String, Option<String>, i32, i32, OffsetDateTime, OffsetDateTime);

const DOCUMENT_COLUMNS: &str =
    "doc_id, user_id, title, status, error, requested_sentences, text_bytes, created_at, updated_at";

fn from_row(row: DocumentRow) -> anyhow::Result<Document> {
    let (doc_id, user_id, title, status, error, requested_sentences, text_bytes, created_at, updated_at) = row;
    Ok(Document {
        doc_id,
        user_id,
        title,
        status: Status::parse(&status)?,
        error,
        requested_sentences,
        text_bytes,
        created_at,
        updated_at,
    })
}

/// Document rows in PostgreSQL.
#[derive(Clone)]
pub struct DocumentStore {
    pool: PgPool,
    lease: std::time::Duration,
}

/// How long a claim lasts unless [`DocumentStore::with_lease`] sets another length.
pub const DEFAULT_LEASE: std::time::Duration = std::time::Duration::from_secs(300);

impl DocumentStore {
    /// Wraps a pool; claims last [`DEFAULT_LEASE`].
    pub fn new(pool: PgPool) -> Self {
        Self { pool, lease: DEFAULT_LEASE }
    }

    /// Sets how long a claim lasts (`JOB_LEASE_SECONDS`).
    pub fn with_lease(mut self, lease: std::time::Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Inserts a queued document owned by `user_id`.
    ///
    /// # Errors
    /// Returns an error when the insert fails.
    pub async fn insert(
        &self,
        doc_id: Uuid,
        user_id: Uuid,
        title: Option<&str>,
        requested_sentences: i32,
        text_bytes: i32,
    ) -> anyhow::Result<Document> {
        let row: DocumentRow = sqlx::query_as(&format!(
            "INSERT INTO documents (doc_id, user_id, title, requested_sentences, text_bytes) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {DOCUMENT_COLUMNS}"
        ))
        .bind(doc_id)
        .bind(user_id)
        .bind(title)
        .bind(requested_sentences)
        .bind(text_bytes)
        .fetch_one(&self.pool)
        .await
        .context("failed to insert document")?;
        from_row(row)
    }

    /// Finds a document only if `user_id` owns it; anyone else gets `None`, as for an
    /// unknown id.
    ///
    /// # Errors
    /// Returns an error when the query fails.
    pub async fn find_owned(&self, doc_id: Uuid, user_id: Uuid) -> anyhow::Result<Option<Document>> {
        let row: Option<DocumentRow> =
            sqlx::query_as(&format!("SELECT {DOCUMENT_COLUMNS} FROM documents WHERE doc_id = $1 AND user_id = $2"))
                .bind(doc_id)
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await
                .context("failed to look up document")?;
        row.map(from_row).transpose()
    }

    /// Lists a user's documents, newest first, at most `limit`.
    ///
    /// # Errors
    /// Returns an error when the query fails.
    pub async fn list_owned(&self, user_id: Uuid, limit: i64) -> anyhow::Result<Vec<Document>> {
        let rows: Vec<DocumentRow> = sqlx::query_as(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE user_id = $1 \
             ORDER BY created_at DESC, doc_id DESC LIMIT $2"
        ))
        .bind(user_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .context("failed to list documents")?;
        rows.into_iter().map(from_row).collect()
    }

    /// Claims a document for processing until its lease ends: moves it from `queued`,
    /// or from `processing` whose lease has ended (its worker died or timed out), to
    /// `processing`, and counts the attempt. Returns `None` when the document is
    /// unknown, deleted, finished, or claimed by a worker whose lease still runs.
    ///
    /// # Errors
    /// Returns an error when the update fails.
    pub async fn claim(&self, doc_id: Uuid) -> anyhow::Result<Option<Claimed>> {
        // One conditional UPDATE: of two workers that get the same job, the second
        // waits for the first's row lock and then finds a running lease.
        let row: Option<(i32, i32)> = sqlx::query_as(
            "UPDATE documents SET status = 'processing', attempts = attempts + 1, \
             started_at = now(), updated_at = now(), lease_expires_at = now() + make_interval(secs => $2) \
             WHERE doc_id = $1 \
               AND (status = 'queued' OR (status = 'processing' AND lease_expires_at <= now())) \
             RETURNING requested_sentences, attempts",
        )
        .bind(doc_id)
        .bind(self.lease.as_secs_f64())
        .fetch_optional(&self.pool)
        .await
        .context("failed to claim document")?;
        Ok(row.map(|(requested_sentences, attempts)| Claimed { requested_sentences, attempts }))
    }

    /// Marks a processing document `done`.
    ///
    /// # Errors
    /// Returns an error when the update fails.
    pub async fn mark_done(&self, doc_id: Uuid, summary_sentences: i32) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE documents SET status = 'done', error = NULL, summary_sentences = $2, \
             finished_at = now(), updated_at = now(), lease_expires_at = NULL \
             WHERE doc_id = $1 AND status = 'processing'",
        )
        .bind(doc_id)
        .bind(summary_sentences)
        .execute(&self.pool)
        .await
        .context("failed to mark document done")?;
        Ok(())
    }

    /// Marks a document that is not yet done as `failed` with a reason for its owner.
    ///
    /// # Errors
    /// Returns an error when the update fails.
    pub async fn mark_failed(&self, doc_id: Uuid, reason: &str) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE documents SET status = 'failed', error = $2, finished_at = now(), updated_at = now(), \
             lease_expires_at = NULL WHERE doc_id = $1 AND status IN ('queued', 'processing')",
        )
        .bind(doc_id)
        .bind(reason)
        .execute(&self.pool)
        .await
        .context("failed to mark document failed")?;
        Ok(())
    }
}
