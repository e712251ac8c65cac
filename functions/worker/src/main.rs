//! The worker: summary jobs from SQS events when running in Lambda; outside Lambda it
//! consumes the queue that `JOB_QUEUE_KIND` names (RabbitMQ by default, or SQS).

use std::time::Duration;

use shared::config::{
    job_lease_from_vars, process_env, DatabaseSettings, JobQueueSettings, MongoSettings, WebhookSettings,
};
use shared::queue::sqs::{consume_sqs, SqsQueue};
use shared::store::documents::DocumentStore;
use shared::store::texts::TextStore;
use shared::webhooks::Webhooks;
use shared::worker::{consume_rabbitmq_forever, handle_sqs_event, WorkerState};

/// How often the local worker sends webhooks that are due for a retry, and at most
/// how many per round.
const WEBHOOK_RETRY_PERIOD: Duration = Duration::from_secs(5);
const WEBHOOK_RETRY_BATCH: i64 = 20;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();

    let database = DatabaseSettings::from_env()?;
    let mongo = MongoSettings::from_env()?;
    let lease = job_lease_from_vars(&process_env)?;
    let webhooks = WebhookSettings::from_env()?;
    let mongo_client = mongo.client().await?;
    let pool = database.connect_lazy()?;
    let state = WorkerState {
        documents: DocumentStore::new(pool.clone()).with_lease(lease),
        texts: TextStore::new(&mongo_client.database(&mongo.database)),
        webhooks: Webhooks::new(pool, webhooks),
    };

    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        // In Lambda each webhook's first attempt runs inside the job, and the scheduled
        // cleanup function retries the rest.
        return lambda_runtime::run(lambda_runtime::service_fn(|event: lambda_runtime::LambdaEvent<_>| async {
            Ok::<_, std::convert::Infallible>(handle_sqs_event(&state, event.payload).await)
        }))
        .await;
    }

    let retries = state.webhooks.clone();
    let retry_task =
        tokio::spawn(async move { retries.retry_forever(WEBHOOK_RETRY_PERIOD, WEBHOOK_RETRY_BATCH).await });
    match JobQueueSettings::from_env()? {
        JobQueueSettings::RabbitMq(queue) => consume_rabbitmq_forever(&state, &queue, shutdown_signal()).await,
        JobQueueSettings::Sqs(queue) => consume_sqs(&SqsQueue::new(&queue), &state, shutdown_signal()).await,
    }
    retry_task.abort();
    Ok(())
}

async fn shutdown_signal() {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing a SIGTERM handler cannot fail on Unix");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    tracing::info!("shutdown signal received");
}
