#!/usr/bin/env bash
# Run the static gates, then the whole test suite against real SQLite,
# PostgreSQL and Chromium.
#
#   ./scripts/test.sh                      everything
#   ./scripts/test.sh tests/unit -x        arguments go to pytest unchanged
#   ./scripts/test.sh -m "not browser"
#
# Sets up .venv (scripts/setup.sh), runs the gates (scripts/lint.sh: ruff check,
# ruff format --check, lint-imports, mypy) and stops at the first that fails,
# installs Debian's postgresql, chromium and poppler-utils when missing
# (scripts/system-deps.sh), starts a throwaway PostgreSQL on a free loopback
# port for the run and removes it afterwards.
# Under CI=true a missing PostgreSQL or Chromium fails the tests that need it.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[test] %s\n' "$*" >&2; }

./scripts/setup.sh
if ! ./scripts/lint.sh; then
    say "a static gate failed (see the [lint] line above): pytest was not run"
    exit 1
fi
./scripts/system-deps.sh

PY=.venv/bin/python
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1   # the browser is Debian's chromium

PG_ROOT=""
cleanup() {
    if [ -n "$PG_ROOT" ]; then
        "$PY" -m tests.fixtures.pgserver stop --root "$PG_ROOT" || say "could not stop PostgreSQL in $PG_ROOT"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "${BALLOTBOX_TEST_PG_URL:-}" ]; then
    say "using PostgreSQL at BALLOTBOX_TEST_PG_URL"
elif "$PY" -m tests.fixtures.pgserver find >/dev/null 2>&1; then
    PG_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/ballotbox-pg-XXXXXX")
    BALLOTBOX_TEST_PG_URL=$("$PY" -m tests.fixtures.pgserver start --root "$PG_ROOT")
    export BALLOTBOX_TEST_PG_URL
    say "throwaway PostgreSQL: $BALLOTBOX_TEST_PG_URL"
else
    say "no PostgreSQL server binaries: PostgreSQL tests will skip (fail under CI=true)"
fi

status=0
"$PY" -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
    say "pytest collected no tests: treated as a failure"
fi
exit "$status"
