-- Backtest DB, migration 003: Fair Value Gaps (seed 000 sections 2.2 and 6.1;
-- architecture.md 7 and 9).
--
-- fvg_detections is seed 000's FVGModel: UUID id, a global unique `number`
-- drawn from a sequence (never supplied by the writer), the enums
-- timeframe_enum / fvg_type_enum / fvg_status_enum, DOUBLE PRECISION prices
-- (SQLAlchemy Float), integer epoch-second times, left/middle/right candle
-- indexes (counted from the series' first candle in History), cleared_by
-- VARCHAR(10), and 000's four indexes including the partial index on
-- status = 'valid'. Where the farm differs from 000, and why
-- (docs/data-model.md):
--   * times are BIGINT, not INTEGER: the same epoch seconds, without the
--     2038 overflow of a 32-bit column;
--   * symbol is VARCHAR(20) as in History's candles (000 wrote 10), so every
--     series that can be loaded can be scanned;
--   * the natural key UNIQUE (symbol, timeframe, type, start_time) makes a
--     re-scan write nothing new and keeps numbers stable (architecture.md 9);
--   * status is NOT NULL (default 'valid'), and CHECKs hold 000's validators
--     (bottom < top, prices > 0, sizes >= 0) and architecture.md 9's rules (L, M, R
--     consecutive; cleared_* set exactly when status = 'cleared');
--   * primary key (id, start_time) and UNIQUE (number, start_time): a
--     hypertable's unique keys must include its time column, and the shape
--     is the same without TimescaleDB. `number` is unique because only the
--     sequence assigns it; ix_fvg_number finds a gap by number. Numbers are
--     increasing and may skip values (a conflicting insert draws one too).
--
-- fvg_statistics stores seed 000's FVGStatistics, every field, per
-- symbol/timeframe/range (epoch seconds, inclusive); distributions as JSONB
-- objects (bucket label -> count; hour "00".."23" -> count).
-- fvg_scan_state holds per series what "since last scan" needs.
--
-- TimescaleDB (created by 001 when available): fvg_detections becomes a
-- hypertable on start_time with 7-day chunks (604800 s; integer time needs
-- sf_unix_now() as its "now"), compressed after 30 days segmented by symbol
-- and timeframe. No retention: a deleted gap would be found again by the next
-- scan of its range and get a new number, breaking architecture.md 9's "numbers never
-- change"; and its time is market time, as for candles.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                   WHERE n.nspname = 'public' AND t.typname = 'timeframe_enum') THEN
        CREATE TYPE timeframe_enum AS ENUM ('M1', 'M5', 'M15', 'H1', 'H4', 'D1');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                   WHERE n.nspname = 'public' AND t.typname = 'fvg_type_enum') THEN
        CREATE TYPE fvg_type_enum AS ENUM ('bullish', 'bearish');
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                   WHERE n.nspname = 'public' AND t.typname = 'fvg_status_enum') THEN
        CREATE TYPE fvg_status_enum AS ENUM ('valid', 'cleared', 'invalid');
    END IF;
END
$$;

-- "Now" in epoch seconds, for TimescaleDB policies on integer time columns.
CREATE OR REPLACE FUNCTION sf_unix_now() RETURNS BIGINT
    LANGUAGE sql STABLE
    AS $$ SELECT floor(extract(epoch FROM now()))::bigint $$;

CREATE SEQUENCE IF NOT EXISTS fvg_detections_number_seq AS INTEGER START WITH 1;

CREATE TABLE IF NOT EXISTS fvg_detections (
    id                  UUID             NOT NULL DEFAULT gen_random_uuid(),
    number              INTEGER          NOT NULL DEFAULT nextval('fvg_detections_number_seq'),
    symbol              VARCHAR(20)      NOT NULL,
    timeframe           timeframe_enum   NOT NULL,
    type                fvg_type_enum    NOT NULL,
    top_price           DOUBLE PRECISION NOT NULL,
    bottom_price        DOUBLE PRECISION NOT NULL,
    gap_size            DOUBLE PRECISION NOT NULL,   -- top - bottom, price units
    gap_size_points     DOUBLE PRECISION NOT NULL,   -- gap_size / tick size
    start_time          BIGINT           NOT NULL,   -- epoch s, candle L
    end_time            BIGINT           NOT NULL,   -- epoch s, candle L+max_lookback
    detection_time      BIGINT           NOT NULL,   -- epoch s, candle R
    status              fvg_status_enum  NOT NULL DEFAULT 'valid',
    cleared_at          BIGINT,                      -- epoch s, the clearing candle
    cleared_by          VARCHAR(10),                 -- wick | close | gap
    cleared_price       DOUBLE PRECISION,
    left_candle_index   INTEGER          NOT NULL,
    middle_candle_index INTEGER          NOT NULL,
    right_candle_index  INTEGER          NOT NULL,
    created_at          TIMESTAMPTZ      DEFAULT now(),
    updated_at          TIMESTAMPTZ      DEFAULT now(),
    CONSTRAINT fvg_detections_pkey PRIMARY KEY (id, start_time),
    CONSTRAINT fvg_detections_number_key UNIQUE (number, start_time),
    CONSTRAINT fvg_detections_natural_key UNIQUE (symbol, timeframe, type, start_time),
    CONSTRAINT fvg_detections_prices_valid
        CHECK (bottom_price > 0 AND bottom_price < top_price),
    CONSTRAINT fvg_detections_sizes_nonnegative
        CHECK (gap_size >= 0 AND gap_size_points >= 0),
    CONSTRAINT fvg_detections_number_positive CHECK (number > 0),
    CONSTRAINT fvg_detections_candles_consecutive
        CHECK (left_candle_index >= 0
               AND middle_candle_index = left_candle_index + 1
               AND right_candle_index = middle_candle_index + 1),
    CONSTRAINT fvg_detections_times_ordered CHECK (start_time < detection_time),
    CONSTRAINT fvg_detections_cleared_by_valid
        CHECK (cleared_by IN ('wick', 'close', 'gap')),
    CONSTRAINT fvg_detections_cleared_consistent
        CHECK ((status = 'cleared' AND cleared_at IS NOT NULL
                AND cleared_by IS NOT NULL AND cleared_price IS NOT NULL)
            OR (status <> 'cleared' AND cleared_at IS NULL
                AND cleared_by IS NULL AND cleared_price IS NULL))
);
ALTER SEQUENCE fvg_detections_number_seq OWNED BY fvg_detections.number;

