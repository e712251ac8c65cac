//! `GET /api/v1/docs`, `GET /api/v1/docs/{doc_id}` and `DELETE /api/v1/docs/{doc_id}`:
//! a user's own documents.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::summarize::SummarizeState;
use super::{parse_doc_id, unexpected};
use crate::http::{json_response, query_parameter_errors};
use crate::options::{LengthLimit, SummaryOptions, TextFormat};
use crate::problem::{FieldError, Problem};
use crate::store::documents::{Document, ListPosition, Status};
use crate::store::texts::{StoredKeyPhrase, StoredSummary, SummarySentence};

/// The maximum number of documents in one list response.
pub const MAX_LIST_LIMIT: i64 = 100;
/// The number of documents in a list response when the request sets no `limit`.
pub const DEFAULT_LIST_LIMIT: i64 = 20;

/// A document as listed: its state, without text or summary.
#[derive(Serialize, ToSchema)]
#[schema(as = DocumentListItem)]
pub(crate) struct DocumentSummaryView {
    doc_id: Uuid,
    title: Option<String>,
    status: Status,
    /// The reason the job failed, when `status` is `failed`.
    error: Option<String>,
    /// The size of the submitted text in bytes of UTF-8.
    text_bytes: i32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
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

/// The options a document was submitted with; exactly one of `sentences`, `ratio`
/// and `words` is present.
#[derive(Serialize, ToSchema)]
#[schema(as = SummaryOptions)]
pub(crate) struct OptionsView {
    format: TextFormat,
    #[serde(skip_serializing_if = "Option::is_none")]
    sentences: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    words: Option<usize>,
    /// An ISO 639-1 code, or `auto`.
    language: String,
    key_phrases: usize,
}

impl From<&SummaryOptions> for OptionsView {
    fn from(options: &SummaryOptions) -> Self {
        let (sentences, ratio, words) = match options.length {
            LengthLimit::Sentences(n) => (Some(n.get()), None, None),
            LengthLimit::Ratio(r) => (None, Some(r), None),
            LengthLimit::Words(n) => (None, None, Some(n.get())),
        };
        Self {
            format: options.format,
            sentences,
            ratio,
            words,
            language: options.language.clone().unwrap_or_else(|| "auto".to_owned()),
            key_phrases: options.key_phrases,
        }
    }
}

/// A finished summary.
#[derive(Serialize, ToSchema)]
#[schema(as = Summary)]
pub(crate) struct SummaryView {
    /// The chosen sentences in document order, with their byte offsets in `text`.
    sentences: Vec<SummarySentence>,
    /// The sentences as a Markdown bullet list, one `- ` line each, with the
    /// characters that Markdown would read as markup escaped by a backslash.
    bullets: String,
    key_phrases: Vec<StoredKeyPhrase>,
    /// The ISO 639-1 code of the text's language: the language it was analysed as,
    /// or `zh`, `ja` or `ko` for Chinese, Japanese or Korean text, which have no
    /// stemmer here. It is `null` for text in any other unsupported language.
    language: Option<String>,
    method: String,
    /// True when sentences were left out at the end of the summary so that the
    /// document fits in one response (6 MB): only a summary of a large share of a
    /// long text comes near that.
    truncated: bool,
}

/// Returns the Markdown bullet of one summary sentence: `- ` and the sentence on one
/// line, escaped by [`markdown_escaped`].
pub(crate) fn bullet(sentence: &str) -> String {
    format!("- {}", markdown_escaped(&sentence.split_whitespace().collect::<Vec<_>>().join(" ")))
}

/// Returns `text` with a backslash before each character that Markdown could read
/// as markup in a list item: inline marks anywhere, and at the start the marks of
/// a heading, a nested list or a numbered list (`1.`).
fn markdown_escaped(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 8);
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    for (index, ch) in text.char_indices() {
        let inline = matches!(ch, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&');
        let at_start = index == 0 && matches!(ch, '#' | '+' | '-' | '=');
        let number_end = digits > 0 && index == digits && matches!(ch, '.' | ')');
        if inline || at_start || number_end {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    escaped
}

impl From<StoredSummary> for SummaryView {
    fn from(summary: StoredSummary) -> Self {
        let bullets = summary.sentences.iter().map(|sentence| bullet(&sentence.text)).collect::<Vec<_>>().join("\n");
        Self {
            sentences: summary.sentences,
            bullets,
            key_phrases: summary.key_phrases,
            language: summary.language,
            method: summary.method,
            truncated: summary.truncated,
        }
    }
}

/// A document with its text and, once `done`, its summary.
#[derive(Serialize, ToSchema)]
#[schema(as = Document)]
pub(crate) struct DocumentView {
    #[serde(flatten)]
    document: DocumentSummaryView,
    options: OptionsView,
    text: Option<String>,
    summary: Option<SummaryView>,
}

/// One page of documents, newest first.
#[derive(Serialize, ToSchema)]
#[schema(as = DocumentPage)]
pub(crate) struct ListView {
    items: Vec<DocumentSummaryView>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    next_cursor: Option<String>,
}

fn not_found() -> Response<Body> {
    Problem::not_found("No document with this id.").into_response()
}

/// Returns one document to its owner; any other caller gets the same 404 as an
/// unknown id.
#[utoipa::path(
    get,
    path = "/api/v1/docs/{doc_id}",
    tag = "documents",
    operation_id = "getDocument",
    params(("doc_id" = Uuid, Path, description = "The id from the submit response.")),
    responses(
        (status = 200, description = "The document.", body = DocumentView),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = [])),
)]
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
    let summary = summary.filter(|_| document.status == Status::Done).map(SummaryView::from);
    let view = DocumentView {
        document: DocumentSummaryView::from(&document),
        options: OptionsView::from(&document.options),
        text,
        summary,
    };
    json_response(StatusCode::OK, &view)
}

