//! The summarize function: `POST /api/v1/summarize`, `GET /api/v1/docs[/{doc_id}]`,
//! `DELETE /api/v1/docs/{doc_id}`.

use shared::auth::tokens::AccessTokenVerifier;
use shared::config::{
    DatabaseSettings, DocumentLimits, JobQueueSettings, MongoSettings, VerifyingSettings, WebhookSettings,
};
use shared::outbox::Outbox;
use shared::routes::summarize::{handle, SummarizeState};
use shared::store::documents::DocumentStore;
use shared::store::rate_limits::RateLimiter;
use shared::store::texts::TextStore;
use shared::store::users::UserStore;
use shared::webhooks::Webhooks;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();

    let database = DatabaseSettings::from_env()?;
    let mongo = MongoSettings::from_env()?;
    let queue = JobQueueSettings::from_env()?;
    let verifying = VerifyingSettings::from_env()?;
    let limits = DocumentLimits::from_env()?;
    let webhooks = WebhookSettings::from_env()?;

    let mongo_client = mongo.client().await?;
    let pool = database.connect_lazy()?;
    let queue = shared::queue::publisher(&queue);
    let state = SummarizeState {
        verifier: AccessTokenVerifier::new(&verifying),
        users: UserStore::new(pool.clone()),
        documents: DocumentStore::new(pool.clone()),
        texts: TextStore::new(&mongo_client.database(&mongo.database)),
        outbox: Outbox::new(pool.clone(), queue.clone()),
        queue,
        limiter: RateLimiter::new(pool.clone()),
        limits,
        webhooks: Webhooks::new(pool, webhooks),
    };

    lambda_http::run(lambda_http::service_fn(|request| async {
        Ok::<_, std::convert::Infallible>(handle(&state, request).await)
    }))
    .await
}
