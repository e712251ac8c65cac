//! The cleanup function: runs on a schedule in Lambda, and once from the command line
//! with `cleanup --once`.

use lambda_runtime::LambdaEvent;
use shared::cleanup::{Cleanup, CleanupReport};
use shared::config::{CleanupSettings, DatabaseSettings, JobQueueSettings, MongoSettings, WebhookSettings};
use shared::dead_letters::DeadLetterQueue;
use shared::webhooks::Webhooks;

const USAGE: &str = "usage: cleanup --once\n\nRuns every cleanup step once against the databases and the job queue \
named by the environment (DATABASE_URL, MONGODB_URL, JOB_QUEUE_KIND, ...), logs the report as one JSON line and \
exits with status 1 when a step failed. Without --once it serves the Lambda runtime API.";

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();

    let once = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--once") => true,
        Some("--help" | "-h") => {
            println!("{USAGE}");
            return Ok(());
        }
        Some(other) => {
            eprintln!("cleanup: unknown argument {other:?}\n\n{USAGE}");
            std::process::exit(2);
        }
    };

    let database = DatabaseSettings::from_env()?;
    let mongo = MongoSettings::from_env()?;
    let queue = JobQueueSettings::from_env()?;
    let settings = CleanupSettings::from_env()?;
    let webhook_settings = WebhookSettings::from_env()?;

    let mongo_client = mongo.client().await?;
    let pool = database.connect_lazy()?;
    let mut cleanup =
        Cleanup::new(pool.clone(), &mongo_client.database(&mongo.database), shared::queue::publisher(&queue), settings)
            .with_webhooks(Webhooks::new(pool, webhook_settings));
    match DeadLetterQueue::from_settings(&queue) {
        Some(dead_letter_queue) => cleanup = cleanup.with_dead_letter_queue(dead_letter_queue),
        None => tracing::warn!(
            "SQS_DEAD_LETTER_QUEUE_URL is not set, so jobs in the dead-letter queue are not settled and their \
             documents stay queued. Set it to the URL of the job queue's dead-letter queue."
        ),
    }

    if once {
        let report = cleanup.run().await;
        if !report.failed_steps.is_empty() {
            std::process::exit(1);
        }
        return Ok(());
    }

    // The payload is not read: an EventBridge rule sends a "Scheduled Event" and
    // EventBridge Scheduler sends the input the schedule sets, so any JSON is taken.
    lambda_runtime::run(lambda_runtime::service_fn(|event: LambdaEvent<serde_json::Value>| {
        let cleanup = &cleanup;
        async move {
            let event_id = event.payload.get("id").and_then(serde_json::Value::as_str).unwrap_or("none").to_owned();
            tracing::info!(%event_id, request_id = %event.context.request_id, "cleanup scheduled");
            let report = cleanup.run().await;
            if report.failed_steps.is_empty() {
                Ok::<CleanupReport, lambda_runtime::Error>(report)
            } else {
                // An error marks the invocation failed in Lambda's metrics. Every step is
                // safe to repeat, so the next run retries what failed.
                Err(format!("cleanup steps failed: {}", report.failed_steps.join(", ")).into())
            }
        }
    }))
    .await
}
