-- 001_initial.sql: runs and the metrics of every epoch.
--
-- Timestamps are RFC 3339 text in UTC with milliseconds, e.g.
-- 2026-11-27T06:12:17.123Z, so they sort and compare as text.

CREATE TABLE runs (
	id            INTEGER PRIMARY KEY,
	name          TEXT    NOT NULL,
	model_name    TEXT    NOT NULL,
	status        TEXT    NOT NULL, -- running|completed|failed|interrupted|diverged (checked in Go)
	config_yaml   TEXT    NOT NULL,
	config_hash   TEXT    NOT NULL,
	seed          INTEGER NOT NULL,
	backend       TEXT    NOT NULL,
	optimizer     TEXT    NOT NULL,
	learning_rate REAL    NOT NULL,
	batch_size    INTEGER NOT NULL,
	epochs        INTEGER NOT NULL, -- planned epochs
	threads       INTEGER NOT NULL DEFAULT 0,
	started_at    TEXT    NOT NULL,
	finished_at   TEXT,             -- NULL while running
	error         TEXT,             -- NULL unless the run failed
	summary       TEXT              -- JSON object of named numbers, e.g. {"b":0.49,"w":2.01}; NULL if none
);

CREATE INDEX runs_config_hash_idx ON runs (config_hash);
CREATE INDEX runs_name_idx ON runs (name);

CREATE TABLE epochs (
	run_id              INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	epoch               INTEGER NOT NULL, -- 1-based
	loss                REAL,             -- NULL if unknown (or NaN)
	accuracy            REAL,             -- NULL for regression
	val_loss            REAL,             -- NULL without a validation set
	val_accuracy        REAL,             -- NULL for regression or without a validation set
	seconds             REAL    NOT NULL,
	ms_per_step         REAL    NOT NULL,
	examples_per_second REAL    NOT NULL,
	finished_at         TEXT    NOT NULL,
	PRIMARY KEY (run_id, epoch)
);
