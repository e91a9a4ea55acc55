"""Printing for members who check by post: the check list and the result sheet, from storage.

The check list is printed from the very list the check page serves
(``ballots.json``, stored when the ballot was published), so paper and web
can never disagree.  Unused and void tokens were never stored in plain text,
so they cannot be printed; a token missing from the list had no vote recorded.
The fingerprint on every page is the token commitment's Merkle root, as the
audit page shows it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlmodel import Session

from ballotbox.core.errors import InputError, LifecycleError
from ballotbox.core.i18n import N_
from ballotbox.core.printing.checkpages import (
    CheckRow,
    SheetInfo,
    render_check_list,
    render_dispute_form,
    render_result_sheet,
)
from ballotbox.core.tokens.format import Token
from ballotbox.definition import ElectionDefinition
from ballotbox.services.elections import definition_of
from ballotbox.services.publishing import CHECK_LIST, stored_file
from ballotbox.storage import repository
from ballotbox.storage.models import Election, ElectionState

MAX_PREFIX = 6  # a longer prefix would narrow a request down to a handful of tokens


def print_check_list(session: Session, election: Election, out: Path, prefix: str = "") -> int:
    """Write the published token → vote list (tokens starting ``prefix``) as large print."""
    prefix = _checked_prefix(prefix)
    data = stored_file(session, election, CHECK_LIST)
    if election.state != ElectionState.PUBLISHED or data is None:
        raise LifecycleError(
            N_("“{slug}” is not published yet: run ballotbox publish {slug} first."),
            slug=election.slug,
        )
    listed = json.loads(data)
    definition = definition_of(election)
    rows = [
        CheckRow(
            token=Token(digits).grouped,
            channel=channel,
            code=code,
            contests=_named(definition, recorded),
        )
        for digits, (channel, recorded, code) in listed["ballots"].items()
    ]
    unlisted = len(listed.get("unused", [])) + len(listed.get("void", []))
    info = _info(session, election)
    return render_check_list(rows, out, info=info, prefix=prefix, unlisted=unlisted)


def print_results(session: Session, election: Election, out: Path) -> int:
    """Write the result sheet, every round of every contest, once the votes are counted."""
    if (
        election.state not in (ElectionState.COUNTED, ElectionState.PUBLISHED)
        or not election.result
    ):
        raise LifecycleError(
            N_("“{slug}” has not been counted yet: run ballotbox tally {slug} first."),
            slug=election.slug,
        )
    result: dict[str, Any] = json.loads(election.result)
    definition = definition_of(election)
    if definition.single:
        contests = [("", result, 0)]
    else:
        contests = [
            (
                f"{c.key}. {c.title}",
                result["contests"][c.key],
                result.get("blank", {}).get(c.key, 0),
            )
            for c in definition.contests
            if c.key in result.get("contests", {})
        ]
    return render_result_sheet(contests, out, info=_info(session, election))


def print_dispute_form(session: Session, election: Election, out: Path, return_address: str) -> int:
    """Write the postal form for reporting a wrong vote, to go in the ballot pack."""
    if not return_address.strip():
        raise InputError(N_("Set BALLOTBOX_POSTAL_ADDRESS: the form must say where to post it."))
    info = SheetInfo(title=election.title, slug=election.slug, fingerprint="")
    return render_dispute_form(out, info=info, return_address=return_address)


def _checked_prefix(prefix: str) -> str:
    digits = prefix.replace(" ", "")
    if not digits.isdigit() and digits:
        raise InputError(
            N_("--prefix takes the first digits of a token, such as 48, not “{prefix}”."),
            prefix=prefix,
        )
    if len(digits) > MAX_PREFIX:
        raise InputError(
            N_("--prefix takes at most {most} digits, so a request never points at one token."),
            most=MAX_PREFIX,
        )
    return digits


def _named(
    definition: ElectionDefinition, recorded: list[int] | dict[str, list[int]]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each contest's choices as (label, names); a one-contest ballot has no label."""
    by_key = recorded if isinstance(recorded, dict) else {definition.keys[0]: recorded}
    out = []
    for contest in definition.contests:
        names = contest.candidate_names()
        label = "" if definition.single else f"{contest.key}. {contest.title}"
        out.append((label, tuple(names.get(n, str(n)) for n in by_key.get(contest.key, []))))
    return tuple(out)


def _info(session: Session, election: Election) -> SheetInfo:
    assert election.id is not None
    opened = repository.lifecycle_entry(session, election.id, "opened")
    if opened is None:
        raise LifecycleError(N_("“{slug}” was never opened."), slug=election.slug)
    root = json.loads(opened.payload)["commitment"]["body"]["merkle_root"]
    return SheetInfo(title=election.title, slug=election.slug, fingerprint=str(root))
