//! Time per step of a read and a submit: each step of the summarize function's two
//! hot routes timed alone, in-process and warm, then the whole handler.
//!
//! Runs against the servers and settings of a stack (PostgreSQL, MongoDB, RabbitMQ and
//! the token keys), creates a scratch user and prints, per step, the median and the
//! 99th percentile of `ROUNDS` (default 500) sequential calls. Then it runs the two
//! whole handlers from `CLIENTS` (default 10) concurrent tasks and prints the same
//! percentiles and the calls per second. The documents, texts and
//! jobs it makes stay in the stack's database, Mongo database and queue.
//!
//! ```sh
//! bench/rust-stack.sh up
//! (set -a; . ~/.cache/docsum/bench-rust/stack.env; set +a
//!  cargo run --release -p shared --example request_costs)
//! ```

use std::future::Future;
use std::time::{Duration, Instant};

use lambda_http::http::{Method, Request};
use lambda_http::{Body, RequestExt as _};
use shared::auth::tokens::{AccessTokenSigner, AccessTokenVerifier};
use shared::config::{
    DatabaseSettings, DocumentLimits, JobQueueSettings, MongoSettings, SigningSettings, VerifyingSettings,
    WebhookSettings,
};
use shared::options::SummaryOptions;
use shared::queue::Job;
use shared::routes::summarize::{handle, SummarizeState};
use shared::store::documents::DocumentStore;
use shared::store::rate_limits::{Limit, RateLimiter};
use shared::store::texts::TextStore;
use shared::store::users::UserStore;
use shared::webhooks::Webhooks;
use uuid::Uuid;

/// About 3 KB of text, the size the load generator submits.
fn sample_text() -> String {
    (1..=40)
        .map(|i| format!("The council reported the results of the survey on day {i}."))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `step` `rounds` times one after another and returns the sorted durations.
async fn time_step<F, Fut>(rounds: usize, mut step: F) -> anyhow::Result<Vec<Duration>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let mut durations = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        step().await?;
        durations.push(started.elapsed());
    }
    durations.sort();
    Ok(durations)
}

/// Runs `step` on `clients` concurrent tasks, each `rounds` times one after another,
/// and returns the sorted durations of all calls and the calls per second overall.
async fn time_concurrent<F, Fut>(clients: usize, rounds: usize, step: F) -> anyhow::Result<(Vec<Duration>, f64)>
where
    F: Fn() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let started = Instant::now();
    let results = futures_util::future::join_all((0..clients).map(|_| time_step(rounds, &step))).await;
    let elapsed = started.elapsed().as_secs_f64();
    let mut durations = Vec::with_capacity(clients * rounds);
    for result in results {
        durations.extend(result?);
    }
    durations.sort();
    let per_second = durations.len() as f64 / elapsed;
    Ok((durations, per_second))
}

