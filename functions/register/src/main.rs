//! The register function: `POST /api/v1/auth/register`.

use shared::auth::password::PasswordHasher;
use shared::config::{DatabaseSettings, PasswordSettings};
use shared::routes::register::{handle, RegisterState};
use shared::store::users::UserStore;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();

    let database = DatabaseSettings::from_env()?;
    let passwords = PasswordSettings::from_env()?;

    let state =
        RegisterState { users: UserStore::new(database.connect_lazy()?), hasher: PasswordHasher::new(&passwords)? };

    lambda_http::run(lambda_http::service_fn(|request| async {
        Ok::<_, std::convert::Infallible>(handle(&state, request).await)
    }))
    .await
}
