"""Keep the translation catalogues in step with the code (docs/translating.md).

    python scripts/i18n.py extract     # code -> ballotbox/locale/ballotbox.pot
    python scripts/i18n.py init LANG   # start a new language's catalogue from the .pot
    python scripts/i18n.py update      # .pot -> each ballotbox/locale/LANG/LC_MESSAGES/ballotbox.po
    python scripts/i18n.py missing cy  # what a translator has to do, as .po entries
    python scripts/i18n.py compile     # every .po -> its .mo (committed beside it)
    python scripts/i18n.py check       # what CI checks (tests/unit/test_catalogue.py)

Which messages a member may see (and so need every language) is decided here,
in one place: every message except those found only under OFFICER_ONLY, and
except those flagged with a ``# i18n: officer`` comment on the line above
(``{# i18n: officer #}`` in a template).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

REPO = Path(__file__).resolve().parent.parent
LOCALE = REPO / "ballotbox" / "locale"
POT = LOCALE / "ballotbox.pot"
DOMAIN = "ballotbox"
WIDTH = 100
OFFICER_FLAG = "i18n: officer"
# Screens and messages only tellers and officers see: English is enough there.
OFFICER_ONLY = (
    "ballotbox/cli/",
    "ballotbox/demo.py",
    "ballotbox/demo_channels.py",
    "ballotbox/adapters/admin/",  # the officers' console
    "ballotbox/adapters/httpkit/account_cookie.py",
    "ballotbox/adapters/postal/",  # the teller console, its pages and teller.js
    "ballotbox/services/postal/",
    "ballotbox/core/members/",  # reading membership registers
    "ballotbox/core/printing/cards.py",  # print-run errors (the card's text is in carddesign)
    "ballotbox/core/printing/labels.py",
    "ballotbox/core/printing/layouts.py",
    "ballotbox/core/printing/outputs.py",
    "ballotbox/core/printing/pdfstream.py",
    "ballotbox/core/printing/printrun.py",
    "ballotbox/core/printing/typeface.py",  # print-run errors: a character no font has
    "ballotbox/services/account_views.py",  # officer and teller accounts
    "ballotbox/services/accounts.py",
    "ballotbox/services/actions.py",  # the officer action log
    "ballotbox/services/checkpoints.py",
    "ballotbox/services/continuity.py",
    "ballotbox/services/console.py",  # what the officers' console asks of the services
    "ballotbox/services/console_cards.py",
    "ballotbox/services/costs.py",  # the cost forecast
    "ballotbox/services/dashboard.py",
    "ballotbox/services/drafts.py",  # restoring after a lost head (officer commands)
    "ballotbox/services/draft_form.py",  # the console's draft form
    "ballotbox/services/draft_check.py",  # checking it (problem labels)
    "ballotbox/services/console_drafts.py",  # drafts, TOML export and costs in the console
    "ballotbox/services/elections.py",
    "ballotbox/services/format_runs.py",  # card runs split by format
    "ballotbox/services/issuance.py",
    "ballotbox/services/issuance_register.py",
    "ballotbox/services/offline_print.py",  # print-run errors: no prefix, not published
    "ballotbox/services/members.py",  # resolving duplicates, removing members
    "ballotbox/services/officer_log.py",
    "ballotbox/services/passwords.py",
    "ballotbox/services/print_runs.py",
    "ballotbox/services/roles.py",
    "ballotbox/services/totp.py",
    "ballotbox/services/publishing.py",
    "ballotbox/services/tally.py",
    "ballotbox/storage/backup.py",
    "ballotbox/storage/keys.py",
    "ballotbox/storage/witness.py",
)
# ...except these files under them, whose messages reach members.
MEMBER_FACING = ("ballotbox/services/postal/voicemail.py",)  # said to callers
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}|%\([A-Za-z_][A-Za-z0-9_]*\)s")

Key = str | tuple[str, str]


def _version() -> str:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return str(project["version"])


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _write(catalog: Catalog, path: Path) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=WIDTH, sort_by_file=True, include_lineno=False)
    path.write_bytes(buffer.getvalue())


def _key(message: Message) -> Key:
    """A message's identity: its msgid (with the plural and context, when there are any)."""
    key = message.id if isinstance(message.id, str) else "\x00".join(message.id)
    return (message.context, key) if message.context else key


def extract_to(path: Path, root: Path = REPO) -> Catalog:
    """Extract the messages of the code under ``root`` as ``pybabel extract`` with our options."""
    argv = [
        sys.executable, "-m", "babel.messages.frontend", "-q", "extract",
        "-F", str(root / "babel.cfg"), "-k", "N_", "-c", "i18n:",
        "--add-location=file", "--sort-by-file", "-w", str(WIDTH),
        "--project", "ballotbox", "--version", _version(),
        "--copyright-holder", "the ballotbox contributors", "-o", str(path), ".",
    ]  # fmt: skip
    subprocess.run(argv, cwd=root, check=True)
    return _read(path)


def fresh_template() -> Catalog:
    """The template as the code is now (extracted into a temporary file)."""
    with tempfile.TemporaryDirectory() as tmp:
        return extract_to(Path(tmp) / "fresh.pot")


