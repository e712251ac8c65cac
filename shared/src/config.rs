//! Typed settings, read once from environment variables at cold start.
//!
//! Every value except the token keys has a default that works with the
//! local stack (`local/stack.sh`). A missing required value or one that does not
//! parse fails fast with the variable's name.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

/// A setting that is missing or invalid, named by its environment variable.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {name} {reason}")]
pub struct ConfigError {
    /// The environment variable.
    pub name: &'static str,
    /// The problem with the value, e.g. "is required but not set".
    pub reason: String,
}

/// A source of variables: the process environment, or a map in tests.
pub type Vars<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Reads a variable of the process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn optional(vars: Vars, name: &'static str) -> Option<String> {
    vars(name).filter(|value| !value.trim().is_empty())
}

fn required(vars: Vars, name: &'static str) -> Result<String, ConfigError> {
    optional(vars, name).ok_or(ConfigError { name, reason: "is required but not set".into() })
}

fn or_default(vars: Vars, name: &'static str, default: &str) -> String {
    optional(vars, name).unwrap_or_else(|| default.to_owned())
}

pub(crate) fn number_or_default<T>(vars: Vars, name: &'static str, default: T, min: T, max: T) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(raw) = optional(vars, name) else { return Ok(default) };
    let value: T = raw.trim().parse().map_err(|_| ConfigError {
        name,
        reason: format!("must be a whole number between {min} and {max}, got {raw:?}"),
    })?;
    if value < min || value > max {
        return Err(ConfigError { name, reason: format!("must be between {min} and {max}, got {value}") });
    }
    Ok(value)
}

/// PostgreSQL connection settings (`DATABASE_URL`, `DATABASE_MAX_CONNECTIONS`,
/// `DATABASE_ACQUIRE_TIMEOUT_MS`).
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl DatabaseSettings {
    /// Reads the settings from the environment.
    ///
    /// # Errors
    /// Returns [`ConfigError`] when a number is out of range or does not parse.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_env)
    }

    /// Reads the settings from `vars`.
    ///
    /// # Errors
    /// As [`Self::from_env`].
    pub fn from_vars(vars: Vars) -> Result<Self, ConfigError> {
        Ok(Self {
            url: or_default(vars, "DATABASE_URL", "postgres://docsum:docsum@127.0.0.1:5432/docsum").into(),
            max_connections: number_or_default(vars, "DATABASE_MAX_CONNECTIONS", 4, 1, 100)?,
            acquire_timeout: Duration::from_millis(number_or_default(
                vars,
                "DATABASE_ACQUIRE_TIMEOUT_MS",
                3_000,
                100,
                60_000,
            )?),
        })
    }

    /// Builds a pool that opens connections on first use, so cold start does no I/O.
    ///
    /// # Errors
    /// Returns an error when `DATABASE_URL` is not a valid PostgreSQL URL.
    pub fn connect_lazy(&self) -> Result<sqlx::PgPool, ConfigError> {
        let options: sqlx::postgres::PgConnectOptions =
            self.url.expose_secret().parse().map_err(|error: sqlx::Error| ConfigError {
                name: "DATABASE_URL",
                reason: format!("is not a valid PostgreSQL URL: {error}"),
            })?;
        Ok(sqlx::postgres::PgPoolOptions::new()
            .max_connections(self.max_connections)
            .acquire_timeout(self.acquire_timeout)
            .test_before_acquire(true)
            .connect_lazy_with(options))
    }
}

/// MongoDB connection settings (`MONGODB_URL`, `MONGODB_DATABASE`).
#[derive(Debug, Clone)]
pub struct MongoSettings {
    pub url: SecretString,
    pub database: String,
}

