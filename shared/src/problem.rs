//! The one error format of every function: `application/problem+json` (RFC 9457).

use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

/// One invalid field of a request, with the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The JSON field, e.g. `email`; nested fields use dots.
    pub field: String,
    /// The rule the value broke, e.g. "must be at least 8 characters".
    pub message: String,
}

impl FieldError {
    /// Creates a field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

tokio::task_local! {
    /// The id of the request being served, set by [`with_request_id`].
    static REQUEST_ID: String;
}

/// Runs `future` with `request_id` as the id that problems built inside it carry.
pub async fn with_request_id<F: std::future::Future>(request_id: String, future: F) -> F::Output {
    REQUEST_ID.scope(request_id, future).await
}

/// A problem details object, the body of every 4xx and 5xx response.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// A URI naming the kind of problem; stable, for clients to match on.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    #[serde(serialize_with = "serialize_status")]
    pub status: StatusCode,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(skip)]
    retry_after_seconds: Option<u32>,
    #[serde(skip)]
    allow: Option<&'static str>,
}

fn serialize_status<S: serde::Serializer>(status: &StatusCode, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u16(status.as_u16())
}

impl Problem {
    fn new(kind: &'static str, title: &'static str, status: StatusCode, detail: impl Into<String>) -> Self {
        Self { kind, title, status, detail: detail.into(), errors: Vec::new(), retry_after_seconds: None, allow: None }
    }

