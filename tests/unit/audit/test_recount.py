"""The recount: every method verifies, and it builds exactly the input the tally counts."""

from __future__ import annotations

import pytest

from ballotbox.core import contests
from ballotbox.core.audit.verify import verify_bundle
from ballotbox.core.audit.verify_recount import compare_results
from tests.unit.audit.factory import (
    CONTESTS_DEFINITION,
    DEFINITION,
    VOTES,
    build_contests_election,
    build_election,
)

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
    results = verify_bundle(files, [("r", r) for r in election.receipts])
    assert [r.problems for r in results if not r.ok] == []


@pytest.mark.parametrize("document", [DEFINITION, CONTESTS_DEFINITION], ids=["one", "three"])
def test_the_tally_and_the_recount_count_the_same_document_the_same_way(document):
    """The tally counts the stored definition.document(); the verifier counts election.json."""
    tally = pytest.importorskip("ballotbox.services.tally")
    from ballotbox.definition import definition_from_dict

    stored = definition_from_dict(dict(document)).document()
    assert stored == document  # what is stored is what is published, byte for byte
    assert "count_input" not in vars(tally) and "count_options" not in vars(tally)
    for contest in contests.contests(document):
        choices = [[1, 2], [2], [1]]
        assert contests.count_input(contest, choices).candidates
        assert contests.count_options(contest, "s").referendum_threshold > 0


def test_every_contest_of_a_ballot_recounts_to_its_published_result():
    election = build_contests_election()
    files = election.files()
    results = verify_bundle(files, [("r", r) for r in election.receipts])
    assert [r.problems for r in results if not r.ok] == []
    assert set(election.data.result["contests"]) == {"A", "B", "C"}
    assert election.data.result["blank"] == {"A": 1, "B": 1, "C": 1}


def test_a_missing_round_is_named():
    published = {"elected": ["A"], "rounds": [{"number": 1}, {"number": 2}]}
    fresh = {"elected": ["A"], "rounds": [{"number": 1}]}
    assert compare_results(published, fresh) == ["result.json has 2 rounds; the recount has 1"]
