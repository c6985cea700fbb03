-- Backtest DB, migration 005: after-commit work kept until it is done.
--
-- A job's events (sf:events) and cache refreshes may only happen once its
-- effect is committed. They used to run from memory after the commit, so a
-- worker that died between its commit and them lost them for good (a
-- redelivered job finds its job_runs row and is not run again). Now a job
-- states that work as text (job kind's own format) in this table, in the
-- same transaction as its effect and its job_runs row; the worker runs it
-- after the commit and deletes the rows; a worker that meets the job again
-- (redelivered, already committed) runs whatever is left. At least once:
-- a crash after the work and before the delete repeats it.

CREATE TABLE IF NOT EXISTS job_after (
    job_id     UUID         NOT NULL,               -- job_runs.job_id
    seq        INTEGER      NOT NULL,               -- order of the job's actions
    arg        TEXT         NOT NULL,               -- the kind's after-commit work
    created_at TIMESTAMPTZ  NOT NULL DEFAULT now(),
    CONSTRAINT job_after_pkey PRIMARY KEY (job_id, seq)
);
