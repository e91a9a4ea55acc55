"""The streaming verifier: the same answers as the whole-file rules, bounded input, progress."""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import random
import sys
import zipfile
from pathlib import Path

import pytest

from ballotbox.core.audit import crypto, merkle, source
from ballotbox.core.audit.bundle import MANIFEST, BallotRow, manifest_body, pretty_json
from ballotbox.core.audit.source import MemorySource, Progress
from ballotbox.core.audit.verify import main, verify_bundle
from ballotbox.core.audit.verify_scan import MerkleBuilder
from ballotbox.core.tokens.format import generate
from ballotbox.core.tokens.hashing import token_hash
from tests.unit.audit.factory import Election

ROOT = Path(__file__).resolve().parents[3]


def problems(files: dict[str, bytes]) -> str:
    return "\n".join(p for r in verify_bundle(files) for p in r.problems)


def resigned(election: Election, files: dict[str, bytes]) -> dict[str, bytes]:
    """The files with the manifest signed again by the election's key, as its holder could."""
    files = {name: data for name, data in files.items() if name != MANIFEST}
    body = manifest_body(files, election.data.definition["slug"])
    return {**files, MANIFEST: pretty_json(crypto.envelope(election.key, "manifest", body))}


@pytest.mark.parametrize("size", [*range(0, 20), 31, 32, 33, 100, 257])
def test_the_merkle_root_built_in_batches_is_the_published_rule(size):
    rng = random.Random(size)
    leaves = sorted({rng.randbytes(32) for _ in range(size)})
    builder = MerkleBuilder()
    at = 0
    while at < len(leaves):
        step = rng.randint(1, 7)
        builder.add_leaves([b"\x00" + leaf for leaf in leaves[at : at + step]])
        at += step
    assert builder.root() == merkle.root(leaves)


def test_the_keyed_token_hash_of_the_scan_is_the_one_tokens_are_issued_with():
    import hashlib

    key = bytes(range(32))
    token = generate(random.Random(1).randrange)
    fast = hashlib.blake2b(token.encode(), digest_size=32, key=key).digest()
    assert fast == token_hash(token, key)


def test_a_ballot_cast_with_an_unused_token_is_named_though_the_counts_agree(election):
    unused = next(t for t in election.tokens if t not in election.void and t not in election.voted)
    row = election.data.ballots[3]
    election.data.ballots[3] = dataclasses.replace(row, token=unused.digits)
    report = problems(election.files())
    assert f"token {unused.digits} is listed as unused in tokens.csv" in report
    assert "marked voted but has no ballot in ballots.csv" in report


def test_a_log_line_written_with_spaces_still_chains(election):
    files = election.files()
    lines = files["log.jsonl"].decode().splitlines()
    ballot = next(i for i, line in enumerate(lines) if '"kind":"ballot"' in line)
    lines[ballot] = lines[ballot].replace(",", ", ").replace(":", ": ")
    files["log.jsonl"] = ("\n".join(lines) + "\n").encode()
    assert problems(resigned(election, files)) == ""


def _bench_module():
    spec = importlib.util.spec_from_file_location("verify_bench", ROOT / "benchmarks/verify.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle from benchmarks/verify.py big enough that every large file spans several blocks."""
    out = tmp_path_factory.mktemp("bench") / "bundle"
    _bench_module().make(12_000, out, seed=5)
    return out


def test_a_generated_bundle_verifies_across_block_boundaries(generated, capsys):
    assert (generated / "log.jsonl").stat().st_size > 2 * source.BLOCK_BYTES
    assert main([str(generated)]) == 0
    out = capsys.readouterr()
    assert "OK: all 12 checks hold." in out.out
    assert "verifying:" not in out.err  # no progress line when stderr is not a terminal


def test_a_row_altered_deep_in_a_generated_bundle_is_named(generated, tmp_path):
    text = (generated / "ballots.csv").read_text().splitlines()
    line = 5001
    token, channel, slate, motion = text[line - 1].split(",")
    text[line - 1] = ",".join([token, channel, slate, "2" if motion != "2" else "1"])
    files = {p.name: p.read_bytes() for p in generated.iterdir()}
    files["ballots.csv"] = ("\n".join(text) + "\n").encode()
    report = problems(files)
    assert "ballots.csv: SHA-256 does not match the manifest (file altered)" in report
    assert "ballots-B.blt: the ballots differ from ballots.csv, contest B" in report


def test_a_zip_bomb_is_refused_before_it_is_inflated(election, tmp_path, capsys):
    bomb = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in election.files().items():
            archive.writestr(f"b/{name}", data)
        archive.writestr("b/log.jsonl.extra", b"\n" * (64 << 20))
    assert main([str(bomb)]) == 2
    assert "refused as a zip bomb" in capsys.readouterr().err


def test_an_oversized_line_or_file_is_refused_with_a_clear_message(
    election, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(source, "MAX_LINE_BYTES", 4096)
    files = election.files()
    files["ballots.csv"] += b"9" * 10_000
    folder = tmp_path / "long-line"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    assert main([str(folder)]) == 2
    assert "ballots.csv: a line longer than 4,096 bytes; refused" in capsys.readouterr().err
    monkeypatch.setattr(source, "MAX_WHOLE_BYTES", 1000)
    assert main([str(folder)]) == 2
    assert "larger than 1,000 bytes; refused" in capsys.readouterr().err


def test_the_progress_line_names_the_file_and_clears_itself(election):
    out = io.StringIO()
    bundle = MemorySource(election.files())
    bundle.progress = Progress(bundle, out)
    results = verify_bundle(bundle)
    bundle.progress.done()
    assert all(r.ok for r in results)
    assert "verifying: " in out.getvalue() and "tokens.csv" in out.getvalue()
    assert out.getvalue().endswith("\r")


def test_a_ballot_whose_choice_is_no_number_is_unreadable_and_named_by_line(election):
    election.data.ballots.append(BallotRow("1" * 20, "web", (1,)))
    files = election.files()
    files["ballots.csv"] = files["ballots.csv"].replace(b",web,1\n", b",web,one\n")
    with pytest.raises(Exception, match=r"ballots.csv, line \d+: choices must be numbers"):
        verify_bundle(files)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__]))


def test_the_forked_worker_reads_a_zip_and_reports_what_it_finds(
    generated, tmp_path, monkeypatch, capsys
):
    from ballotbox.core.audit import verify_gather
    from ballotbox.core.audit.bundle import write_zip

    monkeypatch.setattr(verify_gather, "PARALLEL_BYTES", 0)
    files = {p.name: p.read_bytes() for p in generated.iterdir()}
    archive = write_zip(files, tmp_path / "bundle.zip", "bundle")
    assert main([str(archive)]) == 0
    assert "OK: all 12 checks hold." in capsys.readouterr().out
    lines = files["log.jsonl"].split(b"\n")
    at = lines[9000].index(b'"commitment":"') + 14
    flipped = b"1" if lines[9000][at : at + 1] != b"1" else b"2"
    lines[9000] = lines[9000][:at] + flipped + lines[9000][at + 1 :]
    files["log.jsonl"] = b"\n".join(lines)
    broken = write_zip(files, tmp_path / "broken.zip", "broken")
    assert main([str(broken)]) == 1
    out = capsys.readouterr().out
    assert "log.jsonl, line 9001: hash does not match the chain" in out
    files["log.jsonl"] = files["log.jsonl"].replace(b"\n", b"\n{", 1)
    unreadable = write_zip(files, tmp_path / "unreadable.zip", "unreadable")
    assert main([str(unreadable)]) == 2
    assert "log.jsonl, line 2: not JSON" in capsys.readouterr().err
