"""Backups of the database that hold every committed ballot, and restores of them.

* **SQLite**: the online backup API (``sqlite3.Connection.backup``) copies a
  consistent snapshot through SQLite itself, so ballots still in the ``-wal``
  file are in the copy (a plain ``cp`` of the main file mid-poll held none).
  The copy is switched to a rollback journal so it is one self-contained file.
  A restore goes the same way in reverse, into the live file, so a running
  reader never sees a half-written database.
* **PostgreSQL**: ``pg_dump --format=custom`` and ``pg_restore --clean
  --single-transaction``, found like the test suite finds its server
  (``$BALLOTBOX_PG_BIN``, Debian's newest ``/usr/lib/postgresql/*/bin``, then
  ``$PATH``).  A restore is refused while anything else is connected.

The key directory is not in a backup (see deploy/README.md, "Key custody"):
keys and database must never sit in one file, and the witness files there
must never be rolled back with the database.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url

from ballotbox.core.errors import BallotboxError, InputError
from ballotbox.core.i18n import N_

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
TOOL_TIMEOUT_S = 3600
CLOSING_GRACE_S = 5.0


class BackupFileError(InputError):
    code = "backup_file"
    template = N_("{path}: {problem}")


class BackupToolError(BallotboxError):
    code = "backup_tool"
    template = N_("{tool} failed: {detail}")


class DatabaseBusyError(BallotboxError):
    code = "database_busy"
    template = N_(
        "{count} other connection(s) to the database are open (app servers, a console?). "
        "Stop them first (e.g. systemctl stop ballotbox on every app host), then restore."
    )


@dataclass(frozen=True)
class ElectionCopy:
    """What a backup holds of one election."""

    slug: str
    state: str
    ballots: int
    entries: int


@dataclass
class BackupInfo:
    """A backup file: its kind, size, checksum and the elections in it."""

    path: Path
    kind: str  # "sqlite" or "postgresql"
    size: int
    sha256: str
    elections: list[ElectionCopy] = field(default_factory=list)


def kind_of_url(url: URL | str) -> str:
    """ "sqlite" or "postgresql" for a database URL."""
    name = make_url(str(url)).get_backend_name() if isinstance(url, str) else url.get_backend_name()
    if name not in {"sqlite", "postgresql"}:
        raise BackupFileError(path=str(url), problem=f"{name} databases cannot be backed up")
    return name


def kind_of_file(path: Path) -> str:
    """ "sqlite" or "postgresql" from a backup file's first bytes; BackupFileError otherwise."""
    try:
        with path.open("rb") as handle:
            start = handle.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupFileError(path=str(path), problem="no such file") from None
    except OSError as exc:
        raise BackupFileError(path=str(path), problem=exc.strerror or "cannot be read") from None
    if start.startswith(SQLITE_MAGIC):
        return "sqlite"
    if start.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupFileError(
        path=str(path), problem="not a ballotbox backup (neither SQLite nor pg_dump custom format)"
    )


def backup(engine: Engine, out: Path) -> BackupInfo:
    """Write a consistent copy of the database behind ``engine`` to ``out`` (a new file)."""
    if out.exists():
        raise BackupFileError(path=str(out), problem="already exists; choose another name")
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    kind = kind_of_url(engine.url)
    try:
        if kind == "sqlite":
            _sqlite_backup(_sqlite_path(engine.url), partial)
        else:
            _run_pg("pg_dump", engine.url, ["--format=custom", f"--file={partial}"])
            os.chmod(partial, 0o600)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return describe(out)


def describe(path: Path, url: URL | None = None) -> BackupInfo:
    """Read a backup file's kind, checksum and elections (without restoring it)."""
    kind = kind_of_file(path)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    info = BackupInfo(path, kind, path.stat().st_size, digest.hexdigest())
    info.elections = _sqlite_elections(path) if kind == "sqlite" else _pg_elections(path)
    return info


def restore(engine: Engine, path: Path) -> None:
    """Replace the database behind ``engine`` with the backup at ``path``."""
    kind = kind_of_file(path)
    target = kind_of_url(engine.url)
    if kind != target:
        raise BackupFileError(
            path=str(path), problem=f"is a {kind} backup but the database is {target}"
        )
    engine.dispose()
    if kind == "sqlite":
        _sqlite_restore(path, _sqlite_path(engine.url))
        return
    deadline = time.monotonic() + CLOSING_GRACE_S  # a closed session's backend takes a moment
    while (busy := other_connections(engine)) and time.monotonic() < deadline:
        time.sleep(0.2)
    if busy:
        raise DatabaseBusyError(count=busy)
    engine.dispose()
    _run_pg(
        "pg_restore",
        engine.url,
        ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
         "--exit-on-error", str(path)],
    )  # fmt: skip


