//! The OpenAPI 3.1 description of the HTTP API, generated from the handlers' own
//! request and response types. `GET /api/v1/openapi.json` serves it, and
//! `docs/openapi.json` contains a copy that a test compares with this output.

use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse, ToSchema};

use crate::problem::FieldError;

/// An error response (RFC 9457), as `application/problem+json`.
#[derive(Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct ProblemDocument {
    /// A URI naming the kind of problem, e.g. `urn:docsum:problem:validation`; stable,
    /// for clients to match on.
    #[serde(rename = "type")]
    kind: String,
    /// A short summary of the kind of problem.
    title: String,
    /// The HTTP status code.
    status: u16,
    /// An English explanation of this occurrence of the problem.
    detail: String,
    /// For 422: each invalid field and the rule it broke.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
    /// The id of the request, the same as the `x-request-id` header and the logs.
    request_id: Option<String>,
}

/// The body is missing, not valid JSON, or not valid UTF-8.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Malformed(pub ProblemDocument);

/// The bearer token is missing, malformed, expired or invalid, or the account is
/// disabled.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("WWW-Authenticate" = String, description = "`Bearer`"))
)]
pub struct Unauthorized(pub ProblemDocument);

/// The email or password is wrong.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct InvalidCredentials(pub ProblemDocument);

/// No document with this id belongs to the caller.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotFound(pub ProblemDocument);

/// The email is already registered.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Conflict(pub ProblemDocument);

/// The body or the text is larger than the limit the detail names.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct TooLarge(pub ProblemDocument);

/// The Content-Type is not one the route takes; the detail lists them.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct UnsupportedMediaType(pub ProblemDocument);

/// A field breaks a rule; `errors` names each field and its rule.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Invalid(pub ProblemDocument);

/// A rate or in-flight limit was hit.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u32, description = "Seconds to wait before retrying."))
)]
pub struct TooManyRequests(pub ProblemDocument);

/// A backing service is unavailable.
#[derive(ToResponse)]
#[response(
    content_type = "application/problem+json",
    headers(("Retry-After" = u32, description = "Seconds to wait before retrying."))
)]
pub struct Unavailable(pub ProblemDocument);

/// The errors of every route that reads a JSON body: malformed (400), too large
/// (413), another content type (415) and an invalid field (422).
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum JsonBodyErrors {
    #[response(status = 400)]
    Malformed(#[ref_response] Malformed),
    #[response(status = 413)]
    TooLarge(#[ref_response] TooLarge),
    #[response(status = 415)]
    UnsupportedMediaType(#[ref_response] UnsupportedMediaType),
    #[response(status = 422)]
    Invalid(#[ref_response] Invalid),
}

/// The public keys that verify access tokens (RFC 7517).
#[derive(Serialize, ToSchema)]
#[schema(as = JsonWebKeySet)]
pub struct JwksDocument {
    /// Ed25519 keys: `kty` `OKP`, `crv` `Ed25519`, `alg` `EdDSA`, `use` `sig`, `kid`, `x`.
    keys: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// Returns the public keys that verify access tokens.
#[utoipa::path(
    get,
    path = "/.well-known/jwks.json",
    tag = "auth",
    operation_id = "getJwks",
    responses((status = 200, description = "The key set.", body = JwksDocument)),
)]
#[allow(dead_code)]
fn jwks() {}

/// Returns this description.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    operation_id = "getOpenApi",
    responses((status = 200, description = "The OpenAPI 3.1 description.", content_type = "application/json", body = Object)),
)]
#[allow(dead_code)]
fn openapi_json() {}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("The `access_token` from login or refresh, valid for 15 minutes."))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "docsum",
        version = "1.0.0",
        description = "Extractive summaries of long texts, readable only by their owner. Every error is \
            `application/problem+json` with the request id.",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(
        crate::routes::register::register,
        crate::routes::login::login,
        crate::routes::login::refresh,
        crate::routes::login::logout,
        crate::routes::users::me,
        jwks,
        crate::routes::summarize::submit,
        crate::routes::docs::list,
        crate::routes::docs::get,
        crate::routes::docs::delete,
        openapi_json,
    ),
    components(
        schemas(ProblemDocument, FieldError),
        responses(
        Malformed,
        Unauthorized,
        InvalidCredentials,
        NotFound,
        Conflict,
        TooLarge,
        UnsupportedMediaType,
        Invalid,
        TooManyRequests,
        Unavailable,
        ),
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Accounts and tokens."),
        (name = "documents", description = "Submitting, reading and deleting documents."),
        (name = "meta", description = "This description."),
    ),
)]
struct ApiDoc;

/// Returns the OpenAPI description as pretty-printed JSON with a final newline, as
/// `docs/openapi.json` contains it.
pub fn to_json() -> String {
    json_str().to_owned()
}

/// Returns the description as served, without copying it per request.
pub fn json_str() -> &'static str {
    static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    JSON.get_or_init(build_json)
}

fn build_json() -> String {
    let mut json = ApiDoc::openapi().to_pretty_json().expect("the OpenAPI description always serializes");
    json.push('\n');
    json
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_is_openapi_3_1_with_every_route() {
        let doc: serde_json::Value = serde_json::from_str(&to_json()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let paths: Vec<&str> = doc["paths"].as_object().unwrap().keys().map(String::as_str).collect();
        for path in [
            "/api/v1/auth/register",
            "/api/v1/auth/login",
            "/api/v1/auth/refresh",
            "/api/v1/auth/logout",
            "/api/v1/users/me",
            "/.well-known/jwks.json",
            "/api/v1/summarize",
            "/api/v1/docs",
            "/api/v1/docs/{doc_id}",
            "/api/v1/openapi.json",
        ] {
            assert!(paths.contains(&path), "{path} missing from {paths:?}");
        }
    }

    #[test]
    fn committed_copy_matches_the_code() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
        let committed = std::fs::read_to_string(path).expect("docs/openapi.json is missing");
        assert!(
            committed == to_json(),
            "docs/openapi.json differs from the code; regenerate it with \
             `cargo run -p shared --bin openapi > docs/openapi.json` and review the diff"
        );
    }

    #[test]
    fn problem_schema_lists_every_member_a_problem_sends() {
        let doc: serde_json::Value = serde_json::from_str(&to_json()).unwrap();
        let schema = &doc["components"]["schemas"]["Problem"]["properties"];
        let sent = crate::problem::Problem::validation(vec![FieldError::new("text", "rule")]).into_response();
        let lambda_http::Body::Text(body) = sent.body() else { panic!("expected a text body") };
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        for member in body.as_object().unwrap().keys() {
            assert!(schema.get(member).is_some(), "member {member} is not in the Problem schema");
        }
        assert!(schema.get("request_id").is_some());
    }
}
