-- 002_sweeps.sql (PostgreSQL): sweeps, and runs as the trials of a sweep.
--
-- As sqlite/002_sweeps.sql for SQLite. Every run belongs to a sweep (a
-- plain config file is a sweep of one trial). A trial's runs row is created
-- pending when the sweep is planned and reused by every attempt at it, so its
-- epochs stay under one run id. started_at of a pending trial is when it was
-- planned; the first attempt sets it to when training started.

CREATE TABLE sweeps (
	id         bigserial   PRIMARY KEY,
	name       text        NOT NULL,
	file       text        NOT NULL, -- absolute path of the config file
	spec_hash  text        NOT NULL, -- sha256 of the planned trials' config hashes
	created_at timestamptz NOT NULL,
	prune      json                  -- the sweep's prune settings; NULL for none
);

CREATE INDEX sweeps_name_file_idx ON sweeps (name, file);

ALTER TABLE runs ADD COLUMN sweep_id bigint REFERENCES sweeps (id) ON DELETE CASCADE;
ALTER TABLE runs ADD COLUMN trial bigint;                        -- the trial's number in its sweep, from 1
ALTER TABLE runs ADD COLUMN variant text;                        -- the variant's name; NULL without variants
ALTER TABLE runs ADD COLUMN params json;                         -- object: the trial's axis values by key path
ALTER TABLE runs ADD COLUMN attempts bigint NOT NULL DEFAULT 0;  -- times the trial was started
ALTER TABLE runs ADD COLUMN stop_reason text;                    -- why it stopped before its planned epochs

-- A sweep never holds a config twice (PlanTrials relies on it: ON CONFLICT).
CREATE UNIQUE INDEX runs_sweep_config_idx ON runs (sweep_id, config_hash);
CREATE INDEX runs_sweep_status_idx ON runs (sweep_id, status);
