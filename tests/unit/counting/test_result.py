"""The result as JSON (round trip), CSV and a printed sheet."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from ballotbox.core.counting import (
    CountInput,
    CountOptions,
    Result,
    count,
    result_csv,
    result_sheet,
)
from ballotbox.core.counting.model import number_str, parse_number

DATA = CountInput(
    ["Ann", "Bob", "Cat", "Dan"],
    2,
    [(((0,), (1,)), 7), (((2,),), 2), (((1,),), 2), (((3,), (2,)), 1)],
    title="Test ward",
)


@pytest.mark.parametrize("method", ["scottish-stv", "meek-stv", "plurality", "approval"])
def test_json_round_trip_is_exact(method: str) -> None:
    result = count(method, DATA, CountOptions(seed="x"))
    text = json.dumps(result.to_json())
    assert Result.from_json(json.loads(text)) == result


def test_json_has_names_rounds_and_decimal_strings() -> None:
    data = count("scottish-stv", DATA).to_json()
    assert data["elected"] == ["Ann", "Bob"]
    first, second = data["rounds"][:2]
    assert first["action"] == "first-preferences"
    assert first["votes"] == {"Ann": "7", "Bob": "2", "Cat": "2", "Dan": "1"}
    assert second["action"] == "surplus" and second["candidates"] == ["Ann"]
    assert second["votes"]["Bob"] == "3.99997"  # 2 + 7 × 0.28571
    assert second["exhausted"] == "0"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Fraction(1, 3), "1/3"),
        (Fraction(27278, 10), "2727.8"),
        (5, "5"),
        (Fraction(-1, 8), "-0.125"),
        (Fraction(1, 100000), "0.00001"),
    ],
)
def test_numbers_are_written_exactly(value: Fraction, text: str) -> None:
    assert number_str(value) == text
    assert parse_number(text) == value


def test_csv_has_a_row_per_round_and_candidate() -> None:
    result = count("scottish-stv", DATA)
    rows = result_csv(result).splitlines()
    assert rows[0].startswith("round,action,candidate,votes")
    assert len(rows) == 1 + len(result.rounds) * 4
    assert "Surplus of Ann" in rows[5]


def test_sheet_reads_like_an_official_result() -> None:
    sheet = result_sheet(count("scottish-stv", DATA))
    assert "Quota: 5" in sheet
    assert "Stage 2: Surplus of Ann" in sheet
    assert "3.99997" in sheet
    assert sheet.rstrip().endswith("Elected: Ann; Bob")
