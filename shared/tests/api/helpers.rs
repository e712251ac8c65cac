//! A test app per test: its own PostgreSQL database, MongoDB database and queue, on
//! the real servers that `scripts/test.sh` starts. Each is dropped when the app is.

use std::sync::Arc;
use std::time::Duration;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use shared::auth::password::PasswordHasher;
use shared::auth::tokens::{generate_key_pair, AccessTokenSigner, AccessTokenVerifier};
use shared::config::{
    DatabaseSettings, DocumentLimits, MongoSettings, PasswordSettings, QueueSettings, SigningSettings,
    VerifyingSettings, WebhookSettings,
};
use shared::outbox::Outbox;
use shared::queue::rabbitmq::RabbitQueue;
use shared::queue::JobQueue;
use shared::routes::login::{AuthLimits, LoginState};
use shared::routes::register::RegisterState;
use shared::routes::summarize::SummarizeState;
use shared::routes::users::UsersState;
use shared::store::documents::DocumentStore;
use shared::store::rate_limits::RateLimiter;
use shared::store::texts::TextStore;
use shared::store::users::UserStore;
use shared::webhooks::Webhooks;
use shared::worker::WorkerState;
use sqlx::{Connection as _, Executor as _};
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery staple";

/// A response reduced to what tests check.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: lambda_http::http::HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("body is not JSON ({error}): {}", self.body))
    }

    pub fn content_type(&self) -> &str {
        self.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("")
    }
}

pub struct TestApp {
    pub id: String,
    pub pool: sqlx::PgPool,
    /// The URL of this test's own database.
    pub database_url: String,
    pub mongo: mongodb::Database,
    pub queue_settings: QueueSettings,
    mongo_settings: MongoSettings,
    pub register: RegisterState,
    pub login: LoginState,
    pub summarize: SummarizeState,
    pub users: UsersState,
    pub worker: WorkerState,
    /// `kid:base64url(seed)` of the signing key, for tests that craft tokens.
    pub signing_key: String,
    /// `kid:base64url(public key)` of the signing key.
    pub public_key: String,
    admin_url: SecretString,
}

fn admin_url() -> SecretString {
    let url = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://docsum:docsum@127.0.0.1:5432/postgres".to_owned());
    url.into()
}

fn with_database(url: &str, database: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("database URL has a path");
    format!("{base}/{database}")
}

impl TestApp {
    /// Creates the databases and the queue, and applies migrations.
    pub async fn spawn() -> Self {
        Self::spawn_with_queue_url(None).await
    }

    /// Like [`TestApp::spawn`], with the summarize function publishing to `amqp_url`.
    pub async fn spawn_with_queue_url(amqp_url: Option<&str>) -> Self {
        Self::spawn_with(amqp_url, AuthLimits::default()).await
    }

    /// Like [`TestApp::spawn`], with the given rate limits.
    pub async fn spawn_with_limits(limits: AuthLimits) -> Self {
        Self::spawn_with(None, limits).await
    }

