-- 004_data.sql: what a run read from a user's files.
--
-- A run of a dataset read from a user's files (csv, npz, images) stores the
-- preprocessing that turned them into model inputs (class names, features,
-- categories, normalisation statistics, image size and colour mode) as JSON,
-- and the hash of the files' contents. Both are NULL for the other datasets
-- (mnist, linear) and for runs from before this migration.

ALTER TABLE runs ADD COLUMN preprocessing TEXT; -- JSON; NULL for built-in datasets
ALTER TABLE runs ADD COLUMN data_hash TEXT;     -- sha256 of the files' contents; NULL for built-in datasets
