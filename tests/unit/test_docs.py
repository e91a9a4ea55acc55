"""The README's folder table and docs/architecture.md describe the tree as it is."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
ARCHITECTURE = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")


def _folder_rows() -> list[tuple[str, str]]:
    section = README.split("## Folders", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:3] for line in section.splitlines() if line.startswith("| `")]
    return [(first.strip(), second.strip()) for first, second in rows]


def test_every_path_in_the_folder_table_exists() -> None:
    rows = _folder_rows()
    assert rows, "no folder table found under ## Folders"
    for first, what in rows:
        for name in re.findall(r"`([^`]+)`", first):  # `ballotbox/app.py`, `cli/`, `tests/` …
            assert (REPO / name).exists() or (REPO / "ballotbox" / name).exists(), name
        if first == "`ballotbox/core/`":  # the core's sub-packages are named in the text
            for sub in re.findall(r"`([a-z_]+/)`", what):
                assert (REPO / "ballotbox" / "core" / sub).is_dir(), f"ballotbox/core/{sub}"


def test_every_package_of_ballotbox_is_in_the_folder_table() -> None:
    table = "\n".join(f"{first} {what}" for first, what in _folder_rows())
    packages = sorted(
        p.name for p in (REPO / "ballotbox").iterdir() if (p / "__init__.py").exists()
    )
    for name in packages:
        assert f"`ballotbox/{name}/`" in table or f"`{name}/`" in table, f"{name}/ is not listed"


def test_the_architecture_page_names_every_layer_of_the_contract() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}
    layers = [
        part.strip()
        for layer in contracts["layers"]["layers"]
        for part in layer.replace("|", ":").split(":")
    ]
    for module in layers:
        short = module.removeprefix("ballotbox.")
        assert module in ARCHITECTURE or short in ARCHITECTURE, f"{module} is not drawn"
    for contract in contracts:
        assert f"`{contract}`" in ARCHITECTURE, f"contract {contract} is not explained"
