#!/usr/bin/env bash
# ops/stack.sh - the embedded local stack: Redis and PostgreSQL from Debian
# packages, in a private folder, on loopback only. Never touches a
# system-wide service.
#
#   ops/stack.sh up     [--dir D] [--ephemeral] [--no-migrate]
#   ops/stack.sh down   [--dir D]
#   ops/stack.sh status [--dir D]
#   ops/stack.sh env    [--dir D]     # prints export lines for the farm
#
# D defaults to ./.stratfarm. Ports are chosen free on first start and kept in
# D/ports, so `up` twice is a no-op and a restart keeps its addresses.
# --ephemeral (tests): no durability (fsync off, no Redis persistence).
# PostgreSQL trusts loopback connections of this folder's own cluster: it is
# a developer stack. Production DSNs (with passwords from the environment)
# go in STRATFARM_*_DSN.
set -euo pipefail
cmd=${1:-}; shift || true
DIR=.stratfarm; EPHEMERAL=0; MIGRATE=1
while [ $# -gt 0 ]; do
    case $1 in
        --dir) DIR=$2; shift 2 ;;
        --ephemeral) EPHEMERAL=1; shift ;;
        --no-migrate) MIGRATE=0; shift ;;
        *) echo "stack: unknown option $1" >&2; exit 2 ;;
    esac
done
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] || { echo "stack: PostgreSQL server binaries not found (make deps)" >&2; exit 1; }
DBS=(website backtest history)

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
    local p
    for _ in $(seq 1 200); do
        p=$(( 20000 + (RANDOM * 7 + $$) % 40000 ))
        port_busy "$p" || { echo "$p"; return; }
    done
    echo "stack: no free port" >&2; exit 1
}

# Ports chosen by this run (not read back from D/ports) may be taken by
# another stack starting at the same moment between the check and the bind:
# then the server that lost is started again on another free port.
FRESH_PORTS=0
save_ports() { printf 'REDIS_PORT=%s\nPG_PORT=%s\n' "$REDIS_PORT" "$PG_PORT" > "$DIR/ports"; }
load_ports() {
    if [ -f "$DIR/ports" ]; then . "$DIR/ports"; else
        REDIS_PORT=$(free_port); PG_PORT=$(free_port)
        while [ "$PG_PORT" = "$REDIS_PORT" ]; do PG_PORT=$(free_port); done
        save_ports
        FRESH_PORTS=1
    fi
}
other_port() {
    local p; p=$(free_port)
    while [ "$p" = "$REDIS_PORT" ] || [ "$p" = "$PG_PORT" ]; do p=$(free_port); done
    echo "$p"
}

# PostgreSQL refuses to run as root: as root, the cluster belongs to the
# Debian 'postgres' account. Its data must sit where that account can reach.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_data() {
    if [ "$(id -u)" -ne 0 ]; then echo "$DIR/pg"; return; fi
    if runuser -u postgres -- test -x "$DIR" 2>/dev/null; then echo "$DIR/pg"; return; fi
    # The project folder is not reachable by 'postgres' (e.g. under /root):
    # keep the cluster in a folder of its own, linked from D.
    local alt="/var/tmp/stratfarm-pg-$(echo "$DIR" | md5sum | cut -c1-12)"
    mkdir -p "$alt"; chown postgres "$alt"; chmod 700 "$alt"
    ln -sfn "$alt" "$DIR/pg.link"
    echo "$alt/pg"
}

# 0 once the Redis answering on REDIS_PORT is the one this stack started
# (a ping alone could be answered by another stack's server on that port).
redis_started() {
    local pid
    for _ in $(seq 1 100); do
        pid=$(cat "$DIR/redis/redis.pid" 2>/dev/null)
        if [ -n "$pid" ] && redis-cli -h 127.0.0.1 -p "$REDIS_PORT" info server 2>/dev/null \
            | tr -d '\r' | grep -qx "process_id:$pid"; then return 0; fi
        sleep 0.05
    done
    return 1
}

redis_up() {
    if [ -f "$DIR/redis/redis.pid" ] && kill -0 "$(cat "$DIR/redis/redis.pid")" 2>/dev/null; then return; fi
    mkdir -p "$DIR/redis"
    local persist=(--appendonly yes --appendfsync everysec)
    [ $EPHEMERAL -eq 1 ] && persist=(--save "" --appendonly no)
    for _ in 1 2 3 4 5; do
        rm -f "$DIR/redis/redis.pid"
        redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes \
            --dir "$DIR/redis" --pidfile "$DIR/redis/redis.pid" --logfile "$DIR/redis/redis.log" \
            --daemonize yes "${persist[@]}" >/dev/null
        redis_started && return
        [ -f "$DIR/redis/redis.pid" ] && kill "$(cat "$DIR/redis/redis.pid")" 2>/dev/null
        [ $FRESH_PORTS -eq 1 ] || break
        REDIS_PORT=$(other_port); save_ports
    done
    echo "stack: redis did not start; see $DIR/redis/redis.log" >&2; exit 1
}