    async fn spawn_with(amqp_url: Option<&str>, limits: AuthLimits) -> Self {
        let id = Uuid::new_v4().simple().to_string();
        let database = format!("test_{id}");

        let admin_url = admin_url();
        let mut admin = sqlx::PgConnection::connect(admin_url.expose_secret())
            .await
            .expect("failed to connect to PostgreSQL; run scripts/test.sh to start it");
        admin
            .execute(format!(r#"CREATE DATABASE "{database}""#).as_str())
            .await
            .expect("failed to create test database");
        admin.close().await.ok();

        let database_url = with_database(admin_url.expose_secret(), &database);
        let database_settings = DatabaseSettings {
            url: database_url.clone().into(),
            max_connections: 5,
            acquire_timeout: Duration::from_secs(5),
        };
        let pool = database_settings.connect_lazy().unwrap();
        shared::MIGRATOR.run(&pool).await.expect("failed to apply migrations");

        let mut mongo_settings = MongoSettings::from_env().unwrap();
        mongo_settings.database = format!("test_{id}");
        let mongo = mongo_settings.client().await.unwrap().database(&mongo_settings.database);

        let mut queue_settings = QueueSettings::from_env().unwrap();
        queue_settings.queue = format!("test-jobs-{id}");
        let mut publish_settings = queue_settings.clone();
        if let Some(url) = amqp_url {
            publish_settings.url = url.to_owned().into();
        }

        let (signing_key, public_key) = generate_key_pair("test1");
        let token_vars = |name: &str| match name {
            "JWT_SIGNING_KEY" => Some(signing_key.clone()),
            "JWT_PUBLIC_KEYS" => Some(public_key.clone()),
            _ => None,
        };
        let signing = SigningSettings::from_vars(&token_vars).unwrap();
        let verifier = AccessTokenVerifier::new(&VerifyingSettings::from_vars(&token_vars).unwrap());
        let hasher = PasswordHasher::new(&PasswordSettings::owasp_minimum()).unwrap();
        let users = UserStore::new(pool.clone());
        let limiter = RateLimiter::new(pool.clone());
        let documents = DocumentStore::new(pool.clone());
        let texts = TextStore::new(&mongo);
        let webhooks = Webhooks::new(pool.clone(), WebhookSettings::default());
        let queue: Arc<dyn JobQueue> = Arc::new(RabbitQueue::new(publish_settings));

        Self {
            register: RegisterState { users: users.clone(), hasher: hasher.clone(), limiter: limiter.clone(), limits },
            login: LoginState {
                users: users.clone(),
                hasher,
                signer: AccessTokenSigner::new(&signing),
                limiter: limiter.clone(),
                limits,
                refresh_ttl: signing.refresh_ttl,
                refresh_max_age: signing.refresh_max_age,
            },
            summarize: SummarizeState {
                verifier: verifier.clone(),
                users: users.clone(),
                documents: documents.clone(),
                texts: texts.clone(),
                outbox: Outbox::new(pool.clone(), queue.clone()),
                queue,
                limiter,
                limits: DocumentLimits::default(),
                webhooks: webhooks.clone(),
            },
            users: UsersState { users, verifier },
            worker: WorkerState { documents, texts, webhooks },
            signing_key,
            public_key,
            id,
            pool,
            database_url,
            mongo,
            queue_settings,
            admin_url,
            mongo_settings,
        }
    }

    /// Sends a request to the function that serves its path, as `cargo lambda watch`
    /// and API Gateway route it.
    pub async fn send(&self, request: Request) -> TestResponse {
        let path = request.uri().path().to_owned();
        let function = if path.starts_with("/api/v1/auth/register") {
            "register"
        } else if path.starts_with("/api/v1/auth/") {
            "login"
        } else if path.starts_with("/api/v1/users")
            || path.starts_with("/.well-known/")
            || path == "/api/v1/openapi.json"
        {
            "users"
        } else {
            "summarize"
        };
        self.send_to(function, request).await
    }

    /// Sends a request to the handler of the named function, as API Gateway's route
    /// integration does.
    pub async fn send_to(&self, function: &str, request: Request) -> TestResponse {
        let response = match function {
            "register" => shared::routes::register::handle(&self.register, request).await,
            "login" => shared::routes::login::handle(&self.login, request).await,
            "users" => shared::routes::users::handle(&self.users, request).await,
            "summarize" => shared::routes::summarize::handle(&self.summarize, request).await,
            other => panic!("no function {other}"),
        };
        let (parts, body) = response.into_parts();
        let body = match body {
            Body::Empty => String::new(),
            Body::Text(text) => text,
            Body::Binary(bytes) => String::from_utf8(bytes).expect("response body is UTF-8"),
            _ => String::new(),
        };
        TestResponse { status: parts.status, headers: parts.headers, body }
    }

    pub async fn post_json(&self, path: &str, body: &Value, token: Option<&str>) -> TestResponse {
        self.send(request(Method::POST, path, Some("application/json"), body.to_string(), token)).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.send(request(Method::GET, path, None, String::new(), token)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.send(request(Method::DELETE, path, None, String::new(), token)).await
    }

    pub async fn register(&self, email: &str, password: &str) -> TestResponse {
        self.post_json("/api/v1/auth/register", &json!({ "email": email, "password": password }), None).await
    }

    pub async fn login(&self, email: &str, password: &str) -> TestResponse {
        self.post_json("/api/v1/auth/login", &json!({ "email": email, "password": password }), None).await
    }

    /// Registers a fresh user and returns an access token.
    pub async fn signed_in_user(&self) -> String {
        let email = format!("user-{}@example.com", Uuid::new_v4().simple());
        assert_eq!(self.register(&email, PASSWORD).await.status, StatusCode::CREATED);
        let login = self.login(&email, PASSWORD).await;
        assert_eq!(login.status, StatusCode::OK, "login failed: {}", login.body);
        login.json()["access_token"].as_str().unwrap().to_owned()
    }

    /// Registers a fresh user, logs in and returns the login response body.
    pub async fn login_tokens(&self) -> Value {
        let email = format!("user-{}@example.com", Uuid::new_v4().simple());
        assert_eq!(self.register(&email, PASSWORD).await.status, StatusCode::CREATED);
        let login = self.login(&email, PASSWORD).await;
        assert_eq!(login.status, StatusCode::OK, "login failed: {}", login.body);
        login.json()
    }

    pub async fn refresh(&self, refresh_token: &str) -> TestResponse {
        self.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": refresh_token }), None).await
    }

    pub async fn submit(&self, token: &str, body: &Value) -> TestResponse {
        self.post_json("/api/v1/summarize", body, Some(token)).await
    }

    /// Runs the RabbitMQ worker until `doc_id` is finished, then stops it.
    pub async fn run_worker_until_finished(&self, token: &str, doc_id: &str) -> Value {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let worker = self.worker.clone();
        let settings = self.queue_settings.clone();
        let task = tokio::spawn(async move {
            shared::worker::consume_rabbitmq(&worker, &settings, async {
                let _ = stopped.await;
            })
            .await
        });

        let document = self.wait_until_finished(token, doc_id).await;
        let _ = stop.send(());
        task.await.expect("worker task panicked").expect("worker failed");
        document
    }

    /// Polls the document until it is `done` or `failed`, for at most 30 s.
    pub async fn wait_until_finished(&self, token: &str, doc_id: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let response = self.get(&format!("/api/v1/docs/{doc_id}"), Some(token)).await;
            assert_eq!(response.status, StatusCode::OK, "reading document failed: {}", response.body);
            let document = response.json();
            if matches!(document["status"].as_str(), Some("done" | "failed")) {
                return document;
            }
            assert!(tokio::time::Instant::now() < deadline, "document {doc_id} not finished within 30 s: {document}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sends every PostgreSQL query of the handlers and the worker through `proxy`,
    /// with a pool that gives up acquiring after 2 s as the deployed functions do
    /// (3 s by default).
    pub fn route_postgres_through(&mut self, proxy: &crate::proxy::Proxy) {
        let target = host_port(&self.database_url);
        let settings = DatabaseSettings {
            url: proxy.url_for(&self.database_url, &target).into(),
            max_connections: 5,
            acquire_timeout: Duration::from_secs(2),
        };
        let pool = settings.connect_lazy().unwrap();
        let users = UserStore::new(pool.clone());
        let limiter = RateLimiter::new(pool.clone());
        let documents = DocumentStore::new(pool.clone());
        let webhooks = Webhooks::new(pool.clone(), self.summarize.webhooks.settings());

        self.register.users = users.clone();
        self.register.limiter = limiter.clone();
        self.login.users = users.clone();
        self.login.limiter = limiter.clone();
        self.users.users = users.clone();
        self.summarize.users = users;
        self.summarize.limiter = limiter;
        self.summarize.documents = documents.clone();
        self.summarize.webhooks = webhooks.clone();
        self.summarize.outbox = Outbox::new(pool, self.summarize.queue.clone());
        self.worker.documents = documents;
        self.worker.webhooks = webhooks;
    }

    /// Sends every MongoDB operation of the handlers and the worker through `proxy`.
    pub async fn route_mongo_through(&mut self, proxy: &crate::proxy::Proxy) {
        let url = self.mongo_settings.url.expose_secret().to_owned();
        let target = host_port(&url);
        let settings = MongoSettings {
            url: format!("mongodb://127.0.0.1:{}/?directConnection=true", proxy.port).into(),
            database: self.mongo_settings.database.clone(),
        };
        assert!(url.contains(&target));
        let texts = TextStore::new(&settings.client().await.unwrap().database(&settings.database));
        self.summarize.texts = texts.clone();
        self.worker.texts = texts;
    }

    /// Returns the `host:port` of the MongoDB server the test uses.
    pub fn mongo_target(&self) -> String {
        host_port(self.mongo_settings.url.expose_secret())
    }

    /// Returns the job queue's dead-letter queue, as the cleanup reads it.
    pub fn dead_letter_queue(&self) -> shared::dead_letters::DeadLetterQueue {
        shared::dead_letters::DeadLetterQueue::RabbitMq(self.queue_settings.clone())
    }

    /// Moves the jobs waiting in the test queue to its dead-letter queue the way the
    /// broker does: by returning each delivery until the queue's delivery limit is
    /// reached. Waits until `expected` messages are in the dead-letter queue.
    pub async fn dead_letter_queued_jobs(&self, expected: u32) {
        use lapin::options::{BasicGetOptions, BasicNackOptions};

        let connection = shared::queue::rabbitmq::connect(&self.queue_settings).await.unwrap();
        let channel = connection.create_channel().await.unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while self.dead_letter_count().await < expected {
            assert!(tokio::time::Instant::now() < deadline, "jobs did not reach the dead-letter queue within 20 s");
            let message =
                channel.basic_get(self.queue_settings.queue.as_str().into(), BasicGetOptions::default()).await.unwrap();
            match message {
                Some(message) => {
                    message.delivery.nack(BasicNackOptions { requeue: true, ..Default::default() }).await.unwrap();
                }
                None => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
        connection.close(200, "done".into()).await.ok();
    }

    /// Publishes `body` straight to the test queue's dead-letter queue, stamped with
    /// `timestamp` (Unix seconds) when given, as if the broker had dead-lettered it.
    pub async fn publish_dead_letter(&self, body: &[u8], timestamp: Option<u64>) {
        use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};

        let connection = shared::queue::rabbitmq::connect(&self.queue_settings).await.unwrap();
        let channel = connection.create_channel().await.unwrap();
        shared::queue::rabbitmq::declare_queue(&channel, &self.queue_settings).await.unwrap();
        channel.confirm_select(ConfirmSelectOptions::default()).await.unwrap();
        let (_, dead_queue) = shared::queue::rabbitmq::dead_letter_names(&self.queue_settings.queue);
        let mut properties = lapin::BasicProperties::default().with_delivery_mode(2);
        if let Some(timestamp) = timestamp {
            properties = properties.with_timestamp(timestamp);
        }
        let confirm = channel
            .basic_publish("".into(), dead_queue.as_str().into(), BasicPublishOptions::default(), body, properties)
            .await
            .unwrap();
        assert!(confirm.await.unwrap().is_ack(), "the broker did not confirm the dead letter");
        connection.close(200, "done".into()).await.ok();
    }

    /// Counts the messages ready in the test queue's dead-letter queue.
    pub async fn dead_letter_count(&self) -> u32 {
        use lapin::options::QueueDeclareOptions;

        let connection = shared::queue::rabbitmq::connect(&self.queue_settings).await.unwrap();
        let channel = connection.create_channel().await.unwrap();
        shared::queue::rabbitmq::declare_queue(&channel, &self.queue_settings).await.unwrap();
        let (_, dead_queue) = shared::queue::rabbitmq::dead_letter_names(&self.queue_settings.queue);
        let queue = channel
            .queue_declare(
                dead_queue.as_str().into(),
                QueueDeclareOptions { passive: true, ..Default::default() },
                lapin::types::FieldTable::default(),
            )
            .await
            .unwrap();
        connection.close(200, "done".into()).await.ok();
        queue.message_count()
    }

    /// Declares the test queue, so jobs published before a worker starts are kept.
    pub async fn declare_queue(&self) {
        let connection = shared::queue::rabbitmq::connect(&self.queue_settings).await.unwrap();
        let channel = connection.create_channel().await.unwrap();
        shared::queue::rabbitmq::declare_queue(&channel, &self.queue_settings).await.unwrap();
        connection.close(200, "done".into()).await.ok();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let database = format!("test_{}", self.id);
        let admin_url = self.admin_url.clone();
        let mongo_settings = self.mongo_settings.clone();
        let queue_settings = self.queue_settings.clone();
        // Drop runs inside the test's runtime, which cannot drive async work while it
        // blocks here, so the cleanup gets a runtime and clients of its own on another
        // thread. FORCE ends the test pool's connections.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                if let Ok(mut admin) = sqlx::PgConnection::connect(admin_url.expose_secret()).await {
                    let _ =
                        admin.execute(format!(r#"DROP DATABASE IF EXISTS "{database}" WITH (FORCE)"#).as_str()).await;
                }
                if let Ok(client) = mongo_settings.client().await {
                    let _ = client.database(&mongo_settings.database).drop().await;
                }
                if let Ok(connection) = shared::queue::rabbitmq::connect(&queue_settings).await {
                    if let Ok(channel) = connection.create_channel().await {
                        let _ = channel.queue_delete(queue_settings.queue.as_str().into(), Default::default()).await;
                        let (exchange, dead_queue) = shared::queue::rabbitmq::dead_letter_names(&queue_settings.queue);
                        let _ = channel.queue_delete(dead_queue.as_str().into(), Default::default()).await;
                        let _ = channel.exchange_delete(exchange.as_str().into(), Default::default()).await;
                    }
                    let _ = connection.close(200, "done".into()).await;
                }
            });
        });
        let _ = cleanup.join();
    }
}

/// Returns the `host:port` of a `scheme://[user@]host:port[/...]` URL.
pub fn host_port(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, rest)| rest);
    rest.split(['/', '?']).next().unwrap().to_owned()
}

/// Builds a request as the local router and API Gateway deliver it.
pub fn request(method: Method, path: &str, content_type: Option<&str>, body: String, token: Option<&str>) -> Request {
    let mut builder = lambda_http::http::Request::builder().method(method).uri(format!("http://127.0.0.1:9000{path}"));
    if let Some(content_type) = content_type {
        builder = builder.header("content-type", content_type);
    }
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    let body = if body.is_empty() { Body::Empty } else { Body::Text(body) };
    builder.body(body).unwrap().with_raw_http_path(path.split('?').next().unwrap_or(path))
}

/// Sets the query string parameters of a request, as API Gateway parses them.
pub fn with_query(request: Request, pairs: &[(&str, &str)]) -> Request {
    let mut map: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for (name, value) in pairs {
        map.entry((*name).to_owned()).or_default().push((*value).to_owned());
    }
    lambda_http::RequestExt::with_query_string_parameters(
        request,
        lambda_http::aws_lambda_events::query_map::QueryMap::from(map),
    )
}

/// Returns a news-like text long enough to summarize.
pub fn article() -> String {
    [
        "The city council approved a new budget on Tuesday after a long debate over school funding.",
        "Council members voted seven to two in favour of the plan, which raises spending on schools by 4.5 percent.",
        "Mr. Alvarez, who chairs the finance committee, said the budget balances growth with care for taxpayers.",
        "Opponents argued that the increase would force higher property taxes within two years.",
        "The mayor is expected to sign the budget into law next week.",
        "A local bakery also celebrated its tenth anniversary downtown.",
    ]
    .join(" ")
}

/// Returns the URL of the moto server that `local/lib.sh` (`ensure_moto`) started:
/// `SQS_TEST_ENDPOINT_URL`, or the one recorded in the stack's state folder.
pub fn moto_endpoint() -> String {
    if let Ok(url) = std::env::var("SQS_TEST_ENDPOINT_URL") {
        return url;
    }
    let state = std::env::var("DOCSUM_STATE").unwrap_or_else(|_| {
        let cache = std::env::var("XDG_CACHE_HOME")
            .unwrap_or_else(|_| format!("{}/.cache", std::env::var("HOME").unwrap_or_default()));
        format!("{cache}/docsum/stack")
    });
    let file = format!("{state}/moto.endpoint");
    let url = std::fs::read_to_string(&file).unwrap_or_else(|error| {
        panic!("no moto endpoint in {file} ({error}); run `(. local/lib.sh && ensure_servers)` first")
    });
    let url = url.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "moto must run on 127.0.0.1, got {url}");
    url
}

