"""Election keys and signed statements: file modes, domain separation, tamper detection."""

from __future__ import annotations

import os
import stat

import pytest

from ballotbox.core.audit import crypto
from ballotbox.core.audit.receipts import (
    make_checkpoint,
    make_receipt,
    open_checkpoint,
    open_receipt,
    receipt_code,
)

KEY = crypto.signing_key_from_seed(bytes(range(32)))


def test_a_saved_key_is_private_to_its_owner_and_loads_back(tmp_path):
    path = tmp_path / "signing.key"
    crypto.save_signing_key(KEY, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert bytes(crypto.load_signing_key(path)) == bytes(KEY)


def test_saving_over_a_readable_file_makes_it_private(tmp_path):
    path = tmp_path / "signing.key"
    path.write_text("old")
    os.chmod(path, 0o644)
    crypto.save_signing_key(KEY, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_key_file_others_can_read_is_refused(tmp_path):
    path = tmp_path / "signing.key"
    crypto.save_signing_key(KEY, path)
    os.chmod(path, 0o640)
    with pytest.raises(crypto.KeyFileError, match="readable by others"):
        crypto.load_signing_key(path)


def test_a_malformed_or_missing_key_file_is_a_clear_error(tmp_path):
    path = tmp_path / "signing.key"
    with pytest.raises(crypto.KeyFileError, match="cannot read"):
        crypto.load_signing_key(path)
    path.write_text("not hex")
    os.chmod(path, 0o600)
    with pytest.raises(crypto.KeyFileError, match="not a hex Ed25519 seed"):
        crypto.load_signing_key(path)


def test_the_signed_bytes_are_prefix_kind_nul_then_canonical_json():
    assert crypto.signed_message("receipt", {"b": 1, "a": "é"}) == (
        b'ballotbox/v1/receipt\x00{"a":"\xc3\xa9","b":1}'
    )


def test_a_signature_for_one_kind_of_statement_is_worthless_for_another():
    body = {"election": "x", "position": 1}
    signature = crypto.sign(KEY, "checkpoint", body)
    assert crypto.verify(KEY.verify_key, "checkpoint", body, signature)
    assert not crypto.verify(KEY.verify_key, "receipt", body, signature)
    assert not crypto.verify(KEY.verify_key, "checkpoint", {**body, "position": 2}, signature)
    assert not crypto.verify(KEY.verify_key, "checkpoint", body, "zz")


def test_a_receipt_verifies_and_its_code_is_eight_characters_without_look_alikes():
    receipt = make_receipt(
        KEY,
        election="x",
        token_hash=b"\1" * 32,
        ballot_hash=b"\2" * 32,
        position=4,
        nonce=b"\3" * 16,
        head=b"\4" * 32,
    )
    assert open_receipt(KEY.verify_key, receipt) == receipt["body"]
    assert len(receipt["code"]) == 8 and set(receipt["code"]) <= set(
        "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    )
    assert receipt["code"] == receipt_code(b"\1" * 32, b"\2" * 32)
    # The code names the ballot, not where it sits in the log: no order leaks through it.
    moved = make_receipt(
        KEY,
        election="x",
        token_hash=b"\1" * 32,
        ballot_hash=b"\2" * 32,
        position=9,
        nonce=b"\5" * 16,
        head=b"\6" * 32,
    )
    assert moved["code"] == receipt["code"]
    forged = {**receipt, "body": {**receipt["body"], "position": 5}}
    assert open_receipt(KEY.verify_key, forged) is None
    assert open_receipt(KEY.verify_key, {**receipt, "code": "AAAAAAAA"}) is None


def test_a_checkpoint_signed_by_another_election_does_not_open():
    other = crypto.signing_key_from_seed(bytes(32))
    checkpoint = make_checkpoint(
        other, election="x", position=0, head=bytes(32), ballots=0, time="t"
    )
    assert open_checkpoint(other.verify_key, checkpoint) is not None
    assert open_checkpoint(KEY.verify_key, checkpoint) is None
