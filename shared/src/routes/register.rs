//! `POST /api/v1/auth/register`: creates an account.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use super::login::AuthLimits;
use super::{client_address, too_many_requests, unexpected};
use crate::auth::password::PasswordHasher;
use crate::domain::{Email, Password};
use crate::http::{json_response, read_json, route_path, MAX_AUTH_BODY_BYTES};
use crate::problem::{FieldError, Problem};
use crate::store::rate_limits::RateLimiter;
use crate::store::users::{InsertUserError, UserStore};

/// The clients and keys of the register function, built once per execution environment.
#[derive(Clone)]
pub struct RegisterState {
    pub users: UserStore,
    pub hasher: PasswordHasher,
    pub limiter: RateLimiter,
    pub limits: AuthLimits,
}

/// A new account.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegisterRequest {
    /// An email address of at most 254 characters, stored trimmed in the letter case
    /// given and unique regardless of case.
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// 8 to 128 characters, not a common password.
    #[schema(min_length = 8, max_length = 128)]
    password: String,
}

/// The account created.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct RegisterResponse {
    id: Uuid,
    email: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    created_at: OffsetDateTime,
}

/// The reason a registration failed.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("invalid registration")]
    Invalid(Vec<FieldError>),
    #[error("email already registered")]
    EmailTaken,
    #[error("rate limited")]
    RateLimited(std::time::Duration),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RegisterError> for Problem {
    fn from(error: RegisterError) -> Self {
        match error {
            RegisterError::Invalid(errors) => Problem::validation(errors),
            RegisterError::EmailTaken => Problem::conflict("An account with this email already exists."),
            RegisterError::RateLimited(retry_after) => too_many_requests(retry_after),
            RegisterError::Unexpected(error) => unexpected(error),
        }
    }
}

/// Handles a request to the register function.
pub async fn handle(state: &RegisterState, request: Request) -> Response<Body> {
    super::serve(request, |request| async move {
        match (request.method(), route_path(&request).as_str()) {
            (&Method::POST, "/auth/register") => {}
            (method, "/auth/register") => return Problem::method_not_allowed(method.as_str(), "POST").into_response(),
            _ => return Problem::not_found("No such route.").into_response(),
        }

        let body: RegisterRequest = match read_json(&request, MAX_AUTH_BODY_BYTES) {
            Ok(body) => body,
            Err(problem) => return problem.into_response(),
        };

        match register(state, body, &client_address(&request)).await {
            Ok(created) => json_response(StatusCode::CREATED, &created),
            Err(error) => Problem::from(error).into_response(),
        }
    })
    .await
}

/// Creates an account.
#[utoipa::path(
    post,
    path = "/api/v1/auth/register",
    tag = "auth",
    operation_id = "register",
    request_body(content = RegisterRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Registered.", body = RegisterResponse),
        (status = 409, response = crate::openapi::Conflict),
        crate::openapi::JsonBodyErrors,
        (status = 429, response = crate::openapi::TooManyRequests),
        (status = 503, response = crate::openapi::Unavailable),
    ),
)]
pub(crate) async fn register(
    state: &RegisterState,
    body: RegisterRequest,
    address: &str,
) -> Result<RegisterResponse, RegisterError> {
    let bucket = format!("register-address:{address}");
    if let Some(retry_after) = state.limiter.hit(&bucket, state.limits.registrations_per_address).await? {
        return Err(RegisterError::RateLimited(retry_after));
    }

    let email = Email::parse(&body.email);
    let password = Password::parse(&body.password);
    let mut errors = Vec::new();
    if let Err(message) = &email {
        errors.push(FieldError::new("email", message));
    }
    if let Err(message) = &password {
        errors.push(FieldError::new("password", message));
    }
    let (Ok(email), Ok(password)) = (email, password) else {
        return Err(RegisterError::Invalid(errors));
    };

    let password_hash = state.hasher.hash(password.secret().clone()).await?;

    let user = state.users.insert(&email, &password_hash).await.map_err(|error| match error {
        InsertUserError::EmailTaken => RegisterError::EmailTaken,
        InsertUserError::Unexpected(error) => RegisterError::Unexpected(error),
    })?;

    tracing::info!(audit = "user_registered", user_id = %user.id, client_address = address, "user registered");
    Ok(RegisterResponse { id: user.id, email: user.email, created_at: user.created_at })
}
