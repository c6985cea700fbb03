#!/usr/bin/env bash
# ops/demo.sh (`make demo`) - the farm on its embedded default: a private
# Redis and PostgreSQL in ./.stratfarm (ops/stack.sh), migrations, the
# bundled real market data loaded into History, one worker, and real jobs
# submitted and followed to the end. Idempotent: run it again and the
# loads change nothing and the jobs find nothing new to write.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
BIN=$TOP/build/rel/bin
bash ops/stack.sh up --dir .stratfarm
eval "$(bash ops/stack.sh env --dir .stratfarm)"
export STRATFARM_CONFIG=${STRATFARM_CONFIG:-$TOP/config/stratfarm.yaml}
export STRATFARM_SQL_DIR=$TOP/sql

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "History: bundled real market data (data/README.md says where each file comes from)"
"$BIN/stratfarm" load-candles data/NQ_1min_sample.csv --symbol NQ --timeframe M1 --tz America/New_York
"$BIN/stratfarm" load-candles data/orcl-1995-2014.txt --symbol ORCL --timeframe D1
"$BIN/stratfarm" load-candles data/EURUSD_15M.csv --symbol EURUSD --timeframe M15

step "A worker (2 slots) serving every kind this build has"
mkdir -p .stratfarm/logs
"$BIN/stratfarm-worker" --slots 2 > .stratfarm/logs/worker.log 2>&1 &
WORKER=$!
trap 'kill -TERM $WORKER 2>/dev/null || true; wait $WORKER 2>/dev/null || true' EXIT
sleep 0.5

submit() {
    local kind=$1 payload=$2
    if "$BIN/stratfarm" submit "$kind" --payload "$payload" --wait; then :; else
        rc=$?
        [ $rc -eq 2 ] && echo "($kind is not in this build yet)" || return $rc
    fi
}

step "Indicator precompute: NQ M1 and ORCL D1 (jobs/ta, equal to TA-Lib)"
submit indicators '{"symbol":"NQ","timeframe":"M1"}'
submit indicators '{"symbol":"ORCL","timeframe":"D1"}'

step "Fair Value Gap scan: NQ M1 (docs/architecture.md section 9 rules)"
submit fvg_scan '{"symbol":"NQ","timeframe":"M1"}'
"$BIN/stratfarm" fvg stats NQ M1 2>/dev/null || true

step "Backtests: both example programs on ORCL daily, as the website runs them (docs/backtest-job.md)"
for dsl in docs/strategies/sma-cross.dsl docs/strategies/rsi-reversion.dsl; do
    "$BIN/stratfarm" backtest "$dsl" --symbol ORCL --from 1995-01-01 --to 2014-12-31
done

step "Strategy execution (agent_analysis): local agents only (no LLM endpoint configured)"
q() { psql -X -q -h 127.0.0.1 -p "$(. .stratfarm/ports; echo $PG_PORT)" -U postgres -d "$1" -c "$2"; }
q stratfarm_website "INSERT INTO users (email, username, hashed_password) VALUES ('demo@example.invalid', 'demo', 'x') ON CONFLICT DO NOTHING" >/dev/null
SID=$(psql -X -qtA -h 127.0.0.1 -p "$(. .stratfarm/ports; echo $PG_PORT)" -U postgres -d stratfarm_website -c \
  "INSERT INTO strategies (name, dsl_code, owner_id, slug, agent_weights, execution_config) SELECT 'ORCL agents', '', id, 'demo-orcl-agents', '{\"ta\": 0.4, \"macro\": 0.3, \"onchain\": 0.3}', '{\"symbol\": \"ORCL\", \"timeframe\": \"D1\"}' FROM users WHERE username = 'demo' ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name RETURNING id")
q stratfarm_website "INSERT INTO strategy_subscriptions (user_id, strategy_id, allocated_capital) SELECT id, $SID, 5000 FROM users WHERE username = 'demo' ON CONFLICT DO NOTHING" >/dev/null
submit agent_analysis "{\"strategy_id\": $SID, \"as_of\": \"2014-06-02T00:00:00Z\"}"

step "Strategy execution with the bundled stand-in LLM endpoint (ops/fake-llm.py, loopback)"
LLM_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 ops/fake-llm.py "$LLM_PORT" & LLM=$!
kill -TERM $WORKER 2>/dev/null || true; wait $WORKER 2>/dev/null || true
STRATFARM_AGENTS_LLM_BASE_URL=http://127.0.0.1:$LLM_PORT/v1 "$BIN/stratfarm-worker" --slots 2 >> .stratfarm/logs/worker.log 2>&1 &
WORKER=$!
trap 'kill -TERM $WORKER $LLM 2>/dev/null || true; wait $WORKER 2>/dev/null || true' EXIT
sleep 0.5
submit agent_analysis "{\"strategy_id\": $SID, \"as_of\": \"2014-06-03T00:00:00Z\"}"
q stratfarm_website "SELECT \"timestamp\"::date AS as_of, agent_type, score, confidence, tokens_used, llm_model FROM agent_analysis_results ORDER BY id DESC LIMIT 5"
q stratfarm_website "SELECT \"timestamp\"::date AS as_of, conviction_score, signal, action_taken, status, left(reasoning, 90) AS reasoning FROM strategy_executions ORDER BY id DESC LIMIT 2"

step "Schedules (the scheduler fires these; 'stratfarm-scheduler' runs them)"
"$BIN/stratfarm" schedules 2>/dev/null | head -12 || true

step "What the farm holds now"
q stratfarm_history "SELECT symbol, timeframe, count(*) AS candles, min(\"timestamp\") AS first, max(\"timestamp\") AS last FROM candles GROUP BY 1, 2 ORDER BY 1, 2"
q stratfarm_backtest "SELECT kind, count(*) AS jobs, max(committed_at) AS last FROM job_runs GROUP BY 1 ORDER BY 1"
q stratfarm_backtest "SELECT symbol, timeframe, count(*) AS indicator_rows, count(DISTINCT indicator_name) AS indicators FROM indicators GROUP BY 1, 2 ORDER BY 1, 2" || true
q stratfarm_backtest "SELECT symbol, timeframe, type, status, count(*) FROM fvg_detections GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4" || true
"$BIN/stratfarm" status

step "Done. The stack keeps running: 'make stack-down' stops it; 'eval \"\$(ops/stack.sh env)\"' points the CLI at it."
