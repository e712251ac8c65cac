//! Document ownership and job status in PostgreSQL.

use std::num::NonZeroUsize;

use anyhow::Context;
use serde::Serialize;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::options::{LengthLimit, SummaryOptions, TextFormat};

/// The processing state of a document: `queued → processing → done | failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
    pub options: SummaryOptions,
    pub text_bytes: i32,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A document row that no job can succeed on, such as summary options that do not
/// parse. The worker marks its document `failed` instead of retrying.
#[derive(Debug, thiserror::Error)]
#[error("invalid document row: {0}")]
pub struct InvalidDocument(pub String);

/// A document claimed by a worker.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub options: SummaryOptions,
    pub attempts: i32,
}

/// The position of a document in a user's list, newest first: the list continues
/// with documents created before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListPosition {
    pub created_at: OffsetDateTime,
    pub doc_id: Uuid,
}

/// The summary options as stored in their columns.
#[derive(sqlx::FromRow)]
struct OptionColumns {
    requested_sentences: Option<i32>,
    requested_ratio: Option<f64>,
    requested_words: Option<i32>,
    input_format: String,
    language: Option<String>,
    key_phrases: i32,
}

impl OptionColumns {
    fn from_options(options: &SummaryOptions) -> Self {
        let (sentences, ratio, words) = match options.length {
            LengthLimit::Sentences(n) => (Some(n.get() as i32), None, None),
            LengthLimit::Ratio(r) => (None, Some(r), None),
            LengthLimit::Words(n) => (None, None, Some(n.get() as i32)),
        };
        Self {
            requested_sentences: sentences,
            requested_ratio: ratio,
            requested_words: words,
            input_format: options.format.as_str().to_owned(),
            language: options.language.clone(),
            key_phrases: options.key_phrases as i32,
        }
    }

    fn into_options(self) -> anyhow::Result<SummaryOptions> {
        let count = |n: i32| usize::try_from(n).ok().and_then(NonZeroUsize::new);
        let length = match (self.requested_sentences, self.requested_ratio, self.requested_words) {
            (Some(n), None, None) => count(n).map(LengthLimit::Sentences),
            (None, Some(r), None) => Some(LengthLimit::Ratio(r)),
            (None, None, Some(n)) => count(n).map(LengthLimit::Words),
            _ => None,
        }
        .context("document row has no valid length limit")?;
        let format = TextFormat::parse(&self.input_format)
            .with_context(|| format!("unknown input format {:?} in database", self.input_format))?;
        let key_phrases = usize::try_from(self.key_phrases).context("negative key phrase count in database")?;
        Ok(SummaryOptions { format, length, language: self.language, key_phrases })
    }
}

#[derive(sqlx::FromRow)]
struct DocumentRow {
    doc_id: Uuid,
    user_id: Uuid,
    title: Option<String>,
    status: String,
    error: Option<String>,
    #[sqlx(flatten)]
    options: OptionColumns,
    text_bytes: i32,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const OPTION_COLUMNS: &str =
    "requested_sentences, requested_ratio, requested_words, input_format, language, key_phrases";

const DOCUMENT_COLUMNS: &str = "doc_id, user_id, title, status, error, requested_sentences, requested_ratio, \
     requested_words, input_format, language, key_phrases, text_bytes, created_at, updated_at";

/// Inserts a queued document row, on the pool or inside a transaction.
async fn insert_document<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    doc_id: Uuid,
    user_id: Uuid,
    title: Option<&str>,
    options: &SummaryOptions,
    text_bytes: i32,
) -> anyhow::Result<Document> {
    let columns = OptionColumns::from_options(options);
    let row: DocumentRow = sqlx::query_as(&format!(
        "INSERT INTO documents (doc_id, user_id, title, text_bytes, {OPTION_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {DOCUMENT_COLUMNS}"
    ))
    .bind(doc_id)
    .bind(user_id)
    .bind(title)
    .bind(text_bytes)
    .bind(columns.requested_sentences)
    .bind(columns.requested_ratio)
    .bind(columns.requested_words)
    .bind(columns.input_format)
    .bind(columns.language)
    .bind(columns.key_phrases)
    .fetch_one(executor)
    .await
    .context("failed to insert document")?;
    from_row(row)
}

