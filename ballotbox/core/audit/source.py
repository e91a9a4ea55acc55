"""The verifier's view of a bundle's files: read once, hashed on the way, never loaded whole.

A bundle is a directory, a zip of it, or (in tests) a dict of file bytes.
The large files (``tokens.csv``, ``ballots.csv``, ``log.jsonl``) are read in
blocks and handed out as batches of lines, so memory stays flat however many
ballots the bundle holds; the small JSON files are read whole, up to a limit.
Every byte read passes through SHA-256 for the manifest check.  A zip whose
entries claim to inflate far beyond their compressed size (a zip bomb), a
file over its limit or a line without an end is refused with a clear
:class:`BundleReadError`, not by running out of memory.
Pure: standard library only.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, BinaryIO, TextIO, cast

from ballotbox.core.audit.bundle import BundleReadError

BLOCK_BYTES = 1 << 20
#: A JSON file, key or .blt file read whole (a .blt holds each distinct ranking once).
MAX_WHOLE_BYTES = 512 << 20
#: One line of a CSV file or of the log (the ``opened`` entry holds the whole void list).
MAX_LINE_BYTES = 64 << 20
#: A zip entry may not claim to inflate more than this many times (bundles compress 2-6x).
MAX_ZIP_RATIO = 200
MAX_ZIP_ENTRIES = 64
MAX_ZIP_TOTAL = 64 << 30
MIB = 1 << 20


class BundleSource:
    """The files of one bundle by name, each readable once; the SHA-256 of each file read."""

    def __init__(self, label: str, names: list[str]) -> None:
        self.label = label
        self.names = names
        self.digests: dict[str, str] = {}
        self.progress: Progress | None = None

    def size(self, name: str) -> int:  # pragma: no cover - every source overrides it
        """The file's size in bytes (for the progress line)."""
        raise NotImplementedError

    def _open(self, name: str) -> BinaryIO:  # pragma: no cover - every source overrides it
        raise NotImplementedError

    def open(self, name: str) -> BinaryIO:
        """A binary stream of the file; BundleReadError if the bundle lacks it."""
        if name not in self.names:
            raise BundleReadError(f"{name}: missing from the bundle")
        try:
            return self._open(name)
        except OSError as exc:
            raise BundleReadError(f"{name}: cannot be read ({exc})") from exc

    def whole(self, name: str, limit: int | None = None) -> bytes:
        """A small file's bytes (hashed); BundleReadError if missing or larger than ``limit``."""
        limit = MAX_WHOLE_BYTES if limit is None else limit
        with self.open(name) as stream:
            data = _read(stream, name, limit + 1)
        if len(data) > limit:
            raise BundleReadError(
                f"{name}: larger than {limit:,} bytes; refused (not a file a bundle holds)"
            )
        self.digests[name] = hashlib.sha256(data).hexdigest()
        return data

    def lines(self, name: str) -> Iterator[list[bytes]]:
        """The file's lines (without line ends) in batches, hashed and checked as UTF-8."""
        sha = hashlib.sha256()
        utf8 = codecs.getincrementaldecoder("utf-8")()
        tail = b""
        with self.open(name) as stream:
            while block := _read(stream, name, BLOCK_BYTES):
                sha.update(block)
                if self.progress is not None:
                    self.progress.advance(name, len(block))
                try:
                    utf8.decode(block)
                except UnicodeDecodeError as exc:
                    raise BundleReadError(f"{name}: not UTF-8 text ({exc})") from exc
                batch = (tail + block).split(b"\n") if tail else block.split(b"\n")
                tail = batch.pop()
                if len(tail) > MAX_LINE_BYTES:
                    raise BundleReadError(
                        f"{name}: a line longer than {MAX_LINE_BYTES:,} bytes; refused "
                        "(not a file a bundle holds)"
                    )
                if b"\r" in block:
                    batch = [line.rstrip(b"\r") for line in batch]
                yield batch
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise BundleReadError(f"{name}: not UTF-8 text ({exc})") from exc
        if tail:
            yield [tail.rstrip(b"\r")]
        self.digests[name] = sha.hexdigest()

    def reopen(self) -> None:
        """Open the bundle afresh (in a forked worker, which must not share a zip's offset)."""

    def hash_rest(self) -> None:
        """Hash every file not read yet (stray files, for the manifest check)."""
        for name in self.names:
            if name not in self.digests:
                for _ in self.lines(name):
                    pass


def _read(stream: BinaryIO, name: str, size: int) -> bytes:
    """Up to ``size`` bytes; a zip entry that is corrupt is a BundleReadError."""
    try:
        return stream.read(size)
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise BundleReadError(f"{name}: cannot be read ({exc})") from exc


