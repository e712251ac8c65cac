use std::time::{SystemTime, UNIX_EPOCH};

use lambda_http::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{request, TestApp, PASSWORD};

#[tokio::test]
async fn register_returns_id_and_email() {
    let app = TestApp::spawn().await;

    let response = app.register("  Ada@Example.com ", PASSWORD).await;

    assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    let body = response.json();
    assert_eq!(body["email"], "Ada@Example.com");
    assert!(uuid::Uuid::parse_str(body["id"].as_str().unwrap()).is_ok());
    assert!(body.get("password").is_none());
    assert!(body.get("password_hash").is_none());
}

#[tokio::test]
async fn register_rejects_email_in_other_normalization() {
    let app = TestApp::spawn().await;
    let composed = "caf\u{e9}@example.com";
    let decomposed = "cafe\u{301}@example.com";
    assert_eq!(app.register(composed, PASSWORD).await.status, StatusCode::CREATED);

    let again = app.register(decomposed, PASSWORD).await;
    let login = app.login(decomposed, PASSWORD).await;

    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
}

#[tokio::test]
async fn account_stored_decomposed_still_logs_in() {
    let app = TestApp::spawn().await;
    assert_eq!(app.register("zoe@example.com", PASSWORD).await.status, StatusCode::CREATED);
    // A row as stored before emails were normalized: the email in NFD.
    sqlx::query("UPDATE users SET email = $1 WHERE email = 'zoe@example.com'")
        .bind("zoe\u{308}@example.com")
        .execute(&app.pool)
        .await
        .unwrap();

    let login = app.login("zo\u{eb}@example.com", PASSWORD).await;
    let again = app.register("ZO\u{eb}@example.com", PASSWORD).await;

    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
}

#[tokio::test]
async fn register_rejects_email_in_other_case() {
    let app = TestApp::spawn().await;
    assert_eq!(app.register("grace@example.com", PASSWORD).await.status, StatusCode::CREATED);

    let response = app.register("GRACE@example.COM", PASSWORD).await;

    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(response.content_type(), "application/problem+json");
}

#[tokio::test]
async fn register_names_invalid_fields() {
    let app = TestApp::spawn().await;
    let cases =
        [("not-an-email", PASSWORD, "email"), ("someone@example.com", "short", "password"), ("", PASSWORD, "email")];
    for (email, password, field) in cases {
        let response = app.register(email, password).await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY, "case {email:?}/{password:?}");
        assert_eq!(response.json()["errors"][0]["field"], field, "case {email:?}/{password:?}");
    }
}

#[tokio::test]
async fn register_rejects_role_field() {
    let app = TestApp::spawn().await;

    let body = json!({ "email": "mallory@example.com", "password": PASSWORD, "role": "admin" });
    let response = app.post_json("/api/v1/auth/register", &body, None).await;

    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.json()["errors"][0]["field"], "role");
}

#[tokio::test]
async fn concurrent_registrations_create_one_account() {
    let app = TestApp::spawn().await;

    let attempts = (0..6).map(|i| {
        let email = if i % 2 == 0 { "race@example.com" } else { "RACE@example.com" };
        app.register(email, PASSWORD)
    });
    let statuses: Vec<StatusCode> =
        futures_util::future::join_all(attempts).await.into_iter().map(|r| r.status).collect();

    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 5, "{statuses:?}");
}

#[tokio::test]
async fn login_returns_tokens_and_expiry() {
    let app = TestApp::spawn().await;
    app.register("lin@example.com", PASSWORD).await;

    let response = app.login("LIN@example.com", PASSWORD).await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let body = response.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["expires_at"].is_string());
    assert!(body["refresh_token"].as_str().unwrap().len() >= 43);
    assert_eq!(body["access_token"].as_str().unwrap().split('.').count(), 3);
}

