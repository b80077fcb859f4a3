-- 003_leases.sql (PostgreSQL): who runs a trial, and until when.
--
-- As sqlite/003_leases.sql for SQLite. A worker that claims a trial
-- writes a fresh owner token; every write it makes for the trial afterwards
-- (epochs, heartbeats, the outcome) locks the row and checks that token, so a
-- worker that lost the trial can never write over its new owner.
-- lease_expires_at is set and renewed from the database server's clock
-- (now() + the lease), so that workers on machines with skewed clocks agree;
-- a running trial whose lease ran out may be claimed again.

ALTER TABLE runs ADD COLUMN owner text;                   -- the claiming worker's token; NULL when none holds it
ALTER TABLE runs ADD COLUMN lease_expires_at timestamptz; -- when the owner's lease runs out; NULL without a lease
