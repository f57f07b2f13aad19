#!/usr/bin/env bash
# Installs the project with its dev dependencies and runs the whole suite: the linter, the
# architecture contracts (import-linter) and the type checker (mypy), then the tests on SQLite,
# then on PostgreSQL when TEST_DATABASE_URL is set or the local server answers. Extra arguments
# go to pytest (e.g. scripts/test.sh -x -k clientes).
set -euo pipefail
VENV_EXTRAS=dev source "$(dirname "$0")/_venv.sh"
bash scripts/install-system-deps.sh --test
# Redis on 127.0.0.1:6379 (the rate-limit and shared-cache tests, the cluster): started here
# when it is not running.
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && command -v redis-server >/dev/null; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

echo "== lint (ruff), architecture contracts (import-linter), types (mypy)"
ruff check .
lint-imports --no-cache
mypy

echo "== tests on SQLite"
# The contract run (schemathesis against the OpenAPI document) is about the document: it runs
# once, on PostgreSQL, the production database; on SQLite only when there is no PostgreSQL.
CONTRACT_ON_SQLITE=()
if [ -n "${TEST_DATABASE_URL:-}" ] || { command -v pg_isready >/dev/null \
        && pg_isready -q -h 127.0.0.1 -p 5432; }; then
    CONTRACT_ON_SQLITE=(-m "not contract")
fi
env -u TEST_DATABASE_URL python -m pytest "${CONTRACT_ON_SQLITE[@]}" "$@"

LOCAL_POSTGRES="postgresql://postgres@127.0.0.1:5432/postgres"
if [ -z "${TEST_DATABASE_URL:-}" ] && command -v pg_isready >/dev/null \
        && pg_isready -q -h 127.0.0.1 -p 5432; then
    export TEST_DATABASE_URL="$LOCAL_POSTGRES"
fi
if [ -n "${TEST_DATABASE_URL:-}" ]; then
    echo "== tests on PostgreSQL"
    python -m pytest "$@"
else
    echo "== PostgreSQL not reachable and TEST_DATABASE_URL not set: PostgreSQL run skipped"
fi

# Three replicas behind nginx with a worker, on the machine's PostgreSQL (as postgres) and
# Redis: scripts/cluster.sh brings them up on their own ports and database.
if [ -n "${TEST_DATABASE_URL:-}" ] && command -v nginx >/dev/null \
        && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    echo "== cluster: three replicas behind nginx (tests/cluster)"
    CLUSTER_TESTS=1 python -m pytest tests/cluster "$@"
else
    echo "== PostgreSQL, Redis (127.0.0.1:6379) or nginx missing: cluster run skipped"
fi
