# Sourced by the other scripts: a virtual environment in .venv with the project installed.
# Usage: [VENV_EXTRAS=dev] source scripts/_venv.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
EXTRAS="${VENV_EXTRAS:-}"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${EXTRAS:+[$EXTRAS]}"
export PATH="$ROOT/.venv/bin:$PATH"
