-- Website DB, migration 002: strategies, backtests and their results, plans.
--
-- Seed 001's tables as written (integer identity keys, TIMESTAMP WITH TIME
-- ZONE), created IF NOT EXISTS: in production the website has made them
-- already and these statements change nothing; in the local stack they make
-- the same tables. They refer to users(id): the website's table in
-- production, 001_website_accounts.local.sql in the local stack.
--
-- strategies is seed 001's table merged with seed 003's strategy template
-- (architecture.md 9). 003's columns are added with ADD COLUMN IF NOT EXISTS, so the
-- same statements extend the website's existing table in production:
--   slug VARCHAR(50) UNIQUE     003's text id (hodl-wave); NULL for a user's
--                               DSL strategy
--   timeframe VARCHAR(20)       003: 4h, 1d (nullable: 001 strategies have none)
--   risk_level, min_capital     003, with 003's defaults
--   agent_weights JSONB         003 JSON {"macro":0.4,"onchain":0.4,"ta":0.2};
--                               '{}' for a pure DSL strategy
--   execution_config JSONB      003 JSON {"cron":"0 */4 * * *","max_position":0.05}
--   sharpe_ratio, max_drawdown, win_rate, total_return_pct  003 showcase figures
--   is_active BOOLEAN DEFAULT TRUE
-- and two of the farm's (architecture.md 6, strategies as code):
--   source_path TEXT            strategies-repository path of a synced strategy
--   source_commit VARCHAR(64)   the commit it was last synced from
-- 003's JSON columns are JSONB here, as 001's own JSON columns are.
--
-- subscription_plans and user_subscriptions are 001's; the farm reads
-- max_concurrent_backtests from the user's active plan (architecture.md 9, per-user
-- fairness). 001's default plan rows are inserted only in the local stack
-- (003_website_extras.local.sql): production plans are the website's.

-- 2. strategies (001)
CREATE TABLE IF NOT EXISTS strategies (
    id            INTEGER PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    name          VARCHAR(200) NOT NULL,
    description   TEXT,
    dsl_code      TEXT NOT NULL,
    visual_config TEXT,
    owner_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    is_public     BOOLEAN DEFAULT FALSE,
    tags          TEXT[],
    version       INTEGER DEFAULT 1,
    created_at    TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at    TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_strategies_owner_id ON strategies (owner_id);
CREATE INDEX IF NOT EXISTS idx_strategies_is_public ON strategies (is_public);
CREATE INDEX IF NOT EXISTS idx_strategies_created_at ON strategies (created_at);
CREATE INDEX IF NOT EXISTS idx_strategies_tags ON strategies USING GIN (tags);

-- strategies (003 columns, and the farm's)
ALTER TABLE strategies ADD COLUMN IF NOT EXISTS slug VARCHAR(50);
ALTER TABLE strategies ADD COLUMN IF NOT EXISTS timeframe VARCHAR(20);
ALTER TABLE strategies ADD COLUMN IF NOT EXISTS risk_level VARCHAR(20) DEFAULT 'medium';
ALTER TABLE strategies ADD COLUMN IF NOT EXISTS min_capital NUMERIC(20, 2) DEFAULT 1000.00;
ALTER TABLE strategies ADD COLUMN IF NOT EXISTS agent_weights JSONB NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE strategies ADD COLUMN IF NOT EXISTS execution_config JSONB;
ALTER TABLE strategies ADD COLUMN IF NOT EXISTS sharpe_ratio NUMERIC(10, 2);
ALTER TABLE strategies ADD COLUMN IF NOT EXISTS max_drawdown NUMERIC(10, 2);
ALTER TABLE strategies ADD COLUMN IF NOT EXISTS win_rate NUMERIC(10, 2);
ALTER TABLE strategies ADD COLUMN IF NOT EXISTS total_return_pct NUMERIC(10, 2);
ALTER TABLE strategies ADD COLUMN IF NOT EXISTS is_active BOOLEAN DEFAULT TRUE;
ALTER TABLE strategies ADD COLUMN IF NOT EXISTS source_path TEXT;
ALTER TABLE strategies ADD COLUMN IF NOT EXISTS source_commit VARCHAR(64);
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'strategies'::regclass AND conname = 'strategies_slug_key') THEN
        ALTER TABLE strategies ADD CONSTRAINT strategies_slug_key UNIQUE (slug);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = 'strategies'::regclass AND conname = 'strategies_risk_level_valid') THEN
        ALTER TABLE strategies ADD CONSTRAINT strategies_risk_level_valid
            CHECK (risk_level IN ('low', 'medium', 'high'));
    END IF;
