//! Sets the role of an account, for operators: `set-role EMAIL user|admin`.
//!
//! Connects to `DATABASE_URL` and writes one `role_changed` audit line.

use anyhow::Context;
use secrecy::ExposeSecret;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::telemetry::init();
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let [email, role] = arguments.as_slice() else {
        anyhow::bail!("usage: set-role EMAIL user|admin");
    };
    anyhow::ensure!(matches!(role.as_str(), "user" | "admin"), "invalid role {role:?}: use user or admin");

    let settings = shared::config::DatabaseSettings::from_env()?;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(settings.url.expose_secret())
        .await
        .context("failed to connect to PostgreSQL")?;
    let changed: Option<(uuid::Uuid, String)> = sqlx::query_as(
        "UPDATE users u SET role = $2, updated_at = now() FROM users old \
         WHERE u.id = old.id AND lower(normalize(u.email, NFC)) = lower(normalize($1, NFC)) RETURNING u.id, old.role",
    )
    .bind(email.trim())
    .bind(role)
    .fetch_optional(&pool)
    .await
    .context("failed to update role")?;

    let Some((user_id, previous)) = changed else {
        anyhow::bail!("no account with email {email:?}");
    };
    tracing::info!(audit = "role_changed", %user_id, previous_role = %previous, role = %role, "role changed");
    Ok(())
}
