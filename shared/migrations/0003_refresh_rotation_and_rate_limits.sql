-- Refresh token rotation: a token is single use (used_at), and every token of one
-- login shares an absolute expiry however often it rotates (family_expires_at).
ALTER TABLE refresh_tokens
    ADD COLUMN used_at timestamptz,
    ADD COLUMN family_expires_at timestamptz;
UPDATE refresh_tokens SET family_expires_at = expires_at WHERE family_expires_at IS NULL;
ALTER TABLE refresh_tokens ALTER COLUMN family_expires_at SET NOT NULL;
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

-- Fixed-window counters for rate limits, shared by every function instance.
CREATE TABLE rate_limit_hits (
    bucket       text        NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer     NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limit_hits_window_idx ON rate_limit_hits (window_start);
