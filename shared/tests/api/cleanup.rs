//! The scheduled cleanup against the real databases: each kind of leftover is
//! created, cleaned, and everything else is left as it was.

use std::sync::Arc;
use std::time::Duration;

use lapin::options::QueueDeclareOptions;
use lapin::types::FieldTable;
use mongodb::bson::{doc, DateTime, Document};
use serde_json::json;
use shared::cleanup::{stuck_job_reason, Cleanup, CleanupReport};
use shared::config::CleanupSettings;
use shared::store::texts::COLLECTION;
use uuid::Uuid;

use crate::helpers::{article, TestApp};

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

fn settings() -> CleanupSettings {
    CleanupSettings {
        max_requeues: 2,
        orphan_min_age: Duration::from_secs(HOUR as u64),
        document_retention: Some(Duration::from_secs(30 * DAY as u64)),
        rate_limit_retention: Duration::from_secs(DAY as u64),
        // Small, so that every step goes through more than one batch.
        batch_size: 2,
    }
}

fn cleanup_of(app: &TestApp) -> Cleanup {
    Cleanup::new(app.pool.clone(), &app.mongo, Arc::clone(&app.summarize.queue), settings())
}

async fn any_user(app: &TestApp) -> Uuid {
    app.signed_in_user().await;
    sqlx::query_scalar("SELECT id FROM users LIMIT 1").fetch_one(&app.pool).await.unwrap()
}

/// Inserts a document row `age_seconds` old, with the given status, lease (seconds
/// from now; negative means ended) and re-queue count.
async fn insert_document(
    app: &TestApp,
    user_id: Uuid,
    age_seconds: i64,
    status: &str,
    lease_seconds: Option<i64>,
    requeues: i32,
) -> Uuid {
    let doc_id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO documents (doc_id, user_id, requested_sentences, text_bytes, status, created_at, \
         lease_expires_at, requeues, attempts, published_at) \
         VALUES ($1, $2, 3, 10, $3, now() - make_interval(secs => $4), \
                 now() + make_interval(secs => $5), $6, $6 + 1, now() - make_interval(secs => $4))",
    )
    .bind(doc_id)
    .bind(user_id)
    .bind(status)
    .bind(age_seconds as f64)
    .bind(lease_seconds.map(|seconds| seconds as f64))
    .bind(requeues)
    .execute(&app.pool)
    .await
    .unwrap();
    doc_id
}

/// Inserts a MongoDB text `age_seconds` old under `id`.
async fn insert_text(app: &TestApp, id: &str, age_seconds: i64) {
    let created_at = DateTime::from_millis(DateTime::now().timestamp_millis() - age_seconds * 1000);
    app.mongo
        .collection::<Document>(COLLECTION)
        .insert_one(doc! { "_id": id, "text": "Some text.", "created_at": created_at })
        .await
        .unwrap();
}

async fn text_exists(app: &TestApp, id: &str) -> bool {
    app.mongo.collection::<Document>(COLLECTION).find_one(doc! { "_id": id }).await.unwrap().is_some()
}

async fn document_state(app: &TestApp, doc_id: Uuid) -> Option<(String, Option<String>, i32)> {
    sqlx::query_as("SELECT status, error, requeues FROM documents WHERE doc_id = $1")
        .bind(doc_id)
        .fetch_optional(&app.pool)
        .await
        .unwrap()
}

/// Inserts a refresh token with times relative to now, in seconds.
async fn insert_refresh_token(
    app: &TestApp,
    user_id: Uuid,
    expires_in: i64,
    family_expires_in: i64,
    used: bool,
    revoked: bool,
) -> Uuid {
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, family_expires_at, \
         used_at, revoked_at) \
         VALUES ($1, $2, $1, $3, now() + make_interval(secs => $4), now() + make_interval(secs => $5), \
                 CASE WHEN $6 THEN now() END, CASE WHEN $7 THEN now() END)",
    )
    .bind(id)
    .bind(user_id)
    .bind(id.as_bytes().to_vec())
    .bind(expires_in as f64)
    .bind(family_expires_in as f64)
    .bind(used)
    .bind(revoked)
    .execute(&app.pool)
    .await
    .unwrap();
    id
}

