#!/usr/bin/env bash
# Installs the project and serves the demo on SQLite: migrates, seeds the demo tenant,
# users and clientes, prints the URL and the logins. Pass --port N / --host H to change them.
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
bash scripts/install-system-deps.sh
export DATABASE_URL="${DATABASE_URL:-sqlite+aiosqlite:///./cunservicios.db}"
exec python -m app demo "$@"
