"""One vocabulary: the definition, the count, the verifier and cast() agree on every word."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ballotbox.core.counting import CountInput, count
from ballotbox.core.errors import DefinitionError, InputError
from ballotbox.core.vocabulary import CHANNELS, METHODS, RANKED_METHODS, REFERENDUM_ANSWERS
from ballotbox.definition import definition_from_dict


def definition(**fields: Any) -> dict[str, Any]:
    return {
        "slug": "words-2027",
        "title": "Words",
        "method": "irv",
        "opens": datetime(2027, 1, 10, tzinfo=UTC),
        "closes": datetime(2027, 1, 31, tzinfo=UTC),
        "candidates": [{"number": i, "name": f"Candidate {i}"} for i in (1, 2, 3)],
        **fields,
    }


@pytest.mark.parametrize("method", METHODS)
def test_the_count_and_the_definition_take_every_method(method: str) -> None:
    answers_only: dict[str, Any] = {"candidates": []} if method == "referendum" else {}
    d = definition_from_dict(definition(method=method, **answers_only))
    assert d.method == method and d.ranked == (method in RANKED_METHODS)
    names = [c.name for c in d.candidates]
    result = count(method, CountInput(names, 1, [(((0,),), 3), (((1,),), 1)]))
    assert result.method == method


def test_a_word_outside_the_vocabulary_is_refused_everywhere() -> None:
    with pytest.raises(DefinitionError, match="method"):
        definition_from_dict(definition(method="borda"))
    with pytest.raises(DefinitionError, match="channels"):
        definition_from_dict(definition(channels=["web", "fax"]))
    with pytest.raises(InputError, match="borda"):
        count("borda", CountInput(["a", "b"], 1, []))


def test_every_channel_is_enabled_by_default() -> None:
    assert tuple(definition_from_dict(definition()).channels) == CHANNELS


def test_a_referendum_offers_exactly_the_answers_the_count_expects() -> None:
    d = definition_from_dict(definition(method="referendum", candidates=[]))
    assert tuple(c.name for c in d.candidates) == REFERENDUM_ANSWERS
    assert count("referendum", CountInput(REFERENDUM_ANSWERS, 1, [])).method == "referendum"
