use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac_sign::hs256;
use lambda_http::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;

/// Signs claims with the app's signing key, under a header of the test's choice.
pub fn sign_with_header(app: &TestApp, header: jsonwebtoken::Header, claims: &Value) -> String {
    let (_, seed) = app.signing_key.split_once(':').unwrap();
    let seed: [u8; 32] = URL_SAFE_NO_PAD.decode(seed).unwrap().try_into().unwrap();
    jsonwebtoken::encode(&header, claims, &shared::auth::tokens::encoding_key(&seed)).unwrap()
}

/// Signs claims with the app's signing key and its `kid`.
pub fn sign(app: &TestApp, claims: &Value) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some("test1".to_owned());
    sign_with_header(app, header, claims)
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn claims_for(user_id: &str) -> Value {
    json!({ "sub": user_id, "iss": "docsum", "aud": "docsum-api", "iat": now(), "exp": now() + 600, "typ": "access", "role": "user" })
}

fn unsigned(header: &Value, claims: &Value, signature: &str) -> String {
    format!("{}.{}.{signature}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()))
}

mod hmac_sign {
    /// HMAC-SHA256 of `message`, for forging HS256 tokens in tests.
    pub fn hs256(key: &[u8], message: &[u8]) -> Vec<u8> {
        use sha2::{Digest, Sha256};
        let mut block = [0u8; 64];
        if key.len() > 64 {
            block[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let inner: Vec<u8> = block.iter().map(|b| b ^ 0x36).chain(message.iter().copied()).collect();
        let inner_hash = Sha256::digest(&inner);
        let outer: Vec<u8> = block.iter().map(|b| b ^ 0x5c).chain(inner_hash.iter().copied()).collect();
        Sha256::digest(&outer).to_vec()
    }
}

async fn user_id_and_token(app: &TestApp) -> (String, String) {
    let token = app.signed_in_user().await;
    let me = app.get("/api/v1/users/me", Some(&token)).await.json();
    (me["id"].as_str().unwrap().to_owned(), token)
}

#[tokio::test]
async fn forged_tokens_get_401_never_5xx() {
    let app = TestApp::spawn().await;
    let (user_id, valid) = user_id_and_token(&app).await;
    let good_claims = claims_for(&user_id);
    let admin_claims = {
        let mut claims = good_claims.clone();
        claims["role"] = json!("admin");
        claims
    };

    let mut cases: Vec<(&str, String)> = Vec::new();
    for alg in ["none", "None", "NONE"] {
        cases.push(("alg none", unsigned(&json!({ "alg": alg, "typ": "JWT", "kid": "test1" }), &good_claims, "")));
    }
    let (other_signing, _) = shared::auth::tokens::generate_key_pair("test1");
    let other_seed: [u8; 32] =
        URL_SAFE_NO_PAD.decode(other_signing.split_once(':').unwrap().1).unwrap().try_into().unwrap();
    let mut other_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    other_header.kid = Some("test1".into());
    cases.push((
        "another key",
        jsonwebtoken::encode(&other_header, &good_claims, &shared::auth::tokens::encoding_key(&other_seed)).unwrap(),
    ));
    let parts: Vec<&str> = valid.split('.').collect();
    cases.push((
        "payload altered",
        format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(admin_claims.to_string()), parts[2]),
    ));
    let public_key = URL_SAFE_NO_PAD.decode(app.public_key.split_once(':').unwrap().1).unwrap();
    let hs_header = json!({ "alg": "HS256", "typ": "JWT", "kid": "test1" });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(hs_header.to_string()),
        URL_SAFE_NO_PAD.encode(good_claims.to_string())
    );
    let mac = URL_SAFE_NO_PAD.encode(hs256(&public_key, signing_input.as_bytes()));
    cases.push(("hs256 keyed with public key", format!("{signing_input}.{mac}")));
    for (name, field, value) in [
        ("jku header", "jku", json!("https://attacker.example/jwks.json")),
        ("x5u header", "x5u", json!("https://attacker.example/cert.pem")),
    ] {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some("test1".into());
        match field {
            "jku" => header.jku = value.as_str().map(str::to_owned),
            _ => header.x5u = value.as_str().map(str::to_owned),
        }
        cases.push((name, sign_with_header(&app, header, &good_claims)));
    }
    let (_, seed) = app.signing_key.split_once(':').unwrap();
    let seed: [u8; 32] = URL_SAFE_NO_PAD.decode(seed).unwrap().try_into().unwrap();
    let jwk = json!({ "kty": "OKP", "crv": "Ed25519", "x": app.public_key.split_once(':').unwrap().1 });
    for (name, extra) in [("jwk header", json!({ "jwk": jwk })), ("x5c header", json!({ "x5c": ["MIIB"] }))] {
        let mut header = json!({ "alg": "EdDSA", "typ": "JWT", "kid": "test1" });
        header.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(good_claims.to_string())
        );
        let signature = jsonwebtoken::crypto::sign(
            input.as_bytes(),
            &shared::auth::tokens::encoding_key(&seed),
            jsonwebtoken::Algorithm::EdDSA,
        )
        .unwrap();
        cases.push((name, format!("{input}.{signature}")));
    }
    for kid in ["../../etc/passwd", "x' OR '1'='1", "test1; DROP TABLE users", ""] {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some(kid.to_owned());
        cases.push(("odd kid", sign_with_header(&app, header, &good_claims)));
    }
    let mut no_kid = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    no_kid.kid = None;
    cases.push(("missing kid", sign_with_header(&app, no_kid, &good_claims)));
    let mut expired = good_claims.clone();
    expired["exp"] = json!(now() - 60);
    cases.push(("expired beyond leeway", sign(&app, &expired)));
    for missing in ["exp", "sub", "iat", "iss", "aud", "typ"] {
        let mut claims = good_claims.clone();
        claims.as_object_mut().unwrap().remove(missing);
        cases.push(("missing claim", sign(&app, &claims)));
    }
    for (field, value) in [("aud", "other-api"), ("iss", "someone-else"), ("typ", "refresh")] {
        let mut claims = good_claims.clone();
        claims[field] = json!(value);
        cases.push(("wrong claim", sign(&app, &claims)));
    }
    let refresh = app.login_tokens().await["refresh_token"].as_str().unwrap().to_owned();
    cases.push(("refresh token as access token", refresh));
    cases.push(("very long token", "a".repeat(100_000)));

    for (case, token) in cases {
        let response = app.get("/api/v1/users/me", Some(&token)).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "case {case}: {}", response.body);
        assert_eq!(response.headers["www-authenticate"], "Bearer", "case {case}");
    }
    assert_eq!(app.get("/api/v1/users/me", Some(&valid)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn token_within_leeway_is_accepted() {
    let app = TestApp::spawn().await;
    let (user_id, _) = user_id_and_token(&app).await;
    let mut claims = claims_for(&user_id);
    claims["exp"] = json!(now() - 2);

    let response = app.get("/api/v1/users/me", Some(&sign(&app, &claims))).await;

    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

#[tokio::test]
async fn users_me_returns_profile() {
    let app = TestApp::spawn().await;
    app.register("me@example.com", crate::helpers::PASSWORD).await;
    let token =
        app.login("me@example.com", crate::helpers::PASSWORD).await.json()["access_token"].as_str().unwrap().to_owned();

    let me = app.get("/api/v1/users/me", Some(&token)).await;

    assert_eq!(me.status, StatusCode::OK);
    let body = me.json();
    assert_eq!(body["email"], "me@example.com");
    assert_eq!(body["role"], "user");
    assert!(body["created_at"].is_string());
    assert!(body.get("password_hash").is_none());
}

#[tokio::test]
async fn jwks_serves_public_keys_only() {
    let app = TestApp::spawn().await;

    let response = app.get("/.well-known/jwks.json", None).await;

    assert_eq!(response.status, StatusCode::OK);
    let keys = response.json()["keys"].clone();
    assert_eq!(keys[0]["kid"], "test1");
    assert_eq!(keys[0]["alg"], "EdDSA");
    assert_eq!(keys[0]["x"], app.public_key.split_once(':').unwrap().1);
    assert!(keys[0].get("d").is_none());
    assert!(!response.body.contains(app.signing_key.split_once(':').unwrap().1));
}
