//! The summarize function: `POST /api/v1/summarize` and the document routes in
//! [`super::docs`].

use std::sync::Arc;
use std::time::Duration;

use lambda_http::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use secrecy::ExposeSecret as _;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{authenticate, unexpected};
use crate::auth::tokens::AccessTokenVerifier;
use crate::config::DocumentLimits;
use crate::domain::{check_text, json_encoded_len, Title, MAX_ENCODED_TEXT_BYTES, MAX_TEXT_BYTES};
use crate::http::{
    body_bytes, charset, into_body_text, is_json, json_response, media_type, parse_json, query_parameter_errors,
    route_path,
};
use crate::options::{query_integer, query_number, sentences_rule, RawOptions, SummaryOptions, TextFormat};
use crate::outbox::Outbox;
use crate::problem::{FieldError, Problem};
use crate::queue::{Job, JobQueue};
use crate::store::documents::{DocumentStore, Status};
use crate::store::rate_limits::{Limit, RateLimiter};
use crate::store::texts::TextStore;
use crate::store::users::UserStore;
use crate::webhooks::target::CallbackUrl;
use crate::webhooks::Webhooks;

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
    /// The jobs stored but not yet confirmed by the broker; built on `queue`.
    pub outbox: Outbox,
    pub limiter: RateLimiter,
    pub limits: DocumentLimits,
    pub webhooks: Webhooks,
}

/// A document to summarize and how. Set at most one of `sentences`, `ratio` and
/// `words`; with none, the summary has 3 sentences.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubmitRequest {
    /// The text, at most 4 MiB of UTF-8 (less if the deployment lowers
    /// `MAX_DOCUMENT_BYTES`); control characters other than tab and line breaks are
    /// rejected.
    text: String,
    /// A title of at most 200 characters.
    #[serde(default)]
    title: Option<String>,
    /// The markup of `text`; HTML and Markdown are reduced to their visible text.
    #[serde(default)]
    #[schema(value_type = Option<TextFormat>)]
    format: Option<String>,
    /// At most this many sentences, 1 to 50.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 50)]
    sentences: Option<i64>,
    /// At most this share of the sentences, greater than 0 and at most 1.
    #[serde(default)]
    #[schema(exclusive_minimum = 0.0, maximum = 1.0)]
    ratio: Option<f64>,
    /// At most this many words, 1 to 5000.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 5000)]
    words: Option<i64>,
    /// `auto` (the default) or an ISO 639-1 code: ar, bn, da, de, el, en, es, fi, fr,
    /// he, hi, hu, it, ja, ko, nl, no, pt, ro, ru, sv, ta, tr, zh.
    #[serde(default)]
    #[schema(example = "auto")]
    language: Option<String>,
    /// How many key phrases to extract, 0 to 20 (default 5).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 20)]
    key_phrases: Option<i64>,
    /// An absolute `https` URL to `POST` a signed webhook to when the summary is done
    /// or has failed, at most 2048 bytes, without a user name or password, and not on
    /// a private, loopback or link-local address. The response then carries the
    /// `callback_secret` that signs it.
    // NOTE: no `format = Uri` and no example: property tests send examples and
    // generate valid URIs for that format, and the test stack's worker would then
    // call hosts on the internet.
    #[serde(default)]
    #[schema(max_length = 2048)]
    callback_url: Option<String>,
}

/// A document accepted for summarizing.
#[derive(Serialize, ToSchema)]
pub(crate) struct SubmitResponse {
    doc_id: Uuid,
    status: Status,
    /// With a `callback_url` only: the secret that signs the webhook, `whsec_` and the
    /// base64 of a 32-byte key (Standard Webhooks). Returned only in this response.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    callback_secret: Option<String>,
}

/// The query parameters of a text body submission. `format` is known only to be
/// rejected with its own rule, because the `Content-Type` sets it.
const QUERY_PARAMETERS: [&str; 8] =
    ["format", "title", "sentences", "ratio", "words", "language", "key_phrases", "callback_url"];

