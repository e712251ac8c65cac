-- A worker's claim on a document lasts until lease_expires_at. A document still
-- `processing` after that may be claimed again, and the scheduled cleanup puts its
-- job back on the queue (counted in requeues) or marks it failed.
ALTER TABLE documents
    ADD COLUMN lease_expires_at timestamptz,
    ADD COLUMN requeues integer NOT NULL DEFAULT 0;

-- Claims made before this migration get the default lease of 5 minutes.
UPDATE documents SET lease_expires_at = coalesce(started_at, updated_at) + interval '5 minutes'
WHERE status = 'processing';

CREATE INDEX documents_lease_idx ON documents (lease_expires_at) WHERE status = 'processing';
-- The cleanup finds documents past their retention by age.
CREATE INDEX documents_created_idx ON documents (created_at);
