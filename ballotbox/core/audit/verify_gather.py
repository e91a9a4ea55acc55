"""Gathering the evidence: the small files whole, each large file once, on both cores.

ballots.csv and the recount it feeds are read in this process while a forked
worker reads tokens.csv and log.jsonl (on a bundle large enough for that to
pay; below it, or where ``fork`` does not exist, one after the other).  The
worker sends back only its scans: counts, the Merkle root, the fingerprint,
the lifecycle events and the heads the checks ask for.
Pure: standard library and PyNaCl.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ballotbox.core import contests
from ballotbox.core.audit import crypto
from ballotbox.core.audit.bundle import BundleReadError, _hex_line, _json
from ballotbox.core.audit.receipts import open_receipt
from ballotbox.core.audit.saved_checkpoints import SavedCheckpoints
from ballotbox.core.audit.source import BundleSource
from ballotbox.core.audit.verify_ballots import count_cells, scan_ballots
from ballotbox.core.audit.verify_checks import (
    Evidence,
    count_inputs,
    exact_tokens,
    keep_receipt_cells,
    parse_cells,
)
from ballotbox.core.audit.verify_rankings import plain_cells
from ballotbox.core.audit.verify_scan import LogScan, TokenScan, mset_key, scan_log, scan_tokens
from ballotbox.core.errors import BallotboxError

#: Below this many bytes of tokens.csv and log.jsonl, forking a worker costs more than it saves.
PARALLEL_BYTES = 16 << 20
Scanned = tuple[TokenScan, list[tuple[str, str]] | None, LogScan, dict[str, str]]


def _positions(statements: Sequence[Any]) -> set[int]:
    """The log positions that signed statements name (signatures are checked later)."""
    found = set()
    for statement in statements:
        body = statement.get("body") if isinstance(statement, dict) else None
        position = body.get("position") if isinstance(body, dict) else None
        if isinstance(position, int):
            found.add(position)
    return found


def _receipt_hashes(key: Any, receipts: Sequence[Any]) -> set[bytes]:
    """The keyed token hashes that valid receipts name (their rows are kept for the check)."""
    hashes = set()
    for receipt in receipts:
        body = open_receipt(key, receipt)
        try:
            if body is not None:
                hashes.add(bytes.fromhex(body["token_hash"]))
        except (TypeError, ValueError):
            continue
    return hashes


def _scan_others(source: BundleSource, secret: bytes, watched: set[int]) -> Scanned:
    """tokens.csv and log.jsonl, each read once (the worker's share)."""
    tokens = scan_tokens(source, secret)
    token_rows = exact_tokens(source) if tokens.irregular else None
    log = scan_log(source, watched)
    return tokens, token_rows, log, dict(source.digests)


def _child(send: Any, source: BundleSource, job: Callable[[], Scanned]) -> None:
    """The worker: run the job, send its result or the reason it could not be read."""
    try:
        source.reopen()
        send.send(("ok", job()))
    except BundleReadError as exc:
        send.send(("error", str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported by the parent as unreadable
        send.send(("error", f"{source.label}: cannot be read ({exc!r})"))
    finally:
        send.close()


def _start(source: BundleSource, job: Callable[[], Scanned]) -> Callable[[], Scanned]:
    """Run ``job`` in a forked worker if that pays; a function that waits for its result."""
    size = sum(source.size(n) for n in ("tokens.csv", "log.jsonl") if n in source.names)
    if size < PARALLEL_BYTES:
        done = job()
        return lambda: done
    import multiprocessing  # noqa: PLC0415 - only a large bundle needs it

    if "fork" not in multiprocessing.get_all_start_methods():
        done = job()
        return lambda: done
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(target=_child, args=(send, source, job), daemon=True)
    worker.start()
    send.close()

    def wait() -> Scanned:
        try:
            status, value = receive.recv()
        except EOFError:
            value, status = f"{source.label}: the worker reading the log stopped", "error"
        finally:
            worker.join()
        if status == "error":
            raise BundleReadError(value)
        return value  # type: ignore[no-any-return]

    return wait


def _quietly(wait: Callable[[], Scanned]) -> None:
    """Wait for the worker when this process already failed (its own error is the one told)."""
    try:
        wait()
    except BundleReadError:
        return


def _recount(ev: Evidence) -> dict[str, Any] | Exception:
    """The result document counted afresh from ballots.csv, or what stopped the count."""
    seed = ev.commitment["tie_break_seed"] if ev.commitment else ev.definition["tie_seed"]
    try:
        inputs, blank = count_inputs(ev)
        # The cells (or the tally) are in the count inputs now: free them before counting.
        ev.ballots.cells = []
        keep_receipt_cells(ev)
        return contests.recount_grouped(ev.definition, {}, blank, str(seed), inputs)
    except (BallotboxError, KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        return exc


def gather(
    source: BundleSource, receipts: Sequence[Any] = (), saved: Sequence[SavedCheckpoints] = ()
) -> Evidence:
    """Read the small files whole and each large file once; BundleReadError if unreadable."""
    token_key = bytes.fromhex(_hex_line({"token_key": source.whole("token_key")}, "token_key", 32))
    public_key = _hex_line(
        {"public_key": source.whole("public_key")}, "public_key", crypto.PUBLIC_KEY_BYTES
    )
    documents = {
        name: _json({name: source.whole(name)}, name, kind)
        for name, kind in (
            ("election.json", dict),
            ("commitment.json", dict),
            ("checkpoints.json", list),
            ("result.json", dict),
            ("manifest.json", dict),
        )
    }
    key = crypto.parse_public_key(public_key)
    watched = _positions(documents["checkpoints.json"]) | _positions(receipts)
    for kept in saved:
        watched |= _positions(kept.statements)
    secret = mset_key()
    others = _start(source, lambda: _scan_others(source, secret, watched))
    try:
        plain = plain_cells(documents["election.json"])
        ballots = scan_ballots(source, token_key, secret, _receipt_hashes(key, receipts), plain)
    except BaseException:
        _quietly(others)
        raise
    definition, statement = documents["election.json"], documents["commitment.json"]
    ev = Evidence(
        source=source,
        definition=definition,
        public_key=public_key,
        statement=statement,
        token_key=token_key,
        checkpoints=documents["checkpoints.json"],
        result=documents["result.json"],
        manifest=documents["manifest.json"],
        key=key,
        slug=str(definition.get("slug")),
        tokens=TokenScan(),
        ballots=ballots,
        log=LogScan(),
        commitment=crypto.open_envelope(key, "commitment", statement),
    )
    try:
        if ballots.reread:
            ballots.cells = count_cells(source, ballots.header)
        parse_cells(ev)
    except BaseException:
        _quietly(others)
        raise
    ev.fresh = _recount(ev)  # counts while the worker still reads
    ev.tokens, ev.token_rows, ev.log, digests = others()
    source.digests.update(digests)
    source.hash_rest()
    return ev
