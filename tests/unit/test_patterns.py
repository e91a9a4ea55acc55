"""Whole-value checks end with ``\\Z``: in Python's ``re``, ``$`` also matches before a final
newline, so ``^[a-z]+$`` accepts "abc\\n".  A TOML key "0\\n" was written bare (and the file
could not be read back); a URL, a file name or a form field's name could carry one too."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from ballotbox.core import tomlwrite

PACKAGE = Path(__file__).resolve().parents[2] / "ballotbox"


def _anchored_with_dollar(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        pattern = node.args[0] if name in {"compile", "match", "fullmatch"} else None
        if name in {"_indices", "_named"} and len(node.args) > 1:
            pattern = node.args[1]
        parts = pattern.values if isinstance(pattern, ast.JoinedStr) else [pattern]
        text = "".join(
            p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str)
        )
        if text.startswith("^") and (text.endswith("$") or "$|" in text):
            found.append((node.lineno, text))
    return found


def test_no_whole_value_pattern_ends_with_a_dollar() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}:{line}: {text}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "backup.py"  # parses pg_dump's lines, each read without its newline
        for line, text in _anchored_with_dollar(ast.parse(path.read_text(), str(path)))
    ]
    assert offenders == []


def test_a_key_with_a_trailing_newline_is_quoted() -> None:
    document = {"0\n": [{}], "plain": "x"}
    written = tomlwrite.dumps(document)
    assert tomllib.loads(written) == document
    assert '"0\\n"' in written