impl MongoSettings {
    /// Reads the settings from the environment.
    ///
    /// # Errors
    /// None today: both variables have defaults. The `Result` matches the other settings.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_env)
    }

    /// Reads the settings from `vars`.
    ///
    /// # Errors
    /// As [`Self::from_env`].
    pub fn from_vars(vars: Vars) -> Result<Self, ConfigError> {
        Ok(Self {
            url: or_default(vars, "MONGODB_URL", "mongodb://127.0.0.1:27017").into(),
            database: or_default(vars, "MONGODB_DATABASE", "docsum"),
        })
    }

    /// Builds a client that connects on first use, with timeouts well under a
    /// function's timeout.
    ///
    /// # Errors
    /// Returns an error when `MONGODB_URL` does not parse.
    pub async fn client(&self) -> Result<mongodb::Client, ConfigError> {
        let invalid = |error: mongodb::error::Error| ConfigError {
            name: "MONGODB_URL",
            reason: format!("is not a valid MongoDB URL: {error}"),
        };
        let mut options = mongodb::options::ClientOptions::parse(self.url.expose_secret()).await.map_err(invalid)?;
        options.server_selection_timeout.get_or_insert(Duration::from_secs(3));
        options.connect_timeout.get_or_insert(Duration::from_secs(3));
        options.max_pool_size.get_or_insert(4);
        // A pooled connection that died while the environment was frozen fails one
        // attempt, and the driver's retry then opens a new one (both are its defaults).
        options.retry_reads.get_or_insert(true);
        options.retry_writes.get_or_insert(true);
        options.app_name.get_or_insert_with(|| "docsum".to_owned());
        mongodb::Client::with_options(options).map_err(invalid)
    }
}

/// The default job queue. The name changed when the queue became a quorum queue
/// with a delivery limit: RabbitMQ rejects declaring an existing queue with other
/// arguments, so the old classic `summary-jobs` queue is left alone.
pub const DEFAULT_JOB_QUEUE: &str = "docsum-jobs";

/// RabbitMQ settings (`AMQP_URL`, `JOB_QUEUE`, `WORKER_PREFETCH`, `JOB_DELIVERY_LIMIT`).
#[derive(Debug, Clone)]
pub struct QueueSettings {
    pub url: SecretString,
    pub queue: String,
    pub prefetch: u16,
    /// How many times RabbitMQ returns a job to the queue (a `nack` with requeue or a
    /// consumer that died) before it dead-letters it.
    pub delivery_limit: u32,
}

impl QueueSettings {
    /// Reads the settings from the environment.
    ///
    /// # Errors
    /// Returns [`ConfigError`] when `WORKER_PREFETCH` or `JOB_DELIVERY_LIMIT` is out of range.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_env)
    }

    /// Reads the settings from `vars`.
    ///
    /// # Errors
    /// As [`Self::from_env`].
    pub fn from_vars(vars: Vars) -> Result<Self, ConfigError> {
        Ok(Self {
            url: or_default(vars, "AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f").into(),
            queue: or_default(vars, "JOB_QUEUE", DEFAULT_JOB_QUEUE),
            prefetch: number_or_default(vars, "WORKER_PREFETCH", 2, 1, 100)?,
            delivery_limit: number_or_default(vars, "JOB_DELIVERY_LIMIT", 5, 1, 1000)?,
        })
    }
}

/// The broker that carries summary jobs (`JOB_QUEUE_KIND`).
#[derive(Debug, Clone)]
pub enum JobQueueSettings {
    /// RabbitMQ, the local stack's broker.
    RabbitMq(QueueSettings),
    /// Amazon SQS, or an SQS-compatible server at an explicit endpoint.
    Sqs(SqsSettings),
}

impl JobQueueSettings {
    /// Reads the settings from the environment.
    ///
    /// # Errors
    /// Returns [`ConfigError`] when `JOB_QUEUE_KIND` is neither `rabbitmq` nor `sqs`,
    /// or a setting of the chosen broker is missing or invalid.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_env)
    }

    /// Reads the settings from `vars`. Without `JOB_QUEUE_KIND`, jobs go to SQS when
    /// `SQS_QUEUE_URL` is set and to RabbitMQ otherwise.
    ///
    /// # Errors
    /// As [`Self::from_env`].
    pub fn from_vars(vars: Vars) -> Result<Self, ConfigError> {
        let kind = optional(vars, "JOB_QUEUE_KIND").map(|kind| kind.trim().to_ascii_lowercase());
        let use_sqs = match kind.as_deref() {
            Some("sqs") => true,
            Some("rabbitmq") => false,
            Some(other) => {
                return Err(ConfigError {
                    name: "JOB_QUEUE_KIND",
                    reason: format!("must be `rabbitmq` or `sqs`, got {other:?}"),
                })
            }
            None => optional(vars, "SQS_QUEUE_URL").is_some(),
        };
        if use_sqs {
            Ok(Self::Sqs(SqsSettings::from_vars(vars)?))
        } else {
            Ok(Self::RabbitMq(QueueSettings::from_vars(vars)?))
        }
    }
}

