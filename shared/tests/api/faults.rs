//! Outages of PostgreSQL, MongoDB and RabbitMQ, made with a proxy of the test's own
//! between the code and each real server: routes return 503 with `Retry-After`
//! within seconds, no job is lost, and everything recovers once the server is back.

use std::future::Future;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use lambda_http::http::StatusCode;
use lapin::options::{BasicGetOptions, BasicNackOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use secrecy::ExposeSecret as _;
use serde_json::json;
use shared::queue::rabbitmq::{connect, dead_letter_names, declare_queue, RabbitQueue};
use shared::queue::{Job, JobQueue as _};
use shared::worker::{consume_rabbitmq, consume_rabbitmq_forever, process_job, JobOutcome};
use uuid::Uuid;

use crate::helpers::{article, host_port, TestApp, TestResponse, PASSWORD};
use crate::proxy::{Mode, Proxy};

/// The maximum time a route may take to respond during an outage: the 2 s pool acquire
/// timeout of these tests or MongoDB's 3 s server selection timeout, plus margin.
const OUTAGE_ANSWER_LIMIT: Duration = Duration::from_secs(7);

async fn timed(request: impl Future<Output = TestResponse>) -> (TestResponse, Duration) {
    let started = Instant::now();
    let response = request.await;
    (response, started.elapsed())
}

fn assert_unavailable(route: &str, response: &TestResponse, elapsed: Duration) {
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE, "{route}: {}", response.body);
    assert!(response.headers.contains_key("retry-after"), "{route}: no Retry-After");
    assert!(elapsed < OUTAGE_ANSWER_LIMIT, "{route} took {elapsed:?}");
    assert!(!response.body.contains("127.0.0.1"), "{route}: the 503 body reveals an address");
}

async fn submitted_doc_id(app: &TestApp, token: &str) -> Uuid {
    let response = app.submit(token, &json!({ "text": article() })).await;
    assert_eq!(response.status, StatusCode::ACCEPTED, "{}", response.body);
    response.json()["doc_id"].as_str().unwrap().parse().unwrap()
}

