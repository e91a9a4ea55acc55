"""A ballot's languages and its contests' translated titles, as the definition reads and stores."""

from __future__ import annotations

import pytest

from ballotbox.core import i18n
from ballotbox.core.audit.chain import canonical_json, document_hash
from ballotbox.core.errors import DefinitionError
from ballotbox.definition import definition_from_dict, parse_definition

ONE = """\
slug = "nec-2027"
title = "National Executive 2027"
method = "irv"
opens = 2027-01-10T09:00:00Z
closes = 2027-01-31T17:00:00Z
tie_seed = "seed"
{extra}
[[candidates]]
number = 1
name = "Siân Ŵyn"

[[candidates]]
number = 2
name = "Ann Example"
"""

SEVERAL = """\
slug = "agm-2027"
title = "Annual ballot 2027"
opens = 2027-01-10T09:00:00Z
closes = 2027-01-31T17:00:00Z
tie_seed = "seed"
languages = ["cy", "en"]

[[contests]]
title = "Chair"
title_cy = "Cadeirydd"
method = "irv"
[[contests.candidates]]
number = 1
name = "Siân Ŵyn"
[[contests.candidates]]
number = 2
name = "Ann Example"

[[contests]]
title = "Motion 1"
method = "referendum"
"""


def test_a_ballot_lists_its_languages_primary_first() -> None:
    d = parse_definition(ONE.format(extra='languages = ["CY", "en-GB"]'))
    assert d.languages == ["cy", "en"] and d.languages_listed
    assert i18n.ballot_languages(d, default="en") == ["cy", "en"]
    assert d.document()["languages"] == ["cy", "en"]


def test_without_languages_the_document_is_as_before_and_the_installation_decides() -> None:
    d = parse_definition(ONE.format(extra=""))
    assert d.languages == ["en"] and not d.languages_listed
    assert "languages" not in d.document()
    # Exactly the keys a one-contest document had before languages existed.
    assert sorted(d.document()) == sorted(
        ["slug", "title", "description", "opens", "closes", "channels", "tie_seed", "method",
         "seats", "max_choices", "candidates", "threshold", "abstentions_count",
         "group_minimums"]
    )  # fmt: skip
    assert i18n.ballot_languages(d, default="cy") == ["cy"]
    again = definition_from_dict(d.document())
    assert canonical_json(again.document()) == canonical_json(d.document())


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ('languages = ["cy", "fr"]', "line 7: languages: “fr” is not a language ballotbox speaks"),
        ('languages = ["cy", "CY"]', "line 7: languages: a language is listed twice"),
        ("languages = []", "line 7: languages:"),
    ],
)
def test_an_unknown_or_repeated_language_is_refused_with_its_line(
    written: str, expected: str
) -> None:
    with pytest.raises(DefinitionError) as error:
        parse_definition(ONE.format(extra=written))
    assert any(p.startswith(expected) for p in error.value.problems), error.value.problems
    if "fr" in written:
        assert "use en, cy" in error.value.message


def test_a_contest_title_carries_its_translation_and_names_never_change() -> None:
    d = parse_definition(SEVERAL)
    chair, motion = d.contests
    assert chair.titles == {"cy": "Cadeirydd"} and motion.titles == {}
    with i18n.using("cy"):
        assert (chair.local_title, motion.local_title) == ("Cadeirydd", "Motion 1")
        assert chair.candidate_names()[1] == "Siân Ŵyn"
    with i18n.using("en"):
        assert chair.local_title == "Chair"
    document = d.document()
    assert document["contests"][0]["title_cy"] == "Cadeirydd"
    assert "titles" not in document["contests"][0] and "title_cy" not in document["contests"][1]
    again = definition_from_dict(document)
    assert again.contests[0].titles == {"cy": "Cadeirydd"}
    assert canonical_json(again.document()) == canonical_json(document)


def test_a_title_in_an_unknown_language_is_refused() -> None:
    with pytest.raises(DefinitionError) as error:
        parse_definition(SEVERAL.replace("title_cy", "title_xx"))
    assert "title_xx: no language “xx”; use title_en, title_cy" in error.value.message


def test_definitions_without_a_ballot_title_translation_hash_exactly_as_before() -> None:
    # The hashes main (434b451) gave these documents, before title_cy existed at the top level.
    before = {
        ONE.format(extra=""): "e35f81c18b8508daab28394a22817d7e4621b240752924e5636e2a77b7c20e7d",
        SEVERAL: "aaf5e5ef4125f81b9bb5a840885c33e96f320bd58a86a7bb6918ca22cff949e0",
    }
    for text, digest in before.items():
        d = parse_definition(text)
        assert d.titles == {} and document_hash(d.document()) == digest
        assert "title_cy" not in d.document()


@pytest.mark.parametrize("form", ["one", "several"])
def test_the_ballot_title_carries_its_translation(form: str) -> None:
    extra = 'title_cy = "Pwyllgor Gwaith Cenedlaethol 2027 — Ŵyl"'
    text = (
        ONE.format(extra=extra)
        if form == "one"
        else SEVERAL.replace('languages = ["cy", "en"]', f'languages = ["cy", "en"]\n{extra}')
    )
    d = parse_definition(text)
    assert d.titles == {"cy": "Pwyllgor Gwaith Cenedlaethol 2027 — Ŵyl"}
    assert d.title_in("en") == d.title and d.title_in("cy").endswith("Ŵyl")
    with i18n.using("cy"):
        assert d.local_title == "Pwyllgor Gwaith Cenedlaethol 2027 — Ŵyl"
        if form == "one":  # the one contest is titled like the ballot, in every language
            assert d.contests[0].local_title == d.local_title
    with i18n.using("en"):
        assert d.local_title == d.title
    document = d.document()
    assert document["title_cy"] == d.titles["cy"] and "titles" not in document
    assert ("contests" in document) == (form == "several")
    again = definition_from_dict(document)
    assert again.titles == d.titles
    assert canonical_json(again.document()) == canonical_json(document)


def test_a_ballot_title_in_an_unknown_language_is_refused_once() -> None:
    with pytest.raises(DefinitionError) as error:
        parse_definition(ONE.format(extra='title_xx = "?"'))
    assert error.value.problems == ["titles: title_xx: no language “xx”; use title_en, title_cy"], (
        error.value.problems
    )