async fn refresh_token_exists(app: &TestApp, id: Uuid) -> bool {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM refresh_tokens WHERE id = $1)")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn insert_rate_limit_row(app: &TestApp, bucket: &str, age_seconds: i64) {
    sqlx::query(
        "INSERT INTO rate_limit_hits (bucket, window_start, hits) VALUES ($1, now() - make_interval(secs => $2), 3)",
    )
    .bind(bucket)
    .bind(age_seconds as f64)
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn rate_limit_buckets(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT bucket FROM rate_limit_hits WHERE bucket LIKE 'test:%' ORDER BY bucket")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

async fn queued_messages(app: &TestApp) -> u32 {
    let connection = shared::queue::rabbitmq::connect(&app.queue_settings).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    let queue = channel
        .queue_declare(
            app.queue_settings.queue.as_str().into(),
            QueueDeclareOptions { passive: true, ..Default::default() },
            FieldTable::default(),
        )
        .await
        .unwrap();
    connection.close(200, "done".into()).await.ok();
    queue.message_count()
}

#[tokio::test]
async fn cleanup_removes_each_leftover_and_nothing_else() {
    let app = TestApp::spawn().await;
    app.declare_queue().await;
    let user_id = any_user(&app).await;

    let revoked = insert_refresh_token(&app, user_id, DAY, 30 * DAY, false, true).await;
    let family_ended = insert_refresh_token(&app, user_id, -HOUR, -HOUR, true, false).await;
    let expired_unused = insert_refresh_token(&app, user_id, -HOUR, 20 * DAY, false, false).await;
    let used_in_live_login = insert_refresh_token(&app, user_id, -HOUR, 20 * DAY, true, false).await;
    let live = insert_refresh_token(&app, user_id, DAY, 20 * DAY, false, false).await;

    insert_rate_limit_row(&app, "test:old-1", 2 * DAY).await;
    insert_rate_limit_row(&app, "test:old-2", 3 * DAY).await;
    insert_rate_limit_row(&app, "test:old-3", 4 * DAY).await;
    insert_rate_limit_row(&app, "test:current", 60).await;

    let stuck = insert_document(&app, user_id, HOUR, "processing", Some(-60), 0).await;
    let stuck_too_often = insert_document(&app, user_id, HOUR, "processing", Some(-60), 2).await;
    let running = insert_document(&app, user_id, HOUR, "processing", Some(240), 0).await;
    let queued = insert_document(&app, user_id, HOUR, "queued", None, 0).await;
    for doc_id in [stuck, stuck_too_often, running, queued] {
        insert_text(&app, &doc_id.to_string(), 2 * HOUR).await;
    }

    let old_orphan = Uuid::now_v7().to_string();
    let young_orphan = Uuid::now_v7().to_string();
    insert_text(&app, &old_orphan, 2 * HOUR).await;
    insert_text(&app, "not-a-uuid", 2 * HOUR).await;
    insert_text(&app, &young_orphan, 60).await;

    let old_textless = insert_document(&app, user_id, 2 * HOUR, "done", None, 0).await;
    let young_textless = insert_document(&app, user_id, 60, "queued", None, 0).await;

    let expired = insert_document(&app, user_id, 31 * DAY, "done", None, 0).await;
    insert_text(&app, &expired.to_string(), 31 * DAY).await;
    let within_retention = insert_document(&app, user_id, 29 * DAY, "done", None, 0).await;
    insert_text(&app, &within_retention.to_string(), 29 * DAY).await;

    let report = cleanup_of(&app).run().await;

    assert_eq!(
        report,
        CleanupReport {
            refresh_tokens_deleted: 3,
            jobs_requeued: 1,
            jobs_failed: 1,
            jobs_published: 0,
            dead_lettered_jobs_failed: 0,
            dead_letters_removed: 0,
            rate_limit_rows_deleted: 3,
            expired_documents_deleted: 1,
            orphan_texts_deleted: 2,
            textless_documents_deleted: 1,
            webhooks_attempted: 0,
            failed_steps: vec![],
        }
    );

    for (name, id) in [("revoked", revoked), ("family ended", family_ended), ("expired unused", expired_unused)] {
        assert!(!refresh_token_exists(&app, id).await, "{name} token kept");
    }
    for (name, id) in [("used in a live login", used_in_live_login), ("live", live)] {
        assert!(refresh_token_exists(&app, id).await, "{name} token deleted");
    }
    let login_tokens: i64 =
        sqlx::query_scalar("SELECT count(*) FROM refresh_tokens").fetch_one(&app.pool).await.unwrap();
    assert_eq!(login_tokens, 3, "the sign-in's own token and the two kept tokens remain");

    assert_eq!(rate_limit_buckets(&app).await, vec!["test:current".to_owned()]);

    assert_eq!(document_state(&app, stuck).await, Some(("queued".to_owned(), None, 1)));
    let (status, error, _) = document_state(&app, stuck_too_often).await.unwrap();
    assert_eq!(status, "failed");
    assert_eq!(error.as_deref(), Some(stuck_job_reason(3).as_str()));
    assert_eq!(document_state(&app, running).await, Some(("processing".to_owned(), None, 0)));
    assert_eq!(document_state(&app, queued).await, Some(("queued".to_owned(), None, 0)));
    assert_eq!(queued_messages(&app).await, 1, "only the stuck job is published");

    assert!(!text_exists(&app, &old_orphan).await, "old orphan text kept");
    assert!(!text_exists(&app, "not-a-uuid").await, "text with a foreign id kept");
    assert!(text_exists(&app, &young_orphan).await, "a text whose row may be on its way was deleted");
    for doc_id in [stuck, stuck_too_often, running, queued, within_retention] {
        assert!(text_exists(&app, &doc_id.to_string()).await, "text of {doc_id} deleted");
    }

    assert_eq!(document_state(&app, old_textless).await, None, "old row without text kept");
    assert!(document_state(&app, young_textless).await.is_some(), "young row without text deleted");

    assert_eq!(document_state(&app, expired).await, None, "expired document kept");
    assert!(!text_exists(&app, &expired.to_string()).await, "text of the expired document kept");
    assert!(document_state(&app, within_retention).await.is_some(), "document within retention deleted");
}

#[tokio::test]
async fn cleanup_publishes_jobs_left_in_outbox() {
    let app = TestApp::spawn().await;
    app.declare_queue().await;
    let user_id = any_user(&app).await;
    let unpublished = insert_document(&app, user_id, HOUR, "queued", None, 0).await;
    let young = insert_document(&app, user_id, 1, "queued", None, 0).await;
    let failed = insert_document(&app, user_id, HOUR, "failed", None, 0).await;
    sqlx::query("UPDATE documents SET published_at = NULL WHERE doc_id = ANY($1)")
        .bind(vec![unpublished, young, failed])
        .execute(&app.pool)
        .await
        .unwrap();

    let first = cleanup_of(&app).run().await;
    let second = cleanup_of(&app).run().await;

    assert_eq!(first.jobs_published, 1, "{first:?}");
    assert_eq!(second.jobs_published, 0, "{second:?}");
    assert_eq!(queued_messages(&app).await, 1);
}

#[tokio::test]
async fn cleanup_twice_at_once_requeues_once() {
    let app = TestApp::spawn().await;
    app.declare_queue().await;
    let user_id = any_user(&app).await;
    let mut stuck = Vec::new();
    for _ in 0..5 {
        let doc_id = insert_document(&app, user_id, HOUR, "processing", Some(-60), 0).await;
        insert_text(&app, &doc_id.to_string(), HOUR).await;
        stuck.push(doc_id);
    }
    let (first, second) = (cleanup_of(&app), cleanup_of(&app));

    let (first, second) = tokio::join!(first.run(), second.run());

    assert!(first.failed_steps.is_empty(), "{first:?}");
    assert!(second.failed_steps.is_empty(), "{second:?}");
    assert_eq!(first.jobs_requeued + second.jobs_requeued, 5, "{first:?} {second:?}");
    assert_eq!(queued_messages(&app).await, 5, "each stuck job is published once");
    for doc_id in stuck {
        assert_eq!(document_state(&app, doc_id).await, Some(("queued".to_owned(), None, 1)));
    }
}

#[tokio::test]
async fn requeued_job_is_summarized() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let doc_id = app.submit(&token, &json!({ "text": article() })).await.json()["doc_id"].as_str().unwrap().to_owned();
    let doc_uuid = Uuid::parse_str(&doc_id).unwrap();
    // A worker claimed the job and died: the message is gone, the lease has ended.
    app.worker.documents.claim(doc_uuid).await.unwrap().expect("the job is claimable");
    sqlx::query("UPDATE documents SET lease_expires_at = now() - interval '1 second' WHERE doc_id = $1")
        .bind(doc_uuid)
        .execute(&app.pool)
        .await
        .unwrap();
    let connection = shared::queue::rabbitmq::connect(&app.queue_settings).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel.queue_purge(app.queue_settings.queue.as_str().into(), Default::default()).await.unwrap();
    connection.close(200, "done".into()).await.ok();

    let report = cleanup_of(&app).run().await;
    let document = app.run_worker_until_finished(&token, &doc_id).await;

    assert_eq!(report.jobs_requeued, 1, "{report:?}");
    assert_eq!(document["status"], "done", "{document}");
}

