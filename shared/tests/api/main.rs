//! Integration tests of the functions' handlers against real PostgreSQL, MongoDB
//! (secantusdb) and RabbitMQ. `scripts/test.sh` starts the servers first.

mod auth;
mod documents;
mod helpers;
mod jobs;
mod manage;
mod sessions;
mod tokens;
mod webhooks;