/// SQS settings: `SQS_QUEUE_URL` (required), `SQS_DEAD_LETTER_QUEUE_URL`,
/// `SQS_ENDPOINT_URL` and `AWS_REGION`. Without `SQS_ENDPOINT_URL` the client uses
/// the region's AWS endpoint. The
/// credentials come from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
/// `AWS_SESSION_TOKEN`, which Lambda sets.
#[derive(Clone)]
pub struct SqsSettings {
    pub queue_url: String,
    /// The queue that the job queue's redrive policy moves jobs to
    /// (`SQS_DEAD_LETTER_QUEUE_URL`). Only the cleanup reads it.
    pub dead_letter_queue_url: Option<String>,
    pub endpoint_url: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    pub session_token: Option<SecretString>,
}

impl std::fmt::Debug for SqsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqsSettings")
            .field("queue_url", &self.queue_url)
            .field("dead_letter_queue_url", &self.dead_letter_queue_url)
            .field("endpoint_url", &self.endpoint_url)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl SqsSettings {
    /// Reads the settings from the environment.
    ///
    /// # Errors
    /// Returns [`ConfigError`] when the queue URL, the region or a credential is
    /// missing, or a URL is not `http(s)://`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_env)
    }

    /// Reads the settings from `vars`.
    ///
    /// # Errors
    /// As [`Self::from_env`].
    pub fn from_vars(vars: Vars) -> Result<Self, ConfigError> {
        let queue_url = http_url("SQS_QUEUE_URL", required(vars, "SQS_QUEUE_URL")?)?;
        let dead_letter_queue_url = optional(vars, "SQS_DEAD_LETTER_QUEUE_URL")
            .map(|url| http_url("SQS_DEAD_LETTER_QUEUE_URL", url))
            .transpose()?;
        let endpoint_url =
            optional(vars, "SQS_ENDPOINT_URL").map(|url| http_url("SQS_ENDPOINT_URL", url)).transpose()?;
        Ok(Self {
            queue_url,
            dead_letter_queue_url,
            endpoint_url,
            region: required(vars, "AWS_REGION")?,
            access_key_id: required(vars, "AWS_ACCESS_KEY_ID")?,
            secret_access_key: required(vars, "AWS_SECRET_ACCESS_KEY")?.into(),
            session_token: optional(vars, "AWS_SESSION_TOKEN").map(SecretString::from),
        })
    }
}

fn http_url(name: &'static str, url: String) -> Result<String, ConfigError> {
    let url = url.trim().to_owned();
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(url)
    } else {
        Err(ConfigError { name, reason: format!("must be an http:// or https:// URL, got {url:?}") })
    }
}

/// Reads how long a worker's claim on a document lasts (`JOB_LEASE_SECONDS`, default 300).
/// A document still `processing` after its lease may be claimed again, and the
/// scheduled cleanup re-queues it. Keep it well above the worker's timeout.
///
/// # Errors
/// Returns [`ConfigError`] when the value is not between 30 and 86400.
pub fn job_lease_from_vars(vars: Vars) -> Result<Duration, ConfigError> {
    Ok(Duration::from_secs(number_or_default(vars, "JOB_LEASE_SECONDS", 300, 30, 86_400)?))
}

