//! Typed settings, read once from environment variables at cold start.
//!
//! Every value except the token signing secret has a default that works with the
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

fn number_or_default<T>(vars: Vars, name: &'static str, default: T, min: T, max: T) -> Result<T, ConfigError>
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
        options.app_name.get_or_insert_with(|| "docsum".to_owned());
        mongodb::Client::with_options(options).map_err(invalid)
    }
}

/// RabbitMQ settings (`AMQP_URL`, `JOB_QUEUE`, `WORKER_PREFETCH`).
#[derive(Debug, Clone)]
pub struct QueueSettings {
    pub url: SecretString,
    pub queue: String,
    pub prefetch: u16,
}

impl QueueSettings {
    /// Reads the settings from the environment.
    ///
    /// # Errors
    /// Returns [`ConfigError`] when `WORKER_PREFETCH` is out of range.
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
            queue: or_default(vars, "JOB_QUEUE", "summary-jobs"),
            prefetch: number_or_default(vars, "WORKER_PREFETCH", 2, 1, 100)?,
        })
    }
}

/// Token settings (`JWT_SECRET`, `JWT_ISSUER`, `JWT_AUDIENCE`,
/// `ACCESS_TOKEN_TTL_SECONDS`, `REFRESH_TOKEN_TTL_SECONDS`).
#[derive(Debug, Clone)]
pub struct TokenSettings {
    /// HMAC key for access tokens; at least 32 bytes.
    pub secret: SecretString,
    pub issuer: String,
    pub audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

/// The shortest accepted `JWT_SECRET`, in bytes (256 bits for HS256).
pub const MIN_SECRET_BYTES: usize = 32;

impl TokenSettings {
    /// Reads the settings from the environment.
    ///
    /// # Errors
    /// Returns [`ConfigError`] when `JWT_SECRET` is missing or shorter than 32 bytes,
    /// or a lifetime is out of range.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_env)
    }

    /// Reads the settings from `vars`.
    ///
    /// # Errors
    /// As [`Self::from_env`].
    pub fn from_vars(vars: Vars) -> Result<Self, ConfigError> {
        let secret = required(vars, "JWT_SECRET")?;
        if secret.len() < MIN_SECRET_BYTES {
            return Err(ConfigError {
                name: "JWT_SECRET",
                reason: format!("must be at least {MIN_SECRET_BYTES} bytes long"),
            });
        }
        Ok(Self {
            secret: secret.into(),
            issuer: or_default(vars, "JWT_ISSUER", "docsum"),
            audience: or_default(vars, "JWT_AUDIENCE", "docsum-api"),
            access_ttl: Duration::from_secs(number_or_default(vars, "ACCESS_TOKEN_TTL_SECONDS", 900, 30, 900)?),
            refresh_ttl: Duration::from_secs(number_or_default(
                vars,
                "REFRESH_TOKEN_TTL_SECONDS",
                30 * 24 * 3600,
                300,
                90 * 24 * 3600,
            )?),
        })
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
        assert_eq!(QueueSettings::from_vars(&vars).unwrap().queue, "summary-jobs");
        assert_eq!(MongoSettings::from_vars(&vars).unwrap().database, "docsum");
    }

    #[test]
    fn missing_secret_names_variable() {
        let error = TokenSettings::from_vars(&vars_of(&[])).unwrap_err();
        assert_eq!(error.name, "JWT_SECRET");
        assert!(error.to_string().contains("JWT_SECRET is required"), "{error}");
    }

    #[test]
    fn short_secret_is_rejected() {
        let error = TokenSettings::from_vars(&vars_of(&[("JWT_SECRET", "short")])).unwrap_err();
        assert_eq!(error.name, "JWT_SECRET");
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
        let vars = vars_of(&[("JWT_SECRET", &"s".repeat(32)), ("ACCESS_TOKEN_TTL_SECONDS", "3600")]);
        assert_eq!(TokenSettings::from_vars(&vars).unwrap_err().name, "ACCESS_TOKEN_TTL_SECONDS");
    }

    #[test]
    fn argon2_below_owasp_minimum_is_rejected() {
        let error = PasswordSettings::from_vars(&vars_of(&[("ARGON2_MEMORY_KIB", "4096")])).unwrap_err();
        assert_eq!(error.name, "ARGON2_MEMORY_KIB");
        let error = PasswordSettings::from_vars(&vars_of(&[("ARGON2_ITERATIONS", "1")])).unwrap_err();
        assert_eq!(error.name, "ARGON2_ITERATIONS");
    }

    #[test]
    fn invalid_database_url_names_variable() {
        let settings = DatabaseSettings::from_vars(&vars_of(&[("DATABASE_URL", "not a url")])).unwrap();
        assert_eq!(settings.connect_lazy().unwrap_err().name, "DATABASE_URL");
    }
}
