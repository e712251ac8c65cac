//! The users function: `GET /api/v1/users/me`, `GET /.well-known/jwks.json` and
//! `GET /api/v1/openapi.json`.

use lambda_http::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{authenticate, unexpected};
use crate::auth::tokens::AccessTokenVerifier;
use crate::http::{json_response, route_path};
use crate::problem::Problem;
use crate::store::users::UserStore;

/// The clients and keys of the users function, built once per execution environment.
#[derive(Clone)]
pub struct UsersState {
    pub users: UserStore,
    pub verifier: AccessTokenVerifier,
}

/// The signed-in account.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = User)]
pub(crate) struct MeResponse {
    id: Uuid,
    email: String,
    /// `user` or `admin`.
    role: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    created_at: OffsetDateTime,
}

/// Handles a request to the users function.
pub async fn handle(state: &UsersState, request: Request) -> Response<Body> {
    super::serve(request, |request| async move {
        let route = route_path(&request);
        let is_jwks = route.ends_with("/.well-known/jwks.json");
        let is_openapi = route == "/openapi.json";
        if !is_jwks && !is_openapi && route != "/users/me" {
            return Problem::not_found("No such route.").into_response();
        }
        if request.method() != Method::GET {
            return Problem::method_not_allowed(request.method().as_str(), "GET").into_response();
        }

        if is_openapi {
            let mut response = Response::new(Body::Text(crate::openapi::json_str().to_owned()));
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
            return response;
        }
        if is_jwks {
            let mut response = json_response(StatusCode::OK, state.verifier.jwks());
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
            return response;
        }

        me(state, &request).await
    })
    .await
}

/// Returns the signed-in account.
#[utoipa::path(
    get,
    path = "/api/v1/users/me",
    tag = "auth",
    operation_id = "getMe",
    responses(
        (status = 200, description = "The account.", body = MeResponse),
        (status = 401, response = crate::openapi::Unauthorized),
        (status = 503, response = crate::openapi::Unavailable),
    ),
    security(("bearer" = [])),
)]
pub(crate) async fn me(state: &UsersState, request: &Request) -> Response<Body> {
    let claims = match authenticate(&state.verifier, &state.users, request).await {
        Ok(claims) => claims,
        Err(problem) => return problem.into_response(),
    };
    match state.users.find_by_id(claims.sub).await {
        Ok(Some(user)) => json_response(
            StatusCode::OK,
            &MeResponse { id: user.id, email: user.email, role: user.role, created_at: user.created_at },
        ),
        Ok(None) => Problem::unauthorized("The account no longer exists.").into_response(),
        Err(error) => unexpected(error).into_response(),
    }
}