/// The scheduled cleanup's settings.
#[derive(Debug, Clone, Copy)]
pub struct CleanupSettings {
    /// How many times a job stuck past its lease goes back on the queue before its
    /// document is marked `failed` (`CLEANUP_MAX_REQUEUES`, default 2).
    pub max_requeues: i32,
    /// The minimum age of a text or document row before it counts as orphaned
    /// (`CLEANUP_ORPHAN_MIN_AGE_SECONDS`, default 3600), so that a submission being
    /// stored right now is left alone.
    pub orphan_min_age: Duration,
    /// How long documents are kept (`DOCUMENT_RETENTION_DAYS`, default 90; 0 keeps
    /// them forever).
    pub document_retention: Option<Duration>,
    /// How long rate-limit windows are kept after they start
    /// (`CLEANUP_RATE_LIMIT_RETENTION_SECONDS`, default 86400). It must exceed the
    /// longest rate-limit window, one hour today.
    pub rate_limit_retention: Duration,
    /// The maximum number of rows in one batch of a step (`CLEANUP_BATCH_SIZE`, default 500).
    pub batch_size: i64,
}

impl CleanupSettings {
    /// Reads the settings from the environment.
    ///
    /// # Errors
    /// Returns [`ConfigError`] when a number is out of range or does not parse.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_env)
    }

    /// Reads the settings from `vars`.
    ///
    /// # Errors
    /// As [`Self::from_env`].
    pub fn from_vars(vars: Vars) -> Result<Self, ConfigError> {
        let retention_days: u64 = number_or_default(vars, "DOCUMENT_RETENTION_DAYS", 90, 0, 36_500)?;
        Ok(Self {
            max_requeues: number_or_default(vars, "CLEANUP_MAX_REQUEUES", 2, 0, 100)?,
            orphan_min_age: Duration::from_secs(number_or_default(
                vars,
                "CLEANUP_ORPHAN_MIN_AGE_SECONDS",
                3600,
                60,
                30 * 86_400,
            )?),
            document_retention: (retention_days > 0).then(|| Duration::from_secs(retention_days * 86_400)),
            rate_limit_retention: Duration::from_secs(number_or_default(
                vars,
                "CLEANUP_RATE_LIMIT_RETENTION_SECONDS",
                86_400,
                3600,
                365 * 86_400,
            )?),
            batch_size: number_or_default(vars, "CLEANUP_BATCH_SIZE", 500, 1, 10_000)?,
        })
    }
}

/// Reads the issuer and audience every access token carries (`JWT_ISSUER`, `JWT_AUDIENCE`).
fn issuer_and_audience(vars: Vars) -> (String, String) {
    (or_default(vars, "JWT_ISSUER", "docsum"), or_default(vars, "JWT_AUDIENCE", "docsum-api"))
}

