//! The SQS adapter and the worker's SQS path against moto's SQS server.

use std::time::Duration;

use aws_lambda_events::event::sqs::SqsEvent;
use serde_json::json;
use shared::queue::sqs::{PollOutcome, SqsQueue};
use shared::queue::{Job, JobQueue};
use uuid::Uuid;

use crate::helpers::{article, TestApp, TestSqs};

const NO_WAIT: Duration = Duration::ZERO;

#[tokio::test]
async fn sqs_publish_then_receive_and_delete() {
    let sqs = TestSqs::create(5, 1).await;
    let doc_id = Uuid::now_v7();

    sqs.queue.publish(Job { doc_id }).await.unwrap();
    let received = sqs.queue.receive(10, Duration::from_secs(2)).await.unwrap();
    sqs.queue.delete(received[0].receipt_handle().unwrap()).await.unwrap();
    // Past the 1 s visibility timeout a message that was not deleted would be back.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after_delete = sqs.queue.receive(10, NO_WAIT).await.unwrap();

    assert_eq!(received.len(), 1);
    assert_eq!(Job::from_bytes(received[0].body().unwrap().as_bytes()).unwrap(), Job { doc_id });
    assert!(after_delete.is_empty(), "deleted message came back: {after_delete:?}");
    sqs.delete().await;
}

#[tokio::test]
async fn sqs_received_message_is_hidden_until_released() {
    let sqs = TestSqs::create(5, 30).await;
    sqs.queue.publish(Job { doc_id: Uuid::now_v7() }).await.unwrap();

    let first = sqs.queue.receive(10, Duration::from_secs(2)).await.unwrap();
    let while_hidden = sqs.queue.receive(10, NO_WAIT).await.unwrap();
    sqs.queue.set_visibility(first[0].receipt_handle().unwrap(), Duration::ZERO).await.unwrap();
    let released = sqs.queue.receive(10, Duration::from_secs(2)).await.unwrap();

    assert_eq!(first.len(), 1);
    assert!(while_hidden.is_empty(), "message visible within its visibility timeout");
    assert_eq!(released.len(), 1);
    assert_eq!(released[0].message_id(), first[0].message_id());
    sqs.delete().await;
}

#[tokio::test]
async fn poison_message_moves_to_dead_letter_queue() {
    let sqs = TestSqs::create(2, 1).await;
    let app = TestApp::spawn().await;
    sqs.client.send_message().queue_url(sqs.queue.queue_url()).message_body("not a job").send().await.unwrap();

    // Each poll fails the record; after the second receive the next one moves it.
    let mut polls = Vec::new();
    let mut dead = Vec::new();
    for _ in 0..6 {
        polls.push(sqs.queue.poll_once(&app.worker, Duration::from_secs(2)).await.unwrap());
        dead = sqs.dead_letter.receive(10, NO_WAIT).await.unwrap();
        if !dead.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }

    assert_eq!(dead.len(), 1, "polls: {polls:?}");
    assert_eq!(dead[0].body(), Some("not a job"));
    let received: usize = polls.iter().map(|poll| poll.received).sum();
    assert_eq!(received, 2, "the record is tried maxReceiveCount times: {polls:?}");
    assert!(polls.iter().all(|poll| poll.failed == poll.received), "every try failed: {polls:?}");
    assert!(sqs.queue.receive(10, Duration::from_millis(1500)).await.unwrap().is_empty());
    sqs.delete().await;
}

#[tokio::test]
async fn worker_sqs_path_summarizes_and_deletes() {
    let sqs = TestSqs::create(5, 30).await;
    let mut app = TestApp::spawn().await;
    app.summarize.queue = std::sync::Arc::new(SqsQueue::with_client(sqs.client.clone(), sqs.queue.queue_url()));
    let token = app.signed_in_user().await;
    let doc_id = app.submit(&token, &json!({ "text": article() })).await.json()["doc_id"].as_str().unwrap().to_owned();

    let outcome = sqs.queue.poll_once(&app.worker, Duration::from_secs(2)).await.unwrap();
    let document = app.get(&format!("/api/v1/docs/{doc_id}"), Some(&token)).await.json();

    assert_eq!(outcome, PollOutcome { received: 1, failed: 0 });
    assert_eq!(document["status"], "done", "{document}");
    assert!(sqs.queue.receive(10, Duration::from_millis(500)).await.unwrap().is_empty(), "job not deleted");
    sqs.delete().await;
}

#[tokio::test]
async fn sqs_batch_response_lists_poison_and_transient() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    let good = app.submit(&token, &json!({ "text": article() })).await.json()["doc_id"].as_str().unwrap().to_owned();
    let broken = app.submit(&token, &json!({ "text": article() })).await.json()["doc_id"].as_str().unwrap().to_owned();
    // A text that no longer decodes makes processing return an error, which the worker
    // treats like an unreachable store: the record is retried, not failed for good.
    app.mongo
        .collection::<mongodb::bson::Document>(shared::store::texts::COLLECTION)
        .update_one(mongodb::bson::doc! { "_id": &broken }, mongodb::bson::doc! { "$set": { "text": 5 } })
        .await
        .unwrap();
    let event: SqsEvent = serde_json::from_value(json!({
        "Records": [
            { "messageId": "msg-good", "receiptHandle": "r1", "body": json!({ "doc_id": good }).to_string(),
              "eventSource": "aws:sqs", "attributes": { "ApproximateReceiveCount": "1" } },
            { "messageId": "msg-poison", "receiptHandle": "r2", "body": "{\"doc_id\": 42}",
              "eventSource": "aws:sqs", "attributes": { "ApproximateReceiveCount": "1" } },
            { "messageId": "msg-transient", "receiptHandle": "r3", "body": json!({ "doc_id": broken }).to_string(),
              "eventSource": "aws:sqs", "attributes": { "ApproximateReceiveCount": "1" } },
        ]
    }))
    .unwrap();

    let response = shared::worker::handle_sqs_event(&app.worker, event).await;
    let serialized = serde_json::to_value(&response).unwrap();

    let object = serialized.as_object().expect("the response is a JSON object");
    assert_eq!(object.len(), 1, "only batchItemFailures: {serialized}");
    let failures = object["batchItemFailures"].as_array().expect("batchItemFailures is an array");
    assert_eq!(failures.len(), 2, "{serialized}");
    for (failure, expected) in failures.iter().zip(["msg-poison", "msg-transient"]) {
        let failure = failure.as_object().expect("each failure is an object");
        assert_eq!(failure.len(), 1, "only itemIdentifier: {serialized}");
        assert_eq!(failure["itemIdentifier"], expected, "{serialized}");
    }
    let good_document = app.get(&format!("/api/v1/docs/{good}"), Some(&token)).await.json();
    assert_eq!(good_document["status"], "done");
    let broken_status: String = sqlx::query_scalar("SELECT status FROM documents WHERE doc_id = $1")
        .bind(Uuid::parse_str(&broken).unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(broken_status, "processing", "a retried record is not failed for good");
}
