//! Hostile and malformed input: each case gets a 4xx problem that names the field and
//! the rule, never a 500 and never a silent misreading of the input.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use lambda_http::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{request, with_query, TestApp};

fn first_error(response: &crate::helpers::TestResponse) -> (String, String) {
    let body = response.json();
    let error = &body["errors"][0];
    (error["field"].as_str().unwrap_or("").to_owned(), error["message"].as_str().unwrap_or("").to_owned())
}

#[tokio::test]
async fn cursor_out_of_database_range_is_422() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let doc_id = uuid::Uuid::nil();
    // Microseconds since the epoch that `time` accepts but PostgreSQL's timestamptz
    // (4713 BC to 294276 AD) does not, and one before any document could exist.
    for micros in ["-300000000000000000", "-377705116800000000", "9400000000000000000", "-1"] {
        let cursor = URL_SAFE_NO_PAD.encode(format!("v1:{micros}:{doc_id}"));

        let list = request(Method::GET, "/api/v1/docs", None, String::new(), Some(&token));

        let response = app.send(with_query(list, &[("cursor", cursor.as_str())])).await;

        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "micros {micros}: {}", response.body);
        assert_eq!(first_error(&response).0, "cursor", "micros {micros}");
    }
}

#[tokio::test]
async fn duplicate_json_key_names_the_field() {
    let app = TestApp::spawn().await;
    let body = r#"{"email": "a@example.com", "email": "b@example.com", "password": "violet kettle drums"}"#;

    let response =
        app.send(request(Method::POST, "/api/v1/auth/register", Some("application/json"), body.to_owned(), None)).await;

    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.body);
    let (field, message) = first_error(&response);
    assert_eq!(field, "email");
    assert_eq!(message, "must appear only once");
}

#[tokio::test]
async fn wrong_number_type_reads_as_rule() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;

    let sentences = app.submit(&token, &json!({ "text": "One. Two.", "sentences": 2.5 })).await;
    let ratio = app.submit(&token, &json!({ "text": "One. Two.", "ratio": "half" })).await;

    assert_eq!(sentences.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        first_error(&sentences),
        ("sentences".to_owned(), "must be a whole number, not floating point `2.5`".to_owned())
    );
    assert_eq!(ratio.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(first_error(&ratio), ("ratio".to_owned(), "must be a number, not string \"half\"".to_owned()));
}

#[tokio::test]
async fn unclosed_array_body_is_400() {
    let app = TestApp::spawn().await;
    for body in ["[[[[", "[\"a\", ", &"[".repeat(4_000)] {
        let response = app
            .send(request(Method::POST, "/api/v1/auth/login", Some("application/json"), body.to_owned(), None))
            .await;

        assert_eq!(response.status, StatusCode::BAD_REQUEST, "body {body:.20}: {}", response.body);
        assert_eq!(response.json()["type"], "urn:docsum:problem:malformed-request");
    }
}

#[tokio::test]
async fn text_body_in_other_charset_is_415() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    for content_type in
        ["text/plain; charset=utf-16", "text/html; charset=ISO-8859-1", "text/markdown;charset=\"latin1\""]
    {
        let submit =
            request(Method::POST, "/api/v1/summarize", Some(content_type), "One. Two.".to_owned(), Some(&token));

        let response = app.send(submit).await;

        assert_eq!(response.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type}: {}", response.body);
        assert!(response.json()["detail"].as_str().unwrap().contains("UTF-8"), "{}", response.body);
    }
    for content_type in ["text/plain; charset=utf-8", "text/plain; charset=\"UTF-8\"", "text/plain; charset=us-ascii"] {
        let submit =
            request(Method::POST, "/api/v1/summarize", Some(content_type), "One. Two.".to_owned(), Some(&token));

        let response = app.send(submit).await;

        assert_eq!(response.status, StatusCode::ACCEPTED, "{content_type}: {}", response.body);
    }
}