/// Returns whether `kid` is a valid key id: 1 to 64 of `A-Z a-z 0-9 - _ .`.
pub fn is_valid_kid(kid: &str) -> bool {
    !kid.is_empty()
        && kid.len() <= 64
        && kid.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn parse_kid(name: &'static str, kid: &str) -> Result<String, ConfigError> {
    if !is_valid_kid(kid) {
        return Err(ConfigError {
            name,
            reason: format!("has an invalid key id {kid:?}; use 1 to 64 of A-Z a-z 0-9 - _ ."),
        });
    }
    Ok(kid.to_owned())
}

fn parse_key_bytes(name: &'static str, kid: &str, encoded: &str) -> Result<[u8; 32], ConfigError> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(encoded.trim()).ok();
    bytes
        .and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
        .ok_or_else(|| ConfigError { name, reason: format!("key {kid:?} must be 32 bytes in unpadded base64url") })
}

/// The login function's token settings: the current Ed25519 signing key
/// (`JWT_SIGNING_KEY` as `kid:base64url(32-byte seed)`, required), `JWT_ISSUER`,
/// `JWT_AUDIENCE`, `ACCESS_TOKEN_TTL_SECONDS` (at most 900),
/// `REFRESH_TOKEN_TTL_SECONDS` and `REFRESH_TOKEN_MAX_AGE_SECONDS` (the absolute
/// lifetime of a login's refresh tokens, however often they rotate).
#[derive(Debug)]
pub struct SigningSettings {
    pub kid: String,
    pub seed: secrecy::SecretBox<[u8; 32]>,
    pub issuer: String,
    pub audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub refresh_max_age: Duration,
}

impl SigningSettings {
    /// Reads the settings from the environment.
    ///
    /// # Errors
    /// Returns [`ConfigError`] when `JWT_SIGNING_KEY` is missing or malformed, or a
    /// lifetime is out of range.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_env)
    }

    /// Reads the settings from `vars`.
    ///
    /// # Errors
    /// As [`Self::from_env`].
    pub fn from_vars(vars: Vars) -> Result<Self, ConfigError> {
        const NAME: &str = "JWT_SIGNING_KEY";
        let raw = required(vars, NAME)?;
        let (kid, encoded) = raw
            .split_once(':')
            .ok_or_else(|| ConfigError { name: NAME, reason: "must be kid:base64url(32-byte Ed25519 seed)".into() })?;
        let kid = parse_kid(NAME, kid)?;
        let seed = parse_key_bytes(NAME, &kid, encoded)?;
        let (issuer, audience) = issuer_and_audience(vars);
        let refresh_ttl = number_or_default(vars, "REFRESH_TOKEN_TTL_SECONDS", 7 * 24 * 3600, 300, 90 * 24 * 3600)?;
        let refresh_max_age =
            number_or_default(vars, "REFRESH_TOKEN_MAX_AGE_SECONDS", 30 * 24 * 3600, refresh_ttl, 365 * 24 * 3600)?;
        Ok(Self {
            kid,
            seed: secrecy::SecretBox::new(Box::new(seed)),
            issuer,
            audience,
            access_ttl: Duration::from_secs(number_or_default(vars, "ACCESS_TOKEN_TTL_SECONDS", 900, 30, 900)?),
            refresh_ttl: Duration::from_secs(refresh_ttl),
            refresh_max_age: Duration::from_secs(refresh_max_age),
        })
    }
}

/// The public key set that verifies access tokens (`JWT_PUBLIC_KEYS` as
/// `kid:base64url(32-byte public key)`, comma-separated, required), with
/// `JWT_ISSUER` and `JWT_AUDIENCE`.
#[derive(Debug, Clone)]
pub struct VerifyingSettings {
    pub public_keys: Vec<(String, [u8; 32])>,
    pub issuer: String,
    pub audience: String,
}

impl VerifyingSettings {
    /// Reads the settings from the environment.
    ///
    /// # Errors
    /// Returns [`ConfigError`] when `JWT_PUBLIC_KEYS` is missing, malformed or names a
    /// key id twice.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_env)
    }

    /// Reads the settings from `vars`.
    ///
    /// # Errors
    /// As [`Self::from_env`].
    pub fn from_vars(vars: Vars) -> Result<Self, ConfigError> {
        const NAME: &str = "JWT_PUBLIC_KEYS";
        let raw = required(vars, NAME)?;
        let mut public_keys: Vec<(String, [u8; 32])> = Vec::new();
        for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (kid, encoded) = entry.split_once(':').ok_or_else(|| ConfigError {
                name: NAME,
                reason: "must be a comma-separated list of kid:base64url(32-byte Ed25519 public key)".into(),
            })?;
            let kid = parse_kid(NAME, kid)?;
            if public_keys.iter().any(|(known, _)| *known == kid) {
                return Err(ConfigError { name: NAME, reason: format!("names key id {kid:?} twice") });
            }
            let key = parse_key_bytes(NAME, &kid, encoded)?;
            public_keys.push((kid, key));
        }
        if public_keys.is_empty() {
            return Err(ConfigError { name: NAME, reason: "must list at least one key".into() });
        }
        let (issuer, audience) = issuer_and_audience(vars);
        Ok(Self { public_keys, issuer, audience })
    }
}

/// Argon2id settings (`ARGON2_MEMORY_KIB`, `ARGON2_ITERATIONS`, `ARGON2_PARALLELISM`)
/// and how many hashes may run at once (`PASSWORD_HASH_CONCURRENCY`).
///
/// The floor is OWASP's Password Storage Cheat Sheet minimum for argon2id: 19 MiB of
/// memory, 2 iterations, 1 lane. Lower values are rejected.
#[derive(Debug, Clone)]
pub struct PasswordSettings {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    pub concurrency: usize,
}