class DirectorySource(BundleSource):
    """A bundle directory: every regular file in it."""

    def __init__(self, path: Path) -> None:
        try:
            names = sorted(p.name for p in path.iterdir() if p.is_file())
        except OSError as exc:
            raise BundleReadError(f"{path}: cannot read the bundle ({exc})") from exc
        super().__init__(str(path), names)
        self.path = path

    def size(self, name: str) -> int:
        return (self.path / name).stat().st_size

    def _open(self, name: str) -> BinaryIO:
        return (self.path / name).open("rb")


class MemorySource(BundleSource):
    """A bundle held as file bytes by name (what the writer builds, and what tests tamper with)."""

    def __init__(self, files: dict[str, bytes]) -> None:
        super().__init__("bundle", sorted(files))
        self.files = files

    def size(self, name: str) -> int:
        return len(self.files[name])

    def _open(self, name: str) -> BinaryIO:
        return io.BytesIO(self.files[name])


class ZipSource(BundleSource):
    """A bundle zip: entries named by their last path component, sizes checked before reading."""

    def reopen(self) -> None:
        self.archive = zipfile.ZipFile(self.path)

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.archive = zipfile.ZipFile(path)
            infos = [i for i in self.archive.infolist() if not i.is_dir()]
        except (OSError, zipfile.BadZipFile) as exc:
            raise BundleReadError(f"{path}: cannot read the bundle ({exc})") from exc
        if len(infos) > MAX_ZIP_ENTRIES:
            raise BundleReadError(f"{path}: the zip holds {len(infos)} files; a bundle has ~12")
        self.infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = info.filename.rsplit("/", 1)[-1]
            if name in self.infos:
                raise BundleReadError(f"{path}: the zip holds two files called {name}")
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MIB and ratio > MAX_ZIP_RATIO:
                raise BundleReadError(
                    f"{path}: {name} would inflate {ratio:,.0f} times to "
                    f"{info.file_size // MIB:,} MiB; refused as a zip bomb"
                )
            self.infos[name] = info
        total = sum(i.file_size for i in infos)
        if total > MAX_ZIP_TOTAL:
            raise BundleReadError(
                f"{path}: the zip would inflate to {total // MIB:,} MiB; refused as oversized"
            )
        super().__init__(str(path), sorted(self.infos))

    def size(self, name: str) -> int:
        return self.infos[name].file_size

    def _open(self, name: str) -> BinaryIO:
        info = self.infos[name]
        return cast(BinaryIO, _Capped(self.archive.open(info), name, info.file_size))


class _Capped(io.RawIOBase):
    """A zip entry that may not yield more bytes than its header declared."""

    def __init__(self, inner: IO[bytes], name: str, declared: int) -> None:
        super().__init__()
        self.inner, self.name, self.left = inner, name, declared

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.left -= len(data)
        if self.left < 0:
            raise BundleReadError(f"{self.name}: inflates beyond the size its zip entry declares")
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self.inner.close()
        super().close()


class Progress:
    """One line on a terminal, rewritten in place: which large file, how far through the bundle."""

    LARGE = ("tokens.csv", "ballots.csv", "log.jsonl")

    def __init__(self, source: BundleSource, out: TextIO = sys.stderr) -> None:
        self.total = sum(source.size(n) for n in self.LARGE if n in source.names) or 1
        # Shared with a forked worker, so the line counts the bytes both processes read.
        # (Imported here: loading multiprocessing costs every run that has no terminal.)
        import multiprocessing  # noqa: PLC0415

        self.read = multiprocessing.get_context().Value("q", 0)
        self.out = out
        self.pid = os.getpid()
        self.shown = 0.0

    def advance(self, name: str, size: int) -> None:
        """Count ``size`` more bytes of ``name``; redraw at most four times a second."""
        if name not in self.LARGE:
            return
        with self.read.get_lock():
            self.read.value += size
        now = time.monotonic()
        if os.getpid() == self.pid and now - self.shown >= 0.25:
            self.shown = now
            share = min(self.read.value / self.total, 1.0)
            self.out.write(f"\rverifying: {share:4.0%} of the bundle read ({name})   ")
            self.out.flush()

    def done(self) -> None:
        """Clear the line before the report is printed."""
        if self.shown:
            self.out.write("\r" + " " * 60 + "\r")
            self.out.flush()


def open_source(path: Path) -> BundleSource:
    """The bundle at ``path``: a directory or a zip; BundleReadError if neither can be read."""
    return DirectorySource(path) if path.is_dir() else ZipSource(path)
