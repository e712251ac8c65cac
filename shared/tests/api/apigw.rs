//! Every route with API Gateway events of payload format 2.0 (HTTP API) and 1.0 (REST
//! API), read from `tests/fixtures/apigw/` and converted by lambda_http as in Lambda.
//!
//! The fixtures carry a stage prefix (`/prod`), base64-encoded bodies, lower-case
//! (2.0) and mixed-case (1.0) header names, a bearer scheme in lower case (1.0),
//! percent-encoded query values and repeated query parameters.

use base64::Engine as _;
use lambda_http::http::StatusCode;
use lambda_http::{Request, RequestExt as _};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{article, TestApp, TestResponse, PASSWORD};

/// The title in the query string of `summarize-text`, percent-decoded.
const QUERY_TITLE: &str = "Café & budget/notes";
const JSON_TITLE: &str = "Über – résumé ✓";

/// Values that replace the placeholders of a fixture.
#[derive(Default)]
struct Substitutions<'a> {
    token: &'a str,
    doc_id: &'a str,
    body: Option<String>,
}

/// Reads `tests/fixtures/apigw/{version}/{name}.json`, fills it in and converts it
/// into the request that lambda_http hands to a handler.
fn fixture_request(version: &str, name: &str, values: &Substitutions) -> Request {
    let file = format!("{}/tests/fixtures/apigw/{version}/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let raw = std::fs::read_to_string(&file).unwrap_or_else(|error| panic!("failed to read {file}: {error}"));
    let raw = raw.replace("{{TOKEN}}", values.token).replace("{{DOC_ID}}", values.doc_id);
    let mut event: Value = serde_json::from_str(&raw).unwrap();
    if let Some(body) = &values.body {
        let encoded = event["isBase64Encoded"].as_bool().unwrap_or(false);
        event["body"] = if encoded {
            Value::String(base64::engine::general_purpose::STANDARD.encode(body))
        } else {
            Value::String(body.clone())
        };
    }
    lambda_http::request::from_str(&event.to_string())
        .unwrap_or_else(|error| panic!("lambda_http rejected {version}/{name}: {error}"))
}

/// The function whose integration serves a fixture's route in template.yaml.
fn function_of(name: &str) -> &'static str {
    match name {
        "register" => "register",
        "login" | "refresh" | "logout" => "login",
        "users-me" | "jwks" | "openapi" => "users",
        _ => "summarize",
    }
}

async fn send(app: &TestApp, version: &str, name: &str, values: &Substitutions<'_>) -> TestResponse {
    let request = fixture_request(version, name, values);
    app.send_to(function_of(name), request).await
}

