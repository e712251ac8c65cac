//! Webhooks: callback URLs checked at submission, signed deliveries to a receiver on
//! 127.0.0.1, retries with backoff, the attempt limit, and one sender per delivery.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use http_body_util::BodyExt as _;
use lambda_http::http::{HeaderMap, Method, StatusCode};
use serde_json::{json, Value};
use sha2::Sha256;
use shared::config::WebhookSettings;
use shared::queue::Job;
use shared::store::webhooks::DeliveryState;
use shared::webhooks::{RetryPolicy, Webhooks};
use shared::worker::{process_job, JobOutcome};
use uuid::Uuid;

use crate::helpers::{article, request, with_query, TestApp};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or("")
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("webhook body is not JSON ({error}): {}", self.body))
    }
}

#[derive(Default)]
struct ReceiverState {
    received: Vec<Received>,
    /// Statuses to respond with, in order, then 200 once they run out.
    statuses: VecDeque<u16>,
}

/// An HTTP receiver on 127.0.0.1 that records every request and responds with the
/// scripted statuses after `delay`.
struct Receiver {
    url: String,
    port: u16,
    state: Arc<Mutex<ReceiverState>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start(statuses: &[u16], delay: Duration) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state =
            Arc::new(Mutex::new(ReceiverState { received: Vec::new(), statuses: statuses.iter().copied().collect() }));
        let shared_state = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = shared_state.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                        let state = state.clone();
                        async move {
                            let (parts, body) = request.into_parts();
                            let body = body.collect().await?.to_bytes();
                            let status = {
                                let mut state = state.lock().unwrap();
                                state.received.push(Received {
                                    headers: parts.headers,
                                    body: String::from_utf8_lossy(&body).into_owned(),
                                });
                                state.statuses.pop_front().unwrap_or(200)
                            };
                            tokio::time::sleep(delay).await;
                            let response = hyper::Response::builder()
                                .status(status)
                                .body(http_body_util::Full::new(hyper::body::Bytes::from_static(b"receiver body")))
                                .unwrap();
                            Ok::<_, hyper::Error>(response)
                        }
                    });
                    let io = hyper_util::rt::TokioIo::new(stream);
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
                });
            }
        });
        Self { url: format!("http://127.0.0.1:{port}/hooks/docsum?token=receiver-token"), port, state, task }
    }

    fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Builds a retry policy with waits short enough for tests.
fn fast_policy(first_delay: Duration, max_attempts: i32) -> RetryPolicy {
    RetryPolicy {
        first_delay,
        multiplier: 1,
        max_delay: first_delay,
        max_attempts,
        timeout: Duration::from_secs(5),
        lease: Duration::from_secs(30),
    }
}

/// Replaces the app's webhook sender, for submission and for the worker.
fn use_webhooks(app: &mut TestApp, allow_loopback: bool, policy: RetryPolicy) {
    let webhooks = Webhooks::new(app.pool.clone(), WebhookSettings { allow_loopback }).with_policy(policy);
    app.summarize.webhooks = webhooks.clone();
    app.worker.webhooks = webhooks;
}

/// Submits the article with a callback URL and returns the 202 body.
async fn submit_with_callback(app: &TestApp, token: &str, callback_url: &str) -> Value {
    let response = app.submit(token, &json!({ "text": article(), "callback_url": callback_url })).await;
    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
    response.json()
}

fn doc_id_of(accepted: &Value) -> Uuid {
    accepted["doc_id"].as_str().unwrap().parse().unwrap()
}

async fn delivery_state(app: &TestApp, doc_id: Uuid) -> DeliveryState {
    app.worker.webhooks.store().find(doc_id).await.unwrap().expect("the document has a webhook delivery")
}

