-- History DB, migration 001: candles (seed 004 "Таблица свечей").
--
-- The History DB belongs to the market-data project and is read-only for
-- every service in production (seed 002; architecture.md 9). This migration exists for
-- the local stack (demo, tests, benchmarks), where `stratfarm load-candles`
-- fills the table. It creates no role: the read-only role is the test's.
--
-- Shape: seed 004's columns and types exactly (symbol VARCHAR(20), timeframe
-- VARCHAR(10), "timestamp" TIMESTAMP holding UTC wall time, OHLCV
-- DECIMAL(20,8) NOT NULL, created_at, UNIQUE(symbol, timeframe, timestamp)).
-- Two decisions (docs/data-model.md):
--   * the primary key is the natural key (symbol, timeframe, "timestamp"):
--     it includes the time column, as a TimescaleDB hypertable needs, and it
--     is 004's UNIQUE constraint and lookup index in one index (004's
--     separate idx_candles_symbol_timeframe_timestamp would duplicate it and
--     slow every COPY). 004's surrogate `id` is kept as a BIGINT identity
--     column, not a key (nothing refers to it);
--   * CHECK constraints hold seed 000 2.1's candle rules (architecture.md 9): every
--     price > 0, high >= max(open, close, low), low <= min(open, close,
--     high), volume >= 0. load-candles rejects such rows first, with their
--     line numbers; the constraints make the table itself unable to hold one.
-- TimescaleDB, where the extension can be created: a hypertable on
-- "timestamp" with 1-day chunks, compressed after 7 days segmented by
-- (symbol, timeframe) (seed 003 market_data). No retention policy on candles:
-- History is the archive backtests read (the bundled data starts in 1995), so
-- a 1-year retention on market time would delete it as soon as it is loaded.
-- Without the extension the same table is a plain indexed table.

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
        BEGIN
            CREATE EXTENSION IF NOT EXISTS timescaledb;
        EXCEPTION WHEN OTHERS THEN
            -- Installed but not in shared_preload_libraries, or not allowed:
            -- the plain path.
            RAISE NOTICE 'timescaledb not created (%): plain tables', SQLERRM;
        END;
    END IF;
END
$$;

CREATE TABLE IF NOT EXISTS candles (
    id          BIGINT GENERATED ALWAYS AS IDENTITY,
    symbol      VARCHAR(20)    NOT NULL,
    timeframe   VARCHAR(10)    NOT NULL,
    "timestamp" TIMESTAMP      NOT NULL,          -- UTC wall time
    open        DECIMAL(20, 8) NOT NULL,
    high        DECIMAL(20, 8) NOT NULL,
    low         DECIMAL(20, 8) NOT NULL,
    close       DECIMAL(20, 8) NOT NULL,
    volume      DECIMAL(20, 8) NOT NULL,
    created_at  TIMESTAMP      DEFAULT (now() AT TIME ZONE 'UTC'),
    CONSTRAINT candles_pkey PRIMARY KEY (symbol, timeframe, "timestamp"),
    CONSTRAINT candles_prices_positive
        CHECK (open > 0 AND high > 0 AND low > 0 AND close > 0),
    CONSTRAINT candles_high_is_highest
        CHECK (high >= GREATEST(open, close, low)),
    CONSTRAINT candles_low_is_lowest
        CHECK (low <= LEAST(open, close, high)),
    CONSTRAINT candles_volume_nonnegative
        CHECK (volume >= 0)
);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('candles', 'timestamp',
                                  chunk_time_interval => INTERVAL '1 day',
                                  create_default_indexes => FALSE,
                                  if_not_exists => TRUE, migrate_data => TRUE);
        IF NOT (SELECT compression_enabled FROM timescaledb_information.hypertables
                WHERE hypertable_schema = 'public' AND hypertable_name = 'candles') THEN
            EXECUTE 'ALTER TABLE candles SET (timescaledb.compress, '
                 || 'timescaledb.compress_segmentby = ''symbol, timeframe'', '
                 || 'timescaledb.compress_orderby = ''"timestamp" DESC'')';
        END IF;
        PERFORM add_compression_policy('candles', INTERVAL '7 days',
                                       if_not_exists => TRUE);
    END IF;
END
$$;
