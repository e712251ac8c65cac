//! Helpers that turn API Gateway requests into typed input and typed output into
//! responses.

use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::problem::{FieldError, Problem};

/// Returns an error for each query parameter of `query` whose name is not in
/// `known`, so that a misspelled or unsupported option gets a 422, as an unknown
/// JSON field does, and for each known one given more than once, whose values
/// would otherwise be dropped but the first. Each name comes once, in order. The
/// rule for unknown names lists `listed`.
pub fn query_parameter_errors(
    query: &lambda_http::aws_lambda_events::query_map::QueryMap,
    known: &[&str],
    listed: &[&str],
) -> Vec<FieldError> {
    let mut names: Vec<&str> = query.iter().map(|(name, _)| name).collect();
    names.sort_unstable();
    names.dedup();
    let unknown_rule = format!("is not a known parameter (expected one of {})", listed.join(", "));
    names
        .into_iter()
        .filter_map(|name| {
            if !known.contains(&name) {
                Some(FieldError::new(name, unknown_rule.clone()))
            } else if query.all(name).is_some_and(|values| values.len() > 1) {
                Some(FieldError::new(name, "must be given once"))
            } else {
                None
            }
        })
        .collect()
}

/// The largest JSON body the auth routes accept, in bytes.
pub const MAX_AUTH_BODY_BYTES: usize = 4 * 1024;

/// Returns the route part of the path, after `/api/v1`, e.g. `/docs/123`.
///
/// Any prefix before `/api/v1` (an API Gateway stage, a local router prefix) is
/// ignored, and a trailing slash is dropped. A path without `/api/v1` is returned
/// as it is.
pub fn route_path(request: &Request) -> String {
    let path = request.raw_http_path();
    let path = if path.is_empty() { request.uri().path().to_owned() } else { path.to_owned() };
    let route = match path.find("/api/v1/") {
        Some(index) => &path[index + "/api/v1".len()..],
        None => path.as_str(),
    };
    let trimmed = route.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Returns the media type of the request, lower-cased, without parameters such as `charset`.
pub fn media_type(request: &Request) -> Option<String> {
    let value = request.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next()?.trim().to_ascii_lowercase();
    (!essence.is_empty()).then_some(essence)
}

/// Returns the `charset` parameter of the `Content-Type` header, lower-cased and
/// without quotes, or `None` when the header has none.
pub fn charset(request: &Request) -> Option<String> {
    let value = request.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    value.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches('"').to_ascii_lowercase())
    })
}

/// Returns whether a media type (lower-cased, without parameters) is JSON:
/// `application/json` or a structured syntax suffix such as `application/merge-patch+json`.
pub fn is_json(media_type: Option<&str>) -> bool {
    matches!(media_type, Some(m) if m == "application/json" || (m.starts_with("application/") && m.ends_with("+json")))
}

/// Returns the body bytes, or 413 when there are more than `max_bytes`.
///
/// # Errors
/// Returns a 413 problem when the body is over the limit.
pub fn body_bytes(body: &Body, max_bytes: usize) -> Result<&[u8], Problem> {
    let bytes: &[u8] = match body {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    if bytes.len() > max_bytes {
        return Err(Problem::payload_too_large(max_bytes));
    }
    Ok(bytes)
}

/// Takes the body as UTF-8 text without copying it: API Gateway delivers a text body
/// as a `String` and a base64-encoded one as bytes, and both are moved into the result.
///
/// # Errors
/// 413 when the body has more than `max_bytes`, checked before the encoding, and 400
/// when it is not valid UTF-8.
pub fn into_body_text(body: Body, max_bytes: usize) -> Result<String, Problem> {
    if body.len() > max_bytes {
        return Err(Problem::payload_too_large(max_bytes));
    }
    match body {
        Body::Text(text) => Ok(text),
        Body::Binary(bytes) => {
            String::from_utf8(bytes).map_err(|_| Problem::malformed("The request body is not valid UTF-8."))
        }
        _ => Ok(String::new()),
    }
}

/// Parses a JSON body into `T`.
///
/// Checks, in order: the size (413), the content type (415), that the body is
/// present and well-formed JSON (400), and that it matches `T` (422, naming the field).
///
/// # Errors
/// Returns the problem for the first check that fails.
pub fn read_json<T: DeserializeOwned>(request: &Request, max_bytes: usize) -> Result<T, Problem> {
    let bytes = body_bytes(request.body(), max_bytes)?;
    if !is_json(media_type(request).as_deref()) {
        return Err(Problem::unsupported_media_type("application/json"));
    }
    parse_json(bytes)
}

/// Parses JSON bytes into `T`, mapping syntax errors to 400 and schema errors to 422.
///
/// # Errors
/// Returns the 400 or 422 problem.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::malformed("The request body is empty; it must be a JSON object."));
    }
    // serde also fills a struct from a JSON array, by position; only objects are taken.
    // Any other body is either valid JSON of the wrong kind (422) or not JSON (400), and
    // is never handed to the struct's deserializer, which would name a field like `[0]`.
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Ok(_) => Err(Problem::validation(vec![FieldError::new("body", "must be a JSON object")])),
            Err(error) => Err(Problem::malformed(format!("The request body is not valid JSON: {error}."))),
        };
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data => {
                let (field, message) = describe_data_error(&path, &inner.to_string());
                Problem::validation(vec![FieldError::new(field, message)])
            }
            // serde_json calls a number beyond f64 (`1e400`) a syntax error, though the
            // JSON is valid: its value breaks the field's rule.
            _ if inner.to_string().starts_with("number out of range") => {
                let field = if path == "." { "body".to_owned() } else { path };
                Problem::validation(vec![FieldError::new(field, "must be a number of at most about 1.8e308 in size")])
            }
            _ => Problem::malformed(format!("The request body is not valid JSON: {inner}.")),
        }
    })?;
    deserializer.end().map_err(|error| Problem::malformed(format!("The request body is not valid JSON: {error}.")))?;
    Ok(value)
}