impl PasswordSettings {
    /// OWASP's minimum parameters, with two hashes at once.
    pub const fn owasp_minimum() -> Self {
        Self { memory_kib: 19 * 1024, iterations: 2, parallelism: 1, concurrency: 2 }
    }

    /// Reads the settings from the environment.
    ///
    /// # Errors
    /// Returns [`ConfigError`] for a value below OWASP's minimum or out of range.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_env)
    }

    /// Reads the settings from `vars`.
    ///
    /// # Errors
    /// As [`Self::from_env`].
    pub fn from_vars(vars: Vars) -> Result<Self, ConfigError> {
        let minimum = Self::owasp_minimum();
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        Ok(Self {
            memory_kib: number_or_default(
                vars,
                "ARGON2_MEMORY_KIB",
                minimum.memory_kib,
                minimum.memory_kib,
                4 * 1024 * 1024,
            )?,
            iterations: number_or_default(vars, "ARGON2_ITERATIONS", minimum.iterations, minimum.iterations, 64)?,
            parallelism: number_or_default(vars, "ARGON2_PARALLELISM", minimum.parallelism, 1, 16)?,
            concurrency: number_or_default(vars, "PASSWORD_HASH_CONCURRENCY", cores.min(64), 1, 64)?,
        })
    }
}

/// Per-user limits on documents (`MAX_DOCUMENT_BYTES`, `MAX_DOCUMENTS_IN_FLIGHT`,
/// `SUBMISSIONS_PER_MINUTE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentLimits {
    /// The largest text a user may submit, in bytes; at most
    /// [`crate::domain::MAX_TEXT_BYTES`].
    pub max_document_bytes: usize,
    /// How many of a user's documents may be queued or processing at once.
    pub max_in_flight: i64,
    /// How many documents a user may submit per minute.
    pub submissions_per_minute: i32,
}

impl Default for DocumentLimits {
    /// 4 MiB per document, 20 documents in flight, 30 submissions a minute.
    fn default() -> Self {
        Self { max_document_bytes: crate::domain::MAX_TEXT_BYTES, max_in_flight: 20, submissions_per_minute: 30 }
    }
}

impl DocumentLimits {
    /// Reads the limits from the environment.
    ///
    /// # Errors
    /// Returns [`ConfigError`] when a number is out of range or does not parse.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_env)
    }

    /// Reads the limits from `vars`.
    ///
    /// # Errors
    /// As [`Self::from_env`].
    pub fn from_vars(vars: Vars) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let max = crate::domain::MAX_TEXT_BYTES;
        Ok(Self {
            max_document_bytes: number_or_default(vars, "MAX_DOCUMENT_BYTES", defaults.max_document_bytes, 1, max)?,
            max_in_flight: number_or_default(vars, "MAX_DOCUMENTS_IN_FLIGHT", defaults.max_in_flight, 1, 10_000)?,
            submissions_per_minute: number_or_default(
                vars,
                "SUBMISSIONS_PER_MINUTE",
                defaults.submissions_per_minute,
                1,
                100_000,
            )?,
        })
    }
}

/// Webhook settings (`WEBHOOK_ALLOW_LOOPBACK`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Whether callback URLs may use `http` and loopback addresses (127.0.0.0/8,
    /// `::1`, `localhost`). Only for tests and local development: private,
    /// link-local and other internal ranges stay rejected either way.
    pub allow_loopback: bool,
}

impl WebhookSettings {
    /// Reads the settings from the environment.
    ///
    /// # Errors
    /// Returns [`ConfigError`] when `WEBHOOK_ALLOW_LOOPBACK` is neither `true` nor `false`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_env)
    }

    /// Reads the settings from `vars`.
    ///
    /// # Errors
    /// As [`Self::from_env`].
    pub fn from_vars(vars: Vars) -> Result<Self, ConfigError> {
        Ok(Self { allow_loopback: bool_or_default(vars, "WEBHOOK_ALLOW_LOOPBACK", false)? })
    }
}

