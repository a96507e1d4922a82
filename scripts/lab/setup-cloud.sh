#!/usr/bin/env bash
# Creates (idempotently) the Python venv used by the lab cloud (scripts/lab/cloud.py).
#
#   scripts/lab/setup-cloud.sh        -> last stdout line: path of the venv's python
#
# Env: LAB_VENV  venv directory (default: $REPO/.lab/venv)
#      PYTHON    interpreter to build the venv with (default: the first working python3 on PATH,
#                then /usr/bin/python3)
# Nothing is installed if the venv already imports the pinned packages.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
VENV="${LAB_VENV:-$REPO/.lab/venv}"

# Versions verified together (Python 3.11, Debian 12). Socket.IO v5 / Engine.IO v4.
PINS=(python-socketio==5.18.1 python-engineio==4.15.1 aiohttp==3.14.5)
CHECK='import sys, socketio, engineio, aiohttp
from importlib.metadata import version as v
sys.exit(0 if [v("python-socketio"), v("python-engineio"), v("aiohttp")] == ["5.18.1", "4.15.1", "3.14.5"] else 1)'

log() { echo "setup-cloud: $*" >&2; }

if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c "$CHECK" 2>/dev/null; then
    echo "$VENV/bin/python"
    exit 0
fi

# Pick an interpreter: $PYTHON, else python3 on PATH (may be a pyenv shim), else /usr/bin/python3.
pick_python() {
    local c
    for c in "${PYTHON:-}" "$(command -v python3 || true)" /usr/bin/python3; do
        [[ -n "$c" && -x "$c" ]] || continue
        if "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' 2>/dev/null; then
            echo "$c"; return 0
        fi
    done
    return 1
}
PY="$(pick_python)" || { log "no working python3 >= 3.9 found"; exit 1; }

if [[ ! -x "$VENV/bin/python" ]]; then
    mkdir -p "$(dirname "$VENV")"
    log "creating venv $VENV with $PY"
    if ! "$PY" -m venv "$VENV" >&2; then
        # Debian's python3 ships venv/ensurepip separately.
        rm -rf "$VENV"
        log "python3 -m venv failed; installing python3-venv"
        if [[ "$PY" == /usr/bin/* ]] && command -v apt-get >/dev/null; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv >&2 \
                || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv >&2; }
        fi
        if ! "$PY" -m venv "$VENV" >&2; then
            rm -rf "$VENV"
            [[ -x /usr/bin/python3 && "$PY" != /usr/bin/python3 ]] || { log "cannot create a venv"; exit 1; }
            PY=/usr/bin/python3
            command -v apt-get >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv >&2 || true
            "$PY" -m venv "$VENV" >&2
        fi
    fi
fi

log "installing ${PINS[*]}"
"$VENV/bin/python" -m pip install --disable-pip-version-check -q "${PINS[@]}" >&2
"$VENV/bin/python" -c "$CHECK" || { log "packages installed but import check failed"; exit 1; }
echo "$VENV/bin/python"
