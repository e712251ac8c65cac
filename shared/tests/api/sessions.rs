use std::time::{Duration, Instant};

use lambda_http::http::StatusCode;
use serde_json::json;
use shared::routes::login::AuthLimits;
use shared::store::rate_limits::Limit;

use crate::helpers::{TestApp, PASSWORD};

fn refresh_token_of(body: &serde_json::Value) -> String {
    body["refresh_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn refresh_rotates_tokens() {
    let app = TestApp::spawn().await;
    let first = refresh_token_of(&app.login_tokens().await);

    let response = app.refresh(&first).await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let body = response.json();
    assert_ne!(refresh_token_of(&body), first);
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/users/me", Some(access)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn reused_refresh_token_revokes_family() {
    let app = TestApp::spawn().await;
    let first = refresh_token_of(&app.login_tokens().await);
    let second = refresh_token_of(&app.refresh(&first).await.json());

    let reuse = app.refresh(&first).await;
    let after_reuse = app.refresh(&second).await;

    assert_eq!(reuse.status, StatusCode::UNAUTHORIZED);
    assert_eq!(after_reuse.status, StatusCode::UNAUTHORIZED, "the whole family must be revoked");
    assert_eq!(reuse.headers["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn logout_revokes_refresh_token() {
    let app = TestApp::spawn().await;
    let first = refresh_token_of(&app.login_tokens().await);
    let second = refresh_token_of(&app.refresh(&first).await.json());

    let logout = app.post_json("/api/v1/auth/logout", &json!({ "refresh_token": second }), None).await;
    let unknown = app.post_json("/api/v1/auth/logout", &json!({ "refresh_token": "unknown" }), None).await;

    assert_eq!(logout.status, StatusCode::NO_CONTENT);
    assert_eq!(unknown.status, StatusCode::NO_CONTENT, "logout must not reveal whether a token exists");
    assert_eq!(app.refresh(&second).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn expired_refresh_token_is_rejected() {
    let app = TestApp::spawn().await;
    let token = refresh_token_of(&app.login_tokens().await);
    sqlx::query("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'").execute(&app.pool).await.unwrap();

    assert_eq!(app.refresh(&token).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn family_absolute_lifetime_is_enforced() {
    let app = TestApp::spawn().await;
    let token = refresh_token_of(&app.login_tokens().await);
    sqlx::query("UPDATE refresh_tokens SET family_expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .unwrap();

    assert_eq!(app.refresh(&token).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn access_token_is_not_a_refresh_token() {
    let app = TestApp::spawn().await;
    let access = app.login_tokens().await["access_token"].as_str().unwrap().to_owned();

    assert_eq!(app.refresh(&access).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn disabled_account_is_locked_out_everywhere() {
    let app = TestApp::spawn().await;
    let tokens = app.login_tokens().await;
    let access = tokens["access_token"].as_str().unwrap();
    sqlx::query("UPDATE users SET is_active = false").execute(&app.pool).await.unwrap();

    assert_eq!(app.refresh(&refresh_token_of(&tokens)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/users/me", Some(access)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/api/v1/docs", Some(access)).await.status, StatusCode::UNAUTHORIZED);
    let submitted = app.submit(access, &json!({ "text": "Hello there." })).await;
    assert_eq!(submitted.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn deleted_account_cannot_refresh() {
    let app = TestApp::spawn().await;
    let tokens = app.login_tokens().await;
    sqlx::query("DELETE FROM users").execute(&app.pool).await.unwrap();

    assert_eq!(app.refresh(&refresh_token_of(&tokens)).await.status, StatusCode::UNAUTHORIZED);
    let me = app.get("/api/v1/users/me", Some(tokens["access_token"].as_str().unwrap())).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn nfc_and_nfd_passwords_both_log_in() {
    let app = TestApp::spawn().await;
    let composed = "caf\u{e9} cr\u{e8}me br\u{fb}l\u{e9}e";
    let decomposed = "cafe\u{301} cre\u{300}me bru\u{302}le\u{301}e";
    assert_eq!(app.register("nfc@example.com", composed).await.status, StatusCode::CREATED);

    assert_eq!(app.login("nfc@example.com", composed).await.status, StatusCode::OK);
    assert_eq!(app.login("nfc@example.com", decomposed).await.status, StatusCode::OK);
}

#[tokio::test]
async fn password_rules_at_register() {
    let app = TestApp::spawn().await;
    let megabyte = "x".repeat(1_000_000);
    let cases: [(&str, &str, StatusCode); 5] = [
        ("7 characters", "seven77", StatusCode::UNPROCESSABLE_ENTITY),
        ("common password", "password123", StatusCode::UNPROCESSABLE_ENTITY),
        ("129 characters", &"y".repeat(129), StatusCode::UNPROCESSABLE_ENTITY),
        ("1 MB password", &megabyte, StatusCode::PAYLOAD_TOO_LARGE),
        ("128 characters", &"z".repeat(128), StatusCode::CREATED),
    ];
    for (index, (case, password, expected)) in cases.iter().enumerate() {
        let response = app.register(&format!("rules{index}@example.com"), password).await;
        assert_eq!(response.status, *expected, "case {case}: {}", response.body);
        if *expected == StatusCode::UNPROCESSABLE_ENTITY {
            assert_eq!(response.json()["errors"][0]["field"], "password", "case {case}");
        }
    }
    let login = app.login("rules4@example.com", &megabyte).await;
    assert_eq!(login.status, StatusCode::PAYLOAD_TOO_LARGE);
}

fn tight_limits() -> AuthLimits {
    let window = Duration::from_secs(600);
    AuthLimits {
        failed_logins_per_account_and_address: Limit { max_hits: 3, window },
        failed_logins_per_account: Limit { max_hits: 100, window },
        failed_logins_per_address: Limit { max_hits: 100, window },
        registrations_per_address: Limit { max_hits: 3, window },
        refreshes_per_address: Limit { max_hits: 3, window },
    }
}

#[tokio::test]
async fn failed_logins_lock_account_with_retry_after() {
    let app = TestApp::spawn_with_limits(tight_limits()).await;
    app.register("locked@example.com", PASSWORD).await;
    for attempt in 1..=3 {
        let response = app.login("locked@example.com", "not the password").await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }

    let locked = app.login("locked@example.com", PASSWORD).await;
    let unknown_locked = {
        for _ in 0..3 {
            app.login("ghost@example.com", "whatever pass").await;
        }
        app.login("ghost@example.com", "whatever pass").await
    };

    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{}", locked.body);
    let retry_after: u64 = locked.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=600).contains(&retry_after), "retry-after {retry_after}");
    assert_eq!(unknown_locked.status, StatusCode::TOO_MANY_REQUESTS, "unknown emails lock the same way");
    assert_eq!(app.login("other@example.com", PASSWORD).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn lockout_covers_every_spelling_of_email() {
    let app = TestApp::spawn_with_limits(tight_limits()).await;
    app.register("caf\u{e9}@example.com", PASSWORD).await;
    for email in ["caf\u{e9}@example.com", "CAFE\u{301}@example.com", " cafe\u{301}@EXAMPLE.com "] {
        let response = app.login(email, "not the password").await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "email {email:?}");
    }

    let locked = app.login("caf\u{e9}@example.com", PASSWORD).await;

    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{}", locked.body);
}

#[tokio::test]
async fn odd_login_emails_are_plain_failures() {
    let app = TestApp::spawn_with_limits(tight_limits()).await;
    let emails = ["nul\u{0}@example.com", "\u{0}", "\u{1b}[31m@example.com", &"x".repeat(3000), "", "  "];

    for email in emails {
        let response = app.login(email, "whatever pass").await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "email {email:?}: {}", response.body);
    }
    let locked = {
        for _ in 0..3 {
            app.login("nul\u{0}@example.com", "whatever pass").await;
        }
        app.login("nul\u{0}@example.com", "whatever pass").await
    };

    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "such emails are counted too: {}", locked.body);
    let stored_with_email: i64 =
        sqlx::query_scalar("SELECT count(*) FROM rate_limit_hits WHERE bucket LIKE '%example.com%'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored_with_email, 0, "rate-limit buckets must not store email addresses");
}

#[tokio::test]
async fn registrations_are_limited_per_address() {
    let app = TestApp::spawn_with_limits(tight_limits()).await;
    for index in 0..3 {
        let response = app.register(&format!("r{index}@example.com"), PASSWORD).await;
        assert_eq!(response.status, StatusCode::CREATED, "registration {index}");
    }

    let response = app.register("r3@example.com", PASSWORD).await;

    assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn refreshes_are_limited_per_address() {
    let app = TestApp::spawn_with_limits(tight_limits()).await;
    for attempt in 0..3 {
        assert_eq!(app.refresh("unknown").await.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }

    assert_eq!(app.refresh("unknown").await.status, StatusCode::TOO_MANY_REQUESTS);
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

#[tokio::test]
async fn unknown_email_takes_as_long_as_wrong_password() {
    let window = Duration::from_secs(600);
    let generous = Limit { max_hits: 10_000, window };
    let app = TestApp::spawn_with_limits(AuthLimits {
        failed_logins_per_account_and_address: generous,
        failed_logins_per_account: generous,
        failed_logins_per_address: generous,
        registrations_per_address: generous,
        refreshes_per_address: generous,
    })
    .await;
    app.register("timing@example.com", PASSWORD).await;
    let hasher = app.login.hasher.clone();
    let verify_started = Instant::now();
    hasher.verify("x".into(), None).await.unwrap();
    let one_verify = verify_started.elapsed();

    let (mut unknown, mut wrong) = (Vec::new(), Vec::new());
    for _ in 0..50 {
        let started = Instant::now();
        let response = app.login("nobody-here@example.com", "wrong password 1").await;
        unknown.push(started.elapsed());
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);

        let started = Instant::now();
        let response = app.login("timing@example.com", "wrong password 1").await;
        wrong.push(started.elapsed());
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    }

    let (unknown, wrong) = (median(&mut unknown), median(&mut wrong));
    let allowed = Duration::from_millis(20).max(one_verify / 10);
    let difference = unknown.abs_diff(wrong);
    assert!(difference <= allowed, "medians {unknown:?} vs {wrong:?} differ by {difference:?} > {allowed:?}");
}

fn from_address(request: lambda_http::Request, address: &str) -> lambda_http::Request {
    use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
    use lambda_http::request::RequestContext;
    use lambda_http::RequestExt as _;
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.http.source_ip = Some(address.to_owned());
    request.with_request_context(RequestContext::ApiGatewayV2(context))
}

/// Builds a JSON POST to `path` as API Gateway delivers it from `address`.
fn post_from(path: &str, body: serde_json::Value, address: &str) -> lambda_http::Request {
    let request = crate::helpers::request(
        lambda_http::http::Method::POST,
        path,
        Some("application/json"),
        body.to_string(),
        None,
    );
    from_address(request, address)
}

#[tokio::test]
async fn limits_count_each_client_address_apart() {
    let app = TestApp::spawn_with_limits(tight_limits()).await;
    let register = |email: String, address: &'static str| {
        app.send(post_from("/api/v1/auth/register", json!({ "email": email, "password": PASSWORD }), address))
    };
    for index in 0..3 {
        assert_eq!(register(format!("a{index}@example.com"), "203.0.113.7").await.status, StatusCode::CREATED);
    }

    let same_address = register("a3@example.com".into(), "203.0.113.7").await;
    let other_address = register("b0@example.com".into(), "198.51.100.20").await;

    assert_eq!(same_address.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(other_address.status, StatusCode::CREATED);
}

#[tokio::test]
async fn set_role_changes_role_and_writes_audit_line() {
    let app = TestApp::spawn().await;
    app.register("boss@example.com", PASSWORD).await;

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_set-role"))
        .args(["BOSS@example.com", "admin"])
        .env("DATABASE_URL", &app.database_url)
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(log.contains(r#""audit":"role_changed""#), "{log}");
    assert!(!log.contains("boss@example.com"), "audit lines carry ids, not emails: {log}");
    let token = app.login("boss@example.com", PASSWORD).await.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/users/me", Some(&token)).await.json()["role"], "admin");
}

#[tokio::test]
async fn lockout_from_one_address_spares_others() {
    let app = TestApp::spawn_with_limits(tight_limits()).await;
    app.register("victim@example.com", PASSWORD).await;
    let login = |password: &'static str, address: &'static str| {
        app.send(post_from(
            "/api/v1/auth/login",
            json!({ "email": "victim@example.com", "password": password }),
            address,
        ))
    };
    for attempt in 0..3 {
        assert_eq!(
            login("not the password", "203.0.113.66").await.status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
    }

    let attacker = login("not the password", "203.0.113.66").await;
    let owner = login(PASSWORD, "198.51.100.8").await;

    assert_eq!(attacker.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.body);
}
