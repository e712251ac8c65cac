//! The RabbitMQ queue adapter (lapin): a durable quorum queue with a delivery limit
//! and a dead-letter queue, persistent messages and publisher confirms.

use std::str::FromStr as _;
use std::time::Duration;

use anyhow::Context;
use lapin::options::{
    BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::uri::AMQPUri;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use secrecy::ExposeSecret;
use tokio::sync::Mutex;

use super::{Job, JobQueue};
use crate::config::QueueSettings;

/// AMQP delivery mode 2: the broker writes the message to disk.
const PERSISTENT: u8 = 2;

/// The heartbeat interval asked of the broker unless `AMQP_URL` sets `heartbeat`.
/// lapin closes a connection that has read nothing for twice this long, so a dead
/// broker or a cut network is noticed within about 20 s.
const DEFAULT_HEARTBEAT_SECONDS: u16 = 10;

/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long one publish may wait for the broker's confirm.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(3);

/// How many times a job is published before [`RabbitQueue::publish`] gives up, and
/// the total time all attempts may take. The deadline keeps a submission well under
/// the API function's timeout even when the broker accepts connections but stalls.
const PUBLISH_ATTEMPTS: u32 = 3;
const PUBLISH_DEADLINE: Duration = Duration::from_secs(5);

/// How long publishes fail at once after a publish failed. During a broker outage
/// each submission then goes to the outbox at once instead of waiting for the
/// timeouts above, which matters most where one process serves one request at a time.
const FAIL_FAST_PERIOD: Duration = Duration::from_secs(2);

/// Returns the dead-letter exchange and queue of a job queue: `QUEUE.dead-letter`
/// and `QUEUE.dead`.
pub fn dead_letter_names(queue: &str) -> (String, String) {
    (format!("{queue}.dead-letter"), format!("{queue}.dead"))
}

/// Opens a connection to the broker named by the settings, with heartbeats.
///
/// # Errors
/// Returns an error when the broker cannot be reached within 3 s or refuses the login.
pub async fn connect(settings: &QueueSettings) -> anyhow::Result<Connection> {
    let mut uri = AMQPUri::from_str(settings.url.expose_secret())
        .map_err(|reason| anyhow::anyhow!("AMQP_URL is not a valid AMQP URL: {reason}"))?;
    uri.query.heartbeat.get_or_insert(DEFAULT_HEARTBEAT_SECONDS);
    let connect = Connection::connect_uri(uri, ConnectionProperties::default());
    tokio::time::timeout(CONNECT_TIMEOUT, connect)
        .await
        .context("timed out connecting to RabbitMQ")?
        .context("failed to connect to RabbitMQ")
}

/// Declares the job queue and its dead-letter exchange and queue.
///
/// The job queue is a durable quorum queue with `x-delivery-limit`. A job that went
/// back to the queue `delivery_limit` times moves to `QUEUE.dead` through the fanout
/// exchange `QUEUE.dead-letter` instead of cycling forever. Both a requeue after a
/// failure and a worker that died before acknowledging count as a return.
///
/// # Errors
/// Returns an error when a declaration fails, for example when a queue of the same
/// name exists with other arguments (a classic queue of an older version).
pub async fn declare_queue(channel: &Channel, settings: &QueueSettings) -> anyhow::Result<()> {
    let queue = settings.queue.as_str();
    let (exchange, dead_queue) = dead_letter_names(queue);
    let durable = QueueDeclareOptions { durable: true, ..Default::default() };

    channel
        .exchange_declare(
            exchange.as_str().into(),
            ExchangeKind::Fanout,
            ExchangeDeclareOptions { durable: true, ..Default::default() },
            FieldTable::default(),
        )
        .await
        .with_context(|| format!("failed to declare exchange {exchange}"))?;
    channel
        .queue_declare(dead_queue.as_str().into(), durable, FieldTable::default())
        .await
        .with_context(|| format!("failed to declare queue {dead_queue}"))?;
    channel
        .queue_bind(
            dead_queue.as_str().into(),
            exchange.as_str().into(),
            "".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .with_context(|| format!("failed to bind queue {dead_queue} to {exchange}"))?;

    let mut arguments = FieldTable::default();
    arguments.insert(ShortString::from("x-queue-type"), AMQPValue::LongString(LongString::from("quorum")));
    arguments.insert(ShortString::from("x-delivery-limit"), AMQPValue::LongUInt(settings.delivery_limit));
    arguments.insert(
        ShortString::from("x-dead-letter-exchange"),
        AMQPValue::LongString(LongString::from(exchange.as_str())),
    );
    channel.queue_declare(queue.into(), durable, arguments).await.with_context(|| {
        format!(
            "failed to declare queue {queue} as a quorum queue with a delivery limit; if a queue of that name \
             exists with other arguments, set JOB_QUEUE to a new name or delete the old queue"
        )
    })?;
    Ok(())
}

/// Publishes jobs to RabbitMQ. The channel opens on first use and is opened again
/// after a failure. A publish is tried up to 3 times within 5 s, and for 2 s after
/// a failed publish the next ones fail without trying.
pub struct RabbitQueue {
    settings: QueueSettings,
    channel: Mutex<Option<(Connection, Channel)>>,
    failed_at: std::sync::Mutex<Option<std::time::Instant>>,
}

impl RabbitQueue {
    /// Creates the publisher; it connects on first publish.
    pub fn new(settings: QueueSettings) -> Self {
        Self { settings, channel: Mutex::new(None), failed_at: std::sync::Mutex::new(None) }
    }

    fn failed_recently(&self) -> bool {
        let failed_at = self.failed_at.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        failed_at.is_some_and(|at| at.elapsed() < FAIL_FAST_PERIOD)
    }

    fn record_outcome(&self, failed: bool) {
        let mut failed_at = self.failed_at.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *failed_at = failed.then(std::time::Instant::now);
    }

    async fn open_channel(&self) -> anyhow::Result<(Connection, Channel)> {
        let connection = connect(&self.settings).await?;
        let channel = connection.create_channel().await.context("failed to open RabbitMQ channel")?;
        channel.confirm_select(ConfirmSelectOptions::default()).await.context("failed to enable publisher confirms")?;
        declare_queue(&channel, &self.settings).await?;
        Ok((connection, channel))
    }

    async fn publish_on(&self, channel: &Channel, job: Job) -> anyhow::Result<()> {
        // The timestamp (Unix seconds) lets the cleanup tell a dead-lettered job from
        // a newer publish of the same document.
        let sent_at = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |t| t.as_secs());
        let properties = BasicProperties::default()
            .with_delivery_mode(PERSISTENT)
            .with_content_type("application/json".into())
            .with_timestamp(sent_at);
        let confirm = channel
            .basic_publish(
                "".into(),
                self.settings.queue.as_str().into(),
                BasicPublishOptions { mandatory: true, ..Default::default() },
                &job.to_bytes(),
                properties,
            )
            .await
            .context("failed to publish job")?;
        let confirmation = tokio::time::timeout(CONFIRM_TIMEOUT, confirm)
            .await
            .context("timed out waiting for the publisher confirm")?
            .context("failed to receive publisher confirm")?;
        anyhow::ensure!(confirmation.is_ack(), "broker did not confirm the job: {confirmation:?}");
        if let Some(returned) = confirmation.take_message() {
            anyhow::bail!("broker returned the job as unroutable: reply code {}", returned.reply_code);
        }
        Ok(())
    }

    /// Tries once: opens the channel when there is none or it died, then publishes.
    /// A failure drops the channel, so the next attempt starts on a new connection.
    async fn try_publish(&self, guard: &mut Option<(Connection, Channel)>, job: Job) -> anyhow::Result<()> {
        let usable = guard
            .as_ref()
            .is_some_and(|(connection, channel)| connection.status().connected() && channel.status().connected());
        if !usable {
            *guard = Some(self.open_channel().await?);
        }
        let Some((_, channel)) = guard.as_ref() else { anyhow::bail!("no RabbitMQ channel") };
        let published = self.publish_on(channel, job).await;
        if published.is_err() {
            *guard = None;
        }
        published
    }
}

#[async_trait::async_trait]
impl JobQueue for RabbitQueue {
    async fn publish(&self, job: Job) -> anyhow::Result<()> {
        if self.failed_recently() {
            anyhow::bail!(
                "RabbitMQ failed a publish less than {} s ago; not trying again yet",
                FAIL_FAST_PERIOD.as_secs()
            );
        }
        let mut guard = self.channel.lock().await;
        let result = self.publish_locked(&mut guard, job).await;
        self.record_outcome(result.is_err());
        result
    }
}

impl RabbitQueue {
    async fn publish_locked(&self, guard: &mut Option<(Connection, Channel)>, job: Job) -> anyhow::Result<()> {
        let attempts = async {
            let mut delay = Duration::from_millis(100);
            let mut attempt = 1;
            loop {
                match self.try_publish(guard, job).await {
                    Ok(()) => return Ok(()),
                    Err(error) if attempt == PUBLISH_ATTEMPTS => return Err(error),
                    Err(error) => {
                        tracing::warn!(error.message = %error, doc_id = %job.doc_id, attempt, "publish failed; retrying");
                    }
                }
                tokio::time::sleep(delay).await;
                delay *= 3;
                attempt += 1;
            }
        };
        match tokio::time::timeout(PUBLISH_DEADLINE, attempts).await {
            Ok(result) => result.with_context(|| format!("failed to publish job after {PUBLISH_ATTEMPTS} attempts")),
            Err(_) => {
                // The attempt in flight may have left a half-open channel behind.
                *guard = None;
                anyhow::bail!("timed out publishing job after {} s", PUBLISH_DEADLINE.as_secs())
            }
        }
    }
}
