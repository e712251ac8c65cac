//! `POST /api/v1/auth/login`: exchanges email and password for tokens.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::unexpected;
use crate::auth::password::PasswordHasher;
use crate::auth::tokens::{RefreshToken, TokenKeys};
use crate::domain::{normalize_password, Email};
use crate::http::{json_response, read_json, route_path, MAX_AUTH_BODY_BYTES};
use crate::problem::Problem;
use crate::store::users::UserStore;

/// The clients and keys of the login function, built once per execution environment.
#[derive(Clone)]
pub struct LoginState {
    pub users: UserStore,
    pub hasher: PasswordHasher,
    pub keys: TokenKeys,
    pub refresh_ttl: std::time::Duration,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    email: String,
    password: String,
}

#[derive(Serialize)]
struct LoginResponse {
    access_token: String,
    token_type: &'static str,
    /// Seconds until the access token expires.
    expires_in: u64,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
    refresh_token: String,
    refresh_expires_in: u64,
}

/// Why a login failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown email, wrong password or disabled account: one answer for all three.
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<LoginError> for Problem {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::InvalidCredentials => Problem::invalid_credentials(),
            LoginError::Unexpected(error) => unexpected(error),
        }
    }
}

/// Handles a request to the login function.
pub async fn handle(state: &LoginState, request: Request) -> Response<Body> {
    super::serve(request, |request| async move {
        match (request.method(), route_path(&request).as_str()) {
            (&Method::POST, "/auth/login") => {}
            (method, "/auth/login") => return Problem::method_not_allowed(method.as_str()).into_response(),
            _ => return Problem::not_found("No such route.").into_response(),
        }

        let body: LoginRequest = match read_json(&request, MAX_AUTH_BODY_BYTES) {
            Ok(body) => body,
            Err(problem) => return problem.into_response(),
        };

        match login(state, body).await {
            Ok(tokens) => json_response(StatusCode::OK, &tokens),
            Err(error) => Problem::from(error).into_response(),
        }
    })
    .await
}

async fn login(state: &LoginState, body: LoginRequest) -> Result<LoginResponse, LoginError> {
    // An email that cannot exist still costs one hash verification, so the answer
    // and its timing match those of an unknown account.
    let account = match Email::parse(&body.email) {
        Ok(email) => state.users.find_by_email(&email).await?,
        Err(_) => None,
    };
    // An oversized password is never hashed as it is, but still costs one verification.
    let password = normalize_password(&body.password).unwrap_or_else(|| SecretString::from(String::new()));

    let stored_hash = account.as_ref().map(|a| a.password_hash.clone());
    let verified = state.hasher.verify(password, stored_hash).await?;
    let Some(account) = account.filter(|a| verified && a.user.is_active) else {
        tracing::info!("login failed");
        return Err(LoginError::InvalidCredentials);
    };
    let user = account.user;

    let access = state.keys.issue_access(user.id, &user.role)?;
    let refresh = RefreshToken::generate();
    let refresh_expires_at = OffsetDateTime::now_utc() + state.refresh_ttl;
    state.users.insert_refresh_token(user.id, &refresh.hash, refresh_expires_at).await?;

    tracing::info!(user_id = %user.id, "login succeeded");
    Ok(LoginResponse {
        access_token: access.token,
        token_type: "Bearer",
        expires_in: access.expires_in.as_secs(),
        expires_at: OffsetDateTime::now_utc() + access.expires_in,
        refresh_token: refresh.token,
        refresh_expires_in: state.refresh_ttl.as_secs(),
    })
}
