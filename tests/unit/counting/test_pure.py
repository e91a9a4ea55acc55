"""The counting engine stays pure: importing and using it loads no web, database or CLI code."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ["fastapi", "starlette", "sqlmodel", "sqlalchemy", "twilio", "alembic", "jinja2",
             "typer", "ballotbox.models", "ballotbox.db", "channels"]


def test_counting_imports_only_the_standard_library_and_our_errors() -> None:
    script = (
        "import sys\n"
        "from ballotbox.counting import count, read_blt\n"
        "count('scottish-stv', read_blt('2 1\\n1 1 0\\n0\\nA\\nB\\n'))\n"
        f"forbidden = {FORBIDDEN!r}\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in forbidden or m in forbidden]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""
