-- The tables of the FastAPI comparison service: the columns the four benchmarked
-- routes touch, with the same keys and indexes as shared/migrations.
CREATE TABLE IF NOT EXISTS users (
    id            uuid        PRIMARY KEY,
    email         text        NOT NULL CHECK (char_length(email) <= 254),
    password_hash text        NOT NULL,
    role          text        NOT NULL DEFAULT 'user',
    is_active     boolean     NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email_lower_key ON users (lower(email));

CREATE TABLE IF NOT EXISTS refresh_tokens (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   uuid        NOT NULL,
    token_hash  bytea       NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);

CREATE TABLE IF NOT EXISTS documents (
    doc_id              uuid        PRIMARY KEY,
    user_id             uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title               text,
    status              text        NOT NULL DEFAULT 'queued',
    error               text,
    requested_sentences integer     NOT NULL,
    text_bytes          integer     NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS documents_user_created_idx ON documents (user_id, created_at DESC, doc_id DESC);
CREATE INDEX IF NOT EXISTS documents_status_idx ON documents (status) WHERE status IN ('queued', 'processing');

CREATE TABLE IF NOT EXISTS rate_limit_hits (
    bucket       text        NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer     NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