/// Names the field and the rule of a serde data error. A missing or duplicate field is
/// reported by serde at its parent, so its name is taken from the message.
fn describe_data_error(path: &str, message: &str) -> (String, String) {
    let message = message.split(" at line ").next().unwrap_or(message).to_owned();
    let quoted = message.split('`').nth(1).map(str::to_owned);
    let parent = if path == "." { String::new() } else { format!("{path}.") };

    if let (true, Some(name)) = (message.starts_with("missing field"), &quoted) {
        return (format!("{parent}{name}"), "is required".to_owned());
    }
    if let (true, Some(name)) = (message.starts_with("duplicate field"), &quoted) {
        return (format!("{parent}{name}"), "must appear only once".to_owned());
    }
    if message.starts_with("unknown field") {
        // The path already ends with the unknown field.
        let expected = message.split(", expected ").nth(1).unwrap_or("").to_owned();
        return (path.to_owned(), format!("is not a known field (expected {expected})"));
    }
    let field = if path == "." { "body".to_owned() } else { path.to_owned() };
    // A whole number beyond the field's type is valid JSON of the right kind, so
    // the rule is its range ("invalid value: integer `-1`, expected usize").
    if let Some((got, expected)) =
        message.strip_prefix("invalid value: integer ").and_then(|rest| rest.split_once(", expected "))
    {
        if let Some((min, max)) = integer_range(expected) {
            return (field, format!("must be a whole number from {min} to {max}, not {got}"));
        }
    }
    // serde writes "invalid type: integer `5`, expected a string"; restate it as a rule.
    for prefix in ["invalid type: ", "invalid value: ", "invalid length: "] {
        if let Some((got, expected)) = message.strip_prefix(prefix).and_then(|rest| rest.split_once(", expected ")) {
            return (field, format!("must be {}, not {got}", describe_expected(expected)));
        }
    }
    (field, message)
}

/// Returns the smallest and largest value of serde's integer type `expected`.
fn integer_range(expected: &str) -> Option<(i128, u128)> {
    Some(match expected {
        "u8" => (0, u128::from(u8::MAX)),
        "u16" => (0, u128::from(u16::MAX)),
        "u32" => (0, u128::from(u32::MAX)),
        "u64" | "usize" => (0, u128::from(u64::MAX)),
        "i8" => (i128::from(i8::MIN), i8::MAX as u128),
        "i16" => (i128::from(i16::MIN), i16::MAX as u128),
        "i32" => (i128::from(i32::MIN), i32::MAX as u128),
        "i64" | "isize" => (i128::from(i64::MIN), i64::MAX as u128),
        _ => return None,
    })
}

/// Restates serde's expected type in the API's words: serde names a number field by
/// its Rust type, such as `i64` or `f64`, which means nothing to a client.
fn describe_expected(expected: &str) -> &str {
    match expected {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => {
            "a whole number"
        }
        "f32" | "f64" => "a number",
        other => other,
    }
}

/// Builds a JSON response with the given status.
pub fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    match serde_json::to_string(value) {
        Ok(body) => {
            let mut response = Response::new(Body::Text(body));
            *response.status_mut() = status;
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => {
            Problem::internal(&anyhow::Error::new(error).context("failed to serialize response")).into_response()
        }
    }
}

/// Returns the bearer token of the `Authorization` header, matching the scheme
/// case-insensitively.
///
/// # Errors
/// Returns a 401 problem when the header is missing or not a bearer token.
pub fn bearer_token(request: &Request) -> Result<&str, Problem> {
    let mut values = request.headers().get_all(header::AUTHORIZATION).iter();
    let value = values
        .next()
        .ok_or_else(|| Problem::unauthorized("The Authorization header is missing; send `Bearer <access token>`."))?;
    if values.next().is_some() {
        return Err(Problem::unauthorized("Send exactly one Authorization header."));
    }
    let value = value.to_str().map_err(|_| Problem::unauthorized("The Authorization header is not valid ASCII."))?;
    let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(Problem::unauthorized("The Authorization header must be `Bearer <access token>`."));
    }
    Ok(token)
}

