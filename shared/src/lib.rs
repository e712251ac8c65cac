//! The library every function of the document summarization service uses.
//!
//! Each `functions/*` binary installs tracing, loads its settings with
//! [`config`], builds its clients once and hands requests to a handler in
//! [`routes`] or jobs to [`worker`]. Everything else lives here.

pub mod auth;
pub mod cleanup;
pub mod config;
pub mod dead_letters;
pub mod domain;
pub mod http;
pub mod openapi;
pub mod options;
pub mod outbox;
pub mod problem;
pub mod queue;
pub mod routes;
pub mod store;
pub mod telemetry;
pub mod webhooks;
pub mod worker;

/// Migrations of the PostgreSQL schema, applied by the `migrate` binary and by tests.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