/// Checks the Standard Webhooks signature of a request independently of the crate:
/// HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed with the base64-decoded secret.
fn assert_signed(received: &Received, secret: &str) {
    let id = received.header("webhook-id");
    let timestamp = received.header("webhook-timestamp");
    let key = STANDARD.decode(secret.strip_prefix("whsec_").expect("secret starts with whsec_")).unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{}", received.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    let signatures: Vec<&str> = received.header("webhook-signature").split(' ').collect();
    assert!(signatures.contains(&expected.as_str()), "signature {signatures:?}, expected {expected}");

    let sent_at: i64 = timestamp.parse().expect("webhook-timestamp is unix seconds");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((now - sent_at).abs() < 60, "webhook-timestamp {sent_at} is not close to now {now}");
}

#[tokio::test]
async fn done_job_sends_one_signed_webhook() {
    let mut app = TestApp::spawn().await;
    use_webhooks(&mut app, true, RetryPolicy::default());
    let receiver = Receiver::start(&[], Duration::ZERO).await;
    let token = app.signed_in_user().await;

    let accepted = submit_with_callback(&app, &token, &receiver.url).await;
    let doc_id = doc_id_of(&accepted);
    let secret = accepted["callback_secret"].as_str().expect("202 carries callback_secret").to_owned();
    let outcome = process_job(&app.worker, Job { doc_id }).await.unwrap();

    assert!(matches!(outcome, JobOutcome::Done { .. }), "{outcome:?}");
    let received = receiver.received();
    assert_eq!(received.len(), 1, "{received:?}");
    let webhook = &received[0];
    assert_eq!(webhook.header("content-type"), "application/json");
    assert_eq!(webhook.header("webhook-id"), format!("msg_{doc_id}"));
    assert_signed(webhook, &secret);
    let body = webhook.json();
    assert_eq!(body["type"], "summary.done");
    assert_eq!(body["data"]["doc_id"], doc_id.to_string());
    assert_eq!(body["data"]["status"], "done");
    assert_eq!(body["data"]["error"], Value::Null);
    assert!(
        time::OffsetDateTime::parse(
            body["timestamp"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339
        )
        .is_ok(),
        "{body}"
    );
    assert!(!webhook.body.contains("council"), "the webhook must not carry the text or summary: {}", webhook.body);

    assert_eq!(app.worker.webhooks.deliver_due(10).await.unwrap(), 0, "a delivered webhook is not sent again");
    assert_eq!(receiver.received().len(), 1);
    let state = delivery_state(&app, doc_id).await;
    assert!(state.delivered_at.is_some(), "{state:?}");
    assert_eq!(state.attempts, 1);
    assert_eq!(state.next_attempt_at, None);
}

#[tokio::test]
async fn failed_job_sends_summary_failed() {
    let mut app = TestApp::spawn().await;
    use_webhooks(&mut app, true, RetryPolicy::default());
    let receiver = Receiver::start(&[], Duration::ZERO).await;
    let token = app.signed_in_user().await;
    let accepted = submit_with_callback(&app, &token, &receiver.url).await;
    let doc_id = doc_id_of(&accepted);
    assert!(app.summarize.texts.delete(doc_id).await.unwrap(), "the text existed");

    let outcome = process_job(&app.worker, Job { doc_id }).await.unwrap();

    assert!(matches!(outcome, JobOutcome::Failed { .. }), "{outcome:?}");
    let received = receiver.received();
    assert_eq!(received.len(), 1, "{received:?}");
    assert_signed(&received[0], accepted["callback_secret"].as_str().unwrap());
    let body = received[0].json();
    assert_eq!(body["type"], "summary.failed");
    assert_eq!(body["data"]["status"], "failed");
    assert_eq!(body["data"]["error"], "The document text is missing.");
}

#[tokio::test]
async fn dead_lettered_job_sends_summary_failed() {
    let mut app = TestApp::spawn().await;
    use_webhooks(&mut app, true, RetryPolicy::default());
    let receiver = Receiver::start(&[], Duration::ZERO).await;
    let token = app.signed_in_user().await;
    let accepted = submit_with_callback(&app, &token, &receiver.url).await;
    let doc_id = doc_id_of(&accepted);
    app.dead_letter_queued_jobs(1).await;
    let settings = shared::config::CleanupSettings::from_vars(&|_: &str| -> Option<String> { None }).unwrap();
    let cleanup = shared::cleanup::Cleanup::new(app.pool.clone(), &app.mongo, app.summarize.queue.clone(), settings)
        .with_webhooks(app.worker.webhooks.clone())
        .with_dead_letter_queue(app.dead_letter_queue());

    let report = cleanup.settle_dead_letters(&app.dead_letter_queue()).await.unwrap();

    assert_eq!(report.jobs_failed, 1, "{report:?}");
    let received = receiver.received();
    assert_eq!(received.len(), 1, "{received:?}");
    assert_signed(&received[0], accepted["callback_secret"].as_str().unwrap());
    let body = received[0].json();
    assert_eq!(body["type"], "summary.failed");
    assert_eq!(body["data"]["doc_id"], doc_id.to_string());
    assert_eq!(body["data"]["status"], "failed");
    assert_eq!(body["data"]["error"], shared::dead_letters::DEAD_LETTER_REASON);
}

#[tokio::test]
async fn failed_attempt_is_retried_after_backoff() {
    let mut app = TestApp::spawn().await;
    let backoff = Duration::from_secs(2);
    use_webhooks(&mut app, true, fast_policy(backoff, 8));
    let receiver = Receiver::start(&[500], Duration::ZERO).await;
    let token = app.signed_in_user().await;
    let accepted = submit_with_callback(&app, &token, &receiver.url).await;
    let doc_id = doc_id_of(&accepted);

    process_job(&app.worker, Job { doc_id }).await.unwrap();

    assert_eq!(receiver.received().len(), 1);
    let state = delivery_state(&app, doc_id).await;
    assert_eq!(state.last_error.as_deref(), Some("HTTP 500"));
    assert!(state.next_attempt_at.is_some(), "a retry is scheduled: {state:?}");
    assert_eq!(state.delivered_at, None);
    assert_eq!(app.worker.webhooks.deliver_due(10).await.unwrap(), 0, "the retry waits for its backoff");

    tokio::time::sleep(backoff + Duration::from_millis(300)).await;
    assert_eq!(app.worker.webhooks.deliver_due(10).await.unwrap(), 1);

    let received = receiver.received();
    assert_eq!(received.len(), 2, "{received:?}");
    assert_eq!(received[0].header("webhook-id"), received[1].header("webhook-id"), "the id is stable across attempts");
    assert_signed(&received[1], accepted["callback_secret"].as_str().unwrap());
    let state = delivery_state(&app, doc_id).await;
    assert!(state.delivered_at.is_some(), "{state:?}");
    assert_eq!(state.attempts, 2);
    assert_eq!(state.last_error, None);
}

#[tokio::test]
async fn attempt_limit_stops_retries() {
    let mut app = TestApp::spawn().await;
    let backoff = Duration::from_millis(200);
    use_webhooks(&mut app, true, fast_policy(backoff, 3));
    let receiver = Receiver::start(&[503; 10], Duration::ZERO).await;
    let token = app.signed_in_user().await;
    let doc_id = doc_id_of(&submit_with_callback(&app, &token, &receiver.url).await);

    process_job(&app.worker, Job { doc_id }).await.unwrap();
    for _ in 0..40 {
        if delivery_state(&app, doc_id).await.next_attempt_at.is_none() {
            break;
        }
        tokio::time::sleep(backoff).await;
        app.worker.webhooks.deliver_due(10).await.unwrap();
    }

    let state = delivery_state(&app, doc_id).await;
    assert_eq!(state.next_attempt_at, None, "the delivery is given up: {state:?}");
    assert_eq!(state.attempts, 3);
    assert_eq!(state.delivered_at, None);
    assert_eq!(state.last_error.as_deref(), Some("HTTP 503"));
    tokio::time::sleep(backoff * 2).await;
    assert_eq!(app.worker.webhooks.deliver_due(10).await.unwrap(), 0);
    assert_eq!(receiver.received().len(), 3);
}

#[tokio::test]
async fn concurrent_deliver_due_sends_once() {
    let mut app = TestApp::spawn().await;
    let backoff = Duration::from_millis(200);
    use_webhooks(&mut app, true, fast_policy(backoff, 8));
    // Each first attempt fails; every retry succeeds after a pause, so the two
    // callers below overlap.
    let receiver = Receiver::start(&[500, 500, 500], Duration::from_millis(300)).await;
    let token = app.signed_in_user().await;
    let mut doc_ids = Vec::new();
    for _ in 0..3 {
        let doc_id = doc_id_of(&submit_with_callback(&app, &token, &receiver.url).await);
        process_job(&app.worker, Job { doc_id }).await.unwrap();
        doc_ids.push(doc_id);
    }
    assert_eq!(receiver.received().len(), 3);

    tokio::time::sleep(backoff + Duration::from_millis(200)).await;
    let first = app.worker.webhooks.clone();
    let second = app.worker.webhooks.clone();
    let (sent_by_first, sent_by_second) = tokio::join!(first.deliver_due(10), second.deliver_due(10));

    assert_eq!(sent_by_first.unwrap() + sent_by_second.unwrap(), 3);
    let received = receiver.received();
    assert_eq!(received.len(), 6, "{received:?}");
    for doc_id in doc_ids {
        let id = format!("msg_{doc_id}");
        let count = received.iter().filter(|r| r.header("webhook-id") == id).count();
        assert_eq!(count, 2, "{doc_id}: one failed attempt and one retry");
        assert!(delivery_state(&app, doc_id).await.delivered_at.is_some(), "{doc_id}");
    }
}

#[tokio::test]
async fn host_resolving_to_loopback_is_refused_at_delivery() {
    let mut app = TestApp::spawn().await;
    let receiver = Receiver::start(&[], Duration::ZERO).await;
    // Submission allows loopback, delivery does not: this stands for a name that
    // resolved to a public address when it was submitted and to loopback later.
    use_webhooks(&mut app, true, RetryPolicy::default());
    let token = app.signed_in_user().await;
    let url = format!("https://localhost:{}/hooks/docsum", receiver.port);
    let doc_id = doc_id_of(&submit_with_callback(&app, &token, &url).await);
    app.worker.webhooks = Webhooks::new(app.pool.clone(), WebhookSettings { allow_loopback: false });

    let outcome = process_job(&app.worker, Job { doc_id }).await.unwrap();

    assert!(matches!(outcome, JobOutcome::Done { .. }), "a webhook failure never fails the job: {outcome:?}");
    assert!(receiver.received().is_empty());
    let state = delivery_state(&app, doc_id).await;
    let error = state.last_error.unwrap_or_default();
    assert!(error.contains("localhost resolves to 127.0.0.1, a loopback address"), "{error}");
    assert_eq!(state.delivered_at, None);
}

#[tokio::test]
async fn callback_url_rules_are_checked_at_submission() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let too_long = format!("https://hooks.example.com/{}", "a".repeat(2048));
    let cases = [
        ("http", "http://hooks.example.com/docsum", "must use https"),
        ("user info", "https://user:secret@hooks.example.com/docsum", "must not contain a user name or password"),
        ("private", "https://10.0.0.1/docsum", "10.0.0.1, a private address"),
        ("metadata", "https://169.254.169.254/latest/meta-data/", "169.254.169.254, a link-local address"),
        ("IPv6 loopback", "https://[::1]/docsum", "::1, a loopback address"),
        ("IPv4 loopback", "https://127.0.0.1/docsum", "127.0.0.1, a loopback address"),
        ("localhost", "https://localhost/docsum", "must not point to localhost"),
        ("relative", "/hooks/docsum", "must be an absolute URL"),
        ("too long", too_long.as_str(), "must be at most 2048 bytes"),
    ];

    for (case, url, rule) in cases {
        let response = app.submit(&token, &json!({ "text": article(), "callback_url": url })).await;

        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "{case}: {}", response.body);
        let errors = response.json()["errors"].clone();
        let error = errors
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == "callback_url")
            .unwrap_or_else(|| panic!("{case}: no error names callback_url: {errors}"))
            .clone();
        assert!(error["message"].as_str().unwrap().contains(rule), "{case}: {error}");
    }
    let listed = app.get("/api/v1/docs", Some(&token)).await.json();
    assert_eq!(listed["items"], json!([]), "nothing is stored for a rejected submission");
}