fn print_row(name: &str, durations: &[Duration]) {
    let at = |p: f64| durations[((durations.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e6;
    println!("| {name} | {:.0} | {:.0} |", at(0.5), at(0.99));
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(500);
    let clients: usize = std::env::var("CLIENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10).max(1);

    let pool = DatabaseSettings::from_env()?.connect_lazy()?;
    let mongo = MongoSettings::from_env()?;
    let mongo_client = mongo.client().await?;
    let signer = AccessTokenSigner::new(&SigningSettings::from_env()?);
    let verifier = AccessTokenVerifier::new(&VerifyingSettings::from_env()?);
    let queue = shared::queue::publisher(&JobQueueSettings::from_env()?);
    let users = UserStore::new(pool.clone());
    let documents = DocumentStore::new(pool.clone());
    let texts = TextStore::new(&mongo_client.database(&mongo.database));
    let limiter = RateLimiter::new(pool.clone());
    let unlimited = Limit { max_hits: i32::MAX, window: Duration::from_secs(60) };

    let email = shared::domain::Email::parse(&format!("costs-{}@example.com", Uuid::new_v4().simple()))
        .map_err(anyhow::Error::msg)?;
    // The hash is never verified here, so any string works as one.
    let user = users.insert(&email, "not-a-hash").await?;
    let token = signer.issue(user.id, "user")?.token;
    let text = sample_text();
    let options = SummaryOptions::default();

    // Warm every connection once, as a warm Lambda instance has them.
    let warm_doc = Uuid::now_v7();
    texts.insert_text(warm_doc, text.clone()).await?;
    documents.insert(warm_doc, user.id, None, &options, text.len() as i32).await?;
    queue.publish(Job { doc_id: warm_doc }).await?;

    println!("rounds: {rounds}, text: {} bytes\n", text.len());
    println!("| step | median µs | p99 µs |");
    println!("|---|---:|---:|");
    print_row(
        "JWT verify (Ed25519)",
        &time_step(rounds, || async { verifier.verify(&token).map(drop).map_err(anyhow::Error::msg) }).await?,
    );
    print_row(
        "PostgreSQL: account active",
        &time_step(rounds, || async { users.find_by_id(user.id).await.map(drop) }).await?,
    );
    print_row(
        "PostgreSQL: rate limit hit",
        &time_step(rounds, || async { limiter.hit("costs", unlimited).await.map(drop) }).await?,
    );
    print_row(
        "PostgreSQL: documents in flight",
        &time_step(rounds, || async { documents.count_in_flight(user.id).await.map(drop) }).await?,
    );
    print_row(
        "MongoDB: insert text",
        &time_step(rounds, || async { texts.insert_text(Uuid::now_v7(), text.clone()).await }).await?,
    );
    print_row(
        "PostgreSQL: insert document",
        &time_step(rounds, || async {
            documents.insert(Uuid::now_v7(), user.id, None, &options, text.len() as i32).await.map(drop)
        })
        .await?,
    );
    print_row(
        "RabbitMQ: publish job (confirmed)",
        &time_step(rounds, || async { queue.publish(Job { doc_id: warm_doc }).await }).await?,
    );
    print_row(
        "PostgreSQL: find document",
        &time_step(rounds, || async { documents.find_owned(warm_doc, user.id).await.map(drop) }).await?,
    );
    print_row("MongoDB: find text", &time_step(rounds, || async { texts.find(warm_doc).await.map(drop) }).await?);
    let stored = texts.find(warm_doc).await?.expect("the warm-up text exists");
    print_row(
        "JSON: serialize text",
        &time_step(rounds, || async { serde_json::to_string(&stored).map(drop).map_err(Into::into) }).await?,
    );
    let body = serde_json::json!({ "text": text }).to_string();
    print_row(
        "JSON: parse submit body",
        &time_step(rounds, || async { serde_json::from_str::<SubmitBody>(&body).map(drop).map_err(Into::into) })
            .await?,
    );

    let state = SummarizeState {
        verifier: verifier.clone(),
        users: users.clone(),
        documents: documents.clone(),
        texts: texts.clone(),
        queue: queue.clone(),
        limiter: limiter.clone(),
        limits: DocumentLimits::from_env()?,
        webhooks: Webhooks::new(pool.clone(), WebhookSettings::from_env()?),
        outbox: shared::outbox::Outbox::new(pool.clone(), queue.clone()),
    };
    let authorization = format!("Bearer {token}");
    let read_path = format!("/api/v1/docs/{warm_doc}");
    let read = || async {
        let request = Request::builder()
            .method(Method::GET)
            .uri(format!("http://127.0.0.1{read_path}"))
            .header("authorization", &authorization)
            .body(Body::Empty)?
            .with_raw_http_path(read_path.as_str());
        let status = handle(&state, request).await.status();
        anyhow::ensure!(status == 200, "read returned {status}");
        Ok(())
    };
    let submit = || async {
        let request = Request::builder()
            .method(Method::POST)
            .uri("http://127.0.0.1/api/v1/summarize")
            .header("authorization", &authorization)
            .header("content-type", "application/json")
            .body(Body::Text(body.clone()))?
            .with_raw_http_path("/api/v1/summarize");
        let status = handle(&state, request).await.status();
        anyhow::ensure!(
            status == 202,
            "submit returned {status}; raise SUBMISSIONS_PER_MINUTE and MAX_DOCUMENTS_IN_FLIGHT"
        );
        Ok(())
    };
    print_row("whole handler: GET /docs/{id}", &time_step(rounds, read).await?);
    print_row("whole handler: POST /summarize", &time_step(rounds.min(200), submit).await?);

    // The same handlers with CLIENTS concurrent callers sharing the process's pools, as
    // CLIENTS warm instances would share the servers. DATABASE_MAX_CONNECTIONS should be
    // at least CLIENTS, since each Lambda instance would have its own connection.
    println!("\n| {clients} concurrent callers | median µs | p99 µs | calls/s |");
    println!("|---|---:|---:|---:|");
    for (name, (durations, per_second)) in [
        ("whole handler: GET /docs/{id}", time_concurrent(clients, (rounds / clients).max(1), read).await?),
        ("whole handler: POST /summarize", time_concurrent(clients, (rounds.min(200) / clients).max(1), submit).await?),
    ] {
        let at = |p: f64| durations[((durations.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e6;
        println!("| {name} | {:.0} | {:.0} | {per_second:.0} |", at(0.5), at(0.99));
    }
    Ok(())
}

/// The part of a submit body that costs time to parse: the text.
#[derive(serde::Deserialize)]
#[allow(dead_code, reason = "only parsed, to time the parse")]
struct SubmitBody {
    text: String,
}
