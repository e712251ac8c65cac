//! Storage adapters: PostgreSQL for accounts, document ownership and webhook
//! deliveries, MongoDB for document text and summaries.

pub mod documents;
pub mod rate_limits;
pub mod texts;
pub mod users;
pub mod webhooks;

/// Returns whether an error chain contains a failure to reach a backing service (as opposed to a
/// bug or bad data), which the API reports as 503 with `Retry-After`.
///
/// A PostgreSQL protocol or TLS error counts: a server or a network that closes the
/// connection during the handshake produces one (sqlx 0.8 reports "unexpected
/// response from SSLRequest"). A MongoDB pool that the driver cleared because its
/// server stopped responding counts too.
pub fn is_unavailable(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        if let Some(sql) = cause.downcast_ref::<sqlx::Error>() {
            return matches!(
                sql,
                sqlx::Error::PoolTimedOut
                    | sqlx::Error::Io(_)
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::Tls(_)
                    | sqlx::Error::Protocol(_)
                    | sqlx::Error::WorkerCrashed
            );
        }
        if let Some(mongo) = cause.downcast_ref::<mongodb::error::Error>() {
            return matches!(
                *mongo.kind,
                mongodb::error::ErrorKind::ServerSelection { .. }
                    | mongodb::error::ErrorKind::Io(_)
                    | mongodb::error::ErrorKind::ConnectionPoolCleared { .. }
            );
        }
        cause.downcast_ref::<std::io::Error>().is_some()
    })
}
