//! The login function: `POST /api/v1/auth/login`, `/auth/refresh` and `/auth/logout`.

use std::time::Duration;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{client_address, too_many_requests, unexpected};
use crate::auth::password::PasswordHasher;
use crate::auth::tokens::{hash_refresh_token, AccessTokenSigner, RefreshToken};
use crate::config::{number_or_default, process_env, ConfigError, Vars};
use crate::domain::{normalize_password, Email};
use crate::http::{json_response, read_json, route_path, MAX_AUTH_BODY_BYTES};
use crate::problem::Problem;
use crate::store::rate_limits::{CountedHit, Limit, RateLimiter};
use crate::store::users::{RotateOutcome, UserCredentials, UserStore};

/// The rate limits of the auth routes.
#[derive(Debug, Clone, Copy)]
pub struct AuthLimits {
    /// Failed logins per account (by email, known or not) from one client address.
    pub failed_logins_per_account_and_address: Limit,
    /// Failed logins per account from all addresses together. It is higher than the
    /// per-address limit, so that nobody can lock a victim out with a few attempts,
    /// while guessing spread over many addresses is still bounded.
    pub failed_logins_per_account: Limit,
    /// Failed logins per client address.
    pub failed_logins_per_address: Limit,
    /// Registrations per client address.
    pub registrations_per_address: Limit,
    /// Refresh attempts per client address.
    pub refreshes_per_address: Limit,
}

impl Default for AuthLimits {
    /// In 15 minutes: 10 failed logins per account from one address, 100 per account
    /// in all, 50 per address and 60 refreshes per address; 20 registrations per
    /// address an hour.
    fn default() -> Self {
        let quarter_hour = Duration::from_secs(15 * 60);
        Self {
            failed_logins_per_account_and_address: Limit { max_hits: 10, window: quarter_hour },
            failed_logins_per_account: Limit { max_hits: 100, window: quarter_hour },
            failed_logins_per_address: Limit { max_hits: 50, window: quarter_hour },
            registrations_per_address: Limit { max_hits: 20, window: Duration::from_secs(3600) },
            refreshes_per_address: Limit { max_hits: 60, window: quarter_hour },
        }
    }
}

impl AuthLimits {
    /// Reads the limits from the environment, each defaulting as in [`Default`]:
    /// `FAILED_LOGINS_PER_ACCOUNT_AND_ADDRESS`, `FAILED_LOGINS_PER_ACCOUNT`,
    /// `FAILED_LOGINS_PER_ADDRESS` and `REFRESHES_PER_ADDRESS` per 15 minutes, and
    /// `REGISTRATIONS_PER_ADDRESS` per hour.
    ///
    /// # Errors
    /// Returns [`ConfigError`] when a number is out of range or does not parse.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(&process_env)
    }

    /// Reads the limits from `vars`.
    ///
    /// # Errors
    /// As [`Self::from_env`].
    pub fn from_vars(vars: Vars) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let read = |name: &'static str, default: Limit| -> Result<Limit, ConfigError> {
            Ok(Limit { max_hits: number_or_default(vars, name, default.max_hits, 1, 1_000_000)?, ..default })
        };
        Ok(Self {
            failed_logins_per_account_and_address: read(
                "FAILED_LOGINS_PER_ACCOUNT_AND_ADDRESS",
                defaults.failed_logins_per_account_and_address,
            )?,
            failed_logins_per_account: read("FAILED_LOGINS_PER_ACCOUNT", defaults.failed_logins_per_account)?,
            failed_logins_per_address: read("FAILED_LOGINS_PER_ADDRESS", defaults.failed_logins_per_address)?,
            registrations_per_address: read("REGISTRATIONS_PER_ADDRESS", defaults.registrations_per_address)?,
            refreshes_per_address: read("REFRESHES_PER_ADDRESS", defaults.refreshes_per_address)?,
        })
    }
}

/// The clients and keys of the login function, built once per execution environment.
#[derive(Clone)]
pub struct LoginState {
    pub users: UserStore,
    pub hasher: PasswordHasher,
    pub signer: AccessTokenSigner,
    pub limiter: RateLimiter,
    pub limits: AuthLimits,
    pub refresh_ttl: Duration,
    pub refresh_max_age: Duration,
}

/// An email and password.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginRequest {
    email: String,
    password: String,
}

/// A refresh token from login or an earlier refresh.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RefreshRequest {
    refresh_token: String,
}

/// An access token and the refresh token that replaces it.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TokenResponse {
    /// A bearer token for the other routes (an EdDSA-signed JWT).
    access_token: String,
    /// Always `Bearer`.
    #[schema(value_type = String, example = "Bearer")]
    token_type: &'static str,
    /// Seconds until the access token expires.
    expires_in: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    expires_at: OffsetDateTime,
    refresh_token: String,
    /// Seconds until the refresh token expires.
    refresh_expires_in: u64,
}

