//! The users function: `GET /api/v1/users/me`, `GET /.well-known/jwks.json` and
//! `GET /api/v1/openapi.json`.

use shared::auth::tokens::AccessTokenVerifier;
use shared::config::{DatabaseSettings, VerifyingSettings};
use shared::routes::users::{handle, UsersState};
use shared::store::users::UserStore;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();

    let database = DatabaseSettings::from_env()?;
    let verifying = VerifyingSettings::from_env()?;

    let state =
        UsersState { users: UserStore::new(database.connect_lazy()?), verifier: AccessTokenVerifier::new(&verifying) };

    lambda_http::run(lambda_http::service_fn(|request| async {
        Ok::<_, std::convert::Infallible>(handle(&state, request).await)
    }))
    .await
}
