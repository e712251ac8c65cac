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

/// A secantusd server of this test's own on a free port, with its data in a
/// temporary folder; dropping it stops the server and removes the folder.
struct OwnMongo {
    server: std::process::Child,
    port: u16,
    folder: std::path::PathBuf,
}

impl OwnMongo {
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let folder = std::env::temp_dir().join(format!("docsum-mongo-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&folder).unwrap();
        let server = Self::spawn(port, &folder);
        Self { server, port, folder }
    }

    fn spawn(port: u16, folder: &std::path::Path) -> std::process::Child {
        let cache = std::env::var("DOCSUM_CACHE").unwrap_or_else(|_| {
            let home = std::env::var("HOME").unwrap_or_default();
            format!("{}/docsum", std::env::var("XDG_CACHE_HOME").unwrap_or_else(|_| format!("{home}/.cache")))
        });
        let program = format!("{cache}/venv/bin/secantusd-py");
        // secantusd reads ./secantusd.toml when present, so it runs from its own folder.
        // With --sync-on-commit a write survives the kill in restart().
        let server = std::process::Command::new(&program)
            .args(["--host", "127.0.0.1", "--port", &port.to_string(), "--sync-on-commit", "--storage-path"])
            .arg(folder)
            .current_dir(folder)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("failed to start {program} ({error}); run `(. local/lib.sh && ensure_venv)`")
            });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "secantusd did not open port {port} within 30 s");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        server
    }

    /// Kills the server, as a crash or a failover does, and starts it again on the
    /// same port and data.
    fn restart(&mut self) {
        self.server.kill().unwrap();
        self.server.wait().unwrap();
        self.server = Self::spawn(self.port, &self.folder);
    }
}

impl Drop for OwnMongo {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

#[tokio::test]
async fn text_store_recovers_after_mongo_restart() {
    let mut mongo = OwnMongo::start();
    let settings = shared::config::MongoSettings {
        url: format!("mongodb://127.0.0.1:{}/?directConnection=true", mongo.port).into(),
        database: "recovery".to_owned(),
    };
    let client = settings.client().await.unwrap();
    let texts = shared::store::texts::TextStore::new(&client.database(&settings.database));
    let doc_id = uuid::Uuid::now_v7();
    texts.insert_text(doc_id, "A text that outlives a restart.".to_owned()).await.unwrap();

    mongo.restart();
    let found = texts.find(doc_id).await;
    mongo.restart();
    let written = texts.insert_text(uuid::Uuid::now_v7(), "A text written after a restart.".to_owned()).await;

    let found = found.unwrap_or_else(|error| panic!("the first read after a restart failed: {error:#}"));
    assert_eq!(found.map(|text| text.text).as_deref(), Some("A text that outlives a restart."));
    assert!(written.is_ok(), "the first write after a restart failed: {:#}", written.unwrap_err());
}