def other_connections(engine: Engine) -> int:
    """PostgreSQL: client sessions on this database other than this one (not autovacuum)."""
    with engine.connect() as conn:
        return int(
            conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            ).scalar_one()
        )


# --- SQLite -----------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupFileError(path=str(url), problem="only a SQLite database file can be backed up")
    return Path(database)


def _sqlite_backup(source: Path, out: Path) -> None:
    if not source.exists():
        raise BackupFileError(path=str(source), problem="the database file does not exist")
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    with closing(sqlite3.connect(source, timeout=30)) as src:
        with closing(sqlite3.connect(out)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
            _check(dst, out)


def _sqlite_restore(backup_file: Path, live: Path) -> None:
    with closing(sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)) as src:
        _check(src, backup_file)
        live.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(live, timeout=30, isolation_level=None)) as dst:
            dst.execute("PRAGMA journal_mode=WAL")
            src.backup(dst)
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _check(conn: sqlite3.Connection, path: Path) -> None:
    result = conn.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise BackupFileError(path=str(path), problem=f"the SQLite file is damaged ({result})")


def _sqlite_elections(path: Path) -> list[ElectionCopy]:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            rows = conn.execute(
                "SELECT e.slug, e.state, COALESCE(h.ballots, 0), COALESCE(h.length, 0) "
                "FROM election e LEFT JOIN chain_head h ON h.election_id = e.id ORDER BY e.id"
            ).fetchall()
    except sqlite3.Error as exc:
        raise BackupFileError(path=str(path), problem=f"not a ballotbox database ({exc})") from None
    return [ElectionCopy(str(s), str(st), int(b), int(n)) for s, st, b, n in rows]


# --- PostgreSQL -------------------------------------------------------------------------


def _version_key(bindir: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", Path(bindir).parent.name))


def pg_tool(name: str) -> Path:
    """The PostgreSQL client program ``name``: $BALLOTBOX_PG_BIN, Debian's newest, or $PATH."""
    override = os.environ.get("BALLOTBOX_PG_BIN")
    candidates = [Path(override)] if override else []
    candidates += [
        Path(d) for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key)[::-1]
    ]
    for folder in candidates:
        if os.access(folder / name, os.X_OK):
            return folder / name
    found = shutil.which(name)
    if found:
        return Path(found)
    raise BackupToolError(
        tool=name,
        detail="not installed; install the PostgreSQL client (Debian: apt-get install "
        "postgresql-client) or set BALLOTBOX_PG_BIN to its bin directory",
    )


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and the environment that carries it."""
    env = {**os.environ}
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run_pg(tool: str, url: URL, args: list[str]) -> str:
    address, env = _libpq(url)
    command = [str(pg_tool(tool)), f"--dbname={address}", *args]
    try:
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=TOOL_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise BackupToolError(tool=tool, detail=f"no answer in {TOOL_TIMEOUT_S} s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupToolError(tool=tool, detail=" / ".join(lines[-3:]) or f"exit {done.returncode}")
    return done.stdout


def _pg_elections(path: Path) -> list[ElectionCopy]:
    try:
        done = subprocess.run(
            [str(pg_tool("pg_restore")), "--data-only", "--table=election",
             "--table=chain_head", "--file=-", str(path)],
            capture_output=True, text=True, timeout=TOOL_TIMEOUT_S, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise BackupToolError(tool="pg_restore", detail="no answer") from None
    if done.returncode != 0:
        raise BackupFileError(path=str(path), problem=done.stderr.strip() or "unreadable archive")
    tables = _copy_blocks(done.stdout)
    heads = {row["election_id"]: row for row in tables.get("chain_head", [])}
    copies = []
    for row in sorted(tables.get("election", []), key=lambda r: int(r["id"])):
        head = heads.get(row["id"], {})
        copies.append(
            ElectionCopy(
                row["slug"], row["state"], int(head.get("ballots", 0)), int(head.get("length", 0))
            )
        )
    return copies


_COPY = re.compile(r"^COPY (?:\w+\.)?(\w+) \(([^)]*)\) FROM stdin;$")


def _copy_blocks(script: str) -> dict[str, list[dict[str, str]]]:
    """The rows of each ``COPY … FROM stdin`` block in a pg_restore script (plain columns only)."""
    tables: dict[str, list[dict[str, str]]] = {}
    current: tuple[str, list[str]] | None = None
    for line in script.splitlines():
        if current is None:
            match = _COPY.match(line)
            if match:
                columns = [c.strip().strip('"') for c in match.group(2).split(",")]
                current = (match.group(1), columns)
                tables.setdefault(current[0], [])
        elif line == "\\.":
            current = None
        else:
            tables[current[0]].append(dict(zip(current[1], line.split("\t"), strict=False)))
    return tables
