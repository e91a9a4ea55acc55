"""Acceptance: Scottish STV reproduces the official Edinburgh 2017 result sheets stage by stage."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from ballotbox.core.counting import count, read_blt

WARDS = [f"edinburgh_2017_ward{i}" for i in range(1, 17)]


def published(value: str) -> tuple[Decimal, Decimal]:
    """The published figure and half a unit of its last printed digit (its rounding)."""
    figure = Decimal(value)
    exponent = figure.as_tuple().exponent
    assert isinstance(exponent, int)
    return figure, Decimal(1).scaleb(exponent) / 2


@pytest.mark.testdata
@pytest.mark.parametrize("ward", WARDS)
def test_every_stage_matches_the_official_sheet(testdata_dir: Path, ward: str) -> None:
    folder = testdata_dir / "scotland-2017"
    expected = json.loads((folder / f"{ward}.expected.json").read_text())
    data = read_blt((folder / f"{ward}.blt").read_text(), source=f"{ward}.blt")
    result = count("scottish-stv", data)
    assert list(data.candidates) == expected["candidates"]
    assert result.quota == expected["quota"]
    assert result.valid_poll == expected["valid_poll"]
    assert len(result.rounds) == len(expected["stages"])
    for stage, (round_, totals) in enumerate(
        zip(result.rounds, expected["stages"], strict=True), start=1
    ):
        for name, mine, theirs in zip(expected["candidates"], round_.votes, totals, strict=True):
            figure, tolerance = published(theirs)
            exact = Decimal(mine.numerator) / Decimal(mine.denominator)
            assert abs(exact - figure) <= tolerance, f"stage {stage}, {name}"
    assert sorted(result.elected_names()) == sorted(expected["elected"])


@pytest.mark.testdata
def test_published_figures_are_reproduced_exactly_to_five_places(testdata_dir: Path) -> None:
    """Stricter than the rounding check: every 5-decimal figure is equal digit for digit."""
    folder = testdata_dir / "scotland-2017"
    mismatches = []
    for ward in WARDS:
        expected = json.loads((folder / f"{ward}.expected.json").read_text())
        result = count("scottish-stv", read_blt((folder / f"{ward}.blt").read_text()))
        for round_, totals in zip(result.rounds, expected["stages"], strict=True):
            for mine, theirs in zip(round_.votes, totals, strict=True):
                if Decimal(theirs) * 100000 != Decimal(mine.numerator) * 100000 / Decimal(
                    mine.denominator
                ):
                    mismatches.append((ward, round_.number, theirs, mine))
    assert mismatches == []
