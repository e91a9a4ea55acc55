"""ballotbox-verify: recheck a published audit bundle offline and recount it.

Usage::

    ballotbox-verify BUNDLE [--receipt FILE ...] [--checkpoint FILE ...] [--public-key HEX] [--json]

BUNDLE is the bundle directory or its zip.  One line per check, ✓ or ✗, each
failure naming the file, line, token, position or round concerned.  Exit
status: 0 when every check holds, 1 when any fails, 2 when the bundle or a
receipt cannot be read.  Pure: standard library, PyNaCl, ``ballotbox.core.counting``
and ``tokens``; audit/FORMAT.md says what each check proves.

The large files are streamed (``verify_gather``): memory does not grow with the
number of ballots, and hardly with the distinct rankings the recount must hold:
they are tallied as bytes of candidate ids in a temporary SQLite file and
counted from flat arrays, some twenty bytes each (``verify_rankings``; a
bundle whose cells are not as the writer writes them is counted the exact way,
a Python object per distinct cell).  On a terminal a progress line shows how
much of the bundle has been read.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from ballotbox.core.audit.bundle import BundleReadError
from ballotbox.core.audit.saved_checkpoints import SavedCheckpoints, check_saved, load_saved
from ballotbox.core.audit.source import BundleSource, MemorySource, Progress, open_source
from ballotbox.core.audit.verify_checks import (
    Evidence,
    check_blt,
    check_chain,
    check_choices,
    check_commitment,
    check_counts,
    check_manifest,
    check_order,
    check_token_list,
    check_voted_tokens,
)
from ballotbox.core.audit.verify_gather import gather
from ballotbox.core.audit.verify_lifecycle import check_checkpoints, check_lifecycle
from ballotbox.core.audit.verify_receipts import check_receipt
from ballotbox.core.audit.verify_recount import compare_documents
from ballotbox.core.errors import BallotboxError

EXIT_OK, EXIT_FAILED, EXIT_UNREADABLE = 0, 1, 2

CHECKS: tuple[tuple[str, Callable[[Evidence], list[str]]], ...] = (
    ("manifest signed; every file's SHA-256 matches", check_manifest),
    ("commitment signed, for this election and definition", check_commitment),
    ("token list matches the commitment (Merkle root, count, void list)", check_token_list),
    ("every ballot's token was issued, not void, used once", check_voted_tokens),
    ("every ballot's choices are valid candidates of each contest", check_choices),
    ("lists sorted by token, revealing no casting order", check_order),
    ("issued = voted + unused + void; one log entry per ballot", check_counts),
    ("hash chain intact from the first entry to the last", check_chain),
    ("lifecycle events in order and agreeing with the files", check_lifecycle),
    ("checkpoints signed and matching the chain", check_checkpoints),
    ("each contest's .blt file matches ballots.csv", check_blt),
)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check: its name and every problem found (none when it holds)."""

    name: str
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when the check found nothing wrong."""
        return not self.problems


def _run(name: str, check: Callable[[], list[str]]) -> CheckResult:
    """Run one check; data too malformed to check is a failure of that check, not a crash."""
    try:
        return CheckResult(name, tuple(check()))
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        return CheckResult(name, (f"the data is malformed and cannot be checked ({exc!r})",))


def check_recount(ev: Evidence) -> list[str]:
    """Counting ballots.csv again (every contest, same methods and seed) gives result.json."""
    if isinstance(ev.fresh, (BallotboxError, ValueError)):
        return [f"the recount could not be run: {ev.fresh}"]
    if isinstance(ev.fresh, Exception):
        raise ev.fresh
    assert ev.fresh is not None  # noqa: S101 - gather always counts
    return compare_documents(ev.definition, ev.result, ev.fresh)


class _Heads:
    """The chain heads the log scan kept, indexable like the whole list of them."""

    def __init__(self, ev: Evidence) -> None:
        self.ev = ev

    def __len__(self) -> int:
        return self.ev.log.length

    def __getitem__(self, position: int) -> bytes:
        return self.ev.log.heads[position]


def verify_bundle(
    bundle: BundleSource | dict[str, bytes],
    receipts: Sequence[tuple[str, Any]] = (),
    public_key: str | None = None,
    saved: Sequence[SavedCheckpoints] = (),
) -> list[CheckResult]:
    """Every check of the bundle (a source, or file bytes by name), then one per receipt given
    as (label, parsed JSON), then one per file of checkpoints an observer saved during the poll."""
    source = MemorySource(bundle) if isinstance(bundle, dict) else bundle
    ev = gather(source, [receipt for _, receipt in receipts], saved)
    results: list[CheckResult] = []
    if public_key is not None:
        same = public_key.strip().lower() == ev.public_key.lower()
        problem = () if same else ("public_key: not the key given with --public-key",)
        results.append(CheckResult("public key is the one published at opening", problem))
    for name, check in CHECKS:
        results.append(_run(name, partial(check, ev)))
    results.append(
        _run(
            "recount of every contest matches result.json round by round",
            partial(check_recount, ev),
        )
    )
    for label, receipt in receipts:
        results.append(_run(f"receipt {label}", partial(check_receipt, ev, receipt)))
    for kept in saved:
        check = partial(
            check_saved, ev.key, ev.slug, ev.log.events, _Heads(ev), ev.checkpoints, kept
        )
        results.append(
            _run(f"saved checkpoints {kept.label}: the published log extends them", check)
        )
    return results


def load_receipt(path: Path) -> tuple[str, Any]:
    """A receipt file as (label for the report, parsed JSON); BundleReadError if unreadable."""
    try:
        receipt = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleReadError(f"{path}: cannot read the receipt ({exc})") from exc
    code = receipt.get("code") if isinstance(receipt, dict) else None
    return (f"{path.name} (code {code})" if code else path.name, receipt)


def verify_path(
    bundle: Path,
    receipts: Sequence[Path] = (),
    public_key: str | None = None,
    checkpoints: Sequence[Path] = (),
) -> list[CheckResult]:
    """Read a bundle (directory or zip), receipt and saved-checkpoint files; run every check."""
    source = open_source(bundle)
    if sys.stderr.isatty():
        source.progress = Progress(source)
    saved = [load_saved(p) for p in checkpoints]
    try:
        return verify_bundle(source, [load_receipt(p) for p in receipts], public_key, saved)
    finally:
        if source.progress is not None:
            source.progress.done()


def render_text(results: Sequence[CheckResult], limit: int = 20) -> str:
    """The human report: one line per check, its problems indented beneath a ✗."""
    lines: list[str] = []
    for result in results:
        lines.append(f"{'✓' if result.ok else '✗'} {result.name}")
        lines.extend(f"    {problem}" for problem in result.problems[:limit])
        if len(result.problems) > limit:
            lines.append(f"    … and {len(result.problems) - limit} more")
    failed = sum(1 for r in results if not r.ok)
    if failed:
        lines.append(f"FAILED: {failed} of {len(results)} checks found problems.")
    else:
        lines.append(f"OK: all {len(results)} checks hold.")
    return "\n".join(lines)


def render_json(results: Sequence[CheckResult]) -> str:
    """The machine report: {"ok", "checks": [{"name", "ok", "problems"}]}."""
    checks = [{"name": r.name, "ok": r.ok, "problems": list(r.problems)} for r in results]
    report = {"ok": all(r.ok for r in results), "checks": checks}
    return json.dumps(report, indent=2, ensure_ascii=False)


def _parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="ballotbox-verify",
        description="Recheck a ballotbox audit bundle offline: signatures, hash chain, "
        "tokens against the commitment, receipts, and a full recount.",
        epilog="example: ballotbox-verify branch-2027-bundle.zip --receipt my-receipt.json "
        "--checkpoint saved-at-noon.json",
    )
    parser.add_argument("bundle", type=Path, help="the bundle directory or .zip")
    parser.add_argument(
        "--receipt",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a receipt (JSON) to check against the bundle; may be repeated",
    )
    parser.add_argument(
        "--checkpoint",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="checkpoints saved from /elections/SLUG/audit/checkpoints.json during the poll; "
        "the published log must extend every one; may be repeated",
    )
    parser.add_argument(
        "--public-key",
        metavar="HEX",
        help="the election key as published when voting opened; the bundle must use it",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the verifier and return its exit status (0 holds, 1 fails, 2 unreadable)."""
    args = _parser().parse_args(argv)
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        results = verify_path(args.bundle, args.receipt, args.public_key, args.checkpoint)
    except BundleReadError as exc:
        return _unreadable(str(exc), as_json=args.json)
    except Exception as exc:  # noqa: BLE001 - the verifier never shows a traceback
        return _unreadable(f"{args.bundle}: cannot be read ({exc!r})", as_json=args.json)
    print(render_json(results) if args.json else render_text(results))
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def _unreadable(message: str, *, as_json: bool) -> int:
    """Report a bundle or receipt that cannot be read, and return exit status 2."""
    if as_json:
        print(json.dumps({"ok": False, "error": message}, ensure_ascii=False))
    else:
        print(f"✗ {message}", file=sys.stderr)
    return EXIT_UNREADABLE


if __name__ == "__main__":
    sys.exit(main())
