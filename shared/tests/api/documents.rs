use lambda_http::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{article, request, TestApp};

#[tokio::test]
async fn summarize_flow_returns_summary_to_owner() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let text = article();

    let submitted = app.submit(&token, &json!({ "text": text, "title": "Budget", "sentences": 2 })).await;

    assert_eq!(submitted.status, StatusCode::ACCEPTED, "{}", submitted.body);
    let body = submitted.json();
    assert_eq!(body["status"], "queued");
    let doc_id = body["doc_id"].as_str().unwrap().to_owned();
    assert_eq!(submitted.headers["location"], format!("/api/v1/docs/{doc_id}").as_str());

    let document = app.run_worker_until_finished(&token, &doc_id).await;
    assert_eq!(document["status"], "done", "{document}");
    assert_eq!(document["title"], "Budget");
    assert_eq!(document["text"], text.as_str());
    let sentences = document["summary"]["sentences"].as_array().unwrap();
    assert_eq!(sentences.len(), 2);
    let starts: Vec<u64> = sentences.iter().map(|s| s["start"].as_u64().unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] < w[1]), "sentences out of document order: {starts:?}");
    for sentence in sentences {
        let (start, end) = (sentence["start"].as_u64().unwrap() as usize, sentence["end"].as_u64().unwrap() as usize);
        assert_eq!(&text[start..end], sentence["text"].as_str().unwrap());
    }
}

#[tokio::test]
async fn document_stored_in_both_stores_before_202() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;

    let doc_id = app.submit(&token, &json!({ "text": article() })).await.json()["doc_id"].as_str().unwrap().to_owned();

    let status: String = sqlx::query_scalar("SELECT status FROM documents WHERE doc_id = $1::uuid")
        .bind(&doc_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "queued");
    let stored = shared::store::texts::TextStore::new(&app.mongo).find(doc_id.parse().unwrap()).await.unwrap();
    assert_eq!(stored.unwrap().text, article());
}

#[tokio::test]
async fn other_user_gets_same_404_as_unknown_id() {
    let app = TestApp::spawn().await;
    let owner = app.signed_in_user().await;
    let stranger = app.signed_in_user().await;
    let doc_id = app.submit(&owner, &json!({ "text": article() })).await.json()["doc_id"].as_str().unwrap().to_owned();

    let foreign = app.get(&format!("/api/v1/docs/{doc_id}"), Some(&stranger)).await;
    let unknown = app.get(&format!("/api/v1/docs/{}", uuid::Uuid::now_v7()), Some(&stranger)).await;
    let not_a_uuid = app.get("/api/v1/docs/not-a-uuid", Some(&stranger)).await;

    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    assert_eq!(foreign.body, unknown.body);
    assert_eq!(foreign.body, not_a_uuid.body);
    assert_eq!(app.get(&format!("/api/v1/docs/{doc_id}"), Some(&owner)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn list_shows_own_documents_newest_first() {
    let app = TestApp::spawn().await;
    let owner = app.signed_in_user().await;
    let stranger = app.signed_in_user().await;
    let mut submitted = Vec::new();
    for title in ["first", "second", "third"] {
        let response = app.submit(&owner, &json!({ "text": article(), "title": title })).await;
        submitted.push(response.json()["doc_id"].as_str().unwrap().to_owned());
    }
    app.submit(&stranger, &json!({ "text": article(), "title": "theirs" })).await;

    let listed = app.get("/api/v1/docs", Some(&owner)).await.json();

    let ids: Vec<&str> = listed["items"].as_array().unwrap().iter().map(|d| d["doc_id"].as_str().unwrap()).collect();
    let expected: Vec<&str> = submitted.iter().rev().map(String::as_str).collect();
    assert_eq!(ids, expected);
    assert!(listed["items"][0].get("text").is_none(), "lists must not carry document text");
}

#[tokio::test]
async fn list_limit_is_validated() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    for limit in ["0", "101", "abc", "-5"] {
        let req = request(Method::GET, "/api/v1/docs", None, String::new(), Some(&token));
        let req = lambda_http::RequestExt::with_query_string_parameters(
            req,
            [("limit".to_owned(), limit.to_owned())].into_iter().collect::<std::collections::HashMap<_, _>>(),
        );
        let response = app.send(req).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "limit {limit}");
        assert_eq!(response.json()["errors"][0]["field"], "limit", "limit {limit}");
    }
}

/// A case name, content type, body, expected status and the field an error names.
type SubmitCase<'a> = (&'a str, Option<&'a str>, String, StatusCode, Option<&'a str>);