/// Runs every route once, in the order a client would, with one payload version.
async fn every_route_answers(version: &str) {
    let app = TestApp::spawn().await;
    let email = format!("Ada.{}@Example.com", Uuid::new_v4().simple());
    let none = Substitutions::default();

    let body = json!({ "email": email, "password": PASSWORD }).to_string();
    let registered = send(&app, version, "register", &Substitutions { body: Some(body.clone()), ..none }).await;
    assert_eq!(registered.status, StatusCode::CREATED, "{version} register: {}", registered.body);
    assert_eq!(registered.json()["email"], email.as_str(), "{version} register");

    let login = send(&app, version, "login", &Substitutions { body: Some(body), ..Substitutions::default() }).await;
    assert_eq!(login.status, StatusCode::OK, "{version} login: {}", login.body);
    let refresh_token = login.json()["refresh_token"].as_str().unwrap().to_owned();

    let body = json!({ "refresh_token": refresh_token }).to_string();
    let refreshed =
        send(&app, version, "refresh", &Substitutions { body: Some(body), ..Substitutions::default() }).await;
    assert_eq!(refreshed.status, StatusCode::OK, "{version} refresh: {}", refreshed.body);
    let tokens = refreshed.json();
    let token = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();
    let with_token = || Substitutions { token: &token, ..Substitutions::default() };

    let me = send(&app, version, "users-me", &with_token()).await;
    assert_eq!(me.status, StatusCode::OK, "{version} users/me: {}", me.body);
    assert_eq!(me.json()["email"], email.as_str(), "{version} users/me");

    let jwks = send(&app, version, "jwks", &none).await;
    assert_eq!(jwks.status, StatusCode::OK, "{version} jwks: {}", jwks.body);
    assert_eq!(jwks.json()["keys"].as_array().map(Vec::len), Some(1), "{version} jwks");

    let openapi = send(&app, version, "openapi", &none).await;
    assert_eq!(openapi.status, StatusCode::OK, "{version} openapi.json: {}", openapi.body);
    assert_eq!(openapi.body, shared::openapi::to_json(), "{version} openapi.json");

    let body = json!({ "text": article(), "title": JSON_TITLE, "sentences": 2 }).to_string();
    let submitted = send(&app, version, "summarize-json", &Substitutions { body: Some(body), ..with_token() }).await;
    assert_eq!(submitted.status, StatusCode::ACCEPTED, "{version} summarize JSON: {}", submitted.body);
    let json_doc_id = submitted.json()["doc_id"].as_str().unwrap().to_owned();

    let submitted =
        send(&app, version, "summarize-text", &Substitutions { body: Some(article()), ..with_token() }).await;
    assert_eq!(submitted.status, StatusCode::ACCEPTED, "{version} summarize text: {}", submitted.body);
    let text_doc_id: Uuid = submitted.json()["doc_id"].as_str().unwrap().parse().unwrap();
    let (title, sentences): (Option<String>, i32) =
        sqlx::query_as("SELECT title, requested_sentences FROM documents WHERE doc_id = $1")
            .bind(text_doc_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(title.as_deref(), Some(QUERY_TITLE), "{version} percent-encoded title");
    assert_eq!(sentences, 2, "{version} `sentences` in the query");

    // The fixture repeats `limit`, which 2.0 joins with a comma in
    // `queryStringParameters` and 1.0 lists in `multiValueQueryStringParameters`.
    let listed = send(&app, version, "docs-list", &with_token()).await;
    assert_eq!(listed.status, StatusCode::UNPROCESSABLE_ENTITY, "{version} docs: {}", listed.body);
    let error = &listed.json()["errors"][0];
    assert_eq!(
        (error["field"].as_str(), error["message"].as_str()),
        (Some("limit"), Some("must be given once")),
        "{version} repeated `limit`"
    );

    let read = send(&app, version, "docs-get", &Substitutions { doc_id: &json_doc_id, ..with_token() }).await;
    assert_eq!(read.status, StatusCode::OK, "{version} docs/{{doc_id}}: {}", read.body);
    let document = read.json();
    assert_eq!(document["title"], JSON_TITLE, "{version} base64 body decoded as UTF-8");
    assert_eq!(document["text"], article().as_str(), "{version} stored text");

    let with_doc = || Substitutions { doc_id: &json_doc_id, ..with_token() };
    let deleted = send(&app, version, "docs-delete", &with_doc()).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{version} DELETE docs/{{doc_id}}: {}", deleted.body);
    let read_after_delete = send(&app, version, "docs-get", &with_doc()).await;
    assert_eq!(
        read_after_delete.status,
        StatusCode::NOT_FOUND,
        "{version} deleted document: {}",
        read_after_delete.body
    );

    let body = json!({ "refresh_token": refresh_token }).to_string();
    let logout = send(&app, version, "logout", &Substitutions { body: Some(body), ..Substitutions::default() }).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT, "{version} logout: {}", logout.body);
}

#[tokio::test]
async fn every_route_answers_http_api_v2_events() {
    every_route_answers("v2").await;
}

#[tokio::test]
async fn every_route_answers_rest_api_v1_events() {
    every_route_answers("v1").await;
}

#[test]
fn route_path_drops_stage_in_both_versions() {
    let values = Substitutions { doc_id: "0190b2c4-0000-7000-8000-000000000000", ..Substitutions::default() };
    for version in ["v1", "v2"] {
        let request = fixture_request(version, "docs-get", &values);
        assert_eq!(
            shared::http::route_path(&request),
            "/docs/0190b2c4-0000-7000-8000-000000000000",
            "{version} raw path {}",
            request.raw_http_path()
        );
        assert!(request.uri().path().starts_with("/prod/"), "{version} URI keeps the stage: {}", request.uri());
    }
}

#[test]
fn source_ip_comes_from_request_context() {
    for version in ["v1", "v2"] {
        let request = fixture_request(version, "login", &Substitutions::default());
        assert_eq!(shared::routes::client_address(&request), "203.0.113.7", "{version}");
    }
}
