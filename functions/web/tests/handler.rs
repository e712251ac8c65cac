//! The web function's handler, called with requests shaped as the local router and
//! API Gateway deliver them.

use lambda_http::http::{header, Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::Value;

fn request(method: Method, path: &str) -> Request {
    lambda_http::http::Request::builder()
        .method(method)
        .uri(format!("http://127.0.0.1:9000{path}"))
        .body(Body::Empty)
        .unwrap()
        .with_raw_http_path(path)
}

async fn get(path: &str) -> Response<Body> {
    web::handle(request(Method::GET, path)).await
}

fn body_text(response: &Response<Body>) -> &str {
    match response.body() {
        Body::Text(text) => text,
        Body::Empty => "",
        other => panic!("unexpected body {other:?}"),
    }
}

fn header_of(response: &Response<Body>, name: header::HeaderName) -> &str {
    response.headers().get(&name).map(|value| value.to_str().unwrap()).unwrap_or("")
}

#[tokio::test]
async fn root_serves_the_page() {
    let response = get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header_of(&response, header::CONTENT_TYPE), "text/html; charset=utf-8");
    assert!(body_text(&response).starts_with("<!doctype html>"));
}

#[tokio::test]
async fn each_file_has_its_content_type() {
    for (path, content_type) in [
        ("/app/app.js", "text/javascript; charset=utf-8"),
        ("/app/api.js", "text/javascript; charset=utf-8"),
        ("/app/highlight.js", "text/javascript; charset=utf-8"),
        ("/app/app.css", "text/css; charset=utf-8"),
        ("/app/icon.svg", "image/svg+xml"),
    ] {
        let response = get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "status of {path}");
        assert_eq!(header_of(&response, header::CONTENT_TYPE), content_type, "content type of {path}");
        assert!(!body_text(&response).is_empty(), "body of {path}");
    }
}

#[tokio::test]
async fn responses_carry_security_headers() {
    for path in ["/", "/app/app.js", "/app/missing.js"] {
        let response = get(path).await;
        assert_eq!(
            header_of(&response, header::CONTENT_SECURITY_POLICY),
            web::CONTENT_SECURITY_POLICY,
            "CSP of {path}"
        );
        assert_eq!(header_of(&response, header::X_CONTENT_TYPE_OPTIONS), "nosniff", "nosniff of {path}");
        assert_eq!(header_of(&response, header::X_FRAME_OPTIONS), "DENY", "frame option of {path}");
        assert!(
            !header_of(&response, header::HeaderName::from_static("x-request-id")).is_empty(),
            "request id of {path}"
        );
    }
}

#[test]
fn policy_allows_no_inline_code_or_other_origins() {
    let policy = web::CONTENT_SECURITY_POLICY;
    assert!(policy.starts_with("default-src 'self';"), "policy {policy}");
    assert!(!policy.contains("unsafe"), "policy {policy}");
    assert!(!policy.contains("http"), "policy {policy}");
    assert!(!policy.contains('*'), "policy {policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "policy {policy}");
}

#[tokio::test]
async fn files_are_revalidated_with_etag() {
    let response = get("/app/app.js").await;
    assert_eq!(header_of(&response, header::CACHE_CONTROL), "no-cache");
    let etag = header_of(&response, header::ETAG).to_owned();
    assert!(etag.starts_with('"'), "etag {etag}");
    assert!(etag.ends_with('"'), "etag {etag}");
    assert_eq!(etag.len(), 34, "etag {etag}");

    let mut conditional = request(Method::GET, "/app/app.js");
    conditional.headers_mut().insert(header::IF_NONE_MATCH, etag.parse().unwrap());
    let response = web::handle(conditional).await;
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(body_text(&response), "");
    assert_eq!(header_of(&response, header::ETAG), etag);
}

#[tokio::test]
async fn stale_etag_gets_the_file() {
    let mut conditional = request(Method::GET, "/");
    conditional.headers_mut().insert(header::IF_NONE_MATCH, "\"0000\"".parse().unwrap());
    let response = web::handle(conditional).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!body_text(&response).is_empty());
}