#[tokio::test]
async fn submit_rejects_bad_input_with_4xx() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let too_large = format!(r#"{{"text":"{}"}}"#, "a".repeat(shared::domain::MAX_TEXT_BYTES + 1));
    // 3 MiB of quotes fits the body and text limits but doubles when JSON-encoded.
    let escapes_too_large = "\"".repeat(3 * 1024 * 1024);
    let cases: [SubmitCase; 14] = [
        ("malformed json", Some("application/json"), "{\"text\": ".into(), StatusCode::BAD_REQUEST, None),
        ("empty body", Some("application/json"), String::new(), StatusCode::BAD_REQUEST, None),
        (
            "missing text",
            Some("application/json"),
            r#"{"title":"x"}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("text"),
        ),
        (
            "text not a string",
            Some("application/json"),
            r#"{"text":42}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("text"),
        ),
        (
            "empty text",
            Some("application/json"),
            r#"{"text":"   "}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("text"),
        ),
        (
            "zero sentences",
            Some("application/json"),
            r#"{"text":"Hi.","sentences":0}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("sentences"),
        ),
        (
            "fractional sentences",
            Some("application/json"),
            r#"{"text":"Hi.","sentences":2.5}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("sentences"),
        ),
        (
            "huge sentences",
            Some("application/json"),
            r#"{"text":"Hi.","sentences":1e40}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("sentences"),
        ),
        (
            "unknown field",
            Some("application/json"),
            r#"{"text":"Hi.","user_id":"x"}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("user_id"),
        ),
        (
            "long title",
            Some("application/json"),
            format!(r#"{{"text":"Hi.","title":"{}"}}"#, "t".repeat(201)),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("title"),
        ),
        ("wrong content type", Some("application/xml"), "<text/>".into(), StatusCode::UNSUPPORTED_MEDIA_TYPE, None),
        ("too large", Some("application/json"), too_large, StatusCode::PAYLOAD_TOO_LARGE, None),
        ("too large once encoded", Some("text/plain"), escapes_too_large, StatusCode::PAYLOAD_TOO_LARGE, None),
        (
            "control characters",
            Some("application/json"),
            r#"{"text":"a\u001b[31mred"}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("text"),
        ),
    ];
    for (case, content_type, body, expected, field) in cases {
        let response = app.send(request(Method::POST, "/api/v1/summarize", content_type, body, Some(&token))).await;
        assert_eq!(response.status, expected, "case {case}: {}", response.body);
        assert_eq!(response.content_type(), "application/problem+json", "case {case}");
        if let Some(field) = field {
            assert_eq!(response.json()["errors"][0]["field"], field, "case {case}");
        }
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM documents").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored, 0, "rejected submissions must store nothing");
}

#[tokio::test]
async fn submit_accepts_plain_text() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let req = request(Method::POST, "/api/v1/summarize", Some("text/plain; charset=utf-8"), article(), Some(&token));
    let req = lambda_http::RequestExt::with_query_string_parameters(
        req,
        [("title".to_owned(), "Plain".to_owned()), ("sentences".to_owned(), "1".to_owned())]
            .into_iter()
            .collect::<std::collections::HashMap<_, _>>(),
    );

    let response = app.send(req).await;

    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
    let doc_id = response.json()["doc_id"].as_str().unwrap().to_owned();
    let document = app.get(&format!("/api/v1/docs/{doc_id}"), Some(&token)).await.json();
    assert_eq!(document["title"], "Plain");
    assert_eq!(document["options"]["sentences"], 1);
    assert_eq!(document["options"]["format"], "text");
}

#[tokio::test]
async fn submit_accepts_json_with_structured_suffix() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let body = json!({"text": article(), "title": "Suffix", "sentences": 2}).to_string();
    let req = request(Method::POST, "/api/v1/summarize", Some("application/vnd.docsum+json"), body, Some(&token));

    let response = app.send(req).await;

    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
    let doc_id = response.json()["doc_id"].as_str().unwrap().to_owned();
    let document = app.get(&format!("/api/v1/docs/{doc_id}"), Some(&token)).await.json();
    assert_eq!(document["title"], "Suffix");
    assert_eq!(document["options"]["sentences"], 2);
}

#[tokio::test]
async fn unreachable_queue_keeps_job_in_outbox() {
    let app = TestApp::spawn_with_queue_url(Some("amqp://guest:guest@127.0.0.1:1/%2f")).await;
    let token = app.signed_in_user().await;

    let response = app.submit(&token, &json!({ "text": article() })).await;

    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
    let listed = app.get("/api/v1/docs", Some(&token)).await.json();
    assert_eq!(listed["items"][0]["status"], "queued");
    assert_eq!(app.summarize.outbox.count_unpublished().await.unwrap(), 1);
}
