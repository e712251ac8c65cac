-- The job outbox: a document whose job has not yet been confirmed by the broker has
-- published_at NULL. The summarize function and the scheduled cleanup publish such
-- jobs later, so a broker outage after the row is stored loses no job.
ALTER TABLE documents ADD COLUMN published_at timestamptz;

-- Jobs of documents that existed before this migration were published or marked failed.
UPDATE documents SET published_at = created_at;

CREATE INDEX documents_unpublished_idx ON documents (created_at) WHERE published_at IS NULL;
