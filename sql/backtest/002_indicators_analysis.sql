-- Backtest DB, migration 002: precomputed indicators and analysis (seed 004
-- "Таблица индикаторов", "Таблица анализа"; architecture.md 7 and 9).
--
-- Shapes are 004's: symbol VARCHAR(20), timeframe VARCHAR(10), "timestamp"
-- TIMESTAMP (the candle's UTC wall time, as History's candles), value JSONB.
-- indicator_name spells the parameters (sma_20, bb_20_2, macd_12_26_9); value
-- is a JSON number for one output, an object for several (architecture.md 9).
-- As for candles, the primary key is 004's UNIQUE natural key (it includes
-- the time column, as a hypertable needs, and it is 004's lookup index:
-- idx_indicators_lookup would be the same index twice); 004's surrogate id is
-- kept as a BIGINT identity column that nothing refers to.
--
-- indicator_state records, per series and indicator, the last candle an
-- indicators job computed through, whether or not that candle produced a
-- value (an sma_200 over 150 candles stores nothing, yet is up to date).
-- max("timestamp") of indicators cannot tell "computed, undefined" from "not
-- computed", so the incremental job reads this table; `analysis` uses the
-- indicator_name 'analysis'.
--
-- TimescaleDB, where the extension exists (created by 001): hypertables with
-- 1-day chunks, compressed after 7 days segmented by symbol and timeframe
-- (seed 003 market_data, which carried the precomputed indicators). No
-- retention policy: the rows are keyed by market time and derived from the
-- History archive (bundled data from 1995), so a 1-year retention on market
-- time would delete them as soon as they are computed (docs/data-model.md).

CREATE TABLE IF NOT EXISTS indicators (
    id             BIGINT      GENERATED ALWAYS AS IDENTITY,
    symbol         VARCHAR(20) NOT NULL,
    timeframe      VARCHAR(10) NOT NULL,
    indicator_name VARCHAR(50) NOT NULL,
    "timestamp"    TIMESTAMP   NOT NULL,            -- candle time, UTC wall time
    value          JSONB       NOT NULL,
    created_at     TIMESTAMP   DEFAULT (now() AT TIME ZONE 'UTC'),
    CONSTRAINT indicators_pkey PRIMARY KEY (symbol, timeframe, indicator_name, "timestamp"),
    -- A number or an object of numbers, never null/NaN text (architecture.md 9).
    CONSTRAINT indicators_value_shape CHECK (jsonb_typeof(value) IN ('number', 'object'))
);

CREATE TABLE IF NOT EXISTS analysis (
    id                BIGINT      GENERATED ALWAYS AS IDENTITY,
    symbol            VARCHAR(20) NOT NULL,
    timeframe         VARCHAR(10) NOT NULL,
    "timestamp"       TIMESTAMP   NOT NULL,         -- candle time, UTC wall time
    trend             VARCHAR(20) NOT NULL,         -- up | down | sideways
    strength          INTEGER     NOT NULL,         -- 0..100
    signals           JSONB       NOT NULL,
    support_levels    JSONB       NOT NULL,
    resistance_levels JSONB       NOT NULL,
    fibonacci_levels  JSONB,
    created_at        TIMESTAMP   DEFAULT (now() AT TIME ZONE 'UTC'),
    CONSTRAINT analysis_pkey PRIMARY KEY (symbol, timeframe, "timestamp"),
    CONSTRAINT analysis_trend_valid CHECK (trend IN ('up', 'down', 'sideways')),
    CONSTRAINT analysis_strength_range CHECK (strength BETWEEN 0 AND 100)
);

CREATE TABLE IF NOT EXISTS indicator_state (
    symbol         VARCHAR(20) NOT NULL,
    timeframe      VARCHAR(10) NOT NULL,
    indicator_name VARCHAR(50) NOT NULL,            -- as in indicators, or 'analysis'
    last_timestamp TIMESTAMP   NOT NULL,            -- last candle computed through
    job_id         UUID,                            -- the job that advanced it
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT indicator_state_pkey PRIMARY KEY (symbol, timeframe, indicator_name)
);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('indicators', 'timestamp',
                                  chunk_time_interval => INTERVAL '1 day',
                                  create_default_indexes => FALSE,
                                  if_not_exists => TRUE, migrate_data => TRUE);
        PERFORM create_hypertable('analysis', 'timestamp',
                                  chunk_time_interval => INTERVAL '1 day',
                                  create_default_indexes => FALSE,
                                  if_not_exists => TRUE, migrate_data => TRUE);
        IF NOT (SELECT compression_enabled FROM timescaledb_information.hypertables
                WHERE hypertable_schema = 'public' AND hypertable_name = 'indicators') THEN
            EXECUTE 'ALTER TABLE indicators SET (timescaledb.compress, '
                 || 'timescaledb.compress_segmentby = ''symbol, timeframe, indicator_name'', '
                 || 'timescaledb.compress_orderby = ''"timestamp" DESC'')';
        END IF;
        IF NOT (SELECT compression_enabled FROM timescaledb_information.hypertables
                WHERE hypertable_schema = 'public' AND hypertable_name = 'analysis') THEN
            EXECUTE 'ALTER TABLE analysis SET (timescaledb.compress, '
                 || 'timescaledb.compress_segmentby = ''symbol, timeframe'', '
                 || 'timescaledb.compress_orderby = ''"timestamp" DESC'')';
        END IF;
        PERFORM add_compression_policy('indicators', INTERVAL '7 days', if_not_exists => TRUE);
        PERFORM add_compression_policy('analysis', INTERVAL '7 days', if_not_exists => TRUE);
    END IF;
END
$$;
