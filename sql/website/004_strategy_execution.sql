-- Website DB, migration 004: seed 003's strategy-execution tables, joined to
-- seed 001's on integer users.id and strategies.id (architecture.md 5 and 9).
--
-- The farm writes these (agent_analysis jobs): paper trades for active
-- subscriptions, portfolios and holdings in one transaction, one
-- strategy_executions row per execution and subscribed user, one
-- agent_analysis_results row per agent. Shapes are 003's with these
-- decisions (docs/data-model.md):
--   * integer keys as in 001: business tables get INTEGER identity ids, the
--     two time-series tables BIGINT identity ids (as 001's audit_logs);
--     strategy_id/user_id are INTEGER, joined to strategies.id/users.id;
--   * TIMESTAMP WITH TIME ZONE throughout, as in 001 (003 wrote DateTime);
--   * JSON columns are JSONB;
--   * one portfolio per user (003: portfolios.user_id UNIQUE);
--   * strategy_executions.execution_id and agent_analysis_results.execution_id
--     are the job id (a UUIDv7), so executions are unique per
--     (execution_id, user_id, "timestamp") and agent results per
--     (execution_id, agent_type, "timestamp"): a redelivered execution
--     conflicts instead of trading twice. "timestamp" is the execution's
--     as-of time (payload, else the job's enqueue time), never the clock at
--     run time, so a redelivery carries the same key. trades carry the
--     execution_id too, UNIQUE (execution_id, user_id), so a second trade for
--     the same execution and user fails on its own;
--   * a skipped execution lives in strategy_executions (action_taken
--     'skipped', with its reason); trades.status stays pending/executed/failed.
--
-- TimescaleDB, where available: agent_analysis_results and
-- strategy_executions become hypertables on "timestamp", 7-day chunks,
-- compressed after 30 days (segment by strategy_id, agent_type /
-- strategy_id), retention 2 years (seed 003). Their primary keys are
-- (id, "timestamp") in both paths. Without the extension they are plain
-- tables and `stratfarm prune` applies the retention.

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

CREATE TABLE IF NOT EXISTS strategy_subscriptions (
    id                INTEGER        PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    user_id           INTEGER        NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    strategy_id       INTEGER        NOT NULL REFERENCES strategies(id) ON DELETE CASCADE,
    allocated_capital NUMERIC(20, 2) NOT NULL,
    status            VARCHAR(20)    NOT NULL DEFAULT 'active',   -- active/paused/stopped
    custom_weights    JSONB,                                     -- overrides agent_weights
    subscribed_at     TIMESTAMPTZ    NOT NULL DEFAULT now(),
    paused_at         TIMESTAMPTZ,
    stopped_at        TIMESTAMPTZ,
    CONSTRAINT uq_user_strategy UNIQUE (user_id, strategy_id),
    CONSTRAINT strategy_subscriptions_status_valid
        CHECK (status IN ('active', 'paused', 'stopped')),
    CONSTRAINT strategy_subscriptions_capital_positive CHECK (allocated_capital > 0)
);
-- The job's question: the active subscribers of one strategy.
CREATE INDEX IF NOT EXISTS idx_active_subscriptions ON strategy_subscriptions (strategy_id, user_id)
    WHERE status = 'active';

CREATE TABLE IF NOT EXISTS portfolios (
    id               INTEGER        PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    user_id          INTEGER        NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    initial_capital  NUMERIC(20, 2) NOT NULL,
    cash_balance     NUMERIC(20, 2) NOT NULL,
    total_value      NUMERIC(20, 2) NOT NULL,
    realized_pnl     NUMERIC(20, 2) DEFAULT 0,
    unrealized_pnl   NUMERIC(20, 2) DEFAULT 0,
    total_return_pct NUMERIC(10, 2) DEFAULT 0,
    created_at       TIMESTAMPTZ    NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ    NOT NULL DEFAULT now(),
    last_trade_at    TIMESTAMPTZ,
    CONSTRAINT portfolios_user_id_key UNIQUE (user_id),        -- one portfolio per user
    CONSTRAINT portfolios_cash_nonnegative CHECK (cash_balance >= 0)
);

CREATE TABLE IF NOT EXISTS portfolio_holdings (
    id                 INTEGER        PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    portfolio_id       INTEGER        NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
    asset              VARCHAR(20)    NOT NULL,
    quantity           NUMERIC(20, 8) NOT NULL,
    avg_cost           NUMERIC(20, 2) NOT NULL,
    total_cost         NUMERIC(20, 2) NOT NULL,
    current_price      NUMERIC(20, 2),
    current_value      NUMERIC(20, 2),
    unrealized_pnl     NUMERIC(20, 2) DEFAULT 0,
    unrealized_pnl_pct NUMERIC(10, 2) DEFAULT 0,
    created_at         TIMESTAMPTZ    NOT NULL DEFAULT now(),
    updated_at         TIMESTAMPTZ    NOT NULL DEFAULT now(),
    CONSTRAINT uq_portfolio_asset UNIQUE (portfolio_id, asset),
    CONSTRAINT portfolio_holdings_quantity_nonnegative CHECK (quantity >= 0)
);

CREATE TABLE IF NOT EXISTS trades (
    id               INTEGER        PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    user_id          INTEGER        NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    portfolio_id     INTEGER        NOT NULL REFERENCES portfolios(id) ON DELETE CASCADE,
    strategy_id      INTEGER        REFERENCES strategies(id) ON DELETE SET NULL,
    execution_id     UUID,                                       -- the job id, when from an execution
    asset            VARCHAR(20)    NOT NULL,
    action           VARCHAR(10)    NOT NULL,                    -- BUY/SELL
    quantity         NUMERIC(20, 8) NOT NULL,
    price            NUMERIC(20, 2) NOT NULL,
    total_value      NUMERIC(20, 2) NOT NULL,
    fee              NUMERIC(20, 2) DEFAULT 0,
    fee_rate         NUMERIC(10, 4) DEFAULT 0.001,
    conviction_score NUMERIC(5, 2),                              -- 0-100
    signal_reasoning TEXT,
    realized_pnl     NUMERIC(20, 2),                             -- SELL only
    realized_pnl_pct NUMERIC(10, 2),
    status           VARCHAR(20)    NOT NULL DEFAULT 'pending',  -- pending/executed/failed
    executed_at      TIMESTAMPTZ,
    created_at       TIMESTAMPTZ    NOT NULL DEFAULT now(),
    CONSTRAINT trades_execution_user_key UNIQUE (execution_id, user_id),
    CONSTRAINT trades_action_valid CHECK (action IN ('BUY', 'SELL')),
    CONSTRAINT trades_status_valid CHECK (status IN ('pending', 'executed', 'failed')),
    CONSTRAINT trades_quantity_positive CHECK (quantity > 0),
    CONSTRAINT trades_conviction_range CHECK (conviction_score BETWEEN 0 AND 100)
);
CREATE INDEX IF NOT EXISTS idx_trades_user_time ON trades (user_id, created_at DESC);
CREATE INDEX IF NOT EXISTS idx_trades_portfolio_id ON trades (portfolio_id);
CREATE INDEX IF NOT EXISTS idx_trades_strategy_id ON trades (strategy_id);
CREATE INDEX IF NOT EXISTS idx_trades_created_at ON trades (created_at);
CREATE INDEX IF NOT EXISTS idx_pending_trades ON trades (user_id, created_at) WHERE status = 'pending';

CREATE TABLE IF NOT EXISTS strategy_executions (
    id                      BIGINT        GENERATED ALWAYS AS IDENTITY,
    "timestamp"             TIMESTAMPTZ   NOT NULL,             -- the execution's as-of time
    execution_id            UUID          NOT NULL,             -- the job id
    strategy_id             INTEGER       NOT NULL,             -- strategies.id
    user_id                 INTEGER       REFERENCES users(id) ON DELETE CASCADE,
    conviction_score        NUMERIC(5, 2) NOT NULL,             -- 0-100
    signal                  VARCHAR(10)   NOT NULL,             -- BUY/SELL/HOLD
    reasoning               TEXT,                               -- why, incl. why skipped
    agent_scores            JSONB,                              -- {"macro":0.8,...}
    action_taken            VARCHAR(20)   NOT NULL,             -- executed/skipped/failed
    trade_id                INTEGER       REFERENCES trades(id) ON DELETE SET NULL,
    total_execution_time_ms INTEGER,
    total_tokens_used       INTEGER,
    total_cost              NUMERIC(10, 6),                     -- USD
    status                  VARCHAR(20)   DEFAULT 'pending',
    error_message           TEXT,
    CONSTRAINT strategy_executions_pkey PRIMARY KEY (id, "timestamp"),
    CONSTRAINT strategy_executions_once_per_user
        UNIQUE NULLS NOT DISTINCT (execution_id, user_id, "timestamp"),
    CONSTRAINT strategy_executions_signal_valid CHECK (signal IN ('BUY', 'SELL', 'HOLD')),
    CONSTRAINT strategy_executions_action_valid
        CHECK (action_taken IN ('executed', 'skipped', 'failed')),
    CONSTRAINT strategy_executions_conviction_range CHECK (conviction_score BETWEEN 0 AND 100)
);
CREATE INDEX IF NOT EXISTS idx_executions_time ON strategy_executions ("timestamp");
CREATE INDEX IF NOT EXISTS idx_executions_strategy ON strategy_executions (strategy_id, "timestamp" DESC);
CREATE INDEX IF NOT EXISTS idx_executions_user ON strategy_executions (user_id, "timestamp" DESC);

CREATE TABLE IF NOT EXISTS agent_analysis_results (
    id                BIGINT        GENERATED ALWAYS AS IDENTITY,
    "timestamp"       TIMESTAMPTZ   NOT NULL,                   -- the execution's as-of time
    execution_id      UUID          NOT NULL,                   -- the job id (soft link)
    strategy_id       INTEGER       NOT NULL,                   -- strategies.id
    agent_type        VARCHAR(20)   NOT NULL,                   -- macro/onchain/ta
    score             NUMERIC(5, 2) NOT NULL,
    confidence        NUMERIC(5, 2) NOT NULL,                   -- 0 ~ 1
    reasoning         TEXT,
    signals           JSONB,
    execution_time_ms INTEGER,                                  -- latency
    tokens_used       INTEGER,
    llm_model         VARCHAR(50),
    llm_cost          NUMERIC(10, 6),                           -- USD
    input_data        JSONB,
    CONSTRAINT agent_analysis_results_pkey PRIMARY KEY (id, "timestamp"),
    CONSTRAINT agent_analysis_results_once_per_agent
        UNIQUE (execution_id, agent_type, "timestamp"),
    CONSTRAINT agent_analysis_results_confidence_range CHECK (confidence BETWEEN 0 AND 1)
);
CREATE INDEX IF NOT EXISTS idx_agent_results_time ON agent_analysis_results ("timestamp");
CREATE INDEX IF NOT EXISTS idx_agent_results_strategy ON agent_analysis_results (strategy_id, "timestamp");

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('strategy_executions', 'timestamp',
                                  chunk_time_interval => INTERVAL '7 days',
                                  create_default_indexes => FALSE,
                                  if_not_exists => TRUE, migrate_data => TRUE);
        PERFORM create_hypertable('agent_analysis_results', 'timestamp',
                                  chunk_time_interval => INTERVAL '7 days',
                                  create_default_indexes => FALSE,
                                  if_not_exists => TRUE, migrate_data => TRUE);
        IF NOT (SELECT compression_enabled FROM timescaledb_information.hypertables
                WHERE hypertable_schema = 'public' AND hypertable_name = 'strategy_executions') THEN
            EXECUTE 'ALTER TABLE strategy_executions SET (timescaledb.compress, '
                 || 'timescaledb.compress_segmentby = ''strategy_id'', '
                 || 'timescaledb.compress_orderby = ''"timestamp" DESC, id, execution_id, user_id'')';
        END IF;
        IF NOT (SELECT compression_enabled FROM timescaledb_information.hypertables
                WHERE hypertable_schema = 'public' AND hypertable_name = 'agent_analysis_results') THEN
            EXECUTE 'ALTER TABLE agent_analysis_results SET (timescaledb.compress, '
                 || 'timescaledb.compress_segmentby = ''strategy_id, agent_type'', '
                 || 'timescaledb.compress_orderby = ''"timestamp" DESC, id, execution_id'')';
        END IF;
        PERFORM add_compression_policy('strategy_executions', INTERVAL '30 days', if_not_exists => TRUE);
        PERFORM add_compression_policy('agent_analysis_results', INTERVAL '30 days', if_not_exists => TRUE);
        PERFORM add_retention_policy('strategy_executions', INTERVAL '2 years', if_not_exists => TRUE);
        PERFORM add_retention_policy('agent_analysis_results', INTERVAL '2 years', if_not_exists => TRUE);
    END IF;
END
$$;
