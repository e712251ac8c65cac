//! The job queue: carries doc_ids, never document text.

pub mod rabbitmq;
pub mod sqs;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::JobQueueSettings;

/// A summary job, as it travels on the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    pub doc_id: Uuid,
}

impl Job {
    /// Encodes the job as the JSON message body.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a struct of one uuid always serializes")
    }

    /// Decodes a message body.
    ///
    /// # Errors
    /// Returns an error when the body is not a job.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

/// The queue that summarize publishes jobs to: RabbitMQ locally, SQS in the cloud.
#[async_trait::async_trait]
pub trait JobQueue: Send + Sync {
    /// Publishes a job and returns once the broker has confirmed it durably.
    ///
    /// # Errors
    /// Returns an error when the broker cannot be reached or does not confirm.
    async fn publish(&self, job: Job) -> anyhow::Result<()>;
}

/// Builds the publisher that the settings choose. Neither adapter connects before its
/// first publish.
pub fn publisher(settings: &JobQueueSettings) -> Arc<dyn JobQueue> {
    match settings {
        JobQueueSettings::RabbitMq(settings) => Arc::new(rabbitmq::RabbitQueue::new(settings.clone())),
        JobQueueSettings::Sqs(settings) => Arc::new(sqs::SqsQueue::new(settings)),
    }
}
