-- Backtest DB, migration 006: indicator values in a denser table behind the
-- `indicators` view (issue 19; docs/indicators-job.md "Storage").
--
-- Seed 004's `indicators` columns (symbol, timeframe, indicator_name,
-- "timestamp", value jsonb) and its uniqueness are the read contract the
-- website queries, not a storage layout (docs/architecture.md section 9).
-- One row per (indicator, bar) cost ~2 us per row on the server, more than
-- the whole job may take; so values are stored one row per bar and per
-- *layout* (the ordered list of indicators a job wrote together), as float8
-- slots:
--
--   indicator_layouts       layout_id -> names (text[], the write order)
--   indicator_layout_slots  per layout and name: kind (JSON shape), off
--                           (1-based first slot in v), n (slots)
--   indicator_values        (symbol, timeframe, layout_id, "timestamp") -> v
--                           float8[]: each name's n slots at its off; NULL
--                           slots = no value at that bar (warm-up, not finite)
--   indicators (view)       one row per defined (name, bar), value rendered
--                           as the jsonb the job always wrote
--
-- Kinds and slots (jobs/indicators/indicators_slots.h holds the same table):
--   0 number  [x]                      1 bb     [upper, middle, lower]
--   2 macd    [macd, signal, histogram] 3 stoch [k, d]
--   4 ichimoku [tenkan, kijun, senkou_a, senkou_b, chikou]
--   5 pivots  [p, r1, r2, r3, s1, s2, s3]
--   6 fibonacci [swing_high, swing_low, up (1/0), 23.6, 38.2, 50, 61.8]
--   7 support_resistance [n_support, n_resistance, then 10 (price, touches)
--     pairs: the supports in order, then the resistances; unused NULL]
--   8 volume_profile [poc, val, vah, low, high, step, total_volume, volumes...]
--
-- Uniqueness of (symbol, timeframe, indicator_name, "timestamp") in the view:
-- a name appears in at most one row of a bar. The key cannot say that across
-- layouts, so the one writer keeps it (jobs/indicators/indicators_store.c,
-- under the pair's advisory lock): rows straight from COPY only at bars
-- after every stored row of the pair; else each value goes into the row that
-- already holds its name at that bar, or, for a name new at that bar, into a
-- row of the one-name layout [name]. The view is read-only.
--
-- Numbers: a value is the float8 the job computed, rendered as PostgreSQL
-- renders a float8 in JSON (to_jsonb: the shortest text that reads back as
-- the same double, at the default extra_float_digits = 1; a reader that
-- lowers it below 1 gets rounded numbers). The old rows held the job's
-- "%.15g, else %.17g" text: the same double, and the same text for ~91 % of
-- the values; the other ~9 % now read with 16 digits instead of 17 (e.g.
-- 15863.443206036203 stays, 0.61699385398560425 reads 0.6169938539856043).
-- The exact old text would need to_char per number in the view (~4 us per
-- number instead of ~0.7, docs/indicators-job.md "Storage").
--
-- Key order (symbol, timeframe, layout_id, "timestamp"): a job appends each
-- layout's bars at the right edge of its range; a reader's time range is one
-- index range per layout holding the names asked for (the view's join).

CREATE TABLE IF NOT EXISTS indicator_layouts (
    layout_id  INTEGER     GENERATED ALWAYS AS IDENTITY,
    names      TEXT[]      NOT NULL,               -- write order (byte order)
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT indicator_layouts_pkey PRIMARY KEY (layout_id),
    CONSTRAINT indicator_layouts_names_key UNIQUE (names)
);

CREATE TABLE IF NOT EXISTS indicator_layout_slots (
    layout_id      INTEGER     NOT NULL REFERENCES indicator_layouts (layout_id),
    indicator_name VARCHAR(50) COLLATE "C" NOT NULL,
    kind           SMALLINT    NOT NULL,            -- JSON shape, table above
    off            INTEGER     NOT NULL,            -- first slot in v (1-based)
    n              INTEGER     NOT NULL,            -- slots
    CONSTRAINT indicator_layout_slots_pkey PRIMARY KEY (layout_id, indicator_name),
    CONSTRAINT indicator_layout_slots_kind_valid CHECK (kind BETWEEN 0 AND 8),
    CONSTRAINT indicator_layout_slots_span_valid CHECK (off >= 1 AND n >= 1)
);
CREATE INDEX IF NOT EXISTS idx_indicator_layout_slots_name ON indicator_layout_slots (indicator_name, layout_id);

CREATE TABLE IF NOT EXISTS indicator_values (
    symbol      VARCHAR(20) COLLATE "C" NOT NULL,
    timeframe   VARCHAR(10) COLLATE "C" NOT NULL,
    layout_id   INTEGER     NOT NULL,               -- indicator_layouts (no FK: checked per row it costs)
    "timestamp" TIMESTAMP   NOT NULL,               -- candle time, UTC wall time
    v           FLOAT8[]    NOT NULL,               -- the layout's slots
    CONSTRAINT indicator_values_pkey PRIMARY KEY (symbol, timeframe, layout_id, "timestamp")
);

-- ---- existing rows: the old table's values into slots ----------------------
-- Each pair's rows become one layout (all names the pair has, byte order),
-- one row per bar that had any value; then the view is compared with the
-- old table (EXCEPT both ways, and the count): any difference aborts the
-- migration, so nothing is lost or changed.

CREATE OR REPLACE FUNCTION pg_temp.sf_kind_of(v jsonb) RETURNS smallint
LANGUAGE sql IMMUTABLE AS $$
    SELECT (CASE WHEN jsonb_typeof(v) = 'number' THEN 0
                 WHEN v ? 'upper' THEN 1 WHEN v ? 'macd' THEN 2 WHEN v ? 'k' THEN 3
                 WHEN v ? 'tenkan' THEN 4 WHEN v ? 'r1' THEN 5 WHEN v ? 'swing_high' THEN 6
                 WHEN v ? 'support' THEN 7 WHEN v ? 'poc' THEN 8 END)::smallint
$$;

-- Kinds 0..6: one expression, so the planner inlines it (a SQL function
-- call per row costs ~60 us); 7 and 8 need sub-selects.
CREATE OR REPLACE FUNCTION pg_temp.sf_slots_simple(kind smallint, v jsonb) RETURNS float8[]
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE kind
        WHEN 0 THEN ARRAY[v::text::float8]
        WHEN 1 THEN ARRAY[(v->>'upper')::float8, (v->>'middle')::float8, (v->>'lower')::float8]
        WHEN 2 THEN ARRAY[(v->>'macd')::float8, (v->>'signal')::float8, (v->>'histogram')::float8]
        WHEN 3 THEN ARRAY[(v->>'k')::float8, (v->>'d')::float8]
        WHEN 4 THEN ARRAY[(v->>'tenkan')::float8, (v->>'kijun')::float8, (v->>'senkou_a')::float8,
                          (v->>'senkou_b')::float8, (v->>'chikou')::float8]
        WHEN 5 THEN ARRAY[(v->>'p')::float8, (v->>'r1')::float8, (v->>'r2')::float8, (v->>'r3')::float8,
                          (v->>'s1')::float8, (v->>'s2')::float8, (v->>'s3')::float8]
        WHEN 6 THEN ARRAY[(v->>'swing_high')::float8, (v->>'swing_low')::float8,
                          CASE WHEN v->>'direction' = 'up' THEN 1 ELSE 0 END,
                          (v->>'23.6')::float8, (v->>'38.2')::float8, (v->>'50')::float8, (v->>'61.8')::float8]
    END
$$;

CREATE OR REPLACE FUNCTION pg_temp.sf_slots_levels(kind smallint, v jsonb, n int) RETURNS float8[]
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT CASE kind
        WHEN 7 THEN (SELECT ARRAY[jsonb_array_length(v->'support')::float8,
                                  jsonb_array_length(v->'resistance')::float8]
                            || COALESCE(array_agg(x ORDER BY o, k), '{}')
                            || array_fill(NULL::float8, ARRAY[n - 2 - count(x)::int])
                     FROM (SELECT o, e.k, x
                           FROM (SELECT 1 AS o, value AS e, ordinality AS k FROM jsonb_array_elements(v->'support') WITH ORDINALITY
                                 UNION ALL
                                 SELECT 2, value, ordinality FROM jsonb_array_elements(v->'resistance') WITH ORDINALITY) e
                           CROSS JOIN LATERAL (VALUES (1, (e.e->>'price')::float8), (2, (e.e->>'touches')::float8)) p(j, x)
                           ORDER BY o, e.k, p.j) s)
        WHEN 8 THEN ARRAY[(v->>'poc')::float8, (v->>'val')::float8, (v->>'vah')::float8, (v->>'low')::float8,
                          (v->>'high')::float8, (v->>'step')::float8, (v->>'total_volume')::float8]
                    || ARRAY(SELECT x::text::float8 FROM jsonb_array_elements(v->'volumes') WITH ORDINALITY u(x, k) ORDER BY k)
    END
$$;

DO $$
DECLARE
    old_rows bigint;
    diff bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
               WHERE ns.nspname = 'public' AND c.relname = 'indicators' AND c.relkind IN ('r', 'p')) THEN
        ALTER TABLE indicators RENAME TO indicators_v005;
        old_rows := (SELECT count(*) FROM indicators_v005);
        -- Fresh statistics: without them a just-loaded table is planned as
        -- tiny, and the joins below become nested loops over it.
        ANALYZE indicators_v005;

        -- Per name: its kind, and its slot count (volume profile: 7 + buckets).
        CREATE TEMP TABLE m_names ON COMMIT DROP AS
        SELECT DISTINCT ON (symbol, timeframe, indicator_name) symbol, timeframe,
               indicator_name::text COLLATE "C" AS indicator_name, pg_temp.sf_kind_of(value) AS kind,
               CASE pg_temp.sf_kind_of(value) WHEN 0 THEN 1 WHEN 1 THEN 3 WHEN 2 THEN 3 WHEN 3 THEN 2
                    WHEN 4 THEN 5 WHEN 5 THEN 7 WHEN 6 THEN 7 WHEN 7 THEN 22
                    ELSE 7 + jsonb_array_length(value->'volumes') END AS n
        FROM indicators_v005 ORDER BY symbol, timeframe, indicator_name;
        CREATE TEMP TABLE m_pairs ON COMMIT DROP AS
        SELECT symbol, timeframe, array_agg(indicator_name ORDER BY indicator_name)::text[] AS names
        FROM m_names GROUP BY 1, 2;
        ANALYZE m_names;
        ANALYZE m_pairs;
        INSERT INTO indicator_layouts (names) SELECT DISTINCT names FROM m_pairs ON CONFLICT (names) DO NOTHING;
        INSERT INTO indicator_layout_slots (layout_id, indicator_name, kind, off, n)
        SELECT DISTINCT ON (l.layout_id, m.indicator_name) l.layout_id, m.indicator_name, m.kind,
               1 + COALESCE(sum(m.n) OVER (PARTITION BY m.symbol, m.timeframe ORDER BY m.indicator_name
                                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0),
               m.n
        FROM m_names m JOIN m_pairs p USING (symbol, timeframe) JOIN indicator_layouts l ON l.names = p.names
        ON CONFLICT DO NOTHING;
        ANALYZE indicator_layouts;
        ANALYZE indicator_layout_slots;

        -- Set-based: every (bar, slot entry of the pair's layout), the old
        -- value when there is one, else the entry's NULL slots.
        INSERT INTO indicator_values (symbol, timeframe, layout_id, "timestamp", v)
        SELECT b.symbol, b.timeframe, s.layout_id, b."timestamp", array_agg(u.x ORDER BY s.off, u.k)
        FROM (SELECT DISTINCT symbol, timeframe, "timestamp" FROM indicators_v005) b
        JOIN m_pairs p ON p.symbol = b.symbol AND p.timeframe = b.timeframe
        JOIN indicator_layouts l ON l.names = p.names
        JOIN indicator_layout_slots s ON s.layout_id = l.layout_id
        LEFT JOIN indicators_v005 o ON o.symbol = b.symbol AND o.timeframe = b.timeframe
             AND o.indicator_name = s.indicator_name AND o."timestamp" = b."timestamp"
        CROSS JOIN LATERAL unnest(COALESCE(CASE WHEN s.kind < 7 THEN pg_temp.sf_slots_simple(s.kind, o.value)
                                                ELSE pg_temp.sf_slots_levels(s.kind, o.value, s.n) END,
                                           array_fill(NULL::float8, ARRAY[s.n]))) WITH ORDINALITY u(x, k)
        GROUP BY b.symbol, b.timeframe, s.layout_id, b."timestamp";
    END IF;

    -- The CASE is written out here rather than in a function so that the
    -- planner evaluates it inline (a SQL function call per value costs ~60 us;
    -- support/resistance spells its TA_SPEC_SR_CAP = 10 levels out for the
    -- same reason: no sub-select).
    CREATE OR REPLACE VIEW indicators AS
    SELECT iv.symbol, iv.timeframe, s.indicator_name, iv."timestamp",
           CASE s.kind
           WHEN 0 THEN to_jsonb(iv.v[s.off])
           WHEN 1 THEN jsonb_build_object('upper', iv.v[s.off], 'middle', iv.v[s.off + 1], 'lower', iv.v[s.off + 2])
           WHEN 2 THEN jsonb_build_object('macd', iv.v[s.off], 'signal', iv.v[s.off + 1],
                                          'histogram', iv.v[s.off + 2])
           WHEN 3 THEN jsonb_build_object('k', iv.v[s.off], 'd', iv.v[s.off + 1])
           WHEN 4 THEN jsonb_build_object('tenkan', iv.v[s.off], 'kijun', iv.v[s.off + 1],
                                          'senkou_a', iv.v[s.off + 2], 'senkou_b', iv.v[s.off + 3],
                                          'chikou', iv.v[s.off + 4])
           WHEN 5 THEN jsonb_build_object('p', iv.v[s.off], 'r1', iv.v[s.off + 1], 'r2', iv.v[s.off + 2],
                                          'r3', iv.v[s.off + 3], 's1', iv.v[s.off + 4], 's2', iv.v[s.off + 5],
                                          's3', iv.v[s.off + 6])
           WHEN 6 THEN jsonb_build_object('swing_high', iv.v[s.off], 'swing_low', iv.v[s.off + 1],
                                          'direction', CASE WHEN iv.v[s.off + 2] = 1 THEN 'up' ELSE 'down' END,
                                          '23.6', iv.v[s.off + 3], '38.2', iv.v[s.off + 4], '50', iv.v[s.off + 5],
                                          '61.8', iv.v[s.off + 6])
           WHEN 7 THEN jsonb_build_object(
               'support', to_jsonb(array_remove(ARRAY[
                   CASE WHEN iv.v[s.off] >= 1 THEN jsonb_build_object('price', iv.v[s.off + 2], 'touches', iv.v[s.off + 2 + 1]) END,
                   CASE WHEN iv.v[s.off] >= 2 THEN jsonb_build_object('price', iv.v[s.off + 4], 'touches', iv.v[s.off + 4 + 1]) END,
                   CASE WHEN iv.v[s.off] >= 3 THEN jsonb_build_object('price', iv.v[s.off + 6], 'touches', iv.v[s.off + 6 + 1]) END,
                   CASE WHEN iv.v[s.off] >= 4 THEN jsonb_build_object('price', iv.v[s.off + 8], 'touches', iv.v[s.off + 8 + 1]) END,
                   CASE WHEN iv.v[s.off] >= 5 THEN jsonb_build_object('price', iv.v[s.off + 10], 'touches', iv.v[s.off + 10 + 1]) END,
                   CASE WHEN iv.v[s.off] >= 6 THEN jsonb_build_object('price', iv.v[s.off + 12], 'touches', iv.v[s.off + 12 + 1]) END,
                   CASE WHEN iv.v[s.off] >= 7 THEN jsonb_build_object('price', iv.v[s.off + 14], 'touches', iv.v[s.off + 14 + 1]) END,
                   CASE WHEN iv.v[s.off] >= 8 THEN jsonb_build_object('price', iv.v[s.off + 16], 'touches', iv.v[s.off + 16 + 1]) END,
                   CASE WHEN iv.v[s.off] >= 9 THEN jsonb_build_object('price', iv.v[s.off + 18], 'touches', iv.v[s.off + 18 + 1]) END,
                   CASE WHEN iv.v[s.off] >= 10 THEN jsonb_build_object('price', iv.v[s.off + 20], 'touches', iv.v[s.off + 20 + 1]) END], NULL)),
               'resistance', to_jsonb(array_remove(ARRAY[
                   CASE WHEN iv.v[s.off + 1] >= 1 THEN jsonb_build_object('price', iv.v[s.off + 2 * iv.v[s.off]::int + 2], 'touches', iv.v[s.off + 2 * iv.v[s.off]::int + 2 + 1]) END,
                   CASE WHEN iv.v[s.off + 1] >= 2 THEN jsonb_build_object('price', iv.v[s.off + 2 * iv.v[s.off]::int + 4], 'touches', iv.v[s.off + 2 * iv.v[s.off]::int + 4 + 1]) END,
                   CASE WHEN iv.v[s.off + 1] >= 3 THEN jsonb_build_object('price', iv.v[s.off + 2 * iv.v[s.off]::int + 6], 'touches', iv.v[s.off + 2 * iv.v[s.off]::int + 6 + 1]) END,
                   CASE WHEN iv.v[s.off + 1] >= 4 THEN jsonb_build_object('price', iv.v[s.off + 2 * iv.v[s.off]::int + 8], 'touches', iv.v[s.off + 2 * iv.v[s.off]::int + 8 + 1]) END,
                   CASE WHEN iv.v[s.off + 1] >= 5 THEN jsonb_build_object('price', iv.v[s.off + 2 * iv.v[s.off]::int + 10], 'touches', iv.v[s.off + 2 * iv.v[s.off]::int + 10 + 1]) END,
                   CASE WHEN iv.v[s.off + 1] >= 6 THEN jsonb_build_object('price', iv.v[s.off + 2 * iv.v[s.off]::int + 12], 'touches', iv.v[s.off + 2 * iv.v[s.off]::int + 12 + 1]) END,
                   CASE WHEN iv.v[s.off + 1] >= 7 THEN jsonb_build_object('price', iv.v[s.off + 2 * iv.v[s.off]::int + 14], 'touches', iv.v[s.off + 2 * iv.v[s.off]::int + 14 + 1]) END,
                   CASE WHEN iv.v[s.off + 1] >= 8 THEN jsonb_build_object('price', iv.v[s.off + 2 * iv.v[s.off]::int + 16], 'touches', iv.v[s.off + 2 * iv.v[s.off]::int + 16 + 1]) END,
                   CASE WHEN iv.v[s.off + 1] >= 9 THEN jsonb_build_object('price', iv.v[s.off + 2 * iv.v[s.off]::int + 18], 'touches', iv.v[s.off + 2 * iv.v[s.off]::int + 18 + 1]) END,
                   CASE WHEN iv.v[s.off + 1] >= 10 THEN jsonb_build_object('price', iv.v[s.off + 2 * iv.v[s.off]::int + 20], 'touches', iv.v[s.off + 2 * iv.v[s.off]::int + 20 + 1]) END], NULL)))
           WHEN 8 THEN jsonb_build_object('poc', iv.v[s.off], 'val', iv.v[s.off + 1], 'vah', iv.v[s.off + 2],
                                          'low', iv.v[s.off + 3], 'high', iv.v[s.off + 4], 'step', iv.v[s.off + 5],
                                          'total_volume', iv.v[s.off + 6],
                                          'volumes', to_jsonb(iv.v[s.off + 7 : s.off + s.n - 1]))
           END AS value
    FROM indicator_layout_slots s
    JOIN indicator_values iv ON iv.layout_id = s.layout_id
    WHERE iv.v[s.off] IS NOT NULL;
    COMMENT ON VIEW indicators IS
        'Seed 004 indicators (read contract): one row per defined (indicator, bar); stored in indicator_values (migration 006)';

    -- Every old (pair, name, bar) is in the view and nothing else; each
    -- value is the same double (the slots were read from it; the test
    -- tests/jobs/indicators/test_indicators_storage.c compares every number).
    IF old_rows IS NOT NULL THEN
        diff := (SELECT count(*) FROM (
                    (SELECT symbol::text, timeframe::text, indicator_name::text, "timestamp" FROM indicators_v005
                     EXCEPT ALL
                     SELECT symbol::text, timeframe::text, indicator_name::text, "timestamp" FROM indicators)
                    UNION ALL
                    (SELECT symbol::text, timeframe::text, indicator_name::text, "timestamp" FROM indicators
                     EXCEPT ALL
                     SELECT symbol::text, timeframe::text, indicator_name::text, "timestamp" FROM indicators_v005)) d);
        IF diff <> 0 OR (SELECT count(*) FROM indicators) <> old_rows THEN
            RAISE EXCEPTION 'migration 006: % rows of indicators would differ after the move; nothing changed', diff;
        END IF;
        DROP TABLE indicators_v005;
        RAISE NOTICE 'migration 006: % indicators rows moved into indicator_values', old_rows;
    END IF;
END
$$;
