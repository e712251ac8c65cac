#!/usr/bin/env python3
"""Run the main job against a running stack: register, log in, summarize, read back.

Usage: main_job.py BASE_URL ARTICLE_FILE [--sentences N] [--check]

ARTICLE_FILE is plain text, or JSON lines with an "article" field (the first line is
used). With --check, the script also verifies what an API client relies on (another
user gets 404, a garbage token gets 401, bad input gets a problem document) and exits
non-zero on the first failure. Only the standard library is used.
"""

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
import uuid

POLL_SECONDS = 120


def call(base, method, path, body=None, token=None, content_type="application/json"):
    """Send one request; return (status, headers, parsed JSON body or None)."""
    data = None
    headers = {}
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = content_type
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, response_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, response_headers, raw = error.code, error.headers, error.read()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, response_headers, parsed


def expect(condition, message):
    if not condition:
        print(f"check failed: {message}", file=sys.stderr)
        sys.exit(1)


def read_article(path):
    with open(path, encoding="utf-8") as file:
        content = file.read()
    first = content.lstrip()[:1]
    if first == "{":
        return json.loads(content.splitlines()[0])["article"]
    return content


def sign_in(base, email, password, full=False):
    status, _, body = call(base, "POST", "/api/v1/auth/register", {"email": email, "password": password})
    expect(status == 201, f"register returned {status}: {body}")
    status, _, body = call(base, "POST", "/api/v1/auth/login", {"email": email, "password": password})
    expect(status == 200, f"login returned {status}: {body}")
    return body if full else body["access_token"]


def check_sessions(base):
    """Verify the session routes over real HTTP: me, JWKS, refresh, reuse, logout."""
    tokens = sign_in(base, f"session-{uuid.uuid4().hex[:12]}@example.com", "yet another long password", full=True)
    status, _, me = call(base, "GET", "/api/v1/users/me", token=tokens["access_token"])
    expect(status == 200 and me["role"] == "user", f"users/me returned {status}: {me}")
    status, _, jwks = call(base, "GET", "/.well-known/jwks.json")
    expect(status == 200 and jwks["keys"] and "d" not in jwks["keys"][0], f"JWKS returned {status}: {jwks}")

    first = tokens["refresh_token"]
    status, _, rotated = call(base, "POST", "/api/v1/auth/refresh", {"refresh_token": first})
    expect(status == 200, f"refresh returned {status}: {rotated}")
    status, _, _ = call(base, "POST", "/api/v1/auth/refresh", {"refresh_token": first})
    expect(status == 401, f"reusing a rotated refresh token returned {status}")
    status, _, _ = call(base, "POST", "/api/v1/auth/refresh", {"refresh_token": rotated["refresh_token"]})
    expect(status == 401, f"the family of a reused token must be revoked, got {status}")
    status, _, _ = call(base, "POST", "/api/v1/auth/logout", {"refresh_token": rotated["refresh_token"]})
    expect(status == 204, f"logout returned {status}")
    print("session checks passed: users/me, JWKS, refresh rotation, reuse revocation, logout", file=sys.stderr)


def check_contract(base, token, doc_id):
    """Verify ownership, authentication and input errors over real HTTP."""
    stranger = sign_in(base, f"stranger-{uuid.uuid4().hex[:12]}@example.com", "another long password")
    status, _, foreign = call(base, "GET", f"/api/v1/docs/{doc_id}", token=stranger)
    _, _, unknown = call(base, "GET", f"/api/v1/docs/{uuid.uuid4()}", token=stranger)
    expect(status == 404, f"another user's read returned {status}")
    # Each problem body carries its own request's id, so the ids are left out of the comparison.
    foreign = {key: value for key, value in (foreign or {}).items() if key != "request_id"}
    unknown = {key: value for key, value in (unknown or {}).items() if key != "request_id"}
    expect(foreign == unknown, "another user's document must look exactly like an unknown id")

    status, headers, _ = call(base, "GET", "/api/v1/docs", token="garbage")
    expect(status == 401, f"garbage token returned {status}")
    expect(headers.get("WWW-Authenticate") == "Bearer", "401 must carry WWW-Authenticate: Bearer")

    status, headers, problem = call(base, "POST", "/api/v1/summarize", {"text": "   "}, token=token)
    expect(status == 422, f"empty text returned {status}")
    expect(headers.get("Content-Type") == "application/problem+json", "errors must be problem+json")
    expect(problem["errors"][0]["field"] == "text", f"422 must name the field: {problem}")

    status, _, _ = call(base, "POST", "/api/v1/summarize", b"{not json", token=token)
    expect(status == 400, f"malformed JSON returned {status}")
    print("contract checks passed: ownership 404, 401 challenge, 422 field, 400 syntax", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base_url")
    parser.add_argument("article_file")
    parser.add_argument("--sentences", type=int, default=3, help="sentences in the summary (1 to 50)")
    parser.add_argument("--check", action="store_true", help="also verify the API contract")
    parser.add_argument("--check-arguments-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 1 <= args.sentences <= 50:
        parser.error(f"--sentences {args.sentences} is out of range: expected 1 to 50")
    if args.check_arguments_only:
        return
    base = args.base_url.rstrip("/")

    article = read_article(args.article_file)
    email = f"reader-{uuid.uuid4().hex[:12]}@example.com"
    token = sign_in(base, email, "a long and private passphrase")
    print(f"registered and logged in as {email}", file=sys.stderr)

    status, _, body = call(base, "POST", "/api/v1/summarize",
                           {"text": article, "title": "Main job article", "sentences": args.sentences}, token=token)
    expect(status == 202, f"summarize returned {status}: {body}")
    doc_id = body["doc_id"]
    print(f"submitted {len(article.encode())} bytes as document {doc_id}; waiting for the worker", file=sys.stderr)

    deadline = time.monotonic() + POLL_SECONDS
    while True:
        status, _, document = call(base, "GET", f"/api/v1/docs/{doc_id}", token=token)
        expect(status == 200, f"reading the document returned {status}: {document}")
        if document["status"] in ("done", "failed"):
            break
        expect(time.monotonic() < deadline, f"document still {document['status']} after {POLL_SECONDS} s")
        time.sleep(0.3)

    expect(document["status"] == "done", f"summarization failed: {document.get('error')}")
    sentences = document["summary"]["sentences"]
    expect(0 < len(sentences) <= args.sentences, f"summary has {len(sentences)} sentences")
    for sentence in sentences:
        expect(article.encode()[sentence["start"]:sentence["end"]].decode() == sentence["text"],
               "each summary sentence must match its offsets in the article")

    print("Summary:")
    for sentence in sentences:
        print(f"- {sentence['text']}")

    if args.check:
        check_contract(base, token, doc_id)
        check_sessions(base)


if __name__ == "__main__":
    main()