#[tokio::test]
async fn callback_to_local_nat64_prefix_is_422() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;

    // 64:ff9b:1::/48 is the local-use NAT64 prefix, and this address embeds 169.254.169.254.
    let response = app
        .submit(&token, &json!({ "text": "One. Two.", "callback_url": "https://[64:ff9b:1::a9fe:a9fe]/hook" }))
        .await;

    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.body);
    assert_eq!(first_error(&response).0, "callback_url");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_submissions_keep_in_flight_limit() {
    let mut app = TestApp::spawn().await;
    app.summarize.limits.max_in_flight = 3;
    let token = app.signed_in_user().await;

    let bodies: Vec<_> = (0..12).map(|i| json!({ "text": format!("Race {i}. Two. Three.") })).collect();

    let responses = futures_util::future::join_all(bodies.iter().map(|body| app.submit(&token, body))).await;

    let accepted = responses.iter().filter(|response| response.status == StatusCode::ACCEPTED).count();
    let limited = responses.iter().filter(|response| response.status == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(accepted, 3, "statuses {:?}", responses.iter().map(|r| r.status).collect::<Vec<_>>());
    assert_eq!(limited, 9);
}

#[tokio::test]
async fn unknown_query_parameter_is_422() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let submit = request(Method::POST, "/api/v1/summarize", Some("text/plain"), "One. Two.".to_owned(), Some(&token));

    // A misspelled option would otherwise be dropped and the default used.
    let response = app.send(with_query(submit, &[("sentence", "1"), ("title", "Notes")])).await;

    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.body);
    let (field, message) = first_error(&response);
    assert_eq!(field, "sentence");
    assert!(message.starts_with("is not a known parameter"), "{message}");
}

#[tokio::test]
async fn repeated_query_parameter_is_422() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let submit = request(Method::POST, "/api/v1/summarize", Some("text/plain"), "One. Two.".to_owned(), Some(&token));

    // Only one of the two values could be used, and the client cannot know which.
    let response = app.send(with_query(submit, &[("sentences", "1"), ("sentences", "5")])).await;

    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.body);
    assert_eq!(first_error(&response), ("sentences".to_owned(), "must be given once".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_passwords_keep_login_limit() {
    let mut limits = shared::routes::login::AuthLimits::default();
    limits.failed_logins_per_account_and_address.max_hits = 3;
    let app = TestApp::spawn_with_limits(limits).await;
    let email = "guess-target@example.com";
    assert_eq!(app.register(email, crate::helpers::PASSWORD).await.status, StatusCode::CREATED);
    let guesses: Vec<String> = (0..12).map(|i| format!("wrong guess number {i}")).collect();

    let responses = futures_util::future::join_all(guesses.iter().map(|guess| app.login(email, guess))).await;

    let evaluated = responses.iter().filter(|response| response.status == StatusCode::UNAUTHORIZED).count();
    let limited = responses.iter().filter(|response| response.status == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(evaluated, 3, "statuses {:?}", responses.iter().map(|r| r.status).collect::<Vec<_>>());
    assert_eq!(limited, 9);
    // Rejected attempts are not failed logins, so they must not bring the account's
    // limit over all addresses closer for its owner.
    let account_hits: i32 = sqlx::query_scalar("SELECT hits FROM rate_limit_hits WHERE bucket LIKE 'login-account:%'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(account_hits, 3);
}

#[tokio::test]
async fn query_parameter_with_json_body_is_422() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let body = json!({ "text": "One. Two. Three." }).to_string();
    let submit = request(Method::POST, "/api/v1/summarize", Some("application/json"), body, Some(&token));

    // The options of a JSON submission are in its body, so these would be ignored.
    let response = app.send(with_query(submit, &[("ratio", "null"), ("sentences", "1")])).await;

    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.body);
    let body = response.json();
    let fields: Vec<&str> =
        body["errors"].as_array().unwrap().iter().map(|error| error["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["ratio", "sentences"]);
}
