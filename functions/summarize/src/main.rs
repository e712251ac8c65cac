//! The summarize function: `POST /api/v1/summarize`, `GET /api/v1/docs[/{doc_id}]`.

use std::sync::Arc;

use shared::auth::tokens::TokenKeys;
use shared::config::{DatabaseSettings, MongoSettings, QueueSettings, TokenSettings};
use shared::queue::rabbitmq::RabbitQueue;
use shared::routes::summarize::{handle, SummarizeState};
use shared::store::documents::DocumentStore;
use shared::store::texts::TextStore;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();

    let database = DatabaseSettings::from_env()?;
    let mongo = MongoSettings::from_env()?;
    let queue = QueueSettings::from_env()?;
    let tokens = TokenSettings::from_env()?;

    let mongo_client = mongo.client().await?;
    let state = SummarizeState {
        keys: TokenKeys::new(&tokens),
        documents: DocumentStore::new(database.connect_lazy()?),
        texts: TextStore::new(&mongo_client.database(&mongo.database)),
        queue: Arc::new(RabbitQueue::new(queue)),
    };

    lambda_http::run(lambda_http::service_fn(|request| async {
        Ok::<_, std::convert::Infallible>(handle(&state, request).await)
    }))
    .await
}
