//! Applies the PostgreSQL migrations to `DATABASE_URL`; safe to run again.

use anyhow::Context;
use secrecy::ExposeSecret;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::telemetry::init();
    let settings = shared::config::DatabaseSettings::from_env()?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(settings.url.expose_secret())
        .await
        .context("failed to connect to PostgreSQL")?;
    shared::MIGRATOR.run(&pool).await.context("failed to apply migrations")?;
    tracing::info!(migrations = shared::MIGRATOR.iter().count(), "migrations applied");
    Ok(())
}
