use std::time::Duration;

use futures_util::StreamExt as _;
use lapin::options::{BasicConsumeOptions, BasicQosOptions};
use lapin::types::FieldTable;
use serde_json::json;
use shared::queue::Job;
use shared::worker::{process_job, JobOutcome};

use crate::helpers::{article, TestApp};

#[tokio::test]
async fn job_survives_worker_dying_before_ack() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let doc_id = app.submit(&token, &json!({ "text": article() })).await.json()["doc_id"].as_str().unwrap().to_owned();

    // A worker that takes the job and dies before acknowledging it.
    let connection = shared::queue::rabbitmq::connect(&app.queue_settings).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel.basic_qos(1, BasicQosOptions::default()).await.unwrap();
    let mut consumer = channel
        .basic_consume(
            app.queue_settings.queue.as_str().into(),
            "dying".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let taken = tokio::time::timeout(Duration::from_secs(10), consumer.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(Job::from_bytes(&taken.data).unwrap().doc_id.to_string(), doc_id);
    connection.close(320, "worker died".into()).await.unwrap();

    let document = app.run_worker_until_finished(&token, &doc_id).await;

    assert_eq!(document["status"], "done", "{document}");
    assert!(!document["summary"]["sentences"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn duplicate_delivery_keeps_one_summary() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let doc_id: uuid::Uuid =
        app.submit(&token, &json!({ "text": article() })).await.json()["doc_id"].as_str().unwrap().parse().unwrap();

    let first = process_job(&app.worker, Job { doc_id }).await.unwrap();
    let second = process_job(&app.worker, Job { doc_id }).await.unwrap();

    assert!(matches!(first, JobOutcome::Done { .. }), "{first:?}");
    assert_eq!(second, JobOutcome::Skipped);
    let attempts: i32 = sqlx::query_scalar("SELECT attempts FROM documents WHERE doc_id = $1")
        .bind(doc_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(attempts, 1);
}

#[tokio::test]
async fn missing_text_fails_with_reason() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let doc_id: uuid::Uuid =
        app.submit(&token, &json!({ "text": article() })).await.json()["doc_id"].as_str().unwrap().parse().unwrap();
    app.mongo
        .collection::<mongodb::bson::Document>(shared::store::texts::COLLECTION)
        .delete_one(mongodb::bson::doc! { "_id": doc_id.to_string() })
        .await
        .unwrap();

    let outcome = process_job(&app.worker, Job { doc_id }).await.unwrap();

    assert!(matches!(outcome, JobOutcome::Failed { .. }), "{outcome:?}");
    let document = app.get(&format!("/api/v1/docs/{doc_id}"), Some(&token)).await.json();
    assert_eq!(document["status"], "failed");
    assert_eq!(document["error"], "The document text is missing.");
}

#[tokio::test]
async fn unknown_document_is_skipped() {
    let app = TestApp::spawn().await;

    let outcome = process_job(&app.worker, Job { doc_id: uuid::Uuid::now_v7() }).await.unwrap();

    assert_eq!(outcome, JobOutcome::Skipped);
}

#[tokio::test]
async fn malformed_message_does_not_stop_worker() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    app.declare_queue().await;
    let connection = shared::queue::rabbitmq::connect(&app.queue_settings).await.unwrap();
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
        .unwrap()
        .await
        .unwrap();
    connection.close(200, "done".into()).await.unwrap();
    let doc_id = app.submit(&token, &json!({ "text": article() })).await.json()["doc_id"].as_str().unwrap().to_owned();

    let document = app.run_worker_until_finished(&token, &doc_id).await;

    assert_eq!(document["status"], "done");
}

#[tokio::test]
async fn published_job_is_persistent_on_durable_queue() {
    let app = TestApp::spawn().await;
    let doc_id = uuid::Uuid::now_v7();
    app.summarize.queue.publish(Job { doc_id }).await.unwrap();

    let connection = shared::queue::rabbitmq::connect(&app.queue_settings).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    let message = channel
        .basic_get(app.queue_settings.queue.as_str().into(), lapin::options::BasicGetOptions { no_ack: true })
        .await
        .unwrap()
        .expect("the job is on the queue");
    let declared = channel
        .queue_declare(
            app.queue_settings.queue.as_str().into(),
            lapin::options::QueueDeclareOptions { passive: true, ..Default::default() },
            FieldTable::default(),
        )
        .await;
    connection.close(200, "done".into()).await.ok();

    assert_eq!(message.delivery.properties.delivery_mode(), &Some(2));
    assert_eq!(Job::from_bytes(&message.delivery.data).unwrap(), Job { doc_id });
    assert!(declared.is_ok());
}

#[tokio::test]
async fn sqs_batch_reports_only_failed_records() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let doc_id = app.submit(&token, &json!({ "text": article() })).await.json()["doc_id"].as_str().unwrap().to_owned();
    let event: aws_lambda_events::event::sqs::SqsEvent = serde_json::from_value(json!({
        "Records": [
            { "messageId": "good", "body": json!({ "doc_id": doc_id }).to_string() },
            { "messageId": "poison", "body": "not a job" },
        ]
    }))
    .unwrap();

    let response = shared::worker::handle_sqs_event(&app.worker, event).await;

    let failed: Vec<&str> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
    assert_eq!(failed, vec!["poison"]);
    let document = app.get(&format!("/api/v1/docs/{doc_id}"), Some(&token)).await.json();
    assert_eq!(document["status"], "done");
}
