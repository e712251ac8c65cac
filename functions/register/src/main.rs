//! The register function: `POST /api/v1/auth/register`.

use shared::auth::password::PasswordHasher;
use shared::config::{DatabaseSettings, PasswordSettings};
use shared::routes::login::AuthLimits;
use shared::routes::register::{handle, RegisterState};
use shared::store::rate_limits::RateLimiter;
use shared::store::users::UserStore;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();

    let database = DatabaseSettings::from_env()?;
    let passwords = PasswordSettings::from_env()?;

    let pool = database.connect_lazy()?;
    let state = RegisterState {
        users: UserStore::new(pool.clone()),
        hasher: PasswordHasher::new(&passwords)?,
        limiter: RateLimiter::new(pool),
        limits: AuthLimits::from_env()?,
    };

    lambda_http::run(lambda_http::service_fn(|request| async {
        Ok::<_, std::convert::Infallible>(handle(&state, request).await)
    }))
    .await
}
