-- Website DB, migration 003 (LOCAL STACK ONLY): the rest of the website's own
-- tables of seed 001, which refer to strategies (made by 002), and 001's
-- default subscription plans.
--
-- strategy_versions and user_favorites are website features (version history
-- of a user's strategy, favourites); the farm neither reads nor writes them,
-- so in production it leaves them to the website. The plan rows are 001's
-- "預設方案" exactly; production plans are the website's business, so the farm
-- inserts them only in the local stack (demo and tests need a plan's
-- max_concurrent_backtests). ON CONFLICT keeps a re-run harmless.

-- 8. strategy_versions
CREATE TABLE IF NOT EXISTS strategy_versions (
    id                 INTEGER PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    strategy_id        INTEGER NOT NULL REFERENCES strategies(id) ON DELETE CASCADE,
    version_number     INTEGER NOT NULL,
    dsl_code           TEXT NOT NULL,
    visual_config      TEXT,
    change_description TEXT,
    created_by         INTEGER NOT NULL REFERENCES users(id),
    created_at         TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (strategy_id, version_number)
);
CREATE INDEX IF NOT EXISTS idx_strategy_versions_strategy_id ON strategy_versions (strategy_id);
CREATE INDEX IF NOT EXISTS idx_strategy_versions_created_at ON strategy_versions (created_at);

-- 9. user_favorites
CREATE TABLE IF NOT EXISTS user_favorites (
    id          INTEGER PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    strategy_id INTEGER NOT NULL REFERENCES strategies(id) ON DELETE CASCADE,
    created_at  TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (user_id, strategy_id)
);
CREATE INDEX IF NOT EXISTS idx_user_favorites_user_id ON user_favorites (user_id);
CREATE INDEX IF NOT EXISTS idx_user_favorites_strategy_id ON user_favorites (strategy_id);

-- 12. default plans (-1 = unlimited)
INSERT INTO subscription_plans (name, display_name, price, max_strategies, max_backtests_per_month,
                                max_concurrent_backtests, data_retention_days, sort_order)
VALUES
    ('free', 'Free', 0, 3, 10, 1, 7, 1),
    ('basic', 'Basic', 9.99, 10, 50, 2, 30, 2),
    ('pro', 'Professional', 29.99, 50, 200, 5, 90, 3),
    ('enterprise', 'Enterprise', 99.99, -1, -1, 10, 365, 4)
ON CONFLICT (name) DO NOTHING;