#[tokio::test]
async fn claim_waits_for_lease_to_end() {
    let app = TestApp::spawn().await;
    let user_id = any_user(&app).await;
    let doc_id = insert_document(&app, user_id, 60, "queued", None, 0).await;

    let first = app.worker.documents.claim(doc_id).await.unwrap();
    let while_leased = app.worker.documents.claim(doc_id).await.unwrap();
    sqlx::query("UPDATE documents SET lease_expires_at = now() - interval '1 second' WHERE doc_id = $1")
        .bind(doc_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let after_lease = app.worker.documents.claim(doc_id).await.unwrap();
    app.worker.documents.mark_done(doc_id, 1).await.unwrap();
    sqlx::query("UPDATE documents SET lease_expires_at = now() - interval '1 second' WHERE doc_id = $1")
        .bind(doc_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let after_done = app.worker.documents.claim(doc_id).await.unwrap();

    assert_eq!(first.map(|claimed| claimed.attempts), Some(2));
    assert!(while_leased.is_none(), "a running lease was taken over");
    assert_eq!(after_lease.map(|claimed| claimed.attempts), Some(3));
    assert!(after_done.is_none(), "a done document went back to processing");
}

#[tokio::test]
async fn cleanup_refuses_when_most_look_orphaned() {
    let app = TestApp::spawn().await;
    let user_id = any_user(&app).await;
    let mut texts = Vec::new();
    for _ in 0..12 {
        let id = Uuid::now_v7().to_string();
        insert_text(&app, &id, 2 * HOUR).await;
        texts.push(id);
    }
    let mut rows = Vec::new();
    for _ in 0..12 {
        rows.push(insert_document(&app, user_id, 2 * HOUR, "done", None, 0).await);
    }
    let mut cleanup = cleanup_of(&app);
    cleanup.settings.batch_size = 50;

    let report = cleanup.run().await;

    assert_eq!(report.failed_steps, vec!["orphan_texts", "textless_documents"], "{report:?}");
    for id in &texts {
        assert!(text_exists(&app, id).await, "text {id} deleted");
    }
    for doc_id in rows {
        assert!(document_state(&app, doc_id).await.is_some(), "row {doc_id} deleted");
    }
}