CREATE INDEX IF NOT EXISTS ix_fvg_symbol_timeframe_status ON fvg_detections (symbol, timeframe, status);
CREATE INDEX IF NOT EXISTS ix_fvg_detection_time ON fvg_detections (detection_time);
CREATE INDEX IF NOT EXISTS ix_fvg_number ON fvg_detections (number);
CREATE INDEX IF NOT EXISTS ix_fvg_status_valid ON fvg_detections (status) WHERE status = 'valid';

CREATE TABLE IF NOT EXISTS fvg_statistics (
    symbol                   VARCHAR(20)      NOT NULL,
    timeframe                timeframe_enum   NOT NULL,
    range_from               BIGINT           NOT NULL,  -- epoch s, inclusive
    range_to                 BIGINT           NOT NULL,  -- epoch s, inclusive
    total_detected           INTEGER          NOT NULL DEFAULT 0,
    bullish_count            INTEGER          NOT NULL DEFAULT 0,
    bearish_count            INTEGER          NOT NULL DEFAULT 0,
    valid_count              INTEGER          NOT NULL DEFAULT 0,
    cleared_count            INTEGER          NOT NULL DEFAULT 0,
    invalid_count            INTEGER          NOT NULL DEFAULT 0,  -- expired; not in 000
    average_gap_size         DOUBLE PRECISION NOT NULL DEFAULT 0,
    largest_gap_size         DOUBLE PRECISION NOT NULL DEFAULT 0,
    smallest_gap_size        DOUBLE PRECISION NOT NULL DEFAULT 0,
    clearance_rate           DOUBLE PRECISION NOT NULL DEFAULT 0, -- percent of detected
    average_duration_seconds BIGINT           NOT NULL DEFAULT 0,  -- detection -> clear
    fastest_clear_seconds    BIGINT           NOT NULL DEFAULT 0,
    longest_duration_seconds BIGINT           NOT NULL DEFAULT 0,
    gap_size_distribution    JSONB            NOT NULL DEFAULT '{}'::jsonb, -- points buckets
    hourly_distribution      JSONB            NOT NULL DEFAULT '{}'::jsonb, -- exchange-time hour
    settings                 JSONB            NOT NULL DEFAULT '{}'::jsonb, -- scan settings, tz, edges
    job_id                   UUID,
    computed_at              TIMESTAMPTZ      NOT NULL DEFAULT now(),
    CONSTRAINT fvg_statistics_pkey PRIMARY KEY (symbol, timeframe, range_from, range_to),
    CONSTRAINT fvg_statistics_range_ordered CHECK (range_from <= range_to),
    CONSTRAINT fvg_statistics_counts_add_up
        CHECK (bullish_count + bearish_count = total_detected
               AND valid_count + cleared_count + invalid_count = total_detected
               AND bullish_count >= 0 AND bearish_count >= 0 AND valid_count >= 0
               AND cleared_count >= 0 AND invalid_count >= 0),
    CONSTRAINT fvg_statistics_clearance_rate_range CHECK (clearance_rate BETWEEN 0 AND 100)
);

CREATE TABLE IF NOT EXISTS fvg_scan_state (
    symbol            VARCHAR(20)    NOT NULL,
    timeframe         timeframe_enum NOT NULL,
    first_candle_time BIGINT         NOT NULL,  -- epoch s of index 0; if History gains
                                                -- earlier candles, indexes must be redone
    last_candle_index INTEGER        NOT NULL,  -- last candle the scan read
    last_candle_time  BIGINT         NOT NULL,  -- its epoch s
    settings          JSONB          NOT NULL DEFAULT '{}'::jsonb, -- of the last scan
    job_id            UUID,
    updated_at        TIMESTAMPTZ    NOT NULL DEFAULT now(),
    CONSTRAINT fvg_scan_state_pkey PRIMARY KEY (symbol, timeframe),
    CONSTRAINT fvg_scan_state_index_nonnegative CHECK (last_candle_index >= 0),
    CONSTRAINT fvg_scan_state_times_ordered CHECK (first_candle_time <= last_candle_time)
);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        PERFORM create_hypertable('fvg_detections', 'start_time',
                                  chunk_time_interval => 604800::bigint,
                                  create_default_indexes => FALSE,
                                  if_not_exists => TRUE, migrate_data => TRUE);
        PERFORM set_integer_now_func('fvg_detections', 'sf_unix_now',
                                     replace_if_exists => TRUE);
        IF NOT (SELECT compression_enabled FROM timescaledb_information.hypertables
                WHERE hypertable_schema = 'public' AND hypertable_name = 'fvg_detections') THEN
            EXECUTE 'ALTER TABLE fvg_detections SET (timescaledb.compress, '
                 || 'timescaledb.compress_segmentby = ''symbol, timeframe'', '
                 || 'timescaledb.compress_orderby = ''start_time DESC, type, id, number'')';
        END IF;
        PERFORM add_compression_policy('fvg_detections', 2592000::bigint, if_not_exists => TRUE);
    END IF;
END
$$;