fn bool_or_default(vars: Vars, name: &'static str, default: bool) -> Result<bool, ConfigError> {
    let Some(raw) = optional(vars, name) else { return Ok(default) };
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ConfigError { name, reason: format!("must be true or false, got {raw:?}") }),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn vars_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn defaults_work_for_local_stack() {
        let vars = vars_of(&[]);
        let database = DatabaseSettings::from_vars(&vars).unwrap();
        assert_eq!(database.url.expose_secret(), "postgres://docsum:docsum@127.0.0.1:5432/docsum");
        assert_eq!(QueueSettings::from_vars(&vars).unwrap().queue, "docsum-jobs");
        assert_eq!(MongoSettings::from_vars(&vars).unwrap().database, "docsum");
    }

    #[test]
    fn missing_keys_name_variable() {
        let error = SigningSettings::from_vars(&vars_of(&[])).unwrap_err();
        assert_eq!(error.name, "JWT_SIGNING_KEY");
        assert!(error.to_string().contains("JWT_SIGNING_KEY is required"), "{error}");
        assert_eq!(VerifyingSettings::from_vars(&vars_of(&[])).unwrap_err().name, "JWT_PUBLIC_KEYS");
    }

    #[test]
    fn malformed_keys_are_rejected() {
        let cases = [
            ("JWT_SIGNING_KEY", "no-colon"),
            ("JWT_SIGNING_KEY", "k1:c2hvcnQ"),
            ("JWT_SIGNING_KEY", "bad/kid:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            (
                "JWT_PUBLIC_KEYS",
                "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            ),
            ("JWT_PUBLIC_KEYS", " , "),
        ];
        for (name, value) in cases {
            let vars = vars_of(&[(name, value)]);
            let error = if name == "JWT_SIGNING_KEY" {
                SigningSettings::from_vars(&vars).unwrap_err()
            } else {
                VerifyingSettings::from_vars(&vars).unwrap_err()
            };
            assert_eq!(error.name, name, "value {value:?}");
        }
    }

    #[test]
    fn bad_number_names_variable() {
        for raw in ["many", "0", "1000", "-1"] {
            let error = DatabaseSettings::from_vars(&vars_of(&[("DATABASE_MAX_CONNECTIONS", raw)])).unwrap_err();
            assert_eq!(error.name, "DATABASE_MAX_CONNECTIONS", "value {raw}");
        }
    }

    #[test]
    fn access_ttl_is_capped_at_15_minutes() {
        let key = "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let vars = vars_of(&[("JWT_SIGNING_KEY", key), ("ACCESS_TOKEN_TTL_SECONDS", "3600")]);
        assert_eq!(SigningSettings::from_vars(&vars).unwrap_err().name, "ACCESS_TOKEN_TTL_SECONDS");
    }

    #[test]
    fn argon2_below_owasp_minimum_is_rejected() {
        let error = PasswordSettings::from_vars(&vars_of(&[("ARGON2_MEMORY_KIB", "4096")])).unwrap_err();
        assert_eq!(error.name, "ARGON2_MEMORY_KIB");
        let error = PasswordSettings::from_vars(&vars_of(&[("ARGON2_ITERATIONS", "1")])).unwrap_err();
        assert_eq!(error.name, "ARGON2_ITERATIONS");
    }

    #[test]
    fn queue_kind_follows_sqs_queue_url() {
        let sqs = [
            ("SQS_QUEUE_URL", "http://127.0.0.1:5000/123456789012/jobs"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
        ];
        assert!(matches!(JobQueueSettings::from_vars(&vars_of(&[])).unwrap(), JobQueueSettings::RabbitMq(_)));
        assert!(matches!(JobQueueSettings::from_vars(&vars_of(&sqs)).unwrap(), JobQueueSettings::Sqs(_)));
        let mut forced = sqs.to_vec();
        forced.push(("JOB_QUEUE_KIND", "RabbitMQ"));
        assert!(matches!(JobQueueSettings::from_vars(&vars_of(&forced)).unwrap(), JobQueueSettings::RabbitMq(_)));
    }

    #[test]
    fn sqs_settings_name_missing_variable() {
        let cases: [(&str, &[(&str, &str)]); 4] = [
            ("SQS_QUEUE_URL", &[("JOB_QUEUE_KIND", "sqs")]),
            ("AWS_REGION", &[("JOB_QUEUE_KIND", "sqs"), ("SQS_QUEUE_URL", "http://127.0.0.1:1/1/q")]),
            (
                "AWS_ACCESS_KEY_ID",
                &[("JOB_QUEUE_KIND", "sqs"), ("SQS_QUEUE_URL", "http://127.0.0.1:1/1/q"), ("AWS_REGION", "us-east-1")],
            ),
            ("SQS_QUEUE_URL", &[("JOB_QUEUE_KIND", "sqs"), ("SQS_QUEUE_URL", "jobs")]),
        ];
        for (name, pairs) in cases {
            let error = JobQueueSettings::from_vars(&vars_of(pairs)).unwrap_err();
            assert_eq!(error.name, name, "settings {pairs:?}");
        }
    }

    #[test]
    fn sqs_dead_letter_url_is_validated() {
        let base = [
            ("SQS_QUEUE_URL", "http://127.0.0.1:5000/123456789012/jobs"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
        ];
        assert_eq!(SqsSettings::from_vars(&vars_of(&base)).unwrap().dead_letter_queue_url, None);

        let mut with_url = base.to_vec();
        with_url.push(("SQS_DEAD_LETTER_QUEUE_URL", "http://127.0.0.1:5000/123456789012/jobs-dlq"));
        let settings = SqsSettings::from_vars(&vars_of(&with_url)).unwrap();
        assert_eq!(settings.dead_letter_queue_url.as_deref(), Some("http://127.0.0.1:5000/123456789012/jobs-dlq"));

        let mut invalid = base.to_vec();
        invalid.push(("SQS_DEAD_LETTER_QUEUE_URL", "jobs-dlq"));
        assert_eq!(SqsSettings::from_vars(&vars_of(&invalid)).unwrap_err().name, "SQS_DEAD_LETTER_QUEUE_URL");
    }

    #[test]
    fn unknown_queue_kind_is_rejected() {
        let error = JobQueueSettings::from_vars(&vars_of(&[("JOB_QUEUE_KIND", "kafka")])).unwrap_err();
        assert_eq!(error.name, "JOB_QUEUE_KIND");
    }

    #[test]
    fn sqs_settings_debug_hides_credentials() {
        let vars = vars_of(&[
            ("SQS_QUEUE_URL", "http://127.0.0.1:1/1/q"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "very-secret-value"),
        ]);
        let printed = format!("{:?}", SqsSettings::from_vars(&vars).unwrap());
        assert!(!printed.contains("very-secret-value"), "{printed}");
        assert!(!printed.contains("AKIDEXAMPLE"), "{printed}");
    }

    #[test]
    fn retention_zero_keeps_documents() {
        let settings = CleanupSettings::from_vars(&vars_of(&[("DOCUMENT_RETENTION_DAYS", "0")])).unwrap();
        assert_eq!(settings.document_retention, None);
        let settings = CleanupSettings::from_vars(&vars_of(&[])).unwrap();
        assert_eq!(settings.document_retention, Some(Duration::from_secs(90 * 86_400)));
    }

    #[test]
    fn invalid_database_url_names_variable() {
        let settings = DatabaseSettings::from_vars(&vars_of(&[("DATABASE_URL", "not a url")])).unwrap();
        assert_eq!(settings.connect_lazy().unwrap_err().name, "DATABASE_URL");
    }

    #[test]
    fn webhook_loopback_is_off_unless_set_to_true() {
        assert!(!WebhookSettings::from_vars(&vars_of(&[])).unwrap().allow_loopback);
        let allowed = WebhookSettings::from_vars(&vars_of(&[("WEBHOOK_ALLOW_LOOPBACK", "true")])).unwrap();
        assert!(allowed.allow_loopback);
        let error = WebhookSettings::from_vars(&vars_of(&[("WEBHOOK_ALLOW_LOOPBACK", "yes")])).unwrap_err();
        assert_eq!(error.name, "WEBHOOK_ALLOW_LOOPBACK");
        assert!(error.to_string().contains("must be true or false"), "{error}");
    }
}
