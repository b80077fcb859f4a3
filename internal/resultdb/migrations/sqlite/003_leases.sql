-- 003_leases.sql: who runs a trial, and until when.
--
-- A worker that claims a trial writes a fresh owner token; every write it
-- makes for the trial afterwards (epochs, the outcome) checks that token, so
-- a worker that lost the trial can never write over its new owner. With a
-- lease (PostgreSQL, shared by many machines), lease_expires_at is renewed by
-- the worker's heartbeat; a trial whose lease ran out may be claimed again.

ALTER TABLE runs ADD COLUMN owner TEXT;            -- the claiming worker's token; NULL when none holds it
ALTER TABLE runs ADD COLUMN lease_expires_at TEXT; -- when the owner's lease runs out; NULL without a lease
