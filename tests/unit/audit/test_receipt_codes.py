"""Receipt codes: 8 symbols from an alphabet with no look-alikes, read back forgivingly."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ballotbox.core.audit.receipts import (
    CODE_ALPHABET,
    CODE_DOMAIN,
    code_keys,
    read_code,
    read_code_keys,
    receipt_code,
)
from ballotbox.core.errors import ReceiptCodeError, ReceiptLookalikeError


def test_the_alphabet_has_32_symbols_and_no_o_0_i_or_1() -> None:
    assert len(CODE_ALPHABET) == len(set(CODE_ALPHABET)) == 32
    assert not set("O0I1") & set(CODE_ALPHABET)
    assert set(CODE_ALPHABET) == set("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")


def test_the_published_vector_holds() -> None:
    # FORMAT.md §8: the golden receipt-0.json's code, recomputed from its hashes.
    token_hash = bytes.fromhex("250bb3062c106f964bc2225cdcb07479e46ee76bc1684fe53218adaf9f4c34ca")
    ballot_hash = bytes.fromhex("549e2b1a73522b520f34c8bfe2e7f82def6fe8d0ddd70bda041bbac60bb662ac")
    assert receipt_code(token_hash, ballot_hash) == "RKGGYQSA"


@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_a_code_is_rfc4648_base32_of_the_first_five_bytes_in_the_new_alphabet(
    token_hash: bytes, ballot_hash: bytes
) -> None:
    digest = hashlib.sha256(CODE_DOMAIN + token_hash + ballot_hash).digest()
    rfc = base64.b32encode(digest[:5]).decode("ascii")
    expected = rfc.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", CODE_ALPHABET))
    code = receipt_code(token_hash, ballot_hash)
    assert code == expected and len(code) == 8 and set(code) <= set(CODE_ALPHABET)
    assert read_code(code) == code
    assert read_code(f" {code[:4].lower()}-{code[4:]} ") == code


@pytest.mark.parametrize("typed", ["rkgg yqsa", "RKGG-YQSA", "r.k.g.g.y.q.s.a", "RKGG\u2013YQSA"])
def test_case_spaces_dots_and_dashes_are_forgiven(typed: str) -> None:
    assert read_code(typed) == "RKGGYQSA"


@pytest.mark.parametrize(("typed", "named"), [("RKGGY0SA", "0"), ("RK1GYQSA", "1"),
                                               ("rkogyqsa", "O"), ("IKGGYQS1", "1 I")])  # fmt: skip
def test_an_o_0_i_or_1_gets_its_own_message_naming_it(typed: str, named: str) -> None:
    with pytest.raises(ReceiptLookalikeError) as caught:
        read_code(typed)
    assert f"but this one has {named}." in caught.value.message
    assert "Receipt codes never use O, 0, I or 1" in caught.value.message


@pytest.mark.parametrize("typed", ["", "RKGGYQS", "RKGGYQSAA", "RKGG YQS!", "ＲKGGYQSA"])
def test_anything_else_that_is_not_eight_symbols_is_refused(typed: str) -> None:
    with pytest.raises(ReceiptCodeError) as caught:
        read_code(typed)
    assert not isinstance(caught.value, ReceiptLookalikeError)
    assert "8 letters and digits" in caught.value.message


def test_every_symbol_is_on_one_key_from_2_to_9_as_printed_on_a_keypad() -> None:
    assert code_keys("RKGGYQSA") == "75449772"
    assert code_keys("23456789") == "23456789"
    assert code_keys("ABCDEFGHJKLMNPQRSTUVWXYZ") == "222333445556677778889999"
    assert read_code_keys(" 75449772 ") == "75449772"
    for keys in ["7544977", "754497720", "75449702", "7544977*", ""]:
        with pytest.raises(ReceiptCodeError):
            read_code_keys(keys)