pg_up() {
    local data; data=$(pg_data)
    if [ ! -f "$data/PG_VERSION" ]; then
        mkdir -p "$data"
        [ "$(id -u)" -eq 0 ] && chown postgres "$data" "$(dirname "$data")"
        as_pg "$PGBIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
            || as_pg "$PGBIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-locale >"$DIR/initdb.log" 2>&1 \
            || { echo "stack: initdb failed; see $DIR/initdb.log" >&2; exit 1; }
        {
            echo "listen_addresses = '127.0.0.1'"
            echo "unix_socket_directories = ''"
            echo "max_connections = 200"
            echo "shared_buffers = 256MB"
            echo "log_min_messages = warning"
            if [ $EPHEMERAL -eq 1 ]; then
                echo "fsync = off"; echo "synchronous_commit = off"; echo "full_page_writes = off"
            fi
        } | as_pg tee -a "$data/postgresql.conf" >/dev/null
    fi
    if as_pg "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then return; fi
    for _ in 1 2 3 4 5; do
        as_pg "$PGBIN/pg_ctl" -D "$data" -o "-p $PG_PORT" -l "$data/server.log" -w -t 60 start >/dev/null && return
        [ $FRESH_PORTS -eq 1 ] && ! grep -q "could not bind\|Address already in use" "$data/server.log" 2>/dev/null && break
        [ $FRESH_PORTS -eq 1 ] || break
        PG_PORT=$(other_port); save_ports
    done
    echo "stack: postgres did not start; see $data/server.log" >&2; exit 1
}

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"; }

create_dbs() {
    for db in "${DBS[@]}"; do
        if ! psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname='stratfarm_$db'" | grep -q 1; then
            psql_admin -c "CREATE DATABASE stratfarm_$db" >/dev/null
        fi
    done
}

print_env() {
    echo "export STRATFARM_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
    for db in "${DBS[@]}"; do
        up=$(echo "$db" | tr a-z A-Z)
        echo "export STRATFARM_${up}_DSN='host=127.0.0.1 port=$PG_PORT user=postgres dbname=stratfarm_$db'"
    done
    echo "export STRATFARM_LOCAL_STACK=1"
}

case $cmd in
    up)
        load_ports; redis_up; pg_up
        if [ $MIGRATE -eq 1 ]; then
            create_dbs
            BIN=${STRATFARM_BIN:-$TOP/build/rel/bin/stratfarm}
            if [ -x "$BIN" ]; then
                eval "$(print_env)"
                "$BIN" migrate --local
            fi
        fi
        echo "stack: up in $DIR (redis 127.0.0.1:$REDIS_PORT, postgres 127.0.0.1:$PG_PORT)" >&2 ;;
    down)
        [ -f "$DIR/redis/redis.pid" ] && { kill "$(cat "$DIR/redis/redis.pid")" 2>/dev/null || true; rm -f "$DIR/redis/redis.pid"; }
        if [ -f "$DIR/ports" ]; then
            data=$(pg_data)
            [ -f "$data/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
        fi
        echo "stack: down ($DIR)" >&2 ;;
    destroy)
        "$0" down --dir "$DIR"
        [ -L "$DIR/pg.link" ] && rm -rf "$(readlink "$DIR/pg.link")"
        rm -rf "$DIR" ;;
    restart-pg)
        # Fault tests: PostgreSQL goes away under running workers and comes back.
        load_ports
        data=$(pg_data)
        as_pg "$PGBIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
        as_pg "$PGBIN/pg_ctl" -D "$data" -o "-p $PG_PORT" -l "$data/server.log" -w -t 60 start >/dev/null \
            || { echo "stack: postgres did not restart; see $data/server.log" >&2; exit 1; } ;;
    status)
        load_ports
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && echo "redis: up on $REDIS_PORT" || echo "redis: down"
        "$PGBIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1 && echo "postgres: up on $PG_PORT" || echo "postgres: down" ;;
    env)
        load_ports; print_env ;;
    *)
        echo "usage: ops/stack.sh up|down|destroy|restart-pg|status|env [--dir D] [--ephemeral] [--no-migrate]" >&2; exit 2 ;;
esac
