"""The layering in DESIGN.md holds: the pure core needs no web, database or Twilio code.

Two independent checks: import-linter's static contract (configured in
pyproject.toml), and actually importing each pure module in a fresh interpreter
where the web and database stack cannot be imported at all.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO

# Pure per DESIGN.md and STYLE.md: standard library and PyNaCl only.
PURE_MODULES = [
    "ballotbox.core.tokens.format",
    "ballotbox.core.tokens.hashing",
    "ballotbox.core.counting",
    "ballotbox.core.audit.chain",
    "ballotbox.core.audit.crypto",
    "ballotbox.core.audit.merkle",
    "ballotbox.core.audit.verify",
]
# Third-party and in-repo modules a pure module must never reach, even indirectly.
BLOCKED = [
    "fastapi", "starlette", "sqlmodel", "sqlalchemy", "twilio", "alembic", "jinja2",
    "typer", "uvicorn", "psycopg", "httpx", "pydantic", "pydantic_settings", "reportlab",
    "qrcode", "rich", "ballotbox.storage.models", "ballotbox.storage.db", "ballotbox.app", "channels",
]  # fmt: skip

POISONED_IMPORT = textwrap.dedent(
    """
    import importlib, importlib.abc, pkgutil, sys

    BLOCKED = {blocked!r}

    class Poison(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            for blocked in BLOCKED:
                if name == blocked or name.startswith(blocked + "."):
                    raise ImportError(f"pure code imported {{name}} (blocked by test_layering)")
            return None

    sys.meta_path.insert(0, Poison())
    try:
        import sqlalchemy
    except ImportError:
        pass
    else:
        sys.exit("the poison does not work: sqlalchemy imported")

    module = importlib.import_module({module!r})
    names = [module.__name__]
    if hasattr(module, "__path__"):  # a package: every submodule must be pure too
        for info in pkgutil.walk_packages(module.__path__, module.__name__ + "."):
            importlib.import_module(info.name)
            names.append(info.name)
    leaked = sorted(n for n in sys.modules if any(n == b or n.startswith(b + ".") for b in BLOCKED))
    if leaked:
        sys.exit(f"blocked modules were loaded: {{leaked}}")
    print("\\n".join(names))
    """
)


def _exists(module: str) -> bool:
    path = REPO.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def test_import_linter_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    if not lint_imports.exists():
        pytest.fail("lint-imports not installed: pip install -e '.[test]'")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"import-linter:\n{result.stdout}\n{result.stderr}"
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_module_imports_without_the_web_and_database_stack(module: str) -> None:
    if not _exists(module):
        pytest.skip(f"{module} is not written yet")
    script = POISONED_IMPORT.format(blocked=BLOCKED, module=module)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, f"{module} is not pure:\n{result.stderr}{result.stdout}"
    assert module in result.stdout.split()
