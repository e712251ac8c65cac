-- The summary options a submission may set besides the sentence count: a ratio or a
-- word budget instead of sentences, the markup of the text, its language, and how
-- many key phrases to extract. Exactly one length limit is set per document.
ALTER TABLE documents
    ALTER COLUMN requested_sentences DROP NOT NULL,
    ADD COLUMN requested_ratio double precision CHECK (requested_ratio > 0 AND requested_ratio <= 1),
    ADD COLUMN requested_words integer CHECK (requested_words > 0),
    ADD COLUMN input_format text NOT NULL DEFAULT 'text' CHECK (input_format IN ('text', 'markdown', 'html')),
    ADD COLUMN language text CHECK (language ~ '^[a-z]{2}$'),
    ADD COLUMN key_phrases integer NOT NULL DEFAULT 0 CHECK (key_phrases BETWEEN 0 AND 20),
    ADD CONSTRAINT documents_one_length CHECK (num_nonnulls(requested_sentences, requested_ratio, requested_words) = 1);

-- Counting a user's documents in flight, for the per-user limit on submissions.
CREATE INDEX documents_user_in_flight_idx ON documents (user_id) WHERE status IN ('queued', 'processing');
