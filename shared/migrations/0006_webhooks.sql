-- The callback of a document whose submitter asked to be notified when its summary
-- is ready: where to send it, the secret that signs it, and the state of its
-- delivery. next_attempt_at is NULL once the callback is delivered or given up.
-- The secret is stored as is because every attempt needs it to sign the payload.
CREATE TABLE webhook_deliveries (
    doc_id          uuid        PRIMARY KEY REFERENCES documents (doc_id) ON DELETE CASCADE,
    url             text        NOT NULL CHECK (octet_length(url) <= 2048),
    secret          text        NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz DEFAULT now(),
    delivered_at    timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Finding deliveries that are due, for retries.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
