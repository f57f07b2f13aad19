#!/usr/bin/env bash
# Three replicas of the service behind nginx, with one job worker, PostgreSQL and Redis: the
# production topology on one machine (compose.yaml describes the same with containers).
#
#   bash scripts/cluster.sh up      # prints the URL (nginx) and the demo logins
#   bash scripts/cluster.sh down
#   bash scripts/cluster.sh status
#
# PostgreSQL: the machine's (postgres superuser at 127.0.0.1:5432), where it provisions the
# database CLUSTER_DB with the owner and service roles; or give DATABASE_URL (the service
# role) and MIGRATION_DATABASE_URL (the owner) of a prepared one. Redis: REDIS_URL (default
# the machine's, database 0; set it empty to run without Redis). Other settings: CLUSTER_PORT (nginx, 8100), CLUSTER_REPLICAS
# (3; replica i listens on CLUSTER_PORT + i), CLUSTER_DIR (pids, logs, nginx config).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CLUSTER_DIR="${CLUSTER_DIR:-/tmp/cunservicios-cluster}"
CLUSTER_PORT="${CLUSTER_PORT:-8100}"
CLUSTER_REPLICAS="${CLUSTER_REPLICAS:-3}"
CLUSTER_DB="${CLUSTER_DB:-cunservicios_cluster}"
PG_ADMIN_URL="${PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
ROLE_PASSWORD="${CLUSTER_ROLE_PASSWORD:-cluster-role-password}"
export REDIS_URL="${REDIS_URL-redis://127.0.0.1:6379/0}"  # empty: no Redis
export DATABASE_URL="${DATABASE_URL:-postgresql+psycopg://cunservicios_cluster_app:$ROLE_PASSWORD@127.0.0.1:5432/$CLUSTER_DB}"
export MIGRATION_DATABASE_URL="${MIGRATION_DATABASE_URL:-postgresql+psycopg://cunservicios_cluster_owner:$ROLE_PASSWORD@127.0.0.1:5432/$CLUSTER_DB}"
export ENVIRONMENT="${ENVIRONMENT:-production}"
export SECRET_KEY="${SECRET_KEY:-a-cluster-secret-key-shared-by-every-replica-0123456789}"
export JOBS_IN_PROCESS=false     # jobs go to the queue; the worker takes them
export LOG_LEVEL="${LOG_LEVEL:-WARNING}"
export MAIL_OUTBOX_DIR="${MAIL_OUTBOX_DIR:-$CLUSTER_DIR/outbox}"

replica_port() { echo $((CLUSTER_PORT + $1)); }

wait_for() {  # url, seconds
    for _ in $(seq $(($2 * 10))); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "no answer from $1 (logs in $CLUSTER_DIR)" >&2
    return 1
}

stop_pid() {  # pid file
    [ -f "$1" ] || return 0
    local pid
    pid="$(cat "$1")"
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$1"
}

write_nginx_conf() {
    local servers=""
    for i in $(seq 1 "$CLUSTER_REPLICAS"); do
        servers+="        server 127.0.0.1:$(replica_port "$i") max_fails=1 fail_timeout=2s;"$'\n'
    done
    cat > "$CLUSTER_DIR/nginx.conf" <<EOF
worker_processes 1;
pid $CLUSTER_DIR/nginx.pid;
error_log $CLUSTER_DIR/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $CLUSTER_DIR/nginx-body;
    proxy_temp_path $CLUSTER_DIR/nginx-proxy;
    client_max_body_size 60m;
    upstream cunservicios {
$servers        keepalive 32;
    }
    server {
        listen 127.0.0.1:$CLUSTER_PORT;
        location / {
            proxy_pass http://cunservicios;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            # The address nginx saw (the replicas trust 127.0.0.1's X-Forwarded-For): rate
            # limits per address count the client, not nginx.
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_set_header X-Forwarded-Proto \$scheme;
            # A replica that refuses the connection (down) is skipped: the request was not
            # sent, so even a POST goes to the next one. One that fails after receiving a
            # POST is not retried (a payment must not run twice).
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
        }
    }
}
EOF
}

up() {
    mkdir -p "$CLUSTER_DIR"
    VENV_EXTRAS="" source scripts/_venv.sh
    if [ -n "$REDIS_URL" ]; then
        redis-cli -u "$REDIS_URL" ping >/dev/null \
            || { echo "Redis does not answer at $REDIS_URL" >&2; exit 1; }
    fi
    if [[ "$DATABASE_URL" == *"@127.0.0.1:5432/$CLUSTER_DB" ]]; then
        python -m app create-db-roles --admin-url "$PG_ADMIN_URL" --database "$CLUSTER_DB" \
            --owner cunservicios_cluster_owner --app-role cunservicios_cluster_app \
            --owner-password "$ROLE_PASSWORD" --app-password "$ROLE_PASSWORD" >/dev/null
    fi
    python -m app migrate >"$CLUSTER_DIR/migrate.log" 2>&1
    python -m app seed-demo >>"$CLUSTER_DIR/migrate.log" 2>&1
    for i in $(seq 1 "$CLUSTER_REPLICAS"); do
        stop_pid "$CLUSTER_DIR/api-$i.pid"
        nohup python -m app serve --host 127.0.0.1 --port "$(replica_port "$i")" \
            >"$CLUSTER_DIR/api-$i.log" 2>&1 &
        echo $! >"$CLUSTER_DIR/api-$i.pid"
    done
    stop_pid "$CLUSTER_DIR/worker.pid"
    nohup python -m app worker --concurrency 2 >"$CLUSTER_DIR/worker.log" 2>&1 &
    echo $! >"$CLUSTER_DIR/worker.pid"
    for i in $(seq 1 "$CLUSTER_REPLICAS"); do
        wait_for "http://127.0.0.1:$(replica_port "$i")/health/ready" 60
    done
    write_nginx_conf
    [ -f "$CLUSTER_DIR/nginx.pid" ] && nginx -p "$CLUSTER_DIR" -c "$CLUSTER_DIR/nginx.conf" -s stop 2>/dev/null || true
    nginx -p "$CLUSTER_DIR" -c "$CLUSTER_DIR/nginx.conf"
    wait_for "http://127.0.0.1:$CLUSTER_PORT/health/ready" 10
    python -c "from app.__main__ import print_demo_logins; print_demo_logins('http://127.0.0.1:$CLUSTER_PORT')"
    echo "Replicas on ports $(replica_port 1)-$(replica_port "$CLUSTER_REPLICAS"), a worker, nginx on $CLUSTER_PORT; logs in $CLUSTER_DIR"
}

down() {
    if [ -f "$CLUSTER_DIR/nginx.pid" ]; then
        nginx -p "$CLUSTER_DIR" -c "$CLUSTER_DIR/nginx.conf" -s stop 2>/dev/null || true
        rm -f "$CLUSTER_DIR/nginx.pid"
    fi
    for pidfile in "$CLUSTER_DIR"/api-*.pid "$CLUSTER_DIR/worker.pid"; do
        stop_pid "$pidfile"
    done
    echo "cluster stopped"
}

status() {
    for pidfile in "$CLUSTER_DIR"/api-*.pid "$CLUSTER_DIR/worker.pid" "$CLUSTER_DIR/nginx.pid"; do
        [ -f "$pidfile" ] || continue
        if kill -0 "$(cat "$pidfile")" 2>/dev/null; then state=up; else state=down; fi
        echo "$(basename "$pidfile" .pid): $state"
    done
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    status) status ;;
    *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
