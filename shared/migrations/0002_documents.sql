-- One row per submitted document, owned by summarization. This row decides who may
-- read a document; its text and summary live in MongoDB under the same doc_id.
CREATE TABLE documents (
    doc_id              uuid        PRIMARY KEY,
    user_id             uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title               text        CHECK (char_length(title) <= 200),
    status              text        NOT NULL DEFAULT 'queued'
                                    CHECK (status IN ('queued', 'processing', 'done', 'failed')),
    error               text,
    requested_sentences integer     NOT NULL CHECK (requested_sentences > 0),
    text_bytes          integer     NOT NULL CHECK (text_bytes >= 0),
    summary_sentences   integer,
    attempts            integer     NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz,
    finished_at         timestamptz
);

CREATE INDEX documents_user_created_idx ON documents (user_id, created_at DESC, doc_id DESC);
CREATE INDEX documents_status_idx ON documents (status) WHERE status IN ('queued', 'processing');
