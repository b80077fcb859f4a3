-- 005_lr.sql: the learning rate of each epoch.
--
-- With train.lr_schedule the learning rate changes from step to step; each
-- epoch records the one in force at its last training step. NULL for epochs
-- recorded before this migration.

ALTER TABLE epochs ADD COLUMN lr REAL;