/// The reason a login, refresh or logout failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown email, wrong password or disabled account: one response for all three.
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    #[error("rate limited")]
    RateLimited(Duration),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<LoginError> for Problem {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::InvalidCredentials => Problem::invalid_credentials(),
            LoginError::InvalidRefreshToken => Problem::unauthorized("The refresh token is not valid. Log in again."),
            LoginError::RateLimited(retry_after) => too_many_requests(retry_after),
            LoginError::Unexpected(error) => unexpected(error),
        }
    }
}

/// Handles a request to the login function.
pub async fn handle(state: &LoginState, request: Request) -> Response<Body> {
    super::serve(request, |request| async move {
        let route = route_path(&request);
        if !matches!(route.as_str(), "/auth/login" | "/auth/refresh" | "/auth/logout") {
            return Problem::not_found("No such route.").into_response();
        }
        if request.method() != Method::POST {
            return Problem::method_not_allowed(request.method().as_str(), "POST").into_response();
        }
        let address = client_address(&request);

        let result = match route.as_str() {
            "/auth/login" => match read_json(&request, MAX_AUTH_BODY_BYTES) {
                Ok(body) => login(state, body, &address).await.map(|t| json_response(StatusCode::OK, &t)),
                Err(problem) => return problem.into_response(),
            },
            "/auth/refresh" => match read_json(&request, MAX_AUTH_BODY_BYTES) {
                Ok(body) => refresh(state, body, &address).await.map(|t| json_response(StatusCode::OK, &t)),
                Err(problem) => return problem.into_response(),
            },
            _ => match read_json(&request, MAX_AUTH_BODY_BYTES) {
                Ok(body) => logout(state, body, &address).await.map(|()| no_content()),
                Err(problem) => return problem.into_response(),
            },
        };
        result.unwrap_or_else(|error| Problem::from(error).into_response())
    })
    .await
}

fn no_content() -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// Signs in and returns tokens.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    operation_id = "login",
    request_body(content = LoginRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Signed in.", body = TokenResponse),
        (status = 401, response = crate::openapi::InvalidCredentials),
        crate::openapi::JsonBodyErrors,
        (status = 429, response = crate::openapi::TooManyRequests),
        (status = 503, response = crate::openapi::Unavailable),
    ),
)]
pub(crate) async fn login(state: &LoginState, body: LoginRequest, address: &str) -> Result<TokenResponse, LoginError> {
    let account = account_bucket_key(&body.email);
    let buckets = [
        (format!("login-account-address:{account}|{address}"), state.limits.failed_logins_per_account_and_address),
        (format!("login-account:{account}"), state.limits.failed_logins_per_account),
        (format!("login-address:{address}"), state.limits.failed_logins_per_address),
    ];
    // The limits count failed logins, but each attempt is counted before its password
    // is verified, so that concurrent guesses cannot all pass a check made before any
    // of them failed. A rejected or successful attempt takes its hits back.
    let mut counted = Vec::with_capacity(buckets.len());
    for (bucket, limit) in &buckets {
        let hit = state.limiter.hit_revocably(bucket, *limit).await?;
        let retry_after = hit.retry_after;
        counted.push(hit);
        if let Some(retry_after) = retry_after {
            take_back_hits(state, &counted).await?;
            tracing::warn!(audit = "login_locked_out", client_address = address, "login rejected: too many failures");
            return Err(LoginError::RateLimited(retry_after));
        }
    }

    let account = match find_verified_account(state, &body).await {
        Ok(Some(account)) => account,
        Ok(None) => {
            tracing::info!(audit = "login_failed", client_address = address, "login failed");
            return Err(LoginError::InvalidCredentials);
        }
        Err(error) => {
            // A lookup or hashing failure is not a failed login.
            if let Err(take_back_error) = take_back_hits(state, &counted).await {
                tracing::warn!(
                    error.message = %take_back_error,
                    client_address = address,
                    "failed to take back login rate-limit hits"
                );
            }
            return Err(error.into());
        }
    };
    take_back_hits(state, &counted).await?;
    let user = account.user;

    let refresh = RefreshToken::generate();
    let now = OffsetDateTime::now_utc();
    state
        .users
        .insert_refresh_token(user.id, &refresh.hash, now + state.refresh_ttl, now + state.refresh_max_age)
        .await?;

    tracing::info!(audit = "login_succeeded", user_id = %user.id, client_address = address, "login succeeded");
    token_response(state, user.id, &user.role, refresh.token, state.refresh_ttl)
}

