-- 006_predictions.sql: what prediction needs from a run.
--
-- epochs.val_f1_macro is each epoch's macro-averaged F1 on the validation
-- set (classification only); runs.confusion the best epoch's confusion
-- matrix as JSON; evaluations one row per `exp evaluate` of a run's best
-- model on some data.

ALTER TABLE epochs ADD COLUMN val_f1_macro REAL; -- NULL for regression or without a validation set
ALTER TABLE runs ADD COLUMN confusion TEXT;      -- {"epoch":3,"matrix":[[...]]}, matrix[true][predicted]; NULL if none

CREATE TABLE evaluations (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    data       TEXT NOT NULL, -- what was scored, e.g. path=test.csv or the validation set
    data_hash  TEXT NOT NULL, -- a hash of the scored examples
    loss       REAL,
    accuracy   REAL,          -- classification only
    mse        REAL,          -- regression only, as are mae, rmse and r2
    mae        REAL,
    rmse       REAL,
    r2         REAL,
    created_at TEXT NOT NULL
);
CREATE INDEX evaluations_run ON evaluations(run_id);