/// Deletes one of the caller's documents: its text and summary, then its row. Any
/// other caller gets the same 404 as an unknown id.
#[utoipa::path(
    delete,
    path = "/api/v1/docs/{doc_id}",
    tag = "documents",
    operation_id = "deleteDocument",
    params(("doc_id" = Uuid, Path, description = "The id from the submit response.")),
    responses(
        (status = 204, description = "Deleted: text, summary and ownership are gone."),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = [])),
)]
pub async fn delete(state: &SummarizeState, user_id: Uuid, doc_id: &str) -> Response<Body> {
    let Some(doc_id) = parse_doc_id(doc_id) else { return not_found() };
    match state.documents.find_owned(doc_id, user_id).await {
        Ok(Some(_)) => {}
        Ok(None) => return not_found(),
        Err(error) => return unexpected(error).into_response(),
    }
    // Text first: if the row delete then fails, the owner still sees the document and
    // can retry, instead of its text staying behind unreachable.
    if let Err(error) = state.texts.delete(doc_id).await {
        return unexpected(error).into_response();
    }
    match state.documents.delete_owned(doc_id, user_id).await {
        Ok(true) => {
            tracing::info!(%doc_id, "document deleted");
            let mut response = Response::new(Body::Empty);
            *response.status_mut() = StatusCode::NO_CONTENT;
            response
        }
        Ok(false) => not_found(),
        Err(error) => unexpected(error).into_response(),
    }
}

/// The query parameters of `GET /api/v1/docs`.
const LIST_PARAMETERS: &[&str] = &["limit", "cursor"];

/// Lists the caller's documents, newest first: `?limit=` sets the page size (1 to
/// 100) and `?cursor=` continues after an earlier page.
#[utoipa::path(
    get,
    path = "/api/v1/docs",
    tag = "documents",
    operation_id = "listDocuments",
    params(
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Page size, 1 to 100 (default 20)."),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page."),
    ),
    responses(
        (status = 200, description = "A page of documents.", body = ListView),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 422, response = crate::openapi::Invalid),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = [])),
)]
pub async fn list(state: &SummarizeState, user_id: Uuid, request: &Request) -> Response<Body> {
    let query = request.query_string_parameters();
    let mut errors = Vec::new();
    // A filter this route does not have (`status=done`) is not silently ignored.
    errors.extend(query_parameter_errors(&query, LIST_PARAMETERS, LIST_PARAMETERS));
    let limit = match query.first("limit") {
        None => DEFAULT_LIST_LIMIT,
        Some(raw) => match raw.trim().parse::<i64>() {
            Ok(limit) if (1..=MAX_LIST_LIMIT).contains(&limit) => limit,
            _ => {
                errors.push(FieldError::new("limit", format!("must be a whole number from 1 to {MAX_LIST_LIMIT}")));
                DEFAULT_LIST_LIMIT
            }
        },
    };
    let after = match query.first("cursor").map(decode_cursor) {
        None => None,
        Some(Some(position)) => Some(position),
        Some(None) => {
            errors.push(FieldError::new("cursor", "must be a next_cursor value from an earlier page"));
            None
        }
    };
    if !errors.is_empty() {
        return Problem::validation(errors).into_response();
    }

    match state.documents.list_owned(user_id, limit + 1, after).await {
        Ok(mut documents) => {
            let more = documents.len() as i64 > limit;
            documents.truncate(limit as usize);
            let next_cursor = documents
                .last()
                .filter(|_| more)
                .map(|last| encode_cursor(ListPosition { created_at: last.created_at, doc_id: last.doc_id }));
            let items = documents.iter().map(DocumentSummaryView::from).collect();
            json_response(StatusCode::OK, &ListView { items, next_cursor })
        }
        Err(error) => unexpected(error).into_response(),
    }
}

