"""The recount: every method verifies, and it builds exactly the input the tally counts."""

from __future__ import annotations

import pytest

from ballotbox.core.audit.bundle import parse_bundle
from ballotbox.core.audit.verify import verify_bundle
from ballotbox.core.audit.verify_recount import compare_results, count_input, count_options
from tests.unit.audit.factory import DEFINITION, VOTES, build_election

REFERENDUM = {
    **DEFINITION,
    "slug": "motion-7",
    "title": "Motion 7",
    "method": "referendum",
    "seats": 1,
    "threshold": "2/3",
    "candidates": [
        {"number": 1, "name": "Yes", "statement": "", "url": "", "group": ""},
        {"number": 2, "name": "No", "statement": "", "url": "", "group": ""},
        {"number": 3, "name": "Abstain", "statement": "", "url": "", "group": ""},
    ],
}
APPROVAL = {**DEFINITION, "slug": "approval-2027", "method": "approval"}
IRV = {**DEFINITION, "slug": "chair-2027", "method": "irv", "seats": 1}


@pytest.mark.parametrize(
    ("definition", "votes"),
    [
        (REFERENDUM, [("web", [1]), ("sms", [2]), ("phone", [1]), ("postal", [3]), ("web", [1])]),
        (APPROVAL, [("web", [1, 3]), ("sms", [2]), ("web", [1, 2, 4]), ("postal", [3])]),
        (IRV, VOTES),
    ],
    ids=["referendum", "approval", "irv"],
)
def test_every_method_recounts_to_its_published_result(definition, votes):
    election = build_election(votes=votes, definition=definition)
    files = election.files()
    results = verify_bundle(parse_bundle(files), files, [("r", r) for r in election.receipts])
    assert [r.problems for r in results if not r.ok] == []


def test_the_recount_builds_the_same_count_input_and_options_as_the_tally():
    tally = pytest.importorskip("ballotbox.services.tally")
    from ballotbox.definition import definition_from_dict

    definition = definition_from_dict(dict(DEFINITION))
    choices = [choices for _, choices in VOTES]
    assert count_input(DEFINITION, choices) == tally.count_input(definition, choices)
    assert count_options(DEFINITION, DEFINITION["tie_seed"]) == tally.count_options(definition)


def test_a_missing_round_is_named():
    published = {"elected": ["A"], "rounds": [{"number": 1}, {"number": 2}]}
    fresh = {"elected": ["A"], "rounds": [{"number": 1}]}
    assert compare_results(published, fresh) == ["result.json has 2 rounds; the recount has 1"]