#[tokio::test]
async fn login_rejects_unknown_email_like_wrong_password() {
    let app = TestApp::spawn().await;
    app.register("known@example.com", PASSWORD).await;

    let wrong_password = app.login("known@example.com", "not the password").await;
    let unknown_email = app.login("unknown@example.com", PASSWORD).await;

    assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_email.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password.body, unknown_email.body);
    assert_eq!(wrong_password.headers["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn login_rejects_disabled_account() {
    let app = TestApp::spawn().await;
    app.register("off@example.com", PASSWORD).await;
    sqlx::query("UPDATE users SET is_active = false WHERE email = 'off@example.com'").execute(&app.pool).await.unwrap();

    let response = app.login("off@example.com", PASSWORD).await;

    assert_eq!(response.status, StatusCode::UNAUTHORIZED);
    assert_eq!(response.body, app.login("nobody@example.com", PASSWORD).await.body);
}

#[tokio::test]
async fn login_stores_only_refresh_token_hash() {
    let app = TestApp::spawn().await;
    app.register("hash@example.com", PASSWORD).await;

    let refresh_token =
        app.login("hash@example.com", PASSWORD).await.json()["refresh_token"].as_str().unwrap().to_owned();

    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT token_hash FROM refresh_tokens").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored, shared::auth::tokens::hash_refresh_token(&refresh_token));
    assert_ne!(stored, refresh_token.as_bytes());
}

#[tokio::test]
async fn protected_routes_reject_bad_tokens() {
    let app = TestApp::spawn().await;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let expired_claims = json!({
        "sub": uuid::Uuid::new_v4(), "iss": "docsum", "aud": "docsum-api",
        "iat": now - 3600, "exp": now - 1800, "typ": "access", "role": "user",
    });
    let expired = crate::tokens::sign(&app, &expired_claims);

    let cases: [(&str, Option<String>); 5] = [
        ("missing", None),
        ("garbage", Some("Bearer not.a.token".to_owned())),
        ("expired", Some(format!("Bearer {expired}"))),
        ("wrong scheme", Some("Basic dXNlcjpwYXNz".to_owned())),
        ("empty bearer", Some("Bearer ".to_owned())),
    ];
    for (case, header) in cases {
        for (method, path) in [(Method::GET, "/api/v1/docs"), (Method::POST, "/api/v1/summarize")] {
            let mut req =
                request(method.clone(), path, Some("application/json"), r#"{"text":"Hello there."}"#.into(), None);
            if let Some(value) = &header {
                req.headers_mut().insert("authorization", value.parse().unwrap());
            }
            let response = app.send(req).await;
            assert_eq!(response.status, StatusCode::UNAUTHORIZED, "case {case} on {method} {path}");
            assert_eq!(response.headers["www-authenticate"], "Bearer", "case {case}");
            assert_eq!(response.content_type(), "application/problem+json", "case {case}");
        }
    }
}

#[tokio::test]
async fn bearer_scheme_is_case_insensitive() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;

    let mut req = request(Method::GET, "/api/v1/docs", None, String::new(), None);
    req.headers_mut().insert("authorization", format!("bEaReR {token}").parse().unwrap());

    assert_eq!(app.send(req).await.status, StatusCode::OK);
}

#[tokio::test]
async fn auth_routes_reject_bad_bodies() {
    let app = TestApp::spawn().await;
    let cases: [(&str, Option<&str>, String, StatusCode); 6] = [
        ("malformed json", Some("application/json"), "{\"email\":".into(), StatusCode::BAD_REQUEST),
        ("empty body", Some("application/json"), String::new(), StatusCode::BAD_REQUEST),
        ("wrong content type", Some("text/plain"), "email=a".into(), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("missing field", Some("application/json"), r#"{"email":"a@b.co"}"#.into(), StatusCode::UNPROCESSABLE_ENTITY),
        (
            "wrong type",
            Some("application/json"),
            r#"{"email":1,"password":2}"#.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "oversized",
            Some("application/json"),
            format!(r#"{{"email":"{}"}}"#, "a".repeat(10_000)),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for path in ["/api/v1/auth/register", "/api/v1/auth/login"] {
        for (case, content_type, body, expected) in &cases {
            let response = app.send(request(Method::POST, path, *content_type, body.clone(), None)).await;
            assert_eq!(response.status, *expected, "case {case} on {path}: {}", response.body);
            assert_eq!(response.content_type(), "application/problem+json", "case {case} on {path}");
        }
    }
}

#[tokio::test]
async fn wrong_method_gets_405() {
    let app = TestApp::spawn().await;

    let response = app.get("/api/v1/auth/login", None).await;

    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.content_type(), "application/problem+json");
    assert_eq!(response.headers["allow"], "POST");
}

#[tokio::test]
async fn two_authorization_headers_get_401() {
    let app = TestApp::spawn().await;
    let token = app.signed_in_user().await;

    let mut req = request(Method::GET, "/api/v1/docs", None, String::new(), Some(&token));
    req.headers_mut().append("authorization", "Bearer junk".parse().unwrap());

    assert_eq!(app.send(req).await.status, StatusCode::UNAUTHORIZED);
}