/// Finds the account of the request's email and verifies the password. Returns the
/// account when it exists, is active and the password matches, and `None` otherwise.
async fn find_verified_account(state: &LoginState, body: &LoginRequest) -> anyhow::Result<Option<UserCredentials>> {
    // An email that cannot exist still costs one hash verification, so the response
    // and its timing match those of an unknown account.
    let account = match Email::parse(&body.email) {
        Ok(email) => state.users.find_by_email(&email).await?,
        Err(_) => None,
    };
    // An oversized password is never hashed as it is, but still costs one verification.
    let password = normalize_password(&body.password).unwrap_or_else(|| SecretString::from(String::new()));
    let stored_hash = account.as_ref().map(|a| a.password_hash.clone());
    let verified = state.hasher.verify(password, stored_hash).await?;
    Ok(account.filter(|a| verified && a.user.is_active))
}

/// Takes back the rate-limit hits of a login attempt that is not a failed login.
async fn take_back_hits(state: &LoginState, hits: &[CountedHit]) -> anyhow::Result<()> {
    for hit in hits {
        state.limiter.take_back(hit).await?;
    }
    Ok(())
}

/// Returns the key that stands for an account in the rate-limit buckets: the hex
/// SHA-256 of the trimmed email in NFC and lower case, so every spelling that finds
/// one account counts against it. Any string maps to 64 hex digits, so an email with
/// a NUL byte (which PostgreSQL text rejects) or of 4 KiB gets a key like any other,
/// and the table never stores an address.
fn account_bucket_key(email: &str) -> String {
    use sha2::Digest as _;
    use unicode_normalization::UnicodeNormalization as _;
    let normalized = email.trim().nfc().collect::<String>().to_lowercase();
    let digest = sha2::Sha256::digest(normalized.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Exchanges a refresh token for new tokens; the presented one stops working.
#[utoipa::path(
    post,
    path = "/api/v1/auth/refresh",
    tag = "auth",
    operation_id = "refresh",
    request_body(content = RefreshRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "New tokens.", body = TokenResponse),
        (status = 401, response = crate::openapi::Unauthorized),
        crate::openapi::JsonBodyErrors,
        (status = 429, response = crate::openapi::TooManyRequests),
        (status = 503, response = crate::openapi::Unavailable),
    ),
)]
pub(crate) async fn refresh(
    state: &LoginState,
    body: RefreshRequest,
    address: &str,
) -> Result<TokenResponse, LoginError> {
    if let Some(retry_after) =
        state.limiter.hit(&format!("refresh-address:{address}"), state.limits.refreshes_per_address).await?
    {
        return Err(LoginError::RateLimited(retry_after));
    }

    let presented = hash_refresh_token(&body.refresh_token);
    let next = RefreshToken::generate();
    match state.users.rotate_refresh_token(&presented, &next.hash, state.refresh_ttl).await? {
        RotateOutcome::Rotated { user_id, role, expires_at } => {
            tracing::info!(audit = "token_refreshed", user_id = %user_id, client_address = address, "refresh token rotated");
            let lifetime = (expires_at - OffsetDateTime::now_utc()).unsigned_abs();
            token_response(state, user_id, &role, next.token, lifetime)
        }
        RotateOutcome::Reused { user_id } => {
            tracing::warn!(audit = "refresh_token_reused", user_id = %user_id, client_address = address, "rotated refresh token presented again; family revoked");
            Err(LoginError::InvalidRefreshToken)
        }
        RotateOutcome::Invalid => {
            tracing::info!(audit = "refresh_failed", client_address = address, "refresh token rejected");
            Err(LoginError::InvalidRefreshToken)
        }
    }
}

/// Revokes the refresh token's family. Unknown tokens get the same 204, as in
/// OAuth token revocation (RFC 7009), so the response reveals nothing.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    operation_id = "logout",
    request_body(content = RefreshRequest, content_type = "application/json"),
    responses(
        (status = 204, description = "Signed out, or the token was unknown."),
        crate::openapi::JsonBodyErrors,
        (status = 429, response = crate::openapi::TooManyRequests),
        (status = 503, response = crate::openapi::Unavailable),
    ),
)]
pub(crate) async fn logout(state: &LoginState, body: RefreshRequest, address: &str) -> Result<(), LoginError> {
    let user_id = state.users.revoke_family_of(&hash_refresh_token(&body.refresh_token)).await?;
    if let Some(user_id) = user_id {
        tracing::info!(audit = "logout", user_id = %user_id, client_address = address, "refresh token family revoked");
    }
    Ok(())
}

fn token_response(
    state: &LoginState,
    user_id: Uuid,
    role: &str,
    refresh_token: String,
    refresh_lifetime: Duration,
) -> Result<TokenResponse, LoginError> {
    let access = state.signer.issue(user_id, role)?;
    Ok(TokenResponse {
        access_token: access.token,
        token_type: "Bearer",
        expires_in: access.expires_in.as_secs(),
        expires_at: OffsetDateTime::now_utc() + access.expires_in,
        refresh_token,
        refresh_expires_in: refresh_lifetime.as_secs(),
    })
}
