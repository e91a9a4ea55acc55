#!/usr/bin/env bash
# Set everything up and run the ballotbox demo on SQLite.
#
#   ./scripts/demo.sh              set up .venv, then `ballotbox demo`
#   ./scripts/demo.sh --no-serve   arguments go to `ballotbox demo` unchanged
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/setup.sh
exec .venv/bin/ballotbox demo "$@"