END
$$;
CREATE UNIQUE INDEX IF NOT EXISTS idx_strategies_source_path ON strategies (source_path)
    WHERE source_path IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_strategies_active ON strategies (id) WHERE is_active;

-- 3. backtests
CREATE TABLE IF NOT EXISTS backtests (
    id              INTEGER PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    name            VARCHAR(200) NOT NULL,
    strategy_id     INTEGER NOT NULL REFERENCES strategies(id) ON DELETE CASCADE,
    owner_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    start_date      DATE NOT NULL,
    end_date        DATE NOT NULL,
    initial_capital DECIMAL(20, 2) DEFAULT 100000.00,
    status          VARCHAR(20) DEFAULT 'pending',  -- pending, running, completed, failed
    results         TEXT,                           -- JSON summary
    error_message   TEXT,
    execution_time  INTEGER,                        -- milliseconds
    created_at      TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at      TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    completed_at    TIMESTAMP WITH TIME ZONE
);
CREATE INDEX IF NOT EXISTS idx_backtests_strategy_id ON backtests (strategy_id);
CREATE INDEX IF NOT EXISTS idx_backtests_owner_id ON backtests (owner_id);
CREATE INDEX IF NOT EXISTS idx_backtests_status ON backtests (status);
CREATE INDEX IF NOT EXISTS idx_backtests_created_at ON backtests (created_at);

-- 4. backtest_trades
CREATE TABLE IF NOT EXISTS backtest_trades (
    id             INTEGER PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    backtest_id    INTEGER NOT NULL REFERENCES backtests(id) ON DELETE CASCADE,
    timestamp      TIMESTAMP WITH TIME ZONE NOT NULL,
    symbol         VARCHAR(50) NOT NULL,
    action         VARCHAR(10) NOT NULL,   -- buy, sell (what was executed, architecture.md 9)
    quantity       DECIMAL(20, 8) NOT NULL,
    price          DECIMAL(20, 8) NOT NULL,
    commission     DECIMAL(20, 8) DEFAULT 0,
    slippage       DECIMAL(20, 8) DEFAULT 0,
    pnl            DECIMAL(20, 8),         -- set on the closing trade
    position_value DECIMAL(20, 8),
    cash_balance   DECIMAL(20, 8),
    notes          TEXT
);
CREATE INDEX IF NOT EXISTS idx_backtest_trades_backtest_id ON backtest_trades (backtest_id);
CREATE INDEX IF NOT EXISTS idx_backtest_trades_timestamp ON backtest_trades (timestamp);
CREATE INDEX IF NOT EXISTS idx_backtest_trades_symbol ON backtest_trades (symbol);
CREATE INDEX IF NOT EXISTS idx_backtest_trades_backtest_timestamp ON backtest_trades (backtest_id, timestamp);

-- 5. backtest_positions
CREATE TABLE IF NOT EXISTS backtest_positions (
    id             INTEGER PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    backtest_id    INTEGER NOT NULL REFERENCES backtests(id) ON DELETE CASCADE,
    date           DATE NOT NULL,
    symbol         VARCHAR(50) NOT NULL,
    quantity       DECIMAL(20, 8) NOT NULL,
    avg_price      DECIMAL(20, 8) NOT NULL,
    current_price  DECIMAL(20, 8) NOT NULL,
    market_value   DECIMAL(20, 8) NOT NULL,
    unrealized_pnl DECIMAL(20, 8),
    weight         DECIMAL(5, 4)
);
CREATE INDEX IF NOT EXISTS idx_backtest_positions_backtest_id ON backtest_positions (backtest_id);
CREATE INDEX IF NOT EXISTS idx_backtest_positions_date ON backtest_positions (date);
CREATE INDEX IF NOT EXISTS idx_backtest_positions_symbol ON backtest_positions (symbol);
CREATE INDEX IF NOT EXISTS idx_backtest_positions_backtest_date ON backtest_positions (backtest_id, date);

