-- Backtest DB, migration 004: cheaper indicators / analysis rows (issue 13:
-- a 100,000-candle indicators job writes ~2.5 M rows; docs/indicators-job.md
-- "Figures", docs/data-model.md "indicators and analysis").
--
-- 1. The surrogate `id` of 004 goes from `indicators` and `analysis`.
--    Nothing refers to it (no foreign key, no index, no reader: rows are
--    found by their natural key, the primary key), and every row paid a
--    nextval() and 8 bytes for it. Departure from seed 004, written down in
--    docs/data-model.md.
-- 2. The key text columns compare with COLLATE "C" (byte order) instead of
--    the database's collation: symbols, timeframes and indicator names are
--    ASCII identifiers, so the order is the same as before for every value
--    the farm writes, and each primary-key comparison is a memcmp instead of
--    strcoll. Column types and lengths are 004's.
--
-- The key order stays (symbol, timeframe, indicator_name, "timestamp"): it
-- is 004's lookup (one indicator of one series over a time range), and the
-- job writes a new pair's rows in that order (the cheap right-edge insert).
--
-- Plain PostgreSQL (the tested path) applies every statement. With
-- TimescaleDB, ALTER COLUMN ... TYPE is refused on hypertables with
-- compression enabled (and DROP COLUMN on some releases): such a statement is
-- skipped with a warning, which leaves that table as 002 made it (correct,
-- only slower); the indicators job works with either shape.

DO $$
DECLARE
    stmts text[] := ARRAY[
        'ALTER TABLE indicators DROP COLUMN IF EXISTS id',
        'ALTER TABLE analysis DROP COLUMN IF EXISTS id',
        'ALTER TABLE indicators'
        || ' ALTER COLUMN symbol TYPE VARCHAR(20) COLLATE "C",'
        || ' ALTER COLUMN timeframe TYPE VARCHAR(10) COLLATE "C",'
        || ' ALTER COLUMN indicator_name TYPE VARCHAR(50) COLLATE "C"',
        'ALTER TABLE analysis'
        || ' ALTER COLUMN symbol TYPE VARCHAR(20) COLLATE "C",'
        || ' ALTER COLUMN timeframe TYPE VARCHAR(10) COLLATE "C"'];
    s text;
    tsdb boolean := EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb');
BEGIN
    FOREACH s IN ARRAY stmts LOOP
        -- After migration 006 `indicators` is a view over indicator_values,
        -- after 007 `analysis` one over analysis_rows: a second application
        -- of the files has nothing to alter there.
        IF NOT EXISTS (
               SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relname = split_part(s, ' ', 3) AND c.relkind IN ('r', 'p')) THEN
            CONTINUE;
        END IF;
        IF tsdb THEN
            BEGIN
                EXECUTE s;
            EXCEPTION WHEN OTHERS THEN
                RAISE WARNING 'migration 004: skipped on this TimescaleDB (%): %', SQLERRM, s;
            END;
        ELSE
            EXECUTE s;
        END IF;
    END LOOP;
END
$$;
