"""FastAPI + Celery version of docsum's register, login, submit and read routes.

It exists only as the comparison in docs/benchmarks.md and is not product code. Each
route does the same storage work as the Rust handler of the same route: the same rate
limit rows in PostgreSQL, argon2id with the same parameters, an Ed25519 access token,
the text in MongoDB and one message on a RabbitMQ queue. Validation is reduced to the
checks that cost time in the Rust handler (email shape, password length and the
common-password list).
"""

import hashlib
import os
import secrets
import unicodedata
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import asyncpg
import jwt
from argon2 import PasswordHasher, Type
from argon2.exceptions import VerificationError
from celery import Celery
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Header, Request
from fastapi.responses import ORJSONResponse
from motor.motor_asyncio import AsyncIOMotorClient
from starlette.concurrency import run_in_threadpool

DATABASE_URL = os.environ["BENCH_DATABASE_URL"]
MONGODB_URL = os.environ.get("BENCH_MONGODB_URL", "mongodb://127.0.0.1:27017")
MONGODB_DATABASE = os.environ["BENCH_MONGODB_DATABASE"]
AMQP_URL = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
JOB_QUEUE = os.environ["BENCH_JOB_QUEUE"]
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parents[2] / "shared/data/common-passwords.txt"

# The same argon2id parameters as the Rust functions' defaults (ARGON2_* settings).
hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16, type=Type.ID)
DUMMY_HASH = hasher.hash("a password nobody has")

# The signing key comes from the environment, so that a token signed by one uvicorn
# worker process verifies in the others.
SIGNING_KEY = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(os.environ["BENCH_ED25519_SEED_HEX"]))
PUBLIC_KEY = SIGNING_KEY.public_key()
ISSUER, AUDIENCE, KID = "docsum", "docsum-api", "bench1"
ACCESS_TTL = timedelta(minutes=15)
REFRESH_TTL = timedelta(days=7)

# Celery publishes with kombu's synchronous producer pool, as FastAPI projects usually
# call `.delay()` / `send_task` from their handlers.
celery_app = Celery("docsum_bench", broker=AMQP_URL)
celery_app.conf.task_default_queue = JOB_QUEUE
celery_app.conf.broker_pool_limit = 10


@celery_app.task(name="docsum_bench.summarize")
def summarize(doc_id: str) -> None:
    """Placeholder for the summary job; the benchmark runs no Celery worker."""


WINDOW_START = "to_timestamp(floor(extract(epoch FROM now()) / $2) * $2)"
HIT_SQL = (
    f"INSERT INTO rate_limit_hits (bucket, window_start, hits) VALUES ($1, {WINDOW_START}, 1) "
    "ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_hits.hits + 1 "
    "RETURNING hits"
)
CHECK_SQL = f"SELECT hits FROM rate_limit_hits WHERE bucket = $1 AND window_start = {WINDOW_START}"

LIMIT_REGISTRATIONS = int(os.environ.get("REGISTRATIONS_PER_ADDRESS", "20"))
LIMIT_FAILED_LOGINS = int(os.environ.get("FAILED_LOGINS_PER_ADDRESS", "50"))
LIMIT_SUBMISSIONS = int(os.environ.get("SUBMISSIONS_PER_MINUTE", "30"))
LIMIT_IN_FLIGHT = int(os.environ.get("MAX_DOCUMENTS_IN_FLIGHT", "20"))

app = FastAPI(default_response_class=ORJSONResponse)
state: dict = {}


@app.on_event("startup")
async def connect() -> None:
    state["pool"] = await asyncpg.create_pool(DATABASE_URL, min_size=1, max_size=10)
    mongo = AsyncIOMotorClient(MONGODB_URL)
    state["texts"] = mongo[MONGODB_DATABASE]["texts"]
    state["common"] = {line.strip().lower() for line in COMMON_PASSWORDS_FILE.read_text().splitlines()}


@app.on_event("shutdown")
async def disconnect() -> None:
    await state["pool"].close()


def problem(status: int, title: str, detail: str) -> ORJSONResponse:
    return ORJSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


async def over_limit(sql: str, bucket: str, window_seconds: float, max_hits: int) -> bool:
    hits = await state["pool"].fetchval(sql, bucket, window_seconds)
    return hits is not None and hits > max_hits


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@app.post("/api/v1/auth/register", status_code=201)
async def register(request: Request):
    body = await request.json()
    email, password = str(body.get("email", "")).strip(), unicodedata.normalize("NFC", str(body.get("password", "")))
    if await over_limit(HIT_SQL, f"register-address:{client_address(request)}", 3600.0, LIMIT_REGISTRATIONS):
        return problem(429, "Too Many Requests", "Too many registrations.")
    errors = []
    if "@" not in email or len(email) > 254:
        errors.append({"field": "email", "message": "must be an email address"})
    if not 8 <= len(password) <= 128 or password.lower() in state["common"]:
        errors.append({"field": "password", "message": "must be 8 to 128 characters and not common"})
    if errors:
        return problem(422, "Unprocessable Content", "The request is invalid.")

    password_hash = await run_in_threadpool(hasher.hash, password)
    user_id = uuid.uuid4()
    try:
        row = await state["pool"].fetchrow(
            "INSERT INTO users (id, email, password_hash) VALUES ($1, $2, $3) RETURNING created_at",
            user_id,
            email.lower(),
            password_hash,
        )
    except asyncpg.UniqueViolationError:
        return problem(409, "Conflict", "An account with this email already exists.")
    return {"id": str(user_id), "email": email.lower(), "created_at": row["created_at"].isoformat()}


