"""Election definitions: the issue's example parses; every problem is reported with its line."""

from __future__ import annotations

import pytest

from ballotbox.core.errors import DefinitionError
from ballotbox.definition import parse_definition

EXAMPLE = """\
slug = "nec-2027"
title = "National Executive, constituency section, 2027"
method = "scottish-stv"
seats = 6
opens = 2027-01-10T09:00:00Z
closes = 2027-01-31T17:00:00Z
channels = ["web", "sms", "phone", "postal"]
"""


def with_candidates(text: str, n: int) -> str:
    blocks = "".join(
        f'\n[[candidates]]\nnumber = {i}\nname = "Candidate {i}"\n' for i in range(1, n + 1)
    )
    return text + blocks


def test_the_issue_example_parses() -> None:
    d = parse_definition(with_candidates(EXAMPLE, 8))
    (contest,) = d.contests  # the one-contest form is a ballot with one contest
    assert d.slug == "nec-2027" and contest.method == "scottish-stv" and contest.seats == 6
    assert [c.number for c in contest.candidates] == list(range(1, 9))
    assert (contest.key, contest.title) == ("A", d.title) and d.is_one_contest_form()
    assert d.channels == ["web", "sms", "phone", "postal"]
    assert d.tie_seed  # a seed is chosen when none is given, and stored


def test_every_problem_is_reported_with_its_line() -> None:
    text = """\
slug = "NEC 2027"
title = "x"
method = "stv"
opens = 2027-01-10T09:00:00Z
closes = 2027-01-31T17:00:00
colour = "red"

[[candidates]]
number = 1
name = "Ann"
url = "ftp://example.org"

[[candidates]]
number = 2
"""
    with pytest.raises(DefinitionError) as error:
        parse_definition(text)
    problems = error.value.problems
    assert any(p.startswith("line 1: slug:") for p in problems)
    assert any(p.startswith("line 3: method:") for p in problems)
    assert any(p.startswith("line 5: closes:") and "time zone" in p for p in problems)
    assert any(p.startswith("line 6: colour:") and "not a known setting" in p for p in problems)
    assert any(p.startswith("line 11: candidates[0].url:") for p in problems)
    assert any(p.startswith("line 13: candidates[1].name:") and "required" in p for p in problems)
    assert len(problems) == 6


def test_whole_definition_rules_are_reported_together() -> None:
    text = EXAMPLE.replace("closes = 2027-01-31", "closes = 2027-01-01").replace(
        "seats = 6", "seats = 3"
    )
    with pytest.raises(DefinitionError) as error:
        parse_definition(with_candidates(text, 3))
    joined = "\n".join(error.value.problems)
    assert "closes: must be after opens" in joined
    assert "more candidates than seats" in joined


def test_toml_syntax_errors_name_the_line() -> None:
    with pytest.raises(DefinitionError) as error:
        parse_definition('slug = "x\n', source="broken.toml")
    assert "broken.toml" in error.value.message and "line 1" in error.value.message


def test_a_referendum_gets_yes_no_abstain_and_survives_a_round_trip() -> None:
    text = EXAMPLE.replace('"scottish-stv"', '"referendum"').replace(
        "seats = 6", 'threshold = "2/3"'
    )
    d = parse_definition(text)
    assert [c.name for c in d.contests[0].candidates] == ["Yes", "No", "Abstain"]
    again = type(d).model_validate_json(d.model_dump_json())
    assert again == d


def test_impossible_group_minimum_is_refused() -> None:
    text = with_candidates(EXAMPLE, 8) + '\n[[group_minimums]]\ngroup = "women"\nminimum = 3\n'
    with pytest.raises(DefinitionError) as error:
        parse_definition(text)
    assert "impossible" in error.value.message


def test_timezone_defaults_to_london_and_is_not_written_when_not_given() -> None:
    d = parse_definition(with_candidates(EXAMPLE, 8))
    assert d.zone == "Europe/London" and d.timezone is None
    assert "timezone" not in d.document()  # stored byte for byte as before the field existed
    athens = parse_definition(with_candidates(EXAMPLE + 'timezone = "Europe/Athens"\n', 8))
    assert athens.zone == "Europe/Athens" and athens.document()["timezone"] == "Europe/Athens"


def test_an_unknown_timezone_is_reported_with_its_line() -> None:
    text = with_candidates(EXAMPLE + 'timezone = "Mars/Olympus"\n', 8)
    with pytest.raises(DefinitionError) as problem:
        parse_definition(text)
    assert "timezone" in str(problem.value) and "line 8" in str(problem.value)
    assert "Europe/London" in str(problem.value)