def languages() -> list[str]:
    """Every language with a catalogue."""
    return sorted(p.parent.parent.name for p in LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def po_path(lang: str) -> Path:
    """Where ``lang``'s catalogue lives."""
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def is_officer_only(message: Message) -> bool:
    """True for a message only tellers and officers see (see the module docstring)."""
    # Python's extractor keeps the comment's tag ("i18n: officer"), Jinja's drops it ("officer").
    flags = {(comment or "").strip() for comment in message.auto_comments}
    if any(f.startswith(OFFICER_FLAG) or f == "officer" for f in flags):
        return True
    files = {str(filename) for filename, _line in message.locations}
    return bool(files) and all(
        f.startswith(OFFICER_ONLY) and not f.startswith(MEMBER_FACING) for f in files
    )


def member_facing(template: Catalog) -> dict[Key, Message]:
    """The template's messages that members may see."""
    return {_key(m): m for m in template if m.id and not is_officer_only(m)}


def drift(committed: Catalog, fresh: Catalog) -> tuple[list[Key], list[Key]]:
    """Messages in the code but not the committed template, and the reverse (stale)."""
    have = {_key(m) for m in committed if m.id}
    want = {_key(m) for m in fresh if m.id}
    return sorted(want - have, key=str), sorted(have - want, key=str)


def _translated(message: Message | None) -> bool:
    if message is None or message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    return all((s or "").strip() for s in strings)


def untranslated(catalog: Catalog, needed: Iterable[Key]) -> list[Key]:
    """Keys in ``needed`` without a finished (non-empty, not fuzzy) translation."""
    by_key = {_key(m): m for m in catalog if m.id}
    return sorted((k for k in needed if not _translated(by_key.get(k))), key=str)


def placeholder_problems(catalog: Catalog) -> list[str]:
    """Translations whose ``{name}`` / ``%(name)s`` placeholders differ from the original's."""
    problems = []
    for message in catalog:
        if not message.id or not _translated(message):
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        want = set(PLACEHOLDER.findall(" ".join(str(i) for i in ids)))
        for string in strings:
            got = set(PLACEHOLDER.findall(str(string)))
            if got != want:
                problems.append(f"{message.id!r}: has {sorted(got)}, needs {sorted(want)}")
    return problems


def compiled(catalog: Catalog) -> bytes:
    """The .mo for ``catalog`` (fuzzy entries left out, as gettext expects)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def update(template: Catalog) -> None:
    """Merge the template into every language's catalogue (new strings empty, old ones fuzzy)."""
    for lang in languages():
        catalog = _read(po_path(lang))
        catalog.update(template, no_fuzzy_matching=False)
        catalog.obsolete.clear()
        _write(catalog, po_path(lang))


def init(lang: str) -> Path:
    """Start ``lang``'s catalogue from the template (every message untranslated)."""
    path = po_path(lang)
    if path.exists():
        raise SystemExit(f"{path.relative_to(REPO)} exists: use update")
    catalog = Catalog(locale=lang, project="ballotbox", version=_version(),
                      copyright_holder="the ballotbox contributors")  # fmt: skip
    catalog.update(_read(POT))
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(catalog, path)
    return path


def compile_all() -> None:
    """Write each language's .mo beside its .po."""
    for lang in languages():
        po_path(lang).with_suffix(".mo").write_bytes(compiled(_read(po_path(lang))))


def problems() -> list[str]:
    """Everything CI refuses, as lines a person can act on (empty when all is well)."""
    fresh = fresh_template()
    out = []
    added, stale = drift(_read(POT), fresh)
    out += [f"in the code, not in ballotbox.pot: {k!r}" for k in added]
    out += [f"in ballotbox.pot, no longer in the code: {k!r}" for k in stale]
    needed = member_facing(fresh)
    for lang in languages():
        catalog = _read(po_path(lang))
        out += [f"{lang}: no translation for {k!r}" for k in untranslated(catalog, needed)]
        out += [f"{lang}: placeholders differ in {p}" for p in placeholder_problems(catalog)]
        extra = {_key(m) for m in catalog if m.id} - {_key(m) for m in fresh if m.id}
        out += [f"{lang}: translation of a message the code no longer has: {k!r}" for k in extra]
        mo = po_path(lang).with_suffix(".mo")
        if not mo.is_file() or mo.read_bytes() != compiled(catalog):
            out.append(f"{lang}: {mo.relative_to(REPO)} is not compiled from its .po")
    return out


def missing(lang: str) -> str:
    """The member-facing messages ``lang`` lacks, as .po entries to fill in."""
    needed = member_facing(fresh_template())
    catalog = _read(po_path(lang))
    todo = Catalog(locale=lang, project="ballotbox", version=_version())
    for key in untranslated(catalog, needed):
        message = needed[key]
        todo.add(message.id, locations=message.locations, flags=message.flags,
                 context=message.context)  # fmt: skip
    buffer = io.BytesIO()
    write_po(buffer, todo, width=WIDTH, omit_header=True, include_lineno=False)
    return buffer.getvalue().decode("utf-8")


def main(argv: list[str]) -> int:
    """Run one command (see the module docstring)."""
    command = argv[0] if argv else "check"
    if command == "extract":
        extract_to(POT)
    elif command == "init" and len(argv) > 1:
        print(init(argv[1]).relative_to(REPO))
    elif command == "update":
        update(_read(POT))
    elif command == "compile":
        compile_all()
    elif command == "missing":
        sys.stdout.write(missing(argv[1] if len(argv) > 1 else "cy"))
    elif command == "check":
        found = problems()
        for line in found:
            print(line)
        if found:
            print(f"{len(found)} problem(s); docs/translating.md says how to fix them.")
            return 1
        print("catalogues are complete and current")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
