//! Connections that die while a Lambda execution environment is frozen: the next
//! request must get a fresh connection, not an error.

use lambda_http::http::StatusCode;
use sqlx::Connection as _;

use crate::helpers::TestApp;

/// Ends every server process of the test's own database, as a database failover or
/// an idle timeout on the server does to the connections of a frozen environment.
async fn terminate_backends(app: &TestApp) -> i64 {
    let database = app.database_url.rsplit('/').next().unwrap().to_owned();
    let mut admin = sqlx::PgConnection::connect(&app.database_url).await.unwrap();
    let terminated: i64 = sqlx::query_scalar(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(database)
    .fetch_one(&mut admin)
    .await
    .unwrap();
    admin.close().await.ok();
    terminated
}

#[tokio::test]
async fn pool_recovers_after_connections_die() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    assert_eq!(app.get("/api/v1/users/me", Some(&token)).await.status, StatusCode::OK);

    let terminated = terminate_backends(&app).await;
    let statuses: Vec<StatusCode> = {
        let mut statuses = Vec::new();
        for _ in 0..3 {
            statuses.push(app.get("/api/v1/users/me", Some(&token)).await.status);
        }
        statuses
    };

    assert!(terminated > 0, "the pool held no connection to end");
    assert_eq!(statuses, vec![StatusCode::OK; 3]);
}

#[tokio::test]
async fn summarize_recovers_after_connections_die() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;
    assert_eq!(app.get("/api/v1/docs", Some(&token)).await.status, StatusCode::OK);

    let terminated = terminate_backends(&app).await;
    let listed = app.get("/api/v1/docs", Some(&token)).await;

    assert!(terminated > 0, "the pool held no connection to end");
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
}

#[test]
fn default_timeouts_are_well_under_function_timeout() {
    // The template gives the HTTP functions 10 s; a request that waits for a
    // connection must fail with a 503 well before Lambda ends it.
    let database = shared::config::DatabaseSettings::from_vars(&|_| None).unwrap();
    assert!(database.acquire_timeout.as_secs() <= 3, "{:?}", database.acquire_timeout);
    assert!(database.max_connections <= 4, "{}", database.max_connections);
}
