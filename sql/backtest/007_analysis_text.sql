-- Backtest DB, migration 007: `analysis` rows stored with their JSON as
-- text behind an `analysis` view (issue 19; docs/indicators-job.md
-- "Storage").
--
-- Seed 004's `analysis` columns are a read contract like `indicators`'
-- (docs/architecture.md section 9). Writing them cost the job's server
-- about half its CPU: four jsonb columns per bar, each parsed by the
-- server (every number through numeric_in). So the rows now hold the same
-- JSON as text, exactly as the job formats it, and the view casts it to
-- jsonb when read:
--
--   analysis_rows (table)   one row per (symbol, timeframe, bar); trend,
--                           strength and created_at as before, signals /
--                           support_levels / resistance_levels /
--                           fibonacci_levels as the JSON text
--   analysis (view)         exactly the columns of 002 after 004, the four
--                           JSON columns as jsonb (the very jsonb the old
--                           columns held: the same text goes through the same
--                           jsonb input)
--
-- Measured before choosing (docs/indicators-job.md "Shapes measured",
-- 100,000 rows of the job, binary COPY, same server): 4 jsonb columns
-- 0.68-0.90 s; the same JSON as text 0.27-0.39 s; float8 slots (32 per
-- row) 0.24-0.32 s. Reading 1,000 rows: jsonb 0.2 ms, text cast in the
-- view ~5 ms, slots rendered by jsonb_build_object ~17 ms (every float8
-- becomes jsonb through its text and numeric_in, ~0.3 us per number). Text
-- writes as cheaply as slots and reads three times faster, and it is
-- byte-exact with the old rows, so: text.
--
-- The JSON is the job's (jobs/indicators/indicators_format.c); the table
-- does not parse it on write (that is the saving). The job is the one
-- writer; the staging merge compares the text, and as jsonb where the text
-- differs, so rows moved here from the jsonb columns (jsonb's text spelling)
-- are not rewritten by a re-run that computes the same values. The checks
-- on trend and strength keep their meaning (same expressions).
--
-- Existing rows are moved with their created_at, then the view is compared
-- with the old table column by column (EXCEPT ALL both ways): any
-- difference aborts the migration and nothing changes. With TimescaleDB the
-- old hypertable and its compression policy go with the old table; the new
-- one is a plain table, as indicator_values (006).

CREATE TABLE IF NOT EXISTS analysis_rows (
    symbol            VARCHAR(20) COLLATE "C" NOT NULL,
    timeframe         VARCHAR(10) COLLATE "C" NOT NULL,
    "timestamp"       TIMESTAMP   NOT NULL,         -- candle time, UTC wall time
    trend             VARCHAR(20) NOT NULL,         -- up | down | sideways
    strength          INTEGER     NOT NULL,         -- 0..100
    signals           TEXT        NOT NULL,         -- JSON array of names
    support_levels    TEXT        NOT NULL,         -- JSON array of {"price","touches"}
    resistance_levels TEXT        NOT NULL,
    fibonacci_levels  TEXT,                         -- JSON object, or NULL
    created_at        TIMESTAMP   DEFAULT (now() AT TIME ZONE 'UTC'),
    CONSTRAINT analysis_rows_pkey PRIMARY KEY (symbol, timeframe, "timestamp"),
    CONSTRAINT analysis_rows_trend_valid CHECK (trend IN ('up', 'down', 'sideways')),
    CONSTRAINT analysis_rows_strength_range CHECK (strength BETWEEN 0 AND 100)
);

DO $$
DECLARE
    old_rows bigint;
    diff bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
               WHERE ns.nspname = 'public' AND c.relname = 'analysis' AND c.relkind IN ('r', 'p')) THEN
        ALTER TABLE analysis RENAME TO analysis_v006;
        old_rows := (SELECT count(*) FROM analysis_v006);
        -- Key order: the primary key is filled at its right edge.
        INSERT INTO analysis_rows (symbol, timeframe, "timestamp", trend, strength, signals, support_levels,
                                   resistance_levels, fibonacci_levels, created_at)
        SELECT symbol, timeframe, "timestamp", trend, strength, signals::text, support_levels::text,
               resistance_levels::text, fibonacci_levels::text, created_at
        FROM analysis_v006 ORDER BY symbol, timeframe, "timestamp";
    END IF;

    -- Today's columns, in today's order, and their types.
    CREATE OR REPLACE VIEW analysis AS
    SELECT symbol, timeframe, "timestamp", trend, strength, signals::jsonb AS signals,
           support_levels::jsonb AS support_levels, resistance_levels::jsonb AS resistance_levels,
           fibonacci_levels::jsonb AS fibonacci_levels, created_at
    FROM analysis_rows;
    COMMENT ON VIEW analysis IS
        'Seed 004 analysis (read contract): one row per bar; stored in analysis_rows (migration 007)';

    IF old_rows IS NOT NULL THEN
        diff := (SELECT count(*) FROM (
                    (SELECT symbol::text, timeframe::text, "timestamp", trend::text, strength, signals,
                            support_levels, resistance_levels, fibonacci_levels, created_at FROM analysis_v006
                     EXCEPT ALL
                     SELECT symbol::text, timeframe::text, "timestamp", trend::text, strength, signals,
                            support_levels, resistance_levels, fibonacci_levels, created_at FROM analysis)
                    UNION ALL
                    (SELECT symbol::text, timeframe::text, "timestamp", trend::text, strength, signals,
                            support_levels, resistance_levels, fibonacci_levels, created_at FROM analysis
                     EXCEPT ALL
                     SELECT symbol::text, timeframe::text, "timestamp", trend::text, strength, signals,
                            support_levels, resistance_levels, fibonacci_levels, created_at FROM analysis_v006)) d);
        IF diff <> 0 OR (SELECT count(*) FROM analysis) <> old_rows THEN
            RAISE EXCEPTION 'migration 007: % rows of analysis would differ after the move; nothing changed', diff;
        END IF;
        DROP TABLE analysis_v006;
        RAISE NOTICE 'migration 007: % analysis rows moved into analysis_rows', old_rows;
    END IF;
END
$$;
