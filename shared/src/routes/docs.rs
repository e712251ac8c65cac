//! `GET /api/v1/docs` and `GET /api/v1/docs/{doc_id}`: a user's own documents.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::summarize::SummarizeState;
use super::{parse_doc_id, unexpected};
use crate::http::json_response;
use crate::problem::{FieldError, Problem};
use crate::store::documents::{Document, Status};
use crate::store::texts::SummarySentence;

/// The maximum number of documents in one list response.
pub const MAX_LIST_LIMIT: i64 = 100;
/// The number of documents in a list response when the request sets no `limit`.
pub const DEFAULT_LIST_LIMIT: i64 = 20;

#[derive(Serialize)]
struct DocumentSummaryView {
    doc_id: Uuid,
    title: Option<String>,
    status: Status,
    error: Option<String>,
    text_bytes: i32,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

impl From<&Document> for DocumentSummaryView {
    fn from(document: &Document) -> Self {
        Self {
            doc_id: document.doc_id,
            title: document.title.clone(),
            status: document.status,
            error: document.error.clone(),
            text_bytes: document.text_bytes,
            created_at: document.created_at,
            updated_at: document.updated_at,
        }
    }
}

#[derive(Serialize)]
struct SummaryView {
    sentences: Vec<SummarySentence>,
    method: String,
}

#[derive(Serialize)]
struct DocumentView {
    #[serde(flatten)]
    document: DocumentSummaryView,
    requested_sentences: i32,
    text: Option<String>,
    summary: Option<SummaryView>,
}

#[derive(Serialize)]
struct ListView {
    items: Vec<DocumentSummaryView>,
}

fn not_found() -> Response<Body> {
    Problem::not_found("No document with this id.").into_response()
}

/// Returns one document to its owner; any other caller gets the same 404 as an
/// unknown id.
pub async fn get(state: &SummarizeState, user_id: Uuid, doc_id: &str) -> Response<Body> {
    let Some(doc_id) = parse_doc_id(doc_id) else { return not_found() };
    let document = match state.documents.find_owned(doc_id, user_id).await {
        Ok(Some(document)) => document,
        Ok(None) => return not_found(),
        Err(error) => return unexpected(error).into_response(),
    };
    let stored = match state.texts.find(doc_id).await {
        Ok(stored) => stored,
        Err(error) => return unexpected(error).into_response(),
    };
    if stored.is_none() {
        tracing::warn!(%doc_id, "document row has no stored text");
    }

    let (text, summary) = match stored {
        Some(stored) => (Some(stored.text), stored.summary),
        None => (None, None),
    };
    let summary = summary
        .filter(|_| document.status == Status::Done)
        .map(|summary| SummaryView { sentences: summary.sentences, method: summary.method });
    let view = DocumentView {
        document: DocumentSummaryView::from(&document),
        requested_sentences: document.requested_sentences,
        text,
        summary,
    };
    json_response(StatusCode::OK, &view)
}

/// Lists the caller's documents, newest first; `?limit=` sets how many (1 to 100).
pub async fn list(state: &SummarizeState, user_id: Uuid, request: &Request) -> Response<Body> {
    let query = request.query_string_parameters();
    let limit = match query.first("limit") {
        None => DEFAULT_LIST_LIMIT,
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(limit) if (1..=MAX_LIST_LIMIT).contains(&limit) => limit,
            _ => {
                let message = format!("must be a whole number from 1 to {MAX_LIST_LIMIT}");
                return Problem::validation(vec![FieldError::new("limit", message)]).into_response();
            }
        },
    };

    match state.documents.list_owned(user_id, limit).await {
        Ok(documents) => {
            let items = documents.iter().map(DocumentSummaryView::from).collect();
            json_response(StatusCode::OK, &ListView { items })
        }
        Err(error) => unexpected(error).into_response(),
    }
}
