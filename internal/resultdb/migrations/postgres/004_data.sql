-- 004_data.sql (PostgreSQL): what a run read from a user's files.
--
-- As sqlite/004_data.sql for SQLite. A run of a dataset read from a user's
-- files (csv, npz, images) stores the preprocessing that turned them into
-- model inputs as JSON text (kept byte for byte, so text rather than json),
-- and the hash of the files' contents. Both are NULL for the other datasets
-- and for runs from before this migration.

ALTER TABLE runs ADD COLUMN preprocessing text; -- JSON; NULL for built-in datasets
ALTER TABLE runs ADD COLUMN data_hash text;     -- sha256 of the files' contents; NULL for built-in datasets
