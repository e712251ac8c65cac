//! The login function: `POST /api/v1/auth/login`.

use shared::auth::password::PasswordHasher;
use shared::auth::tokens::TokenKeys;
use shared::config::{DatabaseSettings, PasswordSettings, TokenSettings};
use shared::routes::login::{handle, LoginState};
use shared::store::users::UserStore;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();

    let database = DatabaseSettings::from_env()?;
    let passwords = PasswordSettings::from_env()?;
    let tokens = TokenSettings::from_env()?;

    let state = LoginState {
        users: UserStore::new(database.connect_lazy()?),
        hasher: PasswordHasher::new(&passwords)?,
        keys: TokenKeys::new(&tokens),
        refresh_ttl: tokens.refresh_ttl,
    };

    lambda_http::run(lambda_http::service_fn(|request| async {
        Ok::<_, std::convert::Infallible>(handle(&state, request).await)
    }))
    .await
}