async fn status_of(app: &TestApp, doc_id: Uuid) -> String {
    sqlx::query_scalar("SELECT status FROM documents WHERE doc_id = $1")
        .bind(doc_id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Polls the document's status in PostgreSQL, past any proxy, until it is `done`
/// or `failed` or `limit` has passed.
async fn wait_for_finish(app: &TestApp, doc_id: Uuid, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let status = status_of(app, doc_id).await;
        if status == "done" || status == "failed" || Instant::now() > deadline {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Retries a request until it returns `expected` or 30 s have passed, and returns
/// the last response.
async fn until_status<F, Fut>(expected: StatusCode, mut request: F) -> TestResponse
where
    F: FnMut() -> Fut,
    Fut: Future<Output = TestResponse>,
{
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let response = request().await;
        if response.status == expected || Instant::now() > deadline {
            return response;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn postgres_outage_gives_503_everywhere_then_recovers() {
    for mode in [Mode::Blackhole, Mode::Refuse] {
        let mut app = TestApp::spawn().await;
        let email = format!("user-{}@example.com", Uuid::new_v4().simple());
        assert_eq!(app.register(&email, PASSWORD).await.status, StatusCode::CREATED);
        let tokens = app.login(&email, PASSWORD).await.json();
        let token = tokens["access_token"].as_str().unwrap().to_owned();
        let refresh_token = tokens["refresh_token"].as_str().unwrap().to_owned();
        let doc_id = submitted_doc_id(&app, &token).await;
        let proxy = Proxy::start(&host_port(&app.database_url)).await;
        app.route_postgres_through(&proxy);
        assert_eq!(app.get("/api/v1/users/me", Some(&token)).await.status, StatusCode::OK, "{mode:?}");

        proxy.set(mode);
        let other = format!("user-{}@example.com", Uuid::new_v4().simple());
        let doc = format!("/api/v1/docs/{doc_id}");
        let checks: Vec<(&str, (TestResponse, Duration))> = vec![
            ("register", timed(app.register(&other, PASSWORD)).await),
            ("login", timed(app.login(&email, PASSWORD)).await),
            ("refresh", timed(app.refresh(&refresh_token)).await),
            ("users/me", timed(app.get("/api/v1/users/me", Some(&token))).await),
            ("submit", timed(app.submit(&token, &json!({ "text": article() }))).await),
            ("list", timed(app.get("/api/v1/docs", Some(&token))).await),
            ("get", timed(app.get(&doc, Some(&token))).await),
            ("delete", timed(app.delete(&doc, Some(&token))).await),
        ];
        for (route, (response, elapsed)) in &checks {
            assert_unavailable(&format!("{route} ({mode:?})"), response, *elapsed);
        }

        proxy.set(Mode::Forward);
        let me = until_status(StatusCode::OK, || app.get("/api/v1/users/me", Some(&token))).await;
        assert_eq!(me.status, StatusCode::OK, "users/me after the outage ({mode:?}): {}", me.body);
        let fetched = app.get(&doc, Some(&token)).await;
        assert_eq!(fetched.status, StatusCode::OK, "get after the outage ({mode:?}): {}", fetched.body);
        let submitted = app.submit(&token, &json!({ "text": article() })).await;
        assert_eq!(submitted.status, StatusCode::ACCEPTED, "submit after the outage ({mode:?}): {}", submitted.body);
    }
}

#[tokio::test]
async fn mongo_outage_fails_text_routes_only() {
    let mut app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let doc_id = submitted_doc_id(&app, &token).await;
    let proxy = Proxy::start(&app.mongo_target()).await;
    app.route_mongo_through(&proxy).await;
    let doc = format!("/api/v1/docs/{doc_id}");
    assert_eq!(app.get(&doc, Some(&token)).await.status, StatusCode::OK);

    proxy.set(Mode::Blackhole);
    let submit = timed(app.submit(&token, &json!({ "text": article() }))).await;
    let get = timed(app.get(&doc, Some(&token))).await;
    let delete = timed(app.delete(&doc, Some(&token))).await;
    let list = app.get("/api/v1/docs", Some(&token)).await;
    let me = app.get("/api/v1/users/me", Some(&token)).await;

    assert_unavailable("submit", &submit.0, submit.1);
    assert_unavailable("get", &get.0, get.1);
    assert_unavailable("delete", &delete.0, delete.1);
    assert_eq!(list.status, StatusCode::OK, "the list needs no text: {}", list.body);
    assert_eq!(me.status, StatusCode::OK, "users/me needs no text: {}", me.body);

    proxy.set(Mode::Forward);
    let fetched = until_status(StatusCode::OK, || app.get(&doc, Some(&token))).await;
    assert_eq!(fetched.status, StatusCode::OK, "get after the outage: {}", fetched.body);
    let submitted = app.submit(&token, &json!({ "text": article() })).await;
    assert_eq!(submitted.status, StatusCode::ACCEPTED, "submit after the outage: {}", submitted.body);
}

#[tokio::test]
async fn broker_outage_keeps_submission_in_outbox() {
    let amqp_url = shared::config::QueueSettings::from_env().unwrap().url.expose_secret().to_owned();
    let target = host_port(&amqp_url);
    let proxy = Proxy::start(&target).await;
    let app = TestApp::spawn_with_queue_url(Some(&proxy.url_for(&amqp_url, &target))).await;
    let token = app.signed_in_user().await;
    app.declare_queue().await;

    proxy.set(Mode::Blackhole);
    let (accepted, elapsed) = timed(app.submit(&token, &json!({ "text": article() }))).await;
    let list = app.get("/api/v1/docs", Some(&token)).await;
    let drained_during_outage = app.summarize.outbox.drain(10, Duration::ZERO).await.unwrap();

    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.body);
    assert!(elapsed < OUTAGE_ANSWER_LIMIT, "submit took {elapsed:?}");
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let doc_id: Uuid = accepted.json()["doc_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(status_of(&app, doc_id).await, "queued");
    assert_eq!(app.summarize.outbox.count_unpublished().await.unwrap(), 1);
    assert!(drained_during_outage.publish_failed);
    assert_eq!(drained_during_outage.published, 0);

    proxy.set(Mode::Forward);
    // The publisher fails fast for 2 s after the failed drain.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let drained = app.summarize.outbox.drain(10, Duration::ZERO).await.unwrap();
    assert_eq!(drained.published, 1, "{drained:?}");
    assert_eq!(app.summarize.outbox.count_unpublished().await.unwrap(), 0);
    let document = app.run_worker_until_finished(&token, &doc_id.to_string()).await;
    assert_eq!(document["status"], "done", "{document}");
}

#[tokio::test]
async fn published_submission_leaves_outbox_empty() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;

    submitted_doc_id(&app, &token).await;

    assert_eq!(app.summarize.outbox.count_unpublished().await.unwrap(), 0);
}

#[tokio::test]
async fn consumer_reconnects_after_broker_connection_dies() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    app.declare_queue().await;
    let amqp_url = app.queue_settings.url.expose_secret().to_owned();
    let target = host_port(&amqp_url);
    let proxy = Proxy::start(&target).await;
    let mut settings = app.queue_settings.clone();
    // A 1 s heartbeat lets lapin notice the silent connection within about 2 s.
    settings.url = format!("{}?heartbeat=1", proxy.url_for(&amqp_url, &target)).into();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = app.worker.clone();
    let task = tokio::spawn(async move {
        consume_rabbitmq_forever(&worker, &settings, async {
            let _ = stopped.await;
        })
        .await
    });
    let first = submitted_doc_id(&app, &token).await;
    assert_eq!(wait_for_finish(&app, first, Duration::from_secs(30)).await, "done");

    proxy.set(Mode::Blackhole);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let second = submitted_doc_id(&app, &token).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let during_outage = status_of(&app, second).await;
    proxy.set(Mode::Refuse);
    tokio::time::sleep(Duration::from_secs(2)).await;
    proxy.set(Mode::Forward);
    let after_outage = wait_for_finish(&app, second, Duration::from_secs(40)).await;
    let _ = stop.send(());
    task.await.unwrap();

    assert_eq!(during_outage, "queued");
    assert_eq!(after_outage, "done");
}

#[tokio::test]
async fn worker_retries_job_through_postgres_outage() {
    let mut app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let proxy = Proxy::start(&host_port(&app.database_url)).await;
    app.route_postgres_through(&proxy);
    let doc_id = submitted_doc_id(&app, &token).await;

    proxy.set(Mode::Blackhole);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = app.worker.clone();
    let settings = app.queue_settings.clone();
    let task = tokio::spawn(async move {
        consume_rabbitmq(&worker, &settings, async {
            let _ = stopped.await;
        })
        .await
    });
    tokio::time::sleep(Duration::from_secs(4)).await;
    let during_outage = status_of(&app, doc_id).await;
    proxy.set(Mode::Forward);
    let after_outage = wait_for_finish(&app, doc_id, Duration::from_secs(30)).await;
    let _ = stop.send(());
    task.await.unwrap().unwrap();

    assert_eq!(during_outage, "queued");
    assert_eq!(after_outage, "done");
}

#[tokio::test]
async fn requeued_job_is_dead_lettered_after_delivery_limit() {
    let mut app = TestApp::spawn().await;
    app.queue_settings.delivery_limit = 2;
    app.declare_queue().await;
    let doc_id = Uuid::now_v7();
    RabbitQueue::new(app.queue_settings.clone()).publish(Job { doc_id }).await.unwrap();
    let connection = connect(&app.queue_settings).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    let (_, dead_queue) = dead_letter_names(&app.queue_settings.queue);

    // A consumer that fails the job every time and puts it back.
    let mut deliveries = 0;
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut dead = None;
    while dead.is_none() && Instant::now() < deadline {
        if let Some(message) =
            channel.basic_get(app.queue_settings.queue.as_str().into(), BasicGetOptions::default()).await.unwrap()
        {
            deliveries += 1;
            message.nack(BasicNackOptions { requeue: true, ..Default::default() }).await.unwrap();
        }
        dead = channel.basic_get(dead_queue.as_str().into(), BasicGetOptions { no_ack: true }).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    connection.close(200, "done".into()).await.ok();

    let dead = dead.expect("the job never reached the dead-letter queue");
    assert_eq!(Job::from_bytes(&dead.delivery.data).unwrap().doc_id, doc_id);
    assert!(deliveries <= 3, "the job was delivered {deliveries} times with a limit of 2");
}

#[tokio::test]
async fn malformed_message_goes_to_dead_letter_queue() {
    let app = TestApp::spawn().await;
    app.declare_queue().await;
    let connection = connect(&app.queue_settings).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .basic_publish(
            "".into(),
            app.queue_settings.queue.as_str().into(),
            Default::default(),
            b"not a job",
            Default::default(),
        )
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = app.worker.clone();
    let settings = app.queue_settings.clone();
    let task = tokio::spawn(async move {
        consume_rabbitmq(&worker, &settings, async {
            let _ = stopped.await;
        })
        .await
    });

    let (_, dead_queue) = dead_letter_names(&app.queue_settings.queue);
    let mut consumer = channel
        .basic_consume(dead_queue.as_str().into(), "".into(), Default::default(), FieldTable::default())
        .await
        .unwrap();
    let dead = tokio::time::timeout(Duration::from_secs(10), consumer.next()).await;
    let _ = stop.send(());
    task.await.unwrap().unwrap();
    connection.close(200, "done".into()).await.ok();

    let dead = dead.expect("the message never reached the dead-letter queue").unwrap().unwrap();
    assert_eq!(dead.data, b"not a job");
}

#[tokio::test]
async fn invalid_document_row_fails_without_retry() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let doc_id = submitted_doc_id(&app, &token).await;
    // Only a row that breaks today's constraints can carry no length limit, so this
    // test database drops the constraint.
    sqlx::query("ALTER TABLE documents DROP CONSTRAINT documents_one_length").execute(&app.pool).await.unwrap();
    sqlx::query("UPDATE documents SET requested_sentences = NULL WHERE doc_id = $1")
        .bind(doc_id)
        .execute(&app.pool)
        .await
        .unwrap();

    let outcome = process_job(&app.worker, Job { doc_id }).await;

    let outcome = outcome.unwrap_or_else(|error| panic!("a permanent failure came back as transient: {error:#}"));
    assert!(matches!(outcome, JobOutcome::Failed { .. }), "{outcome:?}");
    assert_eq!(status_of(&app, doc_id).await, "failed");
}

#[tokio::test]
async fn classic_queue_of_same_name_gives_clear_error() {
    let app = TestApp::spawn().await;
    let connection = connect(&app.queue_settings).await.unwrap();
    let classic = connection.create_channel().await.unwrap();
    classic
        .queue_declare(
            app.queue_settings.queue.as_str().into(),
            QueueDeclareOptions { durable: true, ..Default::default() },
            FieldTable::default(),
        )
        .await
        .unwrap();
    let channel = connection.create_channel().await.unwrap();

    let declared = declare_queue(&channel, &app.queue_settings).await;
    connection.close(200, "done".into()).await.ok();

    let error = format!("{:#}", declared.expect_err("a quorum queue replaced the classic queue"));
    assert!(error.contains("JOB_QUEUE"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publisher_recovers_after_connections_close() {
    let app = TestApp::spawn().await;
    let amqp_url = app.queue_settings.url.expose_secret().to_owned();
    let target = host_port(&amqp_url);
    let proxy = Proxy::start(&target).await;
    let mut settings = app.queue_settings.clone();
    settings.url = proxy.url_for(&amqp_url, &target).into();
    let publisher = RabbitQueue::new(settings);
    publisher.publish(Job { doc_id: Uuid::now_v7() }).await.unwrap();

    proxy.set(Mode::Refuse);
    let started = Instant::now();
    let during = tokio::time::timeout(Duration::from_secs(20), publisher.publish(Job { doc_id: Uuid::now_v7() })).await;
    let elapsed = started.elapsed();
    proxy.set(Mode::Forward);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let after = tokio::time::timeout(Duration::from_secs(20), publisher.publish(Job { doc_id: Uuid::now_v7() })).await;

    let during = during.expect("publishing during the outage hung");
    assert!(during.is_err(), "publishing during the outage succeeded");
    assert!(elapsed < OUTAGE_ANSWER_LIMIT, "publishing during the outage took {elapsed:?}");
    after.expect("publishing after the outage hung").expect("publishing after the outage failed");
}
