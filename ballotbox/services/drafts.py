"""Drafts: change a ballot's definition, or delete the ballot, before any card exists.

A draft is editable while it is in the draft state and no card has been
printed (no token issued, no print run, no hand-out recorded).  After that the
definition is what the cards were printed for and what the opening commitment
will sign, so nothing in it changes.  The replacement goes through the same
validation as ``election create`` (the caller parses the TOML); the slug
stays, since the ballot's keys are filed under it.

A draft's hash chain holds only its ``created`` entry (every later kind of
entry needs tokens), and it is not yet published or witnessed anywhere, so an
edit starts the chain again from a ``created`` entry carrying the new
definition's hash.  The history is kept in the officer action log instead:
who edited or deleted the draft, when, and the definition hashes before and
after.  The keys folder of a deleted draft is left in place (no token was
ever made with it).
"""

from __future__ import annotations

from sqlmodel import Session

from ballotbox.core.audit.chain import canonical_json, document_hash
from ballotbox.core.errors import DraftLockedError, InputError
from ballotbox.core.i18n import N_, _
from ballotbox.definition import ElectionDefinition
from ballotbox.services.actions import record_action
from ballotbox.services.context import Context
from ballotbox.services.elections import definition_document, iso, list_contests
from ballotbox.storage import ledger, repository, repository_admin
from ballotbox.storage.models import Election, ElectionState


def locked_reason(session: Session, election: Election) -> str | None:
    """Why ``election`` can no longer be edited or deleted, or None while it is an open draft."""
    assert election.id is not None
    if election.state != ElectionState.DRAFT:
        return _("it is {state}, no longer a draft").format(state=election.state)
    tokens = sum(repository.token_counts(session, election.id).values())
    if tokens:
        return _("{n} ballot token(s) have been issued for it; cards exist").format(n=tokens)
    if repository.card_runs(session, election.id):
        return _("cards have been printed for it")
    if repository.all_card_issues(session, election.id):
        return _("cards have been recorded as handed out for it")
    if repository_admin.postal_batches(session, election.id):
        return _("postal batches have been opened for it")
    return None


def _require_draft(session: Session, election: Election, action: str) -> None:
    why = locked_reason(session, election)
    if why is not None:
        raise DraftLockedError(slug=election.slug, action=action, why=why)


def replace_definition(
    session: Session,
    ctx: Context,
    election: Election,
    definition: ElectionDefinition,
    *,
    actor: str,
) -> Election:
    """Replace a draft's definition (validated like ``election create``); the slug stays."""
    _require_draft(session, election, N_("edited"))
    if definition.slug != election.slug:
        raise InputError(
            N_(
                "The definition's slug is “{new}” but this ballot is “{slug}”; a slug cannot "
                "change. Keep slug = “{slug}”, or create a new ballot and delete this draft."
            ),
            new=definition.slug,
            slug=election.slug,
        )
    assert election.id is not None
    old_hash = document_hash(definition_document(election))
    document = definition.document()
    new_hash = document_hash(document)
    election.title = definition.title
    election.description = definition.description
    election.definition = canonical_json(document).decode()
    election.opens_at = definition.opens
    election.closes_at = definition.closes
    session.add(election)
    repository_admin.clear_contests(session, election.id)
    list_contests(session, election.id, definition)
    now = ctx.clock.now()
    repository_admin.clear_chain(session, election.id)
    ledger.start_chain(session, election.id)
    session.flush()
    ledger.append(
        session,
        election.id,
        {"kind": "created", "definition_hash": new_hash, "time": iso(now)},
    )
    record_action(
        session,
        actor,
        "draft_edited",
        election.slug,
        f"definition {old_hash} replaced by {new_hash}",
        at=now,
    )
    session.flush()
    return election


def delete_draft(session: Session, ctx: Context, election: Election, *, actor: str) -> None:
    """Delete a draft ballot with its registers; refused once any card exists for it."""
    _require_draft(session, election, N_("deleted"))
    detail = (
        f"“{election.title}”, definition {document_hash(definition_document(election))}, "
        f"{len(repository.members(session, election.id or 0))} registered member(s)"
    )
    slug = election.slug
    repository_admin.delete_election_rows(session, election)
    record_action(session, actor, "draft_deleted", slug, detail, at=ctx.clock.now())