@app.post("/api/v1/auth/login")
async def login(request: Request):
    body = await request.json()
    email, password = str(body.get("email", "")).strip().lower(), unicodedata.normalize("NFC", str(body.get("password", "")))
    address = client_address(request)
    pool = state["pool"]
    for bucket in (f"login-account-address:{email}|{address}", f"login-account:{email}", f"login-address:{address}"):
        if await over_limit(CHECK_SQL, bucket, 900.0, LIMIT_FAILED_LOGINS):
            return problem(429, "Too Many Requests", "Too many failed logins.")

    user = await pool.fetchrow("SELECT id, password_hash, role, is_active FROM users WHERE lower(email) = $1", email)
    try:
        verified = await run_in_threadpool(hasher.verify, user["password_hash"] if user else DUMMY_HASH, password)
    except VerificationError:
        verified = False
    if not (user and verified and user["is_active"]):
        for bucket in (f"login-account-address:{email}|{address}", f"login-account:{email}", f"login-address:{address}"):
            await pool.fetchval(HIT_SQL, bucket, 900.0)
        return problem(401, "Unauthorized", "The email or password is wrong.")

    refresh = secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    await pool.execute(
        "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)",
        uuid.uuid4(),
        user["id"],
        uuid.uuid4(),
        hashlib.sha256(refresh.encode()).digest(),
        now + REFRESH_TTL,
    )
    claims = {
        "sub": str(user["id"]),
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + ACCESS_TTL).timestamp()),
        "typ": "access",
        "role": user["role"],
    }
    token = jwt.encode(claims, SIGNING_KEY, algorithm="EdDSA", headers={"kid": KID})
    return {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": int(ACCESS_TTL.total_seconds()),
        "refresh_token": refresh,
        "refresh_expires_in": int(REFRESH_TTL.total_seconds()),
    }


async def authenticate(authorization: str | None) -> uuid.UUID | None:
    """Verifies the bearer token and that its account is active; returns the user id."""
    if not authorization or not authorization.lower().startswith("bearer "):
        return None
    try:
        header = jwt.get_unverified_header(authorization[7:])
        if header.get("kid") != KID:
            return None
        claims = jwt.decode(
            authorization[7:],
            PUBLIC_KEY,
            algorithms=["EdDSA"],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=5,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
    except jwt.PyJWTError:
        return None
    if claims.get("typ") != "access":
        return None
    user_id = uuid.UUID(claims["sub"])
    active = await state["pool"].fetchval("SELECT is_active FROM users WHERE id = $1", user_id)
    return user_id if active else None


def unauthorized() -> ORJSONResponse:
    response = problem(401, "Unauthorized", "A valid access token is required.")
    response.headers["www-authenticate"] = "Bearer"
    return response


@app.post("/api/v1/summarize", status_code=202)
async def submit(request: Request, authorization: str | None = Header(default=None)):
    user_id = await authenticate(authorization)
    if user_id is None:
        return unauthorized()
    body = await request.json()
    text = body.get("text")
    if not isinstance(text, str) or not text.strip() or len(text.encode()) > 4 * 1024 * 1024:
        return problem(422, "Unprocessable Content", "The text is invalid.")
    sentences = int(body.get("sentences", 3))

    pool = state["pool"]
    if await over_limit(HIT_SQL, f"submit-user:{user_id}", 60.0, LIMIT_SUBMISSIONS):
        return problem(429, "Too Many Requests", "Too many submissions.")
    in_flight = await pool.fetchval(
        "SELECT count(*) FROM documents WHERE user_id = $1 AND status IN ('queued', 'processing')", user_id
    )
    if in_flight >= LIMIT_IN_FLIGHT:
        return problem(429, "Too Many Requests", "Too many documents in flight.")

    doc_id = uuid.uuid4()
    await state["texts"].insert_one({"_id": str(doc_id), "text": text})
    await pool.execute(
        "INSERT INTO documents (doc_id, user_id, title, requested_sentences, text_bytes) VALUES ($1, $2, $3, $4, $5)",
        doc_id,
        user_id,
        body.get("title"),
        sentences,
        len(text.encode()),
    )
    celery_app.send_task("docsum_bench.summarize", args=[str(doc_id)], queue=JOB_QUEUE)
    return ORJSONResponse(
        {"doc_id": str(doc_id), "status": "queued"},
        status_code=202,
        headers={"location": f"/api/v1/docs/{doc_id}"},
    )


@app.get("/api/v1/docs/{doc_id}")
async def read(doc_id: str, authorization: str | None = Header(default=None)):
    user_id = await authenticate(authorization)
    if user_id is None:
        return unauthorized()
    try:
        doc_uuid = uuid.UUID(doc_id)
    except ValueError:
        return problem(404, "Not Found", "No such document.")
    row = await state["pool"].fetchrow(
        "SELECT doc_id, title, status, error, created_at, updated_at FROM documents WHERE doc_id = $1 AND user_id = $2",
        doc_uuid,
        user_id,
    )
    if row is None:
        return problem(404, "Not Found", "No such document.")
    stored = await state["texts"].find_one({"_id": doc_id})
    return {
        "doc_id": doc_id,
        "title": row["title"],
        "status": row["status"],
        "error": row["error"],
        "created_at": row["created_at"].isoformat(),
        "updated_at": row["updated_at"].isoformat(),
        "text": stored["text"] if stored else None,
        "summary": stored.get("summary") if stored else None,
    }
