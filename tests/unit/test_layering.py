"""The layers in pyproject.toml (import-linter) hold, and nothing escapes them.

The contracts in ``pyproject.toml`` are the one definition of the layers and of
what "pure" means; these tests only run them, check that every module of the
package sits in some layer (so a new folder cannot slip past the contract),
and confirm at run time what the contract says statically: the verifier loads
nothing but the standard library, PyNaCl and ``ballotbox.core``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import REPO

CONFIG = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
CONTRACTS = {c["id"]: c for c in CONFIG["tool"]["importlinter"]["contracts"]}
NAMESPACES = {"ballotbox", "ballotbox.adapters"}  # hold the layers; import nothing themselves


def _layer_modules() -> list[str]:
    return [
        part.strip()
        for layer in CONTRACTS["layers"]["layers"]
        for part in layer.replace("|", ":").split(":")
    ]


def test_import_linter_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    assert lint_imports.exists(), "lint-imports not installed: pip install -e '.[test]'"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"import-linter:\n{result.stdout}\n{result.stderr}"
    assert f"{len(CONTRACTS)} kept, 0 broken" in result.stdout


def test_every_module_of_the_package_sits_in_a_layer() -> None:
    layered = _layer_modules()
    loose = []
    for path in sorted((REPO / "ballotbox").rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        if name in NAMESPACES:
            continue
        if not any(name == m or name.startswith(m + ".") for m in layered):
            loose.append(name)
    assert loose == [], f"modules outside every layer of the contract: {loose}"


def test_namespace_packages_import_nothing() -> None:
    for name in NAMESPACES:
        init = REPO.joinpath(*name.split("."), "__init__.py")
        code = init.read_text(encoding="utf-8")
        assert "\nimport " not in code and "\nfrom " not in code, init


def test_the_verifier_loads_only_the_standard_library_pynacl_and_the_pure_core() -> None:
    probe = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        "import ballotbox.core.audit.verify\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    loaded = json.loads(run.stdout)
    assert "ballotbox.core.audit.verify" in loaded
    allowed_roots = set(sys.stdlib_module_names) | {"nacl", "_sodium", "_cffi_backend"}
    foreign = [
        name
        for name in loaded
        if name.split(".")[0] not in allowed_roots
        and name not in {"ballotbox", "ballotbox.core"}
        and not name.startswith("ballotbox.core.")
    ]
    assert foreign == []
    drawing = [
        n for n in loaded if n.startswith(("ballotbox.core.printing", "ballotbox.core.members"))
    ]
    assert drawing == [], "the verifier must not need the card-drawing side of the core"