    /// 400: the body is not valid JSON or is empty.
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new("urn:docsum:problem:malformed-request", "Malformed request", StatusCode::BAD_REQUEST, detail)
    }

    /// 401: the bearer token is missing, malformed, expired or not valid.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new("urn:docsum:problem:unauthorized", "Unauthorized", StatusCode::UNAUTHORIZED, detail)
    }

    /// 401 for a failed login; the same for an unknown email and a wrong password.
    pub fn invalid_credentials() -> Self {
        Self::new(
            "urn:docsum:problem:invalid-credentials",
            "Invalid credentials",
            StatusCode::UNAUTHORIZED,
            "The email or password is incorrect.",
        )
    }

    /// 404: no such resource, or one the caller may not see.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new("urn:docsum:problem:not-found", "Not found", StatusCode::NOT_FOUND, detail)
    }

    /// 405: the route exists but not for this method; `allow` lists the methods it
    /// takes, sent in the `Allow` header.
    pub fn method_not_allowed(method: &str, allow: &'static str) -> Self {
        let mut problem = Self::new(
            "urn:docsum:problem:method-not-allowed",
            "Method not allowed",
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{method} is not allowed on this route; use {allow}."),
        );
        problem.allow = Some(allow);
        problem
    }

    /// 409: the request conflicts with existing state, e.g. a registered email.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new("urn:docsum:problem:conflict", "Conflict", StatusCode::CONFLICT, detail)
    }

    /// 413: the body is larger than the route accepts.
    pub fn payload_too_large(max_bytes: usize) -> Self {
        Self::new(
            "urn:docsum:problem:payload-too-large",
            "Payload too large",
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The request body must be at most {max_bytes} bytes."),
        )
    }

    /// 413 with a detail of the caller's choice, for limits other than the body size.
    pub fn payload_too_large_detail(detail: impl Into<String>) -> Self {
        Self::new("urn:docsum:problem:payload-too-large", "Payload too large", StatusCode::PAYLOAD_TOO_LARGE, detail)
    }

    /// 415: the body has a content type the route does not take.
    pub fn unsupported_media_type(accepted: &str) -> Self {
        Self::new(
            "urn:docsum:problem:unsupported-media-type",
            "Unsupported media type",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("The Content-Type header must be {accepted}."),
        )
    }

    /// 422: the body is well-formed but breaks the schema; `errors` names each field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [only] => format!("Field `{}` {}.", only.field, only.message),
            _ => "Some fields are invalid; see `errors`.".to_owned(),
        };
        let mut problem =
            Self::new("urn:docsum:problem:validation", "Validation failed", StatusCode::UNPROCESSABLE_ENTITY, detail);
        problem.errors = errors;
        problem
    }

    /// 429: a rate limit was hit; the client may retry after `retry_after_seconds`.
    pub fn too_many_requests(retry_after_seconds: u32) -> Self {
        Self::too_many_requests_detail(
            retry_after_seconds,
            format!("Too many attempts. Retry after {retry_after_seconds} seconds."),
        )
    }

    /// 429 with a detail of the caller's choice, for limits that are not counts of
    /// attempts.
    pub fn too_many_requests_detail(retry_after_seconds: u32, detail: impl Into<String>) -> Self {
        let mut problem =
            Self::new("urn:docsum:problem:rate-limited", "Too many requests", StatusCode::TOO_MANY_REQUESTS, detail);
        problem.retry_after_seconds = Some(retry_after_seconds);
        problem
    }

    /// 503: a backing service is unavailable; the client may retry after a while.
    pub fn unavailable(retry_after_seconds: u32) -> Self {
        let mut problem = Self::new(
            "urn:docsum:problem:unavailable",
            "Service unavailable",
            StatusCode::SERVICE_UNAVAILABLE,
            "The service is temporarily unavailable. Retry later.",
        );
        problem.retry_after_seconds = Some(retry_after_seconds);
        problem
    }

    /// 500 with a generic body. The error and its causes are logged here, once, and
    /// never reach the response.
    pub fn internal(error: &anyhow::Error) -> Self {
        tracing::error!(error.message = %error, error.cause_chain = ?error, "request failed");
        Self::new(
            "urn:docsum:problem:internal",
            "Internal server error",
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server failed to handle the request.",
        )
    }

    /// Builds the HTTP response: status, `application/problem+json`, and
    /// `WWW-Authenticate` on 401 or `Retry-After` on 429 and 503.
    pub fn into_response(self) -> Response<Body> {
        /// The problem as sent: its members and the request id.
        #[derive(Serialize)]
        struct Sent<'a> {
            #[serde(flatten)]
            problem: &'a Problem,
            /// The id of the request, as in the `x-request-id` header and the logs.
            #[serde(skip_serializing_if = "Option::is_none")]
            request_id: Option<String>,
        }
        let sent = Sent { problem: &self, request_id: REQUEST_ID.try_with(Clone::clone).ok() };
        let body = serde_json::to_string(&sent).unwrap_or_else(|_| String::from("{}"));
        let mut response = Response::new(Body::Text(body));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(allow) = self.allow {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if let Some(seconds) = self.retry_after_seconds {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_problem_names_field() {
        let response =
            Problem::validation(vec![FieldError::new("email", "must be a valid email address")]).into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json");
        let Body::Text(body) = response.body() else { panic!("expected a text body") };
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["status"], 422);
        assert_eq!(json["errors"][0]["field"], "email");
        assert!(json["detail"].as_str().unwrap().contains("email"));
    }

    #[test]
    fn internal_problem_hides_cause() {
        let error = anyhow::anyhow!("connection to 10.0.0.5 refused").context("failed to insert user");
        let Body::Text(body) = Problem::internal(&error).into_response().into_body() else {
            panic!("expected a text body")
        };
        assert!(!body.contains("10.0.0.5"));
        assert!(!body.contains("insert"));
    }

    #[tokio::test]
    async fn problem_carries_request_id_of_its_scope() {
        let response = with_request_id("req-123".into(), async { Problem::not_found("gone").into_response() }).await;
        let Body::Text(body) = response.body() else { panic!("expected a text body") };
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["request_id"], "req-123");
        let Body::Text(outside) = Problem::not_found("gone").into_response().into_body() else { panic!("text") };
        assert!(!outside.contains("request_id"));
    }

    #[test]
    fn unauthorized_carries_bearer_challenge() {
        let response = Problem::unauthorized("missing token").into_response();
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
    }
}
