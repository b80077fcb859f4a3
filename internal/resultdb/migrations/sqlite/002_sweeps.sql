-- 002_sweeps.sql: sweeps, and runs as the trials of a sweep.
--
-- Every run now belongs to a sweep (a plain config file is a sweep of one
-- trial). A trial's runs row is created pending when the sweep is planned and
-- reused by every attempt at it, so its epochs stay under one run id.
-- started_at of a pending trial is when it was planned; the first attempt
-- sets it to when training started.

CREATE TABLE sweeps (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	file       TEXT NOT NULL, -- absolute path of the config file
	spec_hash  TEXT NOT NULL, -- sha256 of the planned trials' config hashes
	created_at TEXT NOT NULL,
	prune      TEXT           -- JSON of the sweep's prune settings; NULL for none
);

CREATE INDEX sweeps_name_file_idx ON sweeps (name, file);

ALTER TABLE runs ADD COLUMN sweep_id INTEGER REFERENCES sweeps (id) ON DELETE CASCADE;
ALTER TABLE runs ADD COLUMN trial INTEGER;                     -- the trial's number in its sweep, from 1
ALTER TABLE runs ADD COLUMN variant TEXT;                      -- the variant's name; NULL without variants
ALTER TABLE runs ADD COLUMN params TEXT;                       -- JSON object: the trial's axis values by key path
ALTER TABLE runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0; -- times the trial was started
ALTER TABLE runs ADD COLUMN stop_reason TEXT;                  -- why it stopped before its planned epochs

CREATE UNIQUE INDEX runs_sweep_config_idx ON runs (sweep_id, config_hash);
CREATE INDEX runs_sweep_status_idx ON runs (sweep_id, status);
