//! Integration tests of the functions' handlers against real PostgreSQL, MongoDB
//! (secantusdb), RabbitMQ and moto (SQS). `scripts/test.sh` starts the servers first.

mod apigw;
mod auth;
mod bad_input;
mod cleanup;
mod connections;
mod dead_letters;
mod documents;
mod faults;
mod helpers;
mod jobs;
mod manage;
mod proxy;
mod sessions;
mod sqs;
mod tokens;
mod webhooks;
