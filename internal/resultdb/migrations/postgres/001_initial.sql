-- 001_initial.sql (PostgreSQL): runs and the metrics of every epoch.
--
-- The same tables, columns and meanings as the SQLite schema's
-- sqlite/001_initial.sql, in PostgreSQL's types:
--   * INTEGER → bigint (ids are bigserial), REAL → double precision;
--   * the times are timestamptz, written by exp truncated to milliseconds
--     (SQLite stores them as RFC 3339 text with milliseconds);
--   * JSON columns are json (not jsonb): the text exp wrote is kept exactly,
--     as in SQLite, and ->, ->> and json_* functions work on it (cast to
--     jsonb for containment or indexing).

CREATE TABLE runs (
	id            bigserial        PRIMARY KEY,
	name          text             NOT NULL,
	model_name    text             NOT NULL,
	status        text             NOT NULL, -- running|completed|failed|interrupted|diverged (checked in Go)
	config_yaml   text             NOT NULL,
	config_hash   text             NOT NULL,
	seed          bigint           NOT NULL,
	backend       text             NOT NULL,
	optimizer     text             NOT NULL,
	learning_rate double precision NOT NULL,
	batch_size    bigint           NOT NULL,
	epochs        bigint           NOT NULL, -- planned epochs
	threads       bigint           NOT NULL DEFAULT 0,
	started_at    timestamptz      NOT NULL,
	finished_at   timestamptz,               -- NULL while running
	error         text,                      -- NULL unless the run failed
	summary       json                       -- object of named numbers, e.g. {"b":0.49,"w":2.01}; NULL if none
);

CREATE INDEX runs_config_hash_idx ON runs (config_hash);
CREATE INDEX runs_name_idx ON runs (name);

CREATE TABLE epochs (
	run_id              bigint           NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	epoch               bigint           NOT NULL, -- 1-based
	loss                double precision,          -- NULL if unknown (or NaN)
	accuracy            double precision,          -- NULL for regression
	val_loss            double precision,          -- NULL without a validation set
	val_accuracy        double precision,          -- NULL for regression or without a validation set
	seconds             double precision NOT NULL,
	ms_per_step         double precision NOT NULL,
	examples_per_second double precision NOT NULL,
	finished_at         timestamptz      NOT NULL,
	PRIMARY KEY (run_id, epoch)
);
