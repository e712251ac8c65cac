//! The summarize function: `POST /api/v1/summarize` and the document routes in
//! [`super::docs`].

use std::sync::Arc;

use lambda_http::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{authenticate, unexpected, RETRY_AFTER_SECONDS};
use crate::auth::tokens::AccessTokenVerifier;
use crate::domain::{check_text, json_encoded_len, SummaryLength, Title, MAX_ENCODED_TEXT_BYTES, MAX_TEXT_BYTES};
use crate::http::{body_bytes, json_response, media_type, parse_json, route_path};
use crate::problem::{FieldError, Problem};
use crate::queue::{Job, JobQueue};
use crate::store::documents::{DocumentStore, Status};
use crate::store::texts::TextStore;
use crate::store::users::UserStore;

/// The largest request body: the text limit plus room for JSON escaping and fields.
pub const MAX_BODY_BYTES: usize = MAX_TEXT_BYTES + 64 * 1024;

/// The clients and keys of the summarize function, built once per execution environment.
#[derive(Clone)]
pub struct SummarizeState {
    pub verifier: AccessTokenVerifier,
    pub users: UserStore,
    pub documents: DocumentStore,
    pub texts: TextStore,
    pub queue: Arc<dyn JobQueue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubmitRequest {
    text: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    sentences: Option<i64>,
}

#[derive(Serialize)]
struct SubmitResponse {
    doc_id: Uuid,
    status: Status,
}

/// Handles a request to the summarize function.
pub async fn handle(state: &SummarizeState, request: Request) -> Response<Body> {
    super::serve(request, |request| async move {
        let route = route_path(&request);
        let segments: Vec<&str> = route.trim_start_matches('/').split('/').collect();
        let method = request.method().clone();

        let claims = match authenticate(&state.verifier, &state.users, &request).await {
            Ok(claims) if matches!(segments.as_slice(), ["summarize"] | ["docs"] | ["docs", _]) => claims,
            Ok(_) => return Problem::not_found("No such route.").into_response(),
            Err(problem) => return problem.into_response(),
        };

        match (method, segments.as_slice()) {
            (Method::POST, ["summarize"]) => submit(state, claims.sub, &request).await,
            (Method::GET, ["docs"]) => super::docs::list(state, claims.sub, &request).await,
            (Method::GET, ["docs", doc_id]) => super::docs::get(state, claims.sub, doc_id).await,
            (method, ["summarize"]) => Problem::method_not_allowed(method.as_str(), "POST").into_response(),
            (method, _) => Problem::method_not_allowed(method.as_str(), "GET").into_response(),
        }
    })
    .await
}

/// The parsed input of a submission.
struct Submission {
    text: String,
    title: Option<Title>,
    length: SummaryLength,
}

async fn submit(state: &SummarizeState, user_id: Uuid, request: &Request) -> Response<Body> {
    let submission = match parse_submission(request) {
        Ok(submission) => submission,
        Err(problem) => return problem.into_response(),
    };

    let doc_id = Uuid::now_v7();
    let text_bytes = submission.text.len();
    tracing::info!(%doc_id, text_bytes, "document received");

    // Text first: a row without text would be a document nobody can summarize, while
    // text without a row is invisible to every user.
    // The scheduled cleanup deletes such orphaned text once it is old enough.
    if let Err(error) = state.texts.insert_text(doc_id, submission.text).await {
        return unexpected(error).into_response();
    }
    let stored = state
        .documents
        .insert(
            doc_id,
            user_id,
            submission.title.as_ref().map(Title::as_str),
            submission.length.get().get() as i32,
            text_bytes as i32,
        )
        .await;
    if let Err(error) = stored {
        return unexpected(error).into_response();
    }

    if let Err(error) = state.queue.publish(Job { doc_id }).await {
        tracing::error!(%doc_id, error.message = %error, error.cause_chain = ?error, "failed to queue job");
        let reason = "The job could not be queued. Submit the document again.";
        if let Err(error) = state.documents.mark_failed(doc_id, reason).await {
            tracing::error!(%doc_id, error.message = %error, "failed to mark unqueued document failed");
        }
        return Problem::unavailable(RETRY_AFTER_SECONDS).into_response();
    }

    tracing::info!(%doc_id, "job queued");
    let mut response = json_response(StatusCode::ACCEPTED, &SubmitResponse { doc_id, status: Status::Queued });
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/docs/{doc_id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// Reads a submission from JSON (`{"text", "title"?, "sentences"?}`) or from plain
/// text with `title` and `sentences` in the query string.
fn parse_submission(request: &Request) -> Result<Submission, Problem> {
    let bytes = body_bytes(request, MAX_BODY_BYTES)?;
    let (text, title, sentences) = match media_type(request).as_deref() {
        Some("application/json") => {
            let body: SubmitRequest = parse_json(bytes)?;
            (body.text, body.title, body.sentences)
        }
        Some("text/plain") => {
            let text = String::from_utf8(bytes.to_vec())
                .map_err(|_| Problem::malformed("The request body is not valid UTF-8."))?;
            let query = request.query_string_parameters();
            let sentences = match query.first("sentences") {
                None => None,
                Some(raw) => Some(raw.trim().parse::<i64>().map_err(|_| {
                    Problem::validation(vec![FieldError::new("sentences", "must be a whole number from 1 to 50")])
                })?),
            };
            (text, query.first("title").map(str::to_owned), sentences)
        }
        _ => return Err(Problem::unsupported_media_type("application/json or text/plain")),
    };

    if text.len() > MAX_TEXT_BYTES {
        return Err(Problem::payload_too_large(MAX_TEXT_BYTES));
    }
    if json_encoded_len(&text) > MAX_ENCODED_TEXT_BYTES {
        return Err(Problem::payload_too_large_detail(format!(
            "The text must be at most {MAX_ENCODED_TEXT_BYTES} bytes once JSON-encoded; quotes, backslashes and \
             line breaks count twice."
        )));
    }

    let mut errors = Vec::new();
    if let Err(message) = check_text(&text) {
        errors.push(FieldError::new("text", message));
    }
    let title = Title::parse(title.as_deref()).map_err(|message| errors.push(FieldError::new("title", message)));
    let length = SummaryLength::parse(sentences).map_err(|message| errors.push(FieldError::new("sentences", message)));
    match (title, length) {
        (Ok(title), Ok(length)) if errors.is_empty() => Ok(Submission { text, title, length }),
        _ => Err(Problem::validation(errors)),
    }
}
