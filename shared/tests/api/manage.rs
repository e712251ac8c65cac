//! Summary options, input formats, pagination, deletion and per-user limits.

use lambda_http::http::{Method, StatusCode};
use serde_json::{json, Value};
use shared::queue::Job;
use shared::worker::{process_job, JobOutcome};
use uuid::Uuid;

use crate::helpers::{article, request, with_query, TestApp};

/// Submits a document and processes its job in place; returns the finished document.
async fn summarize_now(app: &TestApp, token: &str, body: &Value) -> Value {
    let response = app.submit(token, body).await;
    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
    finish(app, token, &response.json()).await
}

async fn finish(app: &TestApp, token: &str, accepted: &Value) -> Value {
    let doc_id = accepted["doc_id"].as_str().unwrap();
    let outcome = process_job(&app.worker, Job { doc_id: doc_id.parse().unwrap() }).await.unwrap();
    assert!(matches!(outcome, JobOutcome::Done { .. }), "{outcome:?}");
    app.get(&format!("/api/v1/docs/{doc_id}"), Some(token)).await.json()
}

fn summary_texts(document: &Value) -> Vec<String> {
    document["summary"]["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap().to_owned())
        .collect()
}

const HTML_PAGE: &str = "<html><head><title>Ignored</title><style>p { color: red }</style></head><body>\
    <script>var secret = 'never summarized';</script>\
    <h1>Budget news</h1>\
    <p>The city council approved a new <b>budget</b> on Tuesday after a long debate over school funding.</p>\
    <p>Council members voted seven to two in favour of the plan, which raises spending on schools.</p>\
    <p>The mayor is expected to sign the budget into law next week.</p></body></html>";

#[tokio::test]
async fn html_summary_offsets_cover_markup() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let req = request(Method::POST, "/api/v1/summarize", Some("text/html"), HTML_PAGE.to_owned(), Some(&token));
    let response = app.send(with_query(req, &[("sentences", "2"), ("key_phrases", "3")])).await;
    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);

    let document = finish(&app, &token, &response.json()).await;

    assert_eq!(document["options"]["format"], "html");
    assert_eq!(document["text"], HTML_PAGE, "the original markup is kept");
    let sentences = document["summary"]["sentences"].as_array().unwrap();
    assert_eq!(sentences.len(), 2);
    for sentence in sentences {
        let text = sentence["text"].as_str().unwrap();
        assert!(!text.contains('<'), "{text}");
        assert!(!text.contains("secret"), "{text}");
        assert!(!text.contains("color"), "{text}");
        let (start, end) = (sentence["start"].as_u64().unwrap() as usize, sentence["end"].as_u64().unwrap() as usize);
        let original = &HTML_PAGE[start..end];
        let first_word = text.split_whitespace().next().unwrap();
        assert!(original.contains(first_word), "{original:?} should cover {text:?}");
    }
    let phrases = document["summary"]["key_phrases"].as_array().unwrap();
    assert!(!phrases.is_empty(), "{phrases:?}");
    assert!(phrases.len() <= 3, "{phrases:?}");
    assert!(phrases.iter().any(|p| p["text"].as_str().unwrap().to_lowercase().contains("budget")), "{phrases:?}");
    assert_eq!(document["summary"]["language"], "en");
}

#[tokio::test]
async fn markdown_summary_drops_markup() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let text = "# Budget\n\nThe council **approved** a new budget on Tuesday after a long debate.\n\n\
                - Council members voted seven to two in favour of the plan.\n\
                - The mayor is expected to sign the budget into law next week.\n";

    let document = summarize_now(&app, &token, &json!({ "text": text, "format": "markdown", "sentences": 2 })).await;

    let texts = summary_texts(&document);
    assert_eq!(texts.len(), 2);
    assert!(texts.iter().all(|t| !t.contains("**") && !t.starts_with('#') && !t.starts_with('-')), "{texts:?}");
    let bullets = document["summary"]["bullets"].as_str().unwrap();
    assert_eq!(bullets, texts.iter().map(|t| format!("- {t}")).collect::<Vec<_>>().join("\n"));
}