-- 6. backtest_performance_metrics (undefined ratios are NULL, architecture.md 9)
CREATE TABLE IF NOT EXISTS backtest_performance_metrics (
    id                     INTEGER PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    backtest_id            INTEGER NOT NULL REFERENCES backtests(id) ON DELETE CASCADE,
    total_return           DECIMAL(10, 6),
    annualized_return      DECIMAL(10, 6),
    volatility             DECIMAL(10, 6),
    max_drawdown           DECIMAL(10, 6),
    max_drawdown_duration  INTEGER,          -- days
    sharpe_ratio           DECIMAL(10, 4),
    sortino_ratio          DECIMAL(10, 4),
    calmar_ratio           DECIMAL(10, 4),
    total_trades           INTEGER,
    winning_trades         INTEGER,
    losing_trades          INTEGER,
    win_rate               DECIMAL(5, 4),
    profit_factor          DECIMAL(10, 4),
    avg_win                DECIMAL(20, 8),
    avg_loss               DECIMAL(20, 8),
    max_consecutive_wins   INTEGER,
    max_consecutive_losses INTEGER,
    final_equity           DECIMAL(20, 2),
    peak_equity            DECIMAL(20, 2),
    created_at             TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (backtest_id)
);
CREATE INDEX IF NOT EXISTS idx_backtest_metrics_backtest_id ON backtest_performance_metrics (backtest_id);

-- 12. subscription_plans
CREATE TABLE IF NOT EXISTS subscription_plans (
    id                       INTEGER PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    name                     VARCHAR(50) UNIQUE NOT NULL,   -- free, basic, pro, enterprise
    display_name             VARCHAR(100) NOT NULL,
    description              TEXT,
    price                    DECIMAL(10, 2) NOT NULL,
    currency                 VARCHAR(3) DEFAULT 'USD',
    max_strategies           INTEGER,                       -- -1 = unlimited
    max_backtests_per_month  INTEGER,
    max_concurrent_backtests INTEGER DEFAULT 1,
    backtest_priority        INTEGER DEFAULT 1,             -- 1-10
    data_retention_days      INTEGER DEFAULT 30,
    advanced_analytics       BOOLEAN DEFAULT FALSE,
    api_access               BOOLEAN DEFAULT FALSE,
    export_enabled           BOOLEAN DEFAULT TRUE,
    realtime_data            BOOLEAN DEFAULT FALSE,
    is_active                BOOLEAN DEFAULT TRUE,
    sort_order               INTEGER DEFAULT 0,
    created_at               TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at               TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_subscription_plans_is_active ON subscription_plans (is_active);
CREATE INDEX IF NOT EXISTS idx_subscription_plans_sort_order ON subscription_plans (sort_order);

-- 13. user_subscriptions
CREATE TABLE IF NOT EXISTS user_subscriptions (
    id                INTEGER PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    user_id           INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    plan_id           INTEGER NOT NULL REFERENCES subscription_plans(id),
    status            VARCHAR(20) NOT NULL DEFAULT 'active',  -- active, cancelled, expired, suspended
    start_date        TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    end_date          TIMESTAMP WITH TIME ZONE,
    cancelled_at      TIMESTAMP WITH TIME ZONE,
    payment_method    VARCHAR(50),
    last_payment_date TIMESTAMP WITH TIME ZONE,
    next_payment_date TIMESTAMP WITH TIME ZONE,
    amount_paid       DECIMAL(10, 2),
    currency          VARCHAR(3) DEFAULT 'USD',
    auto_renew        BOOLEAN DEFAULT TRUE,
    notes             TEXT,
    created_at        TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    updated_at        TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX IF NOT EXISTS idx_user_subscriptions_user_id ON user_subscriptions (user_id);
CREATE INDEX IF NOT EXISTS idx_user_subscriptions_plan_id ON user_subscriptions (plan_id);
CREATE INDEX IF NOT EXISTS idx_user_subscriptions_status ON user_subscriptions (status);
CREATE INDEX IF NOT EXISTS idx_user_subscriptions_end_date ON user_subscriptions (end_date);
CREATE UNIQUE INDEX IF NOT EXISTS idx_user_subscriptions_active_unique ON user_subscriptions (user_id)
    WHERE status = 'active';
