"""The verifier and the pure audit modules load only the stdlib, PyNaCl and the pure core."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

PURE = [
    "audit.verify",
    "audit.bundle",
    "audit.crypto",
    "audit.merkle",
    "audit.commitment",
    "audit.receipts",
    "audit.chain",
]
ALLOWED_OURS = ("audit", "tokens", "ballotbox.counting", "ballotbox.errors", "ballotbox.i18n")

PROBE = f"""
import json, sys
before = set(sys.modules)
for name in {PURE!r}:
    __import__(name)
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_the_verifier_loads_nothing_but_stdlib_pynacl_and_the_pure_core():
    run = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, check=True
    )
    loaded = json.loads(run.stdout)
    foreign = [
        name
        for name in loaded
        if name.split(".")[0] not in sys.stdlib_module_names
        and name.split(".")[0]
        not in {"nacl", "_sodium", "_cffi_backend", "ballotbox", "audit", "tokens"}
    ]
    ours = [
        name
        for name in loaded
        if name.split(".")[0] in {"ballotbox", "audit", "tokens"}
        and name != "ballotbox"
        and not name.startswith(ALLOWED_OURS)
    ]
    assert foreign == []
    assert ours == []