#[tokio::test]
async fn word_budget_and_ratio_bound_the_summary() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;

    let by_words = summarize_now(&app, &token, &json!({ "text": article(), "words": 40, "key_phrases": 0 })).await;
    assert_eq!(by_words["options"]["words"], 40);
    assert!(by_words["options"].get("sentences").is_none());
    let words: usize = summary_texts(&by_words).iter().map(|t| t.split_whitespace().count()).sum();
    assert!(words <= 40, "{words} words");
    assert_eq!(by_words["summary"]["key_phrases"], json!([]));

    let by_ratio = summarize_now(&app, &token, &json!({ "text": article(), "ratio": 0.5, "language": "en" })).await;
    assert_eq!(by_ratio["options"]["ratio"], 0.5);
    assert_eq!(by_ratio["options"]["language"], "en");
    assert_eq!(summary_texts(&by_ratio).len(), 3, "half of 6 sentences");
}

#[tokio::test]
async fn bad_options_name_every_field_and_store_nothing() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;

    let response = app
        .submit(
            &token,
            &json!({ "text": article(), "sentences": 3, "ratio": 0.2, "language": "xx", "format": "pdf", "key_phrases": 50 }),
        )
        .await;

    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> =
        response.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["format", "ratio", "language", "key_phrases"]);

    let req = request(Method::POST, "/api/v1/summarize", Some("text/markdown"), article(), Some(&token));
    let response = app.send(with_query(req, &[("ratio", "half"), ("format", "html")])).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> =
        response.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["format", "ratio"]);

    let listed = app.get("/api/v1/docs", Some(&token)).await.json();
    assert_eq!(listed["items"], json!([]));
}

#[tokio::test]
async fn unsupported_content_type_lists_the_accepted_ones() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let req = request(Method::POST, "/api/v1/summarize", Some("application/pdf"), "x".into(), Some(&token));
    let response = app.send(req).await;
    assert_eq!(response.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(response.json()["detail"].as_str().unwrap().contains("text/html"));
}

#[tokio::test]
async fn cursor_pages_list_own_documents_once() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let mut submitted = Vec::new();
    for i in 0..5 {
        let response = app.submit(&token, &json!({ "text": article(), "title": format!("doc {i}") })).await;
        submitted.push(response.json()["doc_id"].as_str().unwrap().to_owned());
    }
    app.register("other@example.com", "another good passphrase").await;
    let other = app.login("other@example.com", "another good passphrase").await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.submit(&other, &json!({ "text": article() })).await;

    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut path = "/api/v1/docs?limit=2".to_owned();
    loop {
        let (route, query) = path.split_once('?').unwrap();
        let pairs: Vec<(&str, &str)> = query.split('&').filter_map(|pair| pair.split_once('=')).collect();
        let response =
            app.send(with_query(request(Method::GET, route, None, String::new(), Some(&token)), &pairs)).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        let page = response.json();
        let items = page["items"].as_array().unwrap();
        pages.push(items.len());
        seen.extend(items.iter().map(|item| item["doc_id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/docs?limit=2&cursor={cursor}"),
            None => break,
        }
    }

    assert_eq!(pages, [2, 2, 1]);
    submitted.reverse();
    assert_eq!(seen, submitted, "newest first, each once, none of the other user's");
}

#[tokio::test]
async fn forged_cursor_is_422() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let req = request(Method::GET, "/api/v1/docs", None, String::new(), Some(&token));
    let response = app.send(with_query(req, &[("cursor", "djE6MTIzOm5vdC1hLXV1aWQ"), ("limit", "0")])).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.json();
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["limit", "cursor"]);
}

#[tokio::test]
async fn unknown_list_parameter_is_422() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let req = request(Method::GET, "/api/v1/docs", None, String::new(), Some(&token));
    let response = app.send(with_query(req, &[("status", "done"), ("limit", "5"), ("offset", "5")])).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.json();
    let errors = body["errors"].as_array().unwrap();
    let fields: Vec<&str> = errors.iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["offset", "status"]);
    assert_eq!(errors[0]["message"], "is not a known parameter (expected one of limit, cursor)");
}

