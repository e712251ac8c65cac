//! HTTP handlers, one module per function. Each handler takes its function's state,
//! borrowed from `main`, and always returns a response: 4xx and 5xx are problem
//! documents, never `Err`.

pub mod docs;
pub mod login;
pub mod register;
pub mod summarize;
pub mod users;

use std::future::Future;
use std::time::Instant;

use lambda_http::http::HeaderValue;
use lambda_http::{Body, Request, Response};
use tracing::Instrument as _;
use uuid::Uuid;

use crate::auth::tokens::{AccessTokenVerifier, Claims};
use crate::http::{bearer_token, request_id, route_path};
use crate::problem::Problem;
use crate::store::is_unavailable;
use crate::store::users::UserStore;

/// Seconds a client should wait before retrying after a 503.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// Runs a handler inside a request span, logs its outcome (method, route, status,
/// duration; never bodies or tokens) and adds `x-request-id` to the response.
pub async fn serve<F, Fut>(request: Request, handler: F) -> Response<Body>
where
    F: FnOnce(Request) -> Fut,
    Fut: Future<Output = Response<Body>>,
{
    let request_id = request_id(&request);
    let method = request.method().to_string();
    let route = route_path(&request);
    let span = tracing::info_span!("request", %request_id, %method, %route, user_id = tracing::field::Empty);
    let started = Instant::now();

    let mut response =
        crate::problem::with_request_id(request_id.clone(), handler(request).instrument(span.clone())).await;

    let status = response.status().as_u16();
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| tracing::info!(status, duration_ms, "request finished"));
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// Maps an unexpected error to 503 when a backing service is unreachable, or to a
/// generic 500. Either way the cause is logged once and the body reveals nothing.
pub fn unexpected(error: anyhow::Error) -> Problem {
    if is_unavailable(&error) {
        tracing::error!(error.message = %error, error.cause_chain = ?error, "backing service unavailable");
        return Problem::unavailable(RETRY_AFTER_SECONDS);
    }
    Problem::internal(&error)
}

/// Verifies the bearer token of a request, checks that its account still exists and
/// is active, and records the user id on the span.
///
/// # Errors
/// Returns a 401 problem for a missing, malformed, expired or invalid token or a
/// disabled or deleted account, and a 503 or 500 problem when the lookup fails.
pub async fn authenticate(
    verifier: &AccessTokenVerifier,
    users: &UserStore,
    request: &Request,
) -> Result<Claims, Problem> {
    let token = bearer_token(request)?;
    let claims = verifier.verify(token).map_err(Problem::unauthorized)?;
    tracing::Span::current().record("user_id", tracing::field::display(claims.sub));
    match users.find_by_id(claims.sub).await {
        Ok(Some(user)) if user.is_active => Ok(claims),
        Ok(_) => Err(Problem::unauthorized("The account is disabled or no longer exists.")),
        Err(error) => Err(unexpected(error)),
    }
}

/// Returns the client's IP address as API Gateway saw it, or `unknown` when the
/// request carries no API Gateway context.
pub fn client_address(request: &Request) -> String {
    use lambda_http::request::RequestContext;
    use lambda_http::RequestExt as _;
    let address = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        Some(RequestContext::ApiGatewayV1(context)) => context.identity.source_ip.clone(),
        _ => None,
    };
    address.filter(|a| !a.is_empty()).unwrap_or_else(|| "unknown".to_owned())
}

/// Builds a 429 problem with `Retry-After`, for a rate limit that was hit.
pub fn too_many_requests(retry_after: std::time::Duration) -> Problem {
    Problem::too_many_requests(u32::try_from(retry_after.as_secs()).unwrap_or(u32::MAX).max(1))
}

/// Parses a doc_id from a path segment; anything that is not a UUID is unknown.
pub fn parse_doc_id(segment: &str) -> Option<Uuid> {
    Uuid::parse_str(segment).ok()
}
