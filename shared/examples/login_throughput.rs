//! Login throughput benchmark: how close the login handler comes to the bound set by
//! one argon2id verification per core.
//!
//! Runs the real login handler in-process against the PostgreSQL at `DATABASE_URL`
//! (migrated; a scratch user is created and removed), with as many concurrent clients
//! as `CLIENTS` (default: twice the cores) for `SECONDS` (default 10), and prints:
//! one verification's time, the bound (cores / verification time), the measured
//! logins per second and their ratio.
//!
//! ```sh
//! local/stack.sh up   # or any migrated database
//! DATABASE_URL=postgres://docsum:docsum@127.0.0.1:5432/docsum \
//!   cargo run --release -p shared --example login_throughput
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lambda_http::http::{Method, Request};
use lambda_http::{Body, RequestExt as _};
use shared::auth::password::PasswordHasher;
use shared::auth::tokens::{generate_key_pair, AccessTokenSigner};
use shared::config::{DatabaseSettings, PasswordSettings, SigningSettings};
use shared::routes::login::{handle, AuthLimits, LoginState};
use shared::store::rate_limits::{Limit, RateLimiter};
use shared::store::users::UserStore;

const PASSWORD: &str = "benchmark passphrase 42";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let clients = env_number("CLIENTS", cores * 2);
    let seconds = env_number("SECONDS", 10) as u64;

    let database = DatabaseSettings::from_env()?;
    let pool = database.connect_lazy()?;
    let passwords = PasswordSettings::from_env()?;
    let hasher = PasswordHasher::new(&passwords)?;
    let (signing_key, _) = generate_key_pair("bench");
    let signing = SigningSettings::from_vars(&|name: &str| (name == "JWT_SIGNING_KEY").then(|| signing_key.clone()))?;
    let unlimited = Limit { max_hits: i32::MAX, window: Duration::from_secs(60) };
    let users = UserStore::new(pool.clone());
    let state = Arc::new(LoginState {
        users: users.clone(),
        hasher: hasher.clone(),
        signer: AccessTokenSigner::new(&signing),
        limiter: RateLimiter::new(pool.clone()),
        limits: AuthLimits {
            failed_logins_per_account_and_address: unlimited,
            failed_logins_per_account: unlimited,
            failed_logins_per_address: unlimited,
            registrations_per_address: unlimited,
            refreshes_per_address: unlimited,
        },
        refresh_ttl: signing.refresh_ttl,
        refresh_max_age: signing.refresh_max_age,
    });

    let email = format!("bench-{}@example.com", uuid::Uuid::new_v4().simple());
    let hash = hasher.hash(PASSWORD.into()).await?;
    let user = users.insert(&shared::domain::Email::parse(&email).map_err(anyhow::Error::msg)?, &hash).await?;

    let started = Instant::now();
    let rounds = 10;
    for _ in 0..rounds {
        hasher.verify(PASSWORD.into(), Some(hash.clone())).await?;
    }
    let verify = started.elapsed() / rounds;
    let bound = cores as f64 / verify.as_secs_f64();

    let body = serde_json::json!({ "email": email, "password": PASSWORD }).to_string();
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (state, body, done) = (state.clone(), body.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let request = Request::builder()
                    .method(Method::POST)
                    .uri("http://127.0.0.1/api/v1/auth/login")
                    .header("content-type", "application/json")
                    .body(Body::Text(body.clone()))
                    .expect("a static request builds")
                    .with_raw_http_path("/api/v1/auth/login");
                let response = handle(&state, request).await;
                assert_eq!(response.status(), 200, "login failed during the benchmark");
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let measured_from = Instant::now();
    for task in tasks {
        task.await?;
    }
    let throughput = done.load(Ordering::Relaxed) as f64 / measured_from.elapsed().as_secs_f64();

    sqlx::query("DELETE FROM users WHERE id = $1").bind(user.id).execute(&pool).await?;
    println!("cores: {cores}, clients: {clients}, duration: {seconds} s");
    println!("argon2id m={} KiB t={} p={}", passwords.memory_kib, passwords.iterations, passwords.parallelism);
    println!("one verification: {:.1} ms", verify.as_secs_f64() * 1000.0);
    println!("bound (cores / verification): {bound:.1} logins/s");
    println!("measured: {throughput:.1} logins/s ({:.0}% of the bound)", throughput / bound * 100.0);
    Ok(())
}
