-- 005_lr.sql (PostgreSQL): the learning rate of each epoch.
--
-- As sqlite/005_lr.sql for SQLite: the learning rate in force at the epoch's
-- last training step; NULL for epochs recorded before this migration.

ALTER TABLE epochs ADD COLUMN lr double precision;
