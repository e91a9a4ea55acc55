#!/usr/bin/env bash
# Make .venv and install ballotbox into it (editable), with the test extras.
#
#   ./scripts/setup.sh          main dependencies and the test tools
#
# Idempotent and quick when nothing changed: the install is redone only when
# pyproject.toml changes (a stamp with its hash is kept inside .venv).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
PYTHON=${PYTHON:-python3}
STAMP="$VENV/.ballotbox-installed"

say() { printf '[setup] %s\n' "$*" >&2; }

if ! command -v "$PYTHON" >/dev/null 2>&1; then
    say "no $PYTHON found: install Python 3.11 or newer"
    exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    say "ballotbox needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version 2>&1)"
    exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
        # Debian's python3 keeps venv/ensurepip in a separate package.
        rm -rf "$VENV"
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            pyver=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
            say "installing Debian's python${pyver}-venv"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq </dev/null
            apt-get install -y -qq "python${pyver}-venv" </dev/null >/dev/null
            "$PYTHON" -m venv "$VENV"
        else
            say "'$PYTHON -m venv' failed; on Debian install python3-venv"
            exit 1
        fi
    fi
fi

want="$("$VENV/bin/python" -c 'import hashlib,sys; print(hashlib.sha256(open("pyproject.toml","rb").read()).hexdigest(), sys.version)')"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    exit 0
fi

say "installing ballotbox and its test tools into $VENV (pip install -e '.[test]')"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
log="$VENV/pip-install.log"
# pip's build chatter goes to a log; it is shown only when the install fails.
if ! { "$VENV/bin/python" -m pip install --upgrade pip &&
       "$VENV/bin/python" -m pip install -e ".[test]"; } </dev/null >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    say "pip install failed (full log: $log)"
    exit 1
fi
printf '%s\n' "$want" >"$STAMP"
say "done"