#[tokio::test]
async fn repeated_list_parameter_is_422() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let req = request(Method::GET, "/api/v1/docs", None, String::new(), Some(&token));
    let response = app.send(with_query(req, &[("limit", "5"), ("limit", "50")])).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", response.body);
    let body = response.json();
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0]["field"].as_str(), errors[0]["message"].as_str()),
        (Some("limit"), Some("must be given once"))
    );
}

#[tokio::test]
async fn delete_removes_owned_document() {
    let app = TestApp::spawn().await;
    let owner = app.signed_in_user().await;
    let document = summarize_now(&app, &owner, &json!({ "text": article() })).await;
    let doc_id = document["doc_id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/docs/{doc_id}");
    app.register("stranger@example.com", "another good passphrase").await;
    let stranger = app.login("stranger@example.com", "another good passphrase").await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let rejected = app.delete(&path, Some(&stranger)).await;
    assert_eq!(rejected.status, StatusCode::NOT_FOUND);
    let unknown = app.delete(&format!("/api/v1/docs/{}", Uuid::now_v7()), Some(&stranger)).await;
    assert_eq!(rejected.body, unknown.body, "someone else's document reads as unknown");
    assert_eq!(app.get(&path, Some(&owner)).await.status, StatusCode::OK);

    let deleted = app.delete(&path, Some(&owner)).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.body.is_empty());
    assert_eq!(app.get(&path, Some(&owner)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&path, Some(&owner)).await.status, StatusCode::NOT_FOUND);
    let uuid: Uuid = doc_id.parse().unwrap();
    assert!(app.worker.texts.find(uuid).await.unwrap().is_none(), "text and summary are gone");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM documents").fetch_one(&app.pool).await.unwrap();
    assert_eq!(rows, 0);

    let outcome = process_job(&app.worker, Job { doc_id: uuid }).await.unwrap();
    assert_eq!(outcome, JobOutcome::Skipped, "a late job for a deleted document does nothing");
}

#[tokio::test]
async fn documents_in_flight_are_limited_per_user() {
    let mut app = TestApp::spawn().await;
    app.summarize.limits.max_in_flight = 2;
    let token = app.signed_in_user().await;
    let first = app.submit(&token, &json!({ "text": article() })).await.json();
    app.submit(&token, &json!({ "text": article() })).await;

    let rejected = app.submit(&token, &json!({ "text": article() })).await;
    assert_eq!(rejected.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(rejected.headers.get("retry-after").is_some());
    assert!(rejected.json()["detail"].as_str().unwrap().contains("at once"));

    finish(&app, &token, &first).await;
    assert_eq!(app.submit(&token, &json!({ "text": article() })).await.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn submissions_per_minute_are_limited_per_user() {
    let mut app = TestApp::spawn().await;
    app.summarize.limits.submissions_per_minute = 2;
    let token = app.signed_in_user().await;
    for _ in 0..2 {
        assert_eq!(app.submit(&token, &json!({ "text": article() })).await.status, StatusCode::ACCEPTED);
    }

    let rejected = app.submit(&token, &json!({ "text": article() })).await;
    assert_eq!(rejected.status, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = rejected.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");

    let other = {
        app.register("second@example.com", "another good passphrase").await;
        app.login("second@example.com", "another good passphrase").await.json()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(app.submit(&other, &json!({ "text": article() })).await.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn document_size_limit_is_configurable() {
    let mut app = TestApp::spawn().await;
    app.summarize.limits.max_document_bytes = 100;
    let token = app.signed_in_user().await;

    let response = app.submit(&token, &json!({ "text": article() })).await;

    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(response.json()["detail"].as_str().unwrap().contains("100 bytes"));
}

#[tokio::test]
async fn problem_body_carries_request_id() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/docs", None).await;
    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    let header = response.headers["x-request-id"].to_str().unwrap();
    assert_eq!(response.json()["request_id"], header);
}

#[tokio::test]
async fn openapi_description_is_served_without_a_token() {
    let app = TestApp::spawn().await;
    let response = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.content_type(), "application/json");
    assert_eq!(response.body, shared::openapi::to_json());
}
