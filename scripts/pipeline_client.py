"""HTTP client helpers shared by the fault test and the load benchmark.

Only the standard library is used.
"""

import json
import random
import time
import urllib.error
import urllib.request
import uuid

PASSWORD = "a long pipeline passphrase"

WORDS = (
    "council budget school river bridge market energy storm harbour station museum "
    "teacher farmer doctor engineer festival election report court railway factory "
    "village summer winter profit price wage ticket garden island mountain library"
).split()


def call(base, method, path, body=None, token=None, timeout=60):
    """Send one JSON request; return (status, headers, parsed body or None, seconds)."""
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, response_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, response_headers, raw = error.code, error.headers, error.read()
    elapsed = time.monotonic() - started
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, response_headers, parsed, elapsed


def register_and_login(base, timings=None):
    """Register a fresh user and log in; return the access token."""
    email = f"pipeline-{uuid.uuid4().hex}@example.com"
    status, _, body, elapsed = call(base, "POST", "/api/v1/auth/register", {"email": email, "password": PASSWORD})
    if status != 201:
        raise RuntimeError(f"register returned {status}: {body}")
    if timings is not None:
        timings.setdefault("POST /auth/register", []).append(elapsed)
    status, _, body, elapsed = call(base, "POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
    if status != 200:
        raise RuntimeError(f"login returned {status}: {body}")
    if timings is not None:
        timings.setdefault("POST /auth/login", []).append(elapsed)
    return body["access_token"]


def make_text(seed, sentences=12):
    """Build a deterministic news-like text of `sentences` sentences."""
    generator = random.Random(seed)
    lines = []
    for index in range(sentences):
        words = [generator.choice(WORDS) for _ in range(generator.randint(8, 18))]
        words[0] = words[0].capitalize()
        lines.append(" ".join(words) + f" in district {index + 1}.")
    return " ".join(lines)


def read_env_file(path):
    """Read the KEY=VALUE lines of the stack's settings file."""
    env = {}
    with open(path, encoding="utf-8") as file:
        for line in file:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                env[key] = value
    return env
