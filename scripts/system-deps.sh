#!/usr/bin/env bash
# Install the Debian packages the test suite needs, if they are missing:
#   postgresql     server binaries for the throwaway test database
#   chromium       the browser Playwright drives (never `playwright install`)
#   poppler-utils  pdftoppm, which renders card PDFs in the tests
#   fonts-*        so pages and screenshots render real text
# With --bench, also what the benchmarks need:
#   wrk            the HTTP load generator of benchmarks/cast.py
#
# Idempotent: installs nothing (and asks no registry) when all are present.
# Without root or apt-get it only says what is missing; the tests that need
# it then skip (locally) or fail (under CI=true).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf '[system-deps] %s\n' "$*" >&2; }

CHROMIUM=${BALLOTBOX_CHROMIUM:-/usr/bin/chromium}
missing=()

# The same search the test fixtures use (tests/fixtures/pgserver.py).
if ! .venv/bin/python -m tests.fixtures.pgserver find >/dev/null 2>&1; then
    missing+=(postgresql)
fi
if [ ! -x "$CHROMIUM" ]; then
    missing+=(chromium fonts-liberation fonts-dejavu-core)
fi
if ! command -v pdftoppm >/dev/null 2>&1; then
    missing+=(poppler-utils)
fi
if [ "${1:-}" = "--bench" ] && ! command -v wrk >/dev/null 2>&1; then
    missing+=(wrk)
fi

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "missing, please install: ${missing[*]} (needs root and apt-get)"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
say "apt-get update"
apt-get update -q -o DPkg::Lock::Timeout=600 </dev/null >/dev/null
say "installing: ${missing[*]}"
apt-get install "${apt_opts[@]}" --no-install-recommends "${missing[@]}" </dev/null >/dev/null
say "installed"
