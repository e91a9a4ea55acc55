#!/usr/bin/env bash
# The static gates, each run over the whole tree, in this order:
#   ruff check          lint (pyflakes, pycodestyle, bugbear, bandit, import order, upgrades)
#   ruff format         formatting (--check: changes nothing, says which files differ)
#   lint-imports        the layer contracts in pyproject.toml (docs/architecture.md)
#   mypy                types: strict for the package, a lighter documented section for tests
#
#   ./scripts/lint.sh           all four; stops at the first that fails
#
# scripts/test.sh runs this before pytest.  Needs .venv (scripts/setup.sh).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[lint] %s\n' "$*" >&2; }

BIN=.venv/bin

gate() {
    local name=$1
    shift
    local started=$SECONDS
    if ! "$@"; then
        say "FAILED gate: $name ($*). Fix the findings above; nothing else was run."
        exit 1
    fi
    say "passed: $name ($((SECONDS - started)) s)"
}

gate "ruff check" "$BIN/ruff" check --quiet .
gate "ruff format" "$BIN/ruff" format --check --quiet .
gate "import contracts" "$BIN/lint-imports" --no-logo
gate "mypy" "$BIN/mypy" .