#[tokio::test]
async fn files_differ_in_etag() {
    let page = get("/").await;
    let script = get("/app/app.js").await;
    assert_ne!(header_of(&page, header::ETAG), header_of(&script, header::ETAG));
}

#[tokio::test]
async fn head_sends_headers_without_body() {
    let response = web::handle(request(Method::HEAD, "/app/app.css")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header_of(&response, header::CONTENT_TYPE), "text/css; charset=utf-8");
    assert_eq!(body_text(&response), "");
}

#[tokio::test]
async fn unknown_file_is_problem_404() {
    let response = get("/app/missing.js").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(header_of(&response, header::CONTENT_TYPE), "application/problem+json");
    let problem: Value = serde_json::from_str(body_text(&response)).unwrap();
    assert_eq!(problem["status"], 404);
    assert_eq!(problem["detail"], "No such file.");
}

#[tokio::test]
async fn path_tricks_are_404() {
    for path in [
        "/app/../Cargo.toml",
        "/app/..%2fCargo.toml",
        "/app/%2e%2e/Cargo.toml",
        "/app/..\\Cargo.toml",
        "/app//etc/passwd",
        "/app/sub/app.js",
        "/app/./app.js",
        "/app/app.js/",
        "/app/app.js%00",
        "/app/APP.JS",
        "/app/",
        "/app",
        "/app/index.html",
        "/index.html",
        "/app.js",
        "//app/app.js",
        "/web/app.js",
    ] {
        let response = get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "status of {path}");
        assert_eq!(header_of(&response, header::CONTENT_TYPE), "application/problem+json", "type of {path}");
    }
}

#[tokio::test]
async fn other_methods_are_405() {
    for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH, Method::OPTIONS] {
        for path in ["/", "/app/app.js"] {
            let response = web::handle(request(method.clone(), path)).await;
            assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "status of {method} {path}");
            assert_eq!(header_of(&response, header::ALLOW), "GET, HEAD", "Allow of {method} {path}");
            assert_eq!(
                header_of(&response, header::CONTENT_TYPE),
                "application/problem+json",
                "type of {method} {path}"
            );
        }
    }
}

/// Collects the `src` and `href` values of a page.
fn references(html: &str) -> Vec<&str> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for (index, _) in html.match_indices(attribute) {
            let rest = &html[index + attribute.len()..];
            found.push(&rest[..rest.find('"').unwrap()]);
        }
    }
    found
}

#[tokio::test]
async fn page_references_only_served_files() {
    let page = get("/").await;
    let html = body_text(&page);
    for reference in references(html) {
        if reference.starts_with('#') {
            continue;
        }
        assert!(reference.starts_with("/app/"), "reference {reference} is not under /app/");
        assert_eq!(get(reference).await.status(), StatusCode::OK, "reference {reference}");
    }
}

#[test]
fn scripts_import_only_served_files() {
    for file in web::FILES.iter().filter(|file| file.name.ends_with(".js")) {
        for line in file.body.lines().filter(|line| line.starts_with("import ")) {
            let target = line.split('"').nth(1).unwrap();
            let name =
                target.strip_prefix("./").unwrap_or_else(|| panic!("{}: import {target} is not relative", file.name));
            assert!(
                web::FILES.iter().any(|served| served.name == name),
                "{}: import {target} is not served",
                file.name
            );
        }
    }
}

#[test]
fn page_has_no_inline_code() {
    let html = web::FILES[0].body;
    assert!(!html.contains("<script>"), "inline script in index.html");
    assert!(!html.contains("<style"), "inline style element in index.html");
    assert!(!html.contains(" style="), "style attribute in index.html");
    for (index, _) in html.match_indices(" on") {
        let name: String = html[index + 1..].chars().take_while(char::is_ascii_lowercase).collect();
        let follows = &html[index + 1 + name.len()..];
        assert!(!follows.starts_with('='), "event handler attribute {name} in index.html");
    }
}

#[test]
fn scripts_never_write_html() {
    for file in web::FILES.iter().filter(|file| file.name.ends_with(".js")) {
        for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
            assert!(!file.body.contains(sink), "{} uses {sink}", file.name);
        }
    }
}
