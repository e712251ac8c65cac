//! The login function: `POST /api/v1/auth/login`, `/auth/refresh` and `/auth/logout`.

use shared::auth::password::PasswordHasher;
use shared::auth::tokens::AccessTokenSigner;
use shared::config::{DatabaseSettings, PasswordSettings, SigningSettings};
use shared::routes::login::{handle, AuthLimits, LoginState};
use shared::store::rate_limits::RateLimiter;
use shared::store::users::UserStore;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();

    let database = DatabaseSettings::from_env()?;
    let passwords = PasswordSettings::from_env()?;
    let signing = SigningSettings::from_env()?;

    let pool = database.connect_lazy()?;
    let state = LoginState {
        users: UserStore::new(pool.clone()),
        hasher: PasswordHasher::new(&passwords)?,
        signer: AccessTokenSigner::new(&signing),
        limiter: RateLimiter::new(pool),
        limits: AuthLimits::from_env()?,
        refresh_ttl: signing.refresh_ttl,
        refresh_max_age: signing.refresh_max_age,
    };

    lambda_http::run(lambda_http::service_fn(|request| async {
        Ok::<_, std::convert::Infallible>(handle(&state, request).await)
    }))
    .await
}