/// Returns the request id of the Lambda invocation, or `local` outside Lambda.
pub fn request_id(request: &Request) -> String {
    request
        .lambda_context_ref()
        .map(|context| context.request_id.clone())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| "local".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Login {
        email: String,
        password: String,
    }

    #[test]
    fn body_text_moves_text_and_binary_bodies() {
        let text = into_body_text(Body::Text("Grüße.".to_owned()), 64).unwrap();
        let binary = into_body_text(Body::Binary("Grüße.".as_bytes().to_vec()), 64).unwrap();
        let empty = into_body_text(Body::Empty, 64).unwrap();

        assert_eq!(text, "Grüße.");
        assert_eq!(binary, "Grüße.");
        assert_eq!(empty, "");
    }

    #[test]
    fn body_text_rejects_invalid_utf8_and_size() {
        let invalid = into_body_text(Body::Binary(vec![b'a', 0xff, b'b']), 64).unwrap_err();
        // Size comes first: an oversized body is a 413 whatever its encoding.
        let oversized = into_body_text(Body::Binary(vec![0xff; 65]), 64).unwrap_err();
        let oversized_text = into_body_text(Body::Text("x".repeat(65)), 64).unwrap_err();

        assert_eq!(invalid.status, StatusCode::BAD_REQUEST);
        assert_eq!(oversized.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(oversized_text.status, StatusCode::PAYLOAD_TOO_LARGE);
    }

    fn field_of(problem: &Problem) -> &str {
        &problem.errors[0].field
    }

    #[test]
    fn missing_field_is_named() {
        let problem = parse_json::<Login>(br#"{"email": "a@b.co"}"#).unwrap_err();
        assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_of(&problem), "password");
    }

    #[test]
    fn unknown_field_is_named() {
        let problem = parse_json::<Login>(br#"{"email": "a@b.co", "password": "x", "role": "admin"}"#).unwrap_err();
        assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_of(&problem), "role");
    }

    #[test]
    fn duplicate_field_is_named() {
        let problem = parse_json::<Login>(br#"{"email": "a@b.co", "password": "x", "email": "c@d.co"}"#).unwrap_err();
        assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_of(&problem), "email");
        assert_eq!(problem.errors[0].message, "must appear only once");
    }

    #[test]
    fn wrong_type_is_named() {
        let problem = parse_json::<Login>(br#"{"email": 5, "password": "x"}"#).unwrap_err();
        assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_of(&problem), "email");
    }

    #[test]
    fn wrong_type_reads_as_rule() {
        let problem = parse_json::<Login>(br#"{"email": 5, "password": "x"}"#).unwrap_err();
        assert_eq!(problem.errors[0].message, "must be a string, not integer `5`");
    }

    #[test]
    fn number_types_read_as_rules() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Options {
            count: Option<i64>,
            share: Option<f64>,
        }
        let count = parse_json::<Options>(br#"{"count": 1.5}"#).unwrap_err();
        let share = parse_json::<Options>(br#"{"share": "half"}"#).unwrap_err();
        assert_eq!(count.errors[0].message, "must be a whole number, not floating point `1.5`");
        assert_eq!(share.errors[0].message, "must be a number, not string \"half\"");
    }

    #[test]
    fn integer_out_of_range_names_the_range() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Options {
            count: Option<u32>,
        }
        let problem = parse_json::<Options>(br#"{"count": 9223372036854775808}"#).unwrap_err();
        assert_eq!(problem.errors[0].field, "count");
        assert_eq!(problem.errors[0].message, "must be a whole number from 0 to 4294967295, not `9223372036854775808`");
        let problem = parse_json::<Options>(br#"{"count": -1}"#).unwrap_err();
        assert_eq!(problem.errors[0].message, "must be a whole number from 0 to 4294967295, not `-1`");
    }

    #[test]
    fn number_beyond_f64_is_422() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Options {
            share: Option<f64>,
        }
        let problem = parse_json::<Options>(br#"{"share": 1e400}"#).unwrap_err();
        assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem.errors[0].field, "share");
        assert_eq!(problem.errors[0].message, "must be a number of at most about 1.8e308 in size");
    }

    #[test]
    fn malformed_json_is_400() {
        for body in
            [&b"{"[..], b"not json", b"", br#"{"email":"a@b.co","password":"x"} x"#, b"  ", b"[[[[", b"[\"a\", "]
        {
            let problem = parse_json::<Login>(body).unwrap_err();
            assert_eq!(problem.status, StatusCode::BAD_REQUEST, "body {:?}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn body_that_is_not_utf8_is_400() {
        let problem = parse_json::<Login>(b"\na\xff#").unwrap_err();
        assert_eq!(problem.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn non_object_is_422() {
        let problem = parse_json::<Login>(b"[1, 2]").unwrap_err();
        assert_eq!(problem.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_of(&problem), "body");
    }
}
