//! Serves the static web page from files embedded at build time, on the same origin
//! as the API so the page needs no CORS.
//!
//! Only the files in [`FILES`] exist. A request path is looked up there by exact
//! name, so `..`, encoded slashes and subfolders all get 404.

use std::sync::LazyLock;

use lambda_http::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use sha2::{Digest, Sha256};
use shared::problem::Problem;

/// The policy of every response: scripts, styles, images and API calls come from this
/// origin only, no inline script or style runs, and no other site may frame the page.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Every file is revalidated on each load with its `ETag`, because the file names carry
/// no version and a page must never mix an old script with a new one.
const CACHE_CONTROL: &str = "no-cache";

/// The methods every route of this function takes.
const ALLOWED_METHODS: &str = "GET, HEAD";

/// One embedded file of the page.
pub struct StaticFile {
    /// The name after `/app/`, or `index.html` for `/`.
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

/// The files of the page, from the `web/` folder of the repository.
pub const FILES: &[StaticFile] = &[
    StaticFile {
        name: "index.html",
        content_type: "text/html; charset=utf-8",
        body: include_str!("../../../web/index.html"),
    },
    StaticFile {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../../web/app.js"),
    },
    StaticFile {
        name: "api.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../../web/api.js"),
    },
    StaticFile {
        name: "highlight.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../../web/highlight.js"),
    },
    StaticFile { name: "app.css", content_type: "text/css; charset=utf-8", body: include_str!("../../../web/app.css") },
    StaticFile { name: "icon.svg", content_type: "image/svg+xml", body: include_str!("../../../web/icon.svg") },
];

/// The strong `ETag` of each file in [`FILES`], in the same order: a quoted SHA-256
/// prefix of its content.
static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|file| {
            let digest = Sha256::digest(file.body.as_bytes());
            let hex: String = digest[..16].iter().map(|byte| format!("{byte:02x}")).collect();
            format!("\"{hex}\"")
        })
        .collect()
});

/// Handles a request to the web function.
pub async fn handle(request: Request) -> Response<Body> {
    let mut response = shared::routes::serve(request, |request| async move { respond(&request) }).await;
    add_security_headers(response.headers_mut());
    response
}

fn respond(request: &Request) -> Response<Body> {
    let Some(index) = find_file(&request_path(request)) else {
        return Problem::not_found("No such file.").into_response();
    };
    let method = request.method();
    if method != Method::GET && method != Method::HEAD {
        return Problem::method_not_allowed(method.as_str(), ALLOWED_METHODS).into_response();
    }

    let file = &FILES[index];
    let etag = &ETAGS[index];
    let not_modified = request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|tag| tag.trim() == etag || tag.trim() == "*");

    let (status, body) = if not_modified {
        (StatusCode::NOT_MODIFIED, Body::Empty)
    } else if method == Method::HEAD {
        (StatusCode::OK, Body::Empty)
    } else {
        (StatusCode::OK, Body::Text(file.body.to_owned()))
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(file.content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    response
}

/// Returns the path as the router received it, before any decoding.
fn request_path(request: &Request) -> String {
    let raw = request.raw_http_path();
    if raw.is_empty() {
        request.uri().path().to_owned()
    } else {
        raw.to_owned()
    }
}

/// Finds the index in [`FILES`] of the file a path names: `/` is the page itself and
/// `/app/{name}` one of its files.
fn find_file(path: &str) -> Option<usize> {
    let name = match path {
        "" | "/" => "index.html",
        // The page itself is served only at `/`.
        _ => path.strip_prefix("/app/").filter(|name| *name != "index.html")?,
    };
    FILES.iter().position(|file| file.name == name)
}

fn add_security_headers(headers: &mut HeaderMap) {
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
}
