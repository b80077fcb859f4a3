-- 006_predictions.sql (PostgreSQL): what prediction needs from a run; the
-- same columns and table as sqlite/006_predictions.sql.

ALTER TABLE epochs ADD COLUMN val_f1_macro double precision; -- NULL for regression or without a validation set
ALTER TABLE runs ADD COLUMN confusion json;                   -- {"epoch":3,"matrix":[[...]]}, matrix[true][predicted]; NULL if none

CREATE TABLE evaluations (
	id         bigserial        PRIMARY KEY,
	run_id     bigint           NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	data       text             NOT NULL, -- what was scored, e.g. path=test.csv or the validation set
	data_hash  text             NOT NULL, -- a hash of the scored examples
	loss       double precision,
	accuracy   double precision,          -- classification only
	mse        double precision,          -- regression only, as are mae, rmse and r2
	mae        double precision,
	rmse       double precision,
	r2         double precision,
	created_at timestamptz      NOT NULL
);
CREATE INDEX evaluations_run_idx ON evaluations (run_id);
