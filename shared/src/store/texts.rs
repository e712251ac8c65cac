//! Document text and summaries in MongoDB, keyed by doc_id.

use std::future::IntoFuture as _;

use anyhow::Context;
use mongodb::bson::{doc, DateTime};
use mongodb::Collection;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One sentence of a stored summary: its visible text, and the byte range of the
/// stored text it came from (for HTML and Markdown, the range covers the markup).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = SummarySentence)]
pub struct SummarySentence {
    /// The sentence as visible text.
    pub text: String,
    /// The byte offset in the submitted text where the sentence starts (UTF-8).
    pub start: u64,
    /// The byte offset in the submitted text just after the sentence (UTF-8).
    pub end: u64,
}

/// A key phrase of a stored summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = KeyPhrase)]
pub struct StoredKeyPhrase {
    /// The phrase as it first appears in the visible text.
    pub text: String,
    /// The ranking score: positive, higher is more important.
    pub score: f64,
}

/// A stored summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSummary {
    pub sentences: Vec<SummarySentence>,
    /// The summarizer that made it, e.g. `centroid-position-v1`.
    pub method: String,
    /// The ISO 639-1 code of the text's language where known: the language it was
    /// analysed as, or `zh`, `ja` or `ko` for text in a language without a stemmer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Key phrases of the whole text, best first.
    #[serde(default)]
    pub key_phrases: Vec<StoredKeyPhrase>,
    /// Whether sentences were left out at the end so that the document, text and
    /// summary, fits in one response (see `crate::worker::fit_summary`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

/// The MongoDB document of one text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredText {
    /// The doc_id as a string.
    #[serde(rename = "_id")]
    pub id: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<StoredSummary>,
    pub created_at: DateTime,
}

/// Texts and summaries in one MongoDB collection.
#[derive(Clone)]
pub struct TextStore {
    collection: Collection<StoredText>,
}

/// The collection name.
pub const COLLECTION: &str = "documents";

/// The maximum time one MongoDB operation may take. The driver has no socket timeout, so
/// without this an operation on a pooled connection to a server that stopped
/// answering waits for the server monitor to give up, then retries: about 16 s in
/// the outage tests, longer than an API answer should take.
const OPERATION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs a MongoDB operation with [`OPERATION_TIMEOUT`]. A timeout becomes an I/O
/// error, so the API reports it as the server being unavailable.
async fn bounded<T>(
    operation: impl std::future::Future<Output = mongodb::error::Result<T>>,
    what: &'static str,
) -> anyhow::Result<T> {
    match tokio::time::timeout(OPERATION_TIMEOUT, operation).await {
        Ok(result) => result.context(what),
        Err(_) => {
            Err(anyhow::Error::new(std::io::Error::new(std::io::ErrorKind::TimedOut, "MongoDB operation timed out"))
                .context(what))
        }
    }
}

impl TextStore {
    /// Uses the `documents` collection of `database`.
    pub fn new(database: &mongodb::Database) -> Self {
        Self { collection: database.collection(COLLECTION) }
    }

    /// Stores a text under its doc_id.
    ///
    /// # Errors
    /// Returns an error when the insert fails.
    pub async fn insert_text(&self, doc_id: Uuid, text: String) -> anyhow::Result<()> {
        let stored = StoredText { id: doc_id.to_string(), text, summary: None, created_at: DateTime::now() };
        bounded(self.collection.insert_one(stored).into_future(), "failed to store document text").await?;
        Ok(())
    }

    /// Loads a text and its summary, if any.
    ///
    /// # Errors
    /// Returns an error when the query fails.
    pub async fn find(&self, doc_id: Uuid) -> anyhow::Result<Option<StoredText>> {
        bounded(
            self.collection.find_one(doc! { "_id": doc_id.to_string() }).into_future(),
            "failed to load document text",
        )
        .await
    }

    /// Sets the summary of a stored text, replacing any earlier one. Returns whether the
    /// text exists.
    ///
    /// # Errors
    /// Returns an error when the update fails.
    pub async fn set_summary(&self, doc_id: Uuid, summary: &StoredSummary) -> anyhow::Result<bool> {
        let summary = mongodb::bson::to_bson(summary).context("failed to encode summary")?;
        let update =
            self.collection.update_one(doc! { "_id": doc_id.to_string() }, doc! { "$set": { "summary": summary } });
        let result = bounded(update.into_future(), "failed to store summary").await?;
        Ok(result.matched_count == 1)
    }

    /// Deletes a text and its summary. Returns whether it existed.
    ///
    /// # Errors
    /// Returns an error when the delete fails.
    pub async fn delete(&self, doc_id: Uuid) -> anyhow::Result<bool> {
        let delete = self.collection.delete_one(doc! { "_id": doc_id.to_string() });
        let result = bounded(delete.into_future(), "failed to delete text").await?;
        Ok(result.deleted_count == 1)
    }
}