/// How long a client over its limit of documents in flight should wait.
const IN_FLIGHT_RETRY_AFTER_SECONDS: u32 = 10;

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
            (Method::POST, ["summarize"]) => submit(state, claims.sub, request).await,
            (Method::GET, ["docs"]) => super::docs::list(state, claims.sub, &request).await,
            (Method::GET, ["docs", doc_id]) => super::docs::get(state, claims.sub, doc_id).await,
            (Method::DELETE, ["docs", doc_id]) => super::docs::delete(state, claims.sub, doc_id).await,
            (method, ["summarize"]) => Problem::method_not_allowed(method.as_str(), "POST").into_response(),
            (method, ["docs"]) => Problem::method_not_allowed(method.as_str(), "GET").into_response(),
            (method, _) => Problem::method_not_allowed(method.as_str(), "GET, DELETE").into_response(),
        }
    })
    .await
}

/// The parsed input of a submission.
struct Submission {
    text: String,
    title: Option<Title>,
    options: SummaryOptions,
    callback_url: Option<CallbackUrl>,
}

/// Submits a document; the summary is made in the background.
#[utoipa::path(
    post,
    path = "/api/v1/summarize",
    tag = "documents",
    operation_id = "submit",
    request_body(
        description = "JSON with the text and options, or the text itself as `text/plain`, `text/markdown` \
            or `text/html` with the options as query parameters.",
        content(
            (SubmitRequest = "application/json"),
            (String = "text/plain"),
            (String = "text/markdown"),
            (String = "text/html"),
        ),
    ),
    params(
        ("title" = Option<String>, Query, description = "For text bodies: the title."),
        ("sentences" = Option<i64>, Query, description = "For text bodies: at most this many sentences, 1 to 50."),
        ("ratio" = Option<f64>, Query, description = "For text bodies: at most this share of the sentences, (0, 1]."),
        ("words" = Option<i64>, Query, description = "For text bodies: at most this many words, 1 to 5000."),
        ("language" = Option<String>, Query, description = "For text bodies: `auto` or an ISO 639-1 code."),
        ("key_phrases" = Option<i64>, Query, description = "For text bodies: key phrases to extract, 0 to 20."),
        ("callback_url" = Option<String>, Query, description = "For text bodies: the `https` URL to send a signed \
            webhook to when the summary is ready."),
    ),
    responses(
        (status = 202, description = "Accepted; poll the Location.", body = SubmitResponse,
            headers(("Location" = String, description = "The document's URL."))),
        (status = 401, response = crate::openapi::Unauthorized),
        crate::openapi::JsonBodyErrors,
        (status = 429, response = crate::openapi::TooManyRequests),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn submit(state: &SummarizeState, user_id: Uuid, request: Request) -> Response<Body> {
    let allow_loopback = state.webhooks.settings().allow_loopback;
    let submission = match parse_submission(request, state.limits.max_document_bytes, allow_loopback) {
        Ok(submission) => submission,
        Err(problem) => return problem.into_response(),
    };
    if let Err(problem) = check_user_limits(state, user_id).await {
        return problem.into_response();
    }

    let doc_id = Uuid::now_v7();
    let text_bytes = submission.text.len();
    tracing::info!(%doc_id, text_bytes, format = submission.options.format.as_str(), "document received");

    // Text first: a row without text would be a document nobody can summarize, while
    // text without a row is invisible to every user.
    // The scheduled cleanup deletes such orphaned text once it is old enough.
    if let Err(error) = state.texts.insert_text(doc_id, submission.text).await {
        return unexpected(error).into_response();
    }
    let title = submission.title.as_ref().map(Title::as_str);
    let stored = state
        .documents
        .insert_within_limit(doc_id, user_id, title, &submission.options, text_bytes as i32, state.limits.max_in_flight)
        .await;
    match stored {
        Ok(Some(_)) => {}
        Ok(None) => {
            // Concurrent submissions filled the limit after the check above. The text
            // has no row, so no user can see it, and the scheduled cleanup deletes it
            // when this delete fails.
            tracing::warn!(%user_id, "documents in flight limit hit");
            if let Err(error) = state.texts.delete(doc_id).await {
                tracing::warn!(%doc_id, error.message = %error, "failed to delete text of a rejected submission");
            }
            return in_flight_limit_hit(state).into_response();
        }
        Err(error) => return unexpected(error).into_response(),
    }
    let callback_secret = match register_callback(state, doc_id, submission.callback_url.as_ref()).await {
        Ok(secret) => secret,
        Err(problem) => return problem.into_response(),
    };

    publish_or_keep(state, doc_id).await;

    let accepted = SubmitResponse { doc_id, status: Status::Queued, callback_secret };
    let mut response = json_response(StatusCode::ACCEPTED, &accepted);
    if let Ok(location) = HeaderValue::from_str(&format!("/api/v1/docs/{doc_id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// Publishes the job of a stored document. When the broker fails, the job stays in
/// the outbox with `published_at` NULL and a later drain publishes it, so the
/// submission is still accepted: the document is stored and will be summarized.
async fn publish_or_keep(state: &SummarizeState, doc_id: Uuid) {
    if let Err(error) = state.queue.publish(Job { doc_id }).await {
        tracing::warn!(%doc_id, error.message = %error, error.cause_chain = ?error, "failed to publish job; it stays in the outbox");
        return;
    }
    tracing::info!(%doc_id, "job queued");

    // A failure here leaves a published job in the outbox; a drain publishes it
    // again, and the worker's claim makes the second delivery a no-op.
    if let Err(error) = state.outbox.mark_published(doc_id).await {
        tracing::warn!(%doc_id, error.message = %error, "failed to mark job published");
    }
    state.outbox.drain_if_due().await;
}

/// Stores the webhook of a new document, when it has a callback URL, and returns its
/// secret. On failure the document is marked `failed`, so that no job runs for a
/// submission its client saw fail.
async fn register_callback(
    state: &SummarizeState,
    doc_id: Uuid,
    callback_url: Option<&CallbackUrl>,
) -> Result<Option<String>, Problem> {
    let Some(callback_url) = callback_url else { return Ok(None) };
    match state.webhooks.register(doc_id, callback_url).await {
        Ok(secret) => Ok(Some(secret.expose_secret().to_owned())),
        Err(error) => {
            let reason = "The callback URL could not be stored. Submit the document again.";
            if let Err(error) = state.documents.mark_failed(doc_id, reason).await {
                tracing::error!(%doc_id, error.message = %error, "failed to mark document without webhook failed");
            }
            Err(unexpected(error))
        }
    }
}

/// Checks the per-user limits: submissions per minute, then documents in flight.
async fn check_user_limits(state: &SummarizeState, user_id: Uuid) -> Result<(), Problem> {
    let per_minute = Limit { max_hits: state.limits.submissions_per_minute, window: Duration::from_secs(60) };
    match state.limiter.hit(&format!("submit-user:{user_id}"), per_minute).await {
        Ok(None) => {}
        Ok(Some(retry_after)) => {
            tracing::warn!(%user_id, "submission rate limit hit");
            let seconds = u32::try_from(retry_after.as_secs()).unwrap_or(u32::MAX).max(1);
            return Err(Problem::too_many_requests_detail(
                seconds,
                format!(
                    "At most {} documents may be submitted per minute. Retry after {seconds} seconds.",
                    per_minute.max_hits
                ),
            ));
        }
        Err(error) => return Err(unexpected(error)),
    }
    // A quick check before the text is stored; the insert checks the limit again.
    match state.documents.count_in_flight(user_id).await {
        Ok(count) if count >= state.limits.max_in_flight => {
            tracing::warn!(%user_id, count, "documents in flight limit hit");
            Err(in_flight_limit_hit(state))
        }
        Ok(_) => Ok(()),
        Err(error) => Err(unexpected(error)),
    }
}

/// Builds the 429 for a user with the maximum number of documents in flight.
fn in_flight_limit_hit(state: &SummarizeState) -> Problem {
    Problem::too_many_requests_detail(
        IN_FLIGHT_RETRY_AFTER_SECONDS,
        format!(
            "At most {} documents may be queued or processing at once. Retry when one has finished.",
            state.limits.max_in_flight
        ),
    )
}

/// Reads a submission from JSON (`{"text", "title"?, "format"?, "sentences"? |
/// "ratio"? | "words"?, "language"?, "key_phrases"?, "callback_url"?}`), or from a
/// `text/plain`, `text/markdown` or `text/html` body with the other fields in the
/// query string.
fn parse_submission(request: Request, max_document_bytes: usize, allow_loopback: bool) -> Result<Submission, Problem> {
    let media_type = media_type(&request);
    let charset = charset(&request);
    let (parts, body) = request.into_parts();
    let mut errors = Vec::new();
    let (text, title, raw, callback_url) = match media_type.as_deref() {
        // `application/*+json` is JSON too, as on the other routes.
        media if is_json(media) => {
            let body: SubmitRequest = parse_json(body_bytes(&body, MAX_BODY_BYTES)?)?;
            // Options in the query of a JSON submission would be ignored, so they are
            // rejected like unknown fields.
            let query = parts.query_string_parameters();
            let mut names: Vec<&str> = query.iter().map(|(name, _)| name).collect();
            names.sort_unstable();
            names.dedup();
            for name in names {
                errors.push(FieldError::new(
                    name,
                    "must not be set in the query of a JSON submission; set it in the body",
                ));
            }
            let raw = RawOptions {
                format: body.format,
                sentences: body.sentences,
                ratio: body.ratio,
                words: body.words,
                language: body.language,
                key_phrases: body.key_phrases,
            };
            (body.text, body.title, raw, body.callback_url)
        }
        Some(media @ ("text/plain" | "text/markdown" | "text/html")) => {
            // The body is read as UTF-8, so a text declared in another charset would be
            // stored misread, or rejected only when its bytes happen not to be UTF-8.
            if charset.as_deref().is_some_and(|charset| !matches!(charset, "utf-8" | "utf8" | "us-ascii")) {
                return Err(Problem::unsupported_media_type(&format!(
                    "{media} with charset=utf-8 or no charset, because the text must be UTF-8"
                )));
            }
            let text = into_body_text(body, MAX_BODY_BYTES)?;
            let format = match media {
                "text/markdown" => TextFormat::Markdown,
                "text/html" => TextFormat::Html,
                _ => TextFormat::Text,
            };
            let query = parts.query_string_parameters();
            if query.first("format").is_some() {
                errors.push(FieldError::new("format", "must not be set in the query; the Content-Type gives it"));
            }
            // A misspelled option is not dropped in favour of its default.
            errors.extend(query_parameter_errors(&query, &QUERY_PARAMETERS, &QUERY_PARAMETERS[1..]));
            let raw = RawOptions {
                format: Some(format.as_str().to_owned()),
                sentences: query_integer("sentences", query.first("sentences"), &sentences_rule(), &mut errors),
                ratio: query_number(
                    "ratio",
                    query.first("ratio"),
                    "must be a number greater than 0 and at most 1",
                    &mut errors,
                ),
                words: query_integer("words", query.first("words"), "must be a whole number", &mut errors),
                language: query.first("language").map(str::to_owned),
                key_phrases: query_integer(
                    "key_phrases",
                    query.first("key_phrases"),
                    "must be a whole number",
                    &mut errors,
                ),
            };
            let callback_url = query.first("callback_url").map(str::to_owned);
            (text, query.first("title").map(str::to_owned), raw, callback_url)
        }
        _ => return Err(Problem::unsupported_media_type("application/json, text/plain, text/markdown or text/html")),
    };

    if text.len() > max_document_bytes {
        return Err(Problem::payload_too_large_detail(format!(
            "The text must be at most {max_document_bytes} bytes of UTF-8."
        )));
    }
    if json_encoded_len(&text) > MAX_ENCODED_TEXT_BYTES {
        return Err(Problem::payload_too_large_detail(format!(
            "The text must be at most {MAX_ENCODED_TEXT_BYTES} bytes once JSON-encoded; quotes, backslashes and \
             line breaks count twice."
        )));
    }

    if let Err(message) = check_text(&text) {
        errors.push(FieldError::new("text", message));
    }
    let title = Title::parse(title.as_deref()).map_err(|message| errors.push(FieldError::new("title", message)));
    let options = SummaryOptions::parse(&raw, &mut errors);
    let callback_url = callback_url
        .map(|raw| CallbackUrl::parse(&raw, allow_loopback))
        .transpose()
        .map_err(|message| errors.push(FieldError::new("callback_url", message)));
    match (title, options, callback_url) {
        (Ok(title), Some(options), Ok(callback_url)) if errors.is_empty() => {
            Ok(Submission { text, title, options, callback_url })
        }
        _ => Err(Problem::validation(errors)),
    }
}