/// The version tag of the cursor format, so a later format can tell old cursors apart.
const CURSOR_VERSION: &str = "v1";

/// Encodes a list position as an opaque cursor: base64url of
/// `v1:<microseconds since the epoch>:<doc_id>`.
fn encode_cursor(position: ListPosition) -> String {
    let micros = position.created_at.unix_timestamp_nanos() / 1000;
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_VERSION}:{micros}:{}", position.doc_id))
}

/// The latest `created_at` a cursor may carry: 9999-12-31T23:59:59.999999Z, in
/// microseconds since the Unix epoch. A forged cursor beyond PostgreSQL's
/// `timestamptz` range (4713 BC to 294276 AD) would fail the query, so cursors outside
/// 1970 to 9999 are rejected. No document is older than the epoch, because document
/// ids are UUIDv7.
const MAX_CURSOR_MICROS: i128 = 253_402_300_799_999_999;

/// Decodes a cursor from [`encode_cursor`]; anything else is `None`.
fn decode_cursor(cursor: &str) -> Option<ListPosition> {
    if cursor.len() > 128 {
        return None;
    }
    let decoded = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?).ok()?;
    let mut parts = decoded.splitn(3, ':');
    if parts.next()? != CURSOR_VERSION {
        return None;
    }
    let micros: i128 = parts.next()?.parse().ok()?;
    if !(0..=MAX_CURSOR_MICROS).contains(&micros) {
        return None;
    }
    let doc_id = Uuid::parse_str(parts.next()?).ok()?;
    let created_at = OffsetDateTime::from_unix_timestamp_nanos(micros.checked_mul(1000)?).ok()?;
    Some(ListPosition { created_at, doc_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_to_the_microsecond() {
        let position = ListPosition {
            created_at: OffsetDateTime::from_unix_timestamp_nanos(1_764_000_000_123_456_000).unwrap(),
            doc_id: Uuid::now_v7(),
        };
        assert_eq!(decode_cursor(&encode_cursor(position)), Some(position));
    }

    #[test]
    fn foreign_cursors_are_rejected() {
        let doc_id = Uuid::nil();
        for cursor in [
            String::new(),
            "not base64!".to_owned(),
            URL_SAFE_NO_PAD.encode(format!("v2:1:{doc_id}")),
            URL_SAFE_NO_PAD.encode(format!("v1:abc:{doc_id}")),
            URL_SAFE_NO_PAD.encode("v1:1:not-a-uuid"),
            URL_SAFE_NO_PAD.encode(format!("v1:{}:{doc_id}", i128::MAX)),
            URL_SAFE_NO_PAD.encode(format!("v1:-1:{doc_id}")),
            URL_SAFE_NO_PAD.encode(format!("v1:{}:{doc_id}", MAX_CURSOR_MICROS + 1)),
            "A".repeat(1000),
        ] {
            assert_eq!(decode_cursor(&cursor), None, "cursor {cursor:?}");
        }
    }

    #[test]
    fn bullets_put_each_sentence_on_one_line() {
        let sentence = |text: &str| SummarySentence { text: text.to_owned(), start: 0, end: 1 };
        let summary = StoredSummary {
            sentences: vec![sentence("First one.\nWrapped."), sentence("Second.")],
            method: "m".into(),
            language: Some("en".into()),
            key_phrases: Vec::new(),
            truncated: false,
        };
        assert_eq!(SummaryView::from(summary).bullets, "- First one. Wrapped.\n- Second.");
    }

    #[test]
    fn bullets_escape_markdown_marks() {
        let sentence = |text: &str| SummarySentence { text: text.to_owned(), start: 0, end: 1 };
        let summary = StoredSummary {
            sentences: vec![
                sentence("Use *care* with [links](x) and a_b <tags> & `code`."),
                sentence("# Not a heading."),
                sentence("2024. A year, not a list."),
                sentence("C:\\path | pipe ~ tilde - dash 3.5 units."),
            ],
            method: "m".into(),
            language: Some("en".into()),
            key_phrases: Vec::new(),
            truncated: false,
        };

        let bullets = SummaryView::from(summary).bullets;

        let lines: Vec<&str> = bullets.lines().collect();
        assert_eq!(lines[0], r"- Use \*care\* with \[links\](x) and a\_b \<tags\> \& \`code\`.");
        assert_eq!(lines[1], r"- \# Not a heading.");
        assert_eq!(lines[2], r"- 2024\. A year, not a list.");
        assert_eq!(lines[3], r"- C:\\path \| pipe \~ tilde - dash 3.5 units.");
    }
}
