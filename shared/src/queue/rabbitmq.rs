//! The RabbitMQ queue adapter (lapin): a durable queue, persistent messages and
//! publisher confirms.

use anyhow::Context;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, QueueDeclareOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use secrecy::ExposeSecret;
use tokio::sync::Mutex;

use super::{Job, JobQueue};
use crate::config::QueueSettings;

/// AMQP delivery mode 2: the broker writes the message to disk.
const PERSISTENT: u8 = 2;

/// Opens a connection to the broker named by the settings.
///
/// # Errors
/// Returns an error when the broker cannot be reached or refuses the login.
pub async fn connect(settings: &QueueSettings) -> anyhow::Result<Connection> {
    let connect = Connection::connect(settings.url.expose_secret(), ConnectionProperties::default());
    tokio::time::timeout(std::time::Duration::from_secs(5), connect)
        .await
        .context("timed out connecting to RabbitMQ")?
        .context("failed to connect to RabbitMQ")
}

/// Declares the job queue: durable, so jobs survive a broker restart.
///
/// # Errors
/// Returns an error when the declaration fails.
pub async fn declare_queue(channel: &Channel, queue: &str) -> anyhow::Result<()> {
    channel
        .queue_declare(queue.into(), QueueDeclareOptions { durable: true, ..Default::default() }, FieldTable::default())
        .await
        .with_context(|| format!("failed to declare queue {queue}"))?;
    Ok(())
}

/// Publishes jobs to RabbitMQ. The channel opens on first use and is opened again
/// after a failure, so a broker restart costs one failed publish at most.
pub struct RabbitQueue {
    settings: QueueSettings,
    channel: Mutex<Option<(Connection, Channel)>>,
}

impl RabbitQueue {
    /// Creates the publisher; it connects on first publish.
    pub fn new(settings: QueueSettings) -> Self {
        Self { settings, channel: Mutex::new(None) }
    }

    async fn open_channel(&self) -> anyhow::Result<(Connection, Channel)> {
        let connection = connect(&self.settings).await?;
        let channel = connection.create_channel().await.context("failed to open RabbitMQ channel")?;
        channel.confirm_select(ConfirmSelectOptions::default()).await.context("failed to enable publisher confirms")?;
        declare_queue(&channel, &self.settings.queue).await?;
        Ok((connection, channel))
    }

    async fn publish_on(&self, channel: &Channel, job: Job) -> anyhow::Result<()> {
        let properties =
            BasicProperties::default().with_delivery_mode(PERSISTENT).with_content_type("application/json".into());
        let confirmation = channel
            .basic_publish(
                "".into(),
                self.settings.queue.as_str().into(),
                BasicPublishOptions { mandatory: true, ..Default::default() },
                &job.to_bytes(),
                properties,
            )
            .await
            .context("failed to publish job")?
            .await
            .context("failed to receive publisher confirm")?;
        anyhow::ensure!(confirmation.is_ack(), "broker did not confirm the job: {confirmation:?}");
        if let Some(returned) = confirmation.take_message() {
            anyhow::bail!("broker returned the job as unroutable: reply code {}", returned.reply_code);
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl JobQueue for RabbitQueue {
    async fn publish(&self, job: Job) -> anyhow::Result<()> {
        let mut guard = self.channel.lock().await;
        for attempt in 1..=2 {
            if guard
                .as_ref()
                .is_none_or(|(connection, channel)| !connection.status().connected() || !channel.status().connected())
            {
                match self.open_channel().await {
                    Ok(opened) => *guard = Some(opened),
                    Err(error) if attempt == 2 => return Err(error),
                    Err(error) => {
                        tracing::warn!(error.message = %error, "failed to open RabbitMQ channel; retrying once");
                        continue;
                    }
                }
            }
            let Some((_, channel)) = guard.as_ref() else { continue };
            match self.publish_on(channel, job).await {
                Ok(()) => return Ok(()),
                Err(error) if attempt == 2 => return Err(error),
                Err(error) => {
                    tracing::warn!(error.message = %error, doc_id = %job.doc_id, "publish failed; reconnecting once");
                    *guard = None;
                }
            }
        }
        anyhow::bail!("failed to publish job after reconnecting")
    }
}