#[tokio::test]
async fn text_body_takes_callback_url_in_query() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let text_request = || request(Method::POST, "/api/v1/summarize", Some("text/plain"), article(), Some(&token));

    let accepted = app.send(with_query(text_request(), &[("callback_url", "https://hooks.example.com/docsum")])).await;
    let rejected = app.send(with_query(text_request(), &[("callback_url", "http://hooks.example.com/docsum")])).await;
    let without = app.send(text_request()).await;

    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.body);
    let secret = accepted.json()["callback_secret"].as_str().unwrap().to_owned();
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    assert_eq!(key.len(), 32);
    assert_eq!(rejected.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", rejected.body);
    assert_eq!(rejected.json()["errors"][0]["field"], "callback_url");
    assert_eq!(without.status, StatusCode::ACCEPTED);
    assert!(without.json().get("callback_secret").is_none(), "{}", without.body);
}

#[tokio::test]
async fn unpublished_submission_keeps_its_webhook() {
    let mut app = TestApp::spawn_with_queue_url(Some("amqp://guest:guest@127.0.0.1:1/%2f")).await;
    use_webhooks(&mut app, true, RetryPolicy::default());
    let receiver = Receiver::start(&[], Duration::ZERO).await;
    let token = app.signed_in_user().await;

    let response = app.submit(&token, &json!({ "text": article(), "callback_url": receiver.url })).await;

    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
    assert!(response.json()["callback_secret"].as_str().is_some(), "{}", response.body);
    let doc_id: Uuid = response.json()["doc_id"].as_str().unwrap().parse().unwrap();
    assert!(app.worker.webhooks.store().find(doc_id).await.unwrap().is_some(), "the webhook was dropped");
}

#[tokio::test]
async fn cleanup_run_retries_due_webhooks() {
    let mut app = TestApp::spawn().await;
    let backoff = Duration::from_secs(1);
    use_webhooks(&mut app, true, fast_policy(backoff, 8));
    let receiver = Receiver::start(&[503], Duration::ZERO).await;
    let token = app.signed_in_user().await;
    let accepted = submit_with_callback(&app, &token, &receiver.url).await;
    let doc_id = doc_id_of(&accepted);
    process_job(&app.worker, Job { doc_id }).await.unwrap();
    assert_eq!(receiver.received().len(), 1);
    tokio::time::sleep(backoff + Duration::from_millis(300)).await;

    let cleanup = shared::cleanup::Cleanup::new(
        app.pool.clone(),
        &app.mongo,
        std::sync::Arc::clone(&app.summarize.queue),
        shared::config::CleanupSettings::from_vars(&|_| None).unwrap(),
    )
    .with_webhooks(app.worker.webhooks.clone());
    let report = cleanup.run().await;

    assert_eq!(report.webhooks_attempted, 1, "{report:?}");
    assert_eq!(receiver.received().len(), 2);
    assert!(delivery_state(&app, doc_id).await.delivered_at.is_some());
}
