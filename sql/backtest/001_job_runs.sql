-- Backtest DB, migration 001: the farm's own run records.
--
-- The Backtest DB is this farm's (seed 002: "BacktestServer 讀寫, StratPlat
-- 無權限"). job_runs is the exactly-once record of architecture.md 2: every job's
-- writes to this database commit in the same transaction as its job_runs row,
-- so a redelivered job whose row exists is acknowledged and skipped.
-- backtest_runs and execution_logs are seed 002's "回測執行細節 (backtest_runs)"
-- and "執行日誌 (execution_logs)"; 002 names them without columns, so the
-- shapes below are the farm's (docs/data-model.md).
--
-- TimescaleDB: created here when available and loadable; execution_logs
-- becomes a hypertable (7-day chunks, compressed after 30 days segmented by
-- kind, retention 2 years: seed 003's execution-record settings). Without the
-- extension the same tables are plain; `stratfarm prune` applies retention.

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS timescaledb;
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'timescaledb not created (%): plain tables', SQLERRM;
        END;
    END IF;
END
$$;

-- One row per job whose effect is committed in this database.
CREATE TABLE IF NOT EXISTS job_runs (
    job_id       UUID         NOT NULL,             -- the envelope id (UUIDv7)
    kind         VARCHAR(32)  NOT NULL,             -- backtest, fvg_scan, ...
    lane         VARCHAR(16),                       -- interactive | batch
    attempt      INTEGER      NOT NULL,             -- 1-based attempt that committed
    worker       VARCHAR(200),                      -- consumer name host:pid:slot
    source       VARCHAR(200),                      -- schedule:<name>, website, cli, api
    started_at   TIMESTAMPTZ  NOT NULL,
    finished_at  TIMESTAMPTZ,
    committed_at TIMESTAMPTZ  NOT NULL DEFAULT now(),
    summary      JSONB        NOT NULL DEFAULT '{}'::jsonb,  -- the job's result summary
    CONSTRAINT job_runs_pkey PRIMARY KEY (job_id),
    CONSTRAINT job_runs_attempt_positive CHECK (attempt >= 1),
    CONSTRAINT job_runs_lane_valid CHECK (lane IN ('interactive', 'batch')),
    CONSTRAINT job_runs_times_ordered CHECK (finished_at IS NULL OR finished_at >= started_at)
);
CREATE INDEX IF NOT EXISTS idx_job_runs_kind_committed ON job_runs (kind, committed_at);
CREATE INDEX IF NOT EXISTS idx_job_runs_committed_at ON job_runs (committed_at);

-- One row per backtest job: what ran (the exact strategy text and version),
-- on what, and how it ended. The Website DB holds the results the user sees.
CREATE TABLE IF NOT EXISTS backtest_runs (
    job_id            UUID           NOT NULL,      -- = job_runs.job_id
    backtest_id       INTEGER        NOT NULL,      -- Website backtests.id (other database)
    request_id        VARCHAR(100),                 -- 002 request_id, echoed in events
    attempt           INTEGER        NOT NULL DEFAULT 1,
    worker            VARCHAR(200),
    strategy_id       INTEGER,                      -- Website strategies.id, when given
    strategy_path     TEXT,                         -- strategies-repo path, when given
    strategy_commit   VARCHAR(64),                  -- the commit the file was read at
    strategy_dsl      TEXT           NOT NULL,      -- the exact DSL text that ran
    parameters        JSONB          NOT NULL,      -- 002 payload.parameters as received
    symbols           TEXT[]         NOT NULL,
    timeframe         VARCHAR(10)    NOT NULL,
    start_date        DATE           NOT NULL,
    end_date          DATE           NOT NULL,
    initial_capital   NUMERIC(20, 2) NOT NULL,
    commission        NUMERIC(20, 8),
    slippage          NUMERIC(20, 8),
    status            VARCHAR(20)    NOT NULL,      -- running | completed | failed
    error_code        VARCHAR(32),                  -- 002/architecture.md 9 error codes
    error_message     TEXT,
    candles_read      BIGINT,
    trade_count       INTEGER,
    summary           JSONB,                        -- backtest_result results summary
    started_at        TIMESTAMPTZ    NOT NULL DEFAULT now(),
    finished_at       TIMESTAMPTZ,
    execution_time_ms INTEGER,
    CONSTRAINT backtest_runs_pkey PRIMARY KEY (job_id),
    CONSTRAINT backtest_runs_status_valid
        CHECK (status IN ('running', 'completed', 'failed')),
    CONSTRAINT backtest_runs_error_code_valid
        CHECK (error_code IN ('INVALID_STRATEGY', 'INVALID_PARAMETERS', 'NO_DATA',
                              'TIMEOUT', 'CANCELLED', 'INTERNAL')),
    CONSTRAINT backtest_runs_dates_ordered CHECK (end_date >= start_date)
);
CREATE INDEX IF NOT EXISTS idx_backtest_runs_backtest_id ON backtest_runs (backtest_id, started_at);
CREATE INDEX IF NOT EXISTS idx_backtest_runs_started_at ON backtest_runs (started_at);

-- What a job said while it ran. Written by any kind; the time column is the
-- moment of the message. Not tied to job_runs by a key: a failed attempt's
-- log lines may be written in their own transaction and outlive it.
CREATE TABLE IF NOT EXISTS execution_logs (
    id          BIGINT       GENERATED ALWAYS AS IDENTITY,
    "timestamp" TIMESTAMPTZ  NOT NULL DEFAULT now(),
    job_id      UUID         NOT NULL,
    attempt     INTEGER      NOT NULL DEFAULT 1,
    kind        VARCHAR(32)  NOT NULL,
    backtest_id INTEGER,                            -- set for backtest jobs
    level       VARCHAR(10)  NOT NULL DEFAULT 'info',
    message     TEXT         NOT NULL,
    details     JSONB,
    CONSTRAINT execution_logs_pkey PRIMARY KEY (id, "timestamp"),
    CONSTRAINT execution_logs_level_valid
        CHECK (level IN ('debug', 'info', 'warn', 'error'))
);
CREATE INDEX IF NOT EXISTS idx_execution_logs_time ON execution_logs ("timestamp");
CREATE INDEX IF NOT EXISTS idx_execution_logs_job ON execution_logs (job_id, "timestamp");
CREATE INDEX IF NOT EXISTS idx_execution_logs_backtest ON execution_logs (backtest_id, "timestamp")
    WHERE backtest_id IS NOT NULL;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('execution_logs', 'timestamp',
                                  chunk_time_interval => INTERVAL '7 days',
                                  create_default_indexes => FALSE,
                                  if_not_exists => TRUE, migrate_data => TRUE);
        IF NOT (SELECT compression_enabled FROM timescaledb_information.hypertables
                WHERE hypertable_schema = 'public' AND hypertable_name = 'execution_logs') THEN
            EXECUTE 'ALTER TABLE execution_logs SET (timescaledb.compress, '
                 || 'timescaledb.compress_segmentby = ''kind'', '
                 || 'timescaledb.compress_orderby = ''"timestamp" DESC, id'')';
        END IF;
        PERFORM add_compression_policy('execution_logs', INTERVAL '30 days', if_not_exists => TRUE);
        PERFORM add_retention_policy('execution_logs', INTERVAL '2 years', if_not_exists => TRUE);
    END IF;
END
$$;
