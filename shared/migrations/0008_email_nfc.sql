-- Emails are unique regardless of letter case and of Unicode normalization: "café"
-- written with a precomposed "é" and with "e" plus a combining accent is one address.
-- The application stores and looks up emails in NFC; this index also covers rows
-- stored before it did. Creating it fails if two existing accounts differ only in
-- normalization; such pairs must be merged by hand first.
CREATE UNIQUE INDEX users_email_nfc_lower_key ON users (lower(normalize(email, NFC)));
DROP INDEX users_email_lower_key;