/// SQS settings for moto: an explicit local endpoint and dummy credentials, never AWS.
pub fn moto_settings(queue_url: &str) -> shared::config::SqsSettings {
    shared::config::SqsSettings {
        queue_url: queue_url.to_owned(),
        dead_letter_queue_url: None,
        endpoint_url: Some(moto_endpoint()),
        region: "us-east-1".to_owned(),
        access_key_id: "testing".to_owned(),
        secret_access_key: "testing".to_owned().into(),
        session_token: None,
    }
}

/// A job queue and its dead-letter queue on moto, with names of their own.
pub struct TestSqs {
    pub client: aws_sdk_sqs::Client,
    pub queue: shared::queue::sqs::SqsQueue,
    pub dead_letter: shared::queue::sqs::SqsQueue,
}

impl TestSqs {
    /// Creates both queues: messages received `max_receive_count` times move to the
    /// dead-letter queue, and a received message stays invisible for `visibility_seconds`.
    pub async fn create(max_receive_count: u32, visibility_seconds: u32) -> Self {
        use aws_sdk_sqs::types::QueueAttributeName;

        let id = Uuid::new_v4().simple().to_string();
        let client = shared::queue::sqs::client(&moto_settings("http://127.0.0.1/unused"));
        let dead_letter_url = client
            .create_queue()
            .queue_name(format!("test-dlq-{id}"))
            .attributes(QueueAttributeName::MessageRetentionPeriod, "1209600")
            .send()
            .await
            .expect("failed to create the dead-letter queue on moto")
            .queue_url
            .unwrap();
        let dead_letter_arn = client
            .get_queue_attributes()
            .queue_url(&dead_letter_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap()
            .remove(&QueueAttributeName::QueueArn)
            .unwrap();
        let redrive = json!({ "deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": max_receive_count });
        let queue_url = client
            .create_queue()
            .queue_name(format!("test-jobs-{id}"))
            .attributes(QueueAttributeName::VisibilityTimeout, visibility_seconds.to_string())
            .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
            .send()
            .await
            .expect("failed to create the job queue on moto")
            .queue_url
            .unwrap();
        Self {
            queue: shared::queue::sqs::SqsQueue::with_client(client.clone(), queue_url),
            dead_letter: shared::queue::sqs::SqsQueue::with_client(client.clone(), dead_letter_url),
            client,
        }
    }

    /// Receives the jobs of the job queue without deleting them until the redrive
    /// policy moves `expected` messages to the dead-letter queue, as a worker that
    /// keeps failing would. Needs a visibility timeout of about a second.
    pub async fn redrive_received_jobs(&self, expected: u32) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while self.dead_letter_count().await < expected {
            assert!(tokio::time::Instant::now() < deadline, "jobs did not reach the dead-letter queue within 20 s");
            self.queue.receive(10, Duration::from_secs(1)).await.unwrap();
            tokio::time::sleep(Duration::from_millis(1100)).await;
        }
    }

    /// Counts the messages in the dead-letter queue, visible or not.
    pub async fn dead_letter_count(&self) -> u32 {
        use aws_sdk_sqs::types::QueueAttributeName;

        let mut attributes = self
            .client
            .get_queue_attributes()
            .queue_url(self.dead_letter.queue_url())
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .unwrap()
            .attributes
            .unwrap_or_default();
        let mut count = |name| attributes.remove(&name).map_or(0, |value| value.parse::<u32>().unwrap());
        count(QueueAttributeName::ApproximateNumberOfMessages)
            + count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
    }

    /// Deletes both queues.
    pub async fn delete(self) {
        for url in [self.queue.queue_url(), self.dead_letter.queue_url()] {
            let _ = self.client.delete_queue().queue_url(url).send().await;
        }
    }
}