/// Counts a user's documents that are queued or processing.
async fn count_in_flight<'e>(executor: impl sqlx::PgExecutor<'e>, user_id: Uuid) -> anyhow::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM documents WHERE user_id = $1 AND status IN ('queued', 'processing')")
        .bind(user_id)
        .fetch_one(executor)
        .await
        .context("failed to count documents in flight")
}
fn from_row(row: DocumentRow) -> anyhow::Result<Document> {
    Ok(Document {
        doc_id: row.doc_id,
        user_id: row.user_id,
        title: row.title,
        status: Status::parse(&row.status)?,
        error: row.error,
        options: row.options.into_options()?,
        text_bytes: row.text_bytes,
        created_at: row.created_at,
        updated_at: row.updated_at,
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
        options: &SummaryOptions,
        text_bytes: i32,
    ) -> anyhow::Result<Document> {
        insert_document(&self.pool, doc_id, user_id, title, options, text_bytes).await
    }

    /// Inserts a queued document owned by `user_id` unless the user already has
    /// `max_in_flight` documents queued or processing, and returns `None` then.
    ///
    /// The count and the insert run in one transaction under an advisory lock on the
    /// user, so concurrent submissions from several function instances cannot all see
    /// room under the limit and all insert.
    ///
    /// # Errors
    /// Returns an error when a statement fails.
    pub async fn insert_within_limit(
        &self,
        doc_id: Uuid,
        user_id: Uuid,
        title: Option<&str>,
        options: &SummaryOptions,
        text_bytes: i32,
        max_in_flight: i64,
    ) -> anyhow::Result<Option<Document>> {
        let mut transaction = self.pool.begin().await.context("failed to begin document insert")?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('documents-in-flight:' || $1::text, 0))")
            .bind(user_id)
            .execute(&mut *transaction)
            .await
            .context("failed to lock the user's documents in flight")?;
        if count_in_flight(&mut *transaction, user_id).await? >= max_in_flight {
            return Ok(None);
        }

        let document = insert_document(&mut *transaction, doc_id, user_id, title, options, text_bytes).await?;
        transaction.commit().await.context("failed to commit document insert")?;
        Ok(Some(document))
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

    /// Lists a user's documents, newest first, at most `limit`, starting after
    /// `after` when given.
    ///
    /// # Errors
    /// Returns an error when the query fails.
    pub async fn list_owned(
        &self,
        user_id: Uuid,
        limit: i64,
        after: Option<ListPosition>,
    ) -> anyhow::Result<Vec<Document>> {
        let rows: Vec<DocumentRow> = sqlx::query_as(&format!(
            "SELECT {DOCUMENT_COLUMNS} FROM documents WHERE user_id = $1 \
             AND ($3::timestamptz IS NULL OR (created_at, doc_id) < ($3, $4)) \
             ORDER BY created_at DESC, doc_id DESC LIMIT $2"
        ))
        .bind(user_id)
        .bind(limit)
        .bind(after.map(|p| p.created_at))
        .bind(after.map(|p| p.doc_id))
        .fetch_all(&self.pool)
        .await
        .context("failed to list documents")?;
        rows.into_iter().map(from_row).collect()
    }

    /// Counts a user's documents that are `queued` or `processing`.
    ///
    /// # Errors
    /// Returns an error when the query fails.
    pub async fn count_in_flight(&self, user_id: Uuid) -> anyhow::Result<i64> {
        count_in_flight(&self.pool, user_id).await
    }

    /// Deletes a document's row if `user_id` owns it. Returns whether a row was
    /// deleted; anyone else's document counts as unknown.
    ///
    /// # Errors
    /// Returns an error when the delete fails.
    pub async fn delete_owned(&self, doc_id: Uuid, user_id: Uuid) -> anyhow::Result<bool> {
        let result = sqlx::query("DELETE FROM documents WHERE doc_id = $1 AND user_id = $2")
            .bind(doc_id)
            .bind(user_id)
            .execute(&self.pool)
            .await
            .context("failed to delete document")?;
        Ok(result.rows_affected() == 1)
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
        #[derive(sqlx::FromRow)]
        struct ClaimRow {
            #[sqlx(flatten)]
            options: OptionColumns,
            attempts: i32,
        }
        let row: Option<ClaimRow> = sqlx::query_as(&format!(
            "UPDATE documents SET status = 'processing', attempts = attempts + 1, \
             started_at = now(), updated_at = now(), lease_expires_at = now() + make_interval(secs => $2) \
             WHERE doc_id = $1 \
               AND (status = 'queued' OR (status = 'processing' AND lease_expires_at <= now())) \
             RETURNING {OPTION_COLUMNS}, attempts"
        ))
        .bind(doc_id)
        .bind(self.lease.as_secs_f64())
        .fetch_optional(&self.pool)
        .await
        .context("failed to claim document")?;
        let Some(row) = row else { return Ok(None) };
        let options = row.options.into_options().map_err(|error| InvalidDocument(format!("{error:#}")))?;
        Ok(Some(Claimed { options, attempts: row.attempts }))
    }

    /// Marks a processing document `done`. Returns whether it was still processing,
    /// so that a job that finished twice is detected.
    ///
    /// # Errors
    /// Returns an error when the update fails.
    pub async fn mark_done(&self, doc_id: Uuid, summary_sentences: i32) -> anyhow::Result<bool> {
        let result = sqlx::query(
            "UPDATE documents SET status = 'done', error = NULL, summary_sentences = $2, \
             finished_at = now(), updated_at = now(), lease_expires_at = NULL \
             WHERE doc_id = $1 AND status = 'processing'",
        )
        .bind(doc_id)
        .bind(summary_sentences)
        .execute(&self.pool)
        .await
        .context("failed to mark document done")?;
        Ok(result.rows_affected() == 1)
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
