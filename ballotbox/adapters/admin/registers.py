"""The registers of a ballot: upload and preview a register, confirm the import; the
duplicates review (merge or remove, with a reason); a member's card format and language.

Thin routes over :mod:`ballotbox.services.console_registers`, which checks the
role and calls the services the CLI's ``members`` commands call.  A form that
fails shows its page again with the problem at the top; nothing it changed is
committed.  Returning officers change registers; scrutineers may read the
overview and the duplicates review (and download it); tellers and supervisors
see none of it.  No page here ever shows a ballot token: members and cards are
not linked.
"""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ballotbox.adapters.admin.session import AdminRoute, Overseer, Runner, render, status_of
from ballotbox.adapters.httpkit.deps import ContextDep, SessionDep, refuse
from ballotbox.adapters.httpkit.security import verify_csrf
from ballotbox.core.errors import BallotboxError
from ballotbox.core.i18n import LANGUAGE_NAMES, N_, languages
from ballotbox.core.members.needs import FORMATS
from ballotbox.core.spreadsheet import SafeWriter
from ballotbox.services import console, console_issuance, console_registers
from ballotbox.services.console_registers import PreviewChangedError
from ballotbox.services.register_uploads import UploadGoneError
from ballotbox.storage.models_postal import Teller

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=AdminRoute)
CSRF = [Depends(verify_csrf)]
#: Uploads go under this prefix, which the body limit lets carry a whole register.
UPLOADS = "/admin/uploads"
REASON = Annotated[str, Form(max_length=600)]

#: What the registers pages say after an action (the address carries only the key).
DONE = {
    "imported": N_("The register is imported."),
    "cancelled": N_("The upload is cancelled and deleted from the server; nothing was imported."),
    "merged": N_("The two records are merged; the reason is in the officer log."),
    "removed": N_("The record is removed; the reason is in the officer log."),
    "changed": N_("The member's card format and language are saved; the reason is logged."),
    "issued": N_("The card handed out is recorded (never which card)."),
    "issued_file": N_("Every card in the file is recorded as handed out (never which card)."),
}
#: The forms of the registers page whose problem the page shows beside them.
ERRORS = ("error", "find_error", "issue_error", "bulk_error")


def _registers(slug: str, done: str = "") -> RedirectResponse:
    query = f"?done={done}" if done else ""
    return RedirectResponse(f"/admin/ballots/{slug}/registers{query}", status_code=303)


def overview_page(
    request: Request, session: SessionDep, ctx: ContextDep, who: Teller, slug: str, **extra: Any
) -> HTMLResponse:
    """The registers page, with the problem of a form that failed in ``extra``."""
    view = console_registers.overview(session, ctx, who, slug)
    cards = console_issuance.view(session, ctx, who, slug)
    error = next((extra[k] for k in ERRORS if extra.get(k)), None)
    status = status_of(error) if error else 200
    context = {"view": view, "cards": cards, "how": console_issuance.HOW, **extra}
    return render(
        request,
        "admin_registers.html",
        {"formats": FORMATS, "uploads": UPLOADS, **context},
        status,
    )


@router.get("/registers", response_class=HTMLResponse)
def every_ballot(
    request: Request, session: SessionDep, ctx: ContextDep, who: Overseer
) -> HTMLResponse:
    """Every ballot, with a link to its registers."""
    return render(
        request, "admin_registers_list.html", {"rows": console.ballots(session, ctx, who)}
    )


@router.get("/ballots/{slug}/registers", response_class=HTMLResponse)
def registers(
    request: Request, session: SessionDep, ctx: ContextDep, who: Overseer, slug: str, done: str = ""
) -> HTMLResponse:
    """A ballot's registers by organisation, possible duplicates, and the upload form."""
    return overview_page(request, session, ctx, who, slug, done=DONE.get(done))


@router.post(UPLOADS.removeprefix("/admin") + "/{slug}/register", dependencies=CSRF)
async def upload(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    who: Runner,
    slug: str,
    org: Annotated[str, Form(max_length=200)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Read an uploaded register and show its preview; nothing is stored yet."""
    try:
        if file is None or not file.filename:
            raise console_registers.NoFileError()
        data = await file.read()
        kept = console_registers.upload(session, ctx, who, slug, org, file.filename, data)
    except BallotboxError as error:
        refuse(request)
        return overview_page(request, session, ctx, who, slug, error=error, org=org)
    return RedirectResponse(f"/admin/ballots/{slug}/registers/uploads/{kept.id}", status_code=303)


def _preview_page(
    request: Request, preview: console_registers.Preview, error: BallotboxError | None = None
) -> HTMLResponse:
    status = status_of(error) if error else 200
    return render(request, "admin_register_preview.html", {"p": preview, "error": error}, status)


@router.get("/ballots/{slug}/registers/uploads/{upload}", response_class=HTMLResponse)
def preview(
    request: Request, session: SessionDep, ctx: ContextDep, who: Runner, slug: str, upload: str
) -> HTMLResponse:
    """What importing the upload would do: counts, bad rows, warnings, unknown columns."""
    return _preview_page(request, console_registers.preview(session, ctx, who, slug, upload))


@router.post("/ballots/{slug}/registers/uploads/{upload}/import", dependencies=CSRF)
def confirm(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    who: Runner,
    slug: str,
    upload: str,
    digest: Annotated[str, Form(max_length=64)] = "",
    remove_missing: Annotated[bool, Form()] = False,
) -> Response:
    """Import the previewed file; members not in it are removed only if that box is ticked."""
    try:
        console_registers.confirm(
            session, ctx, who, slug, upload, digest, remove_missing=remove_missing
        )
    except PreviewChangedError as error:
        refuse(request)
        shown = console_registers.preview(session, ctx, who, slug, upload)
        return _preview_page(request, shown, error)
    except BallotboxError as error:
        if isinstance(error, UploadGoneError):
            raise
        refuse(request)
        shown = console_registers.preview(session, ctx, who, slug, upload)
        return _preview_page(request, shown, error)
    return _registers(slug, "imported")


@router.post("/ballots/{slug}/registers/uploads/{upload}/cancel", dependencies=CSRF)
def cancel(ctx: ContextDep, who: Runner, slug: str, upload: str) -> Response:
    """Cancel an upload: the file is deleted from the server, nothing imported."""
    console_registers.discard(ctx, who, slug, upload)
    return _registers(slug, "cancelled")


def _review_page(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    who: Teller,
    slug: str,
    error: BallotboxError | None = None,
    **extra: Any,
) -> HTMLResponse:
    view = console_registers.overview(session, ctx, who, slug)
    groups = console_registers.review(session, ctx, who, slug)
    status = status_of(error) if error else 200
    context = {"view": view, "groups": groups, "error": error, **extra}
    return render(request, "admin_duplicates.html", context, status)


@router.get("/ballots/{slug}/registers/duplicates", response_class=HTMLResponse)
def duplicates(
    request: Request, session: SessionDep, ctx: ContextDep, who: Overseer, slug: str, done: str = ""
) -> HTMLResponse:
    """People who may be on the registers more than once, with why, to merge or remove."""
    return _review_page(request, session, ctx, who, slug, done=DONE.get(done))


@router.get("/ballots/{slug}/registers/duplicates.csv")
def duplicates_csv(session: SessionDep, ctx: ContextDep, who: Overseer, slug: str) -> Response:
    """The duplicates review as a spreadsheet (cells that could run as formulas are defused)."""
    text = io.StringIO()
    writer = SafeWriter(text)
    writer.writerow(
        ["group", "id", "org", "number", "name", "postcode", "email", "card", "reasons"]
    )
    for number, group in enumerate(console_registers.review(session, ctx, who, slug), start=1):
        for row in group:
            m = row.member
            card = "yes" if row.has_card else "no"
            reasons = "; ".join(row.reasons)
            writer.writerow(
                [number, m.key, m.org, m.number, m.name, m.postcode, m.email, card, reasons]
            )
    return Response(
        text.getvalue().encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{slug}-duplicates.csv"'},
    )


@router.post("/ballots/{slug}/registers/merge", dependencies=CSRF)
def merge(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    who: Runner,
    slug: str,
    keep: Annotated[int, Form()] = 0,
    drop: Annotated[int, Form()] = 0,
    reason: REASON = "",
) -> Response:
    """Merge two records of one person: KEEP stays, DROP goes; the reason is logged."""
    try:
        console_registers.merge(session, ctx, who, slug, keep, drop, reason)
    except BallotboxError as error:
        refuse(request)
        return _review_page(request, session, ctx, who, slug, error, form=f"merge-{keep}")
    return RedirectResponse(f"/admin/ballots/{slug}/registers/duplicates?done=merged", 303)


@router.post("/ballots/{slug}/registers/remove", dependencies=CSRF)
def remove(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    who: Runner,
    slug: str,
    member: Annotated[int, Form()] = 0,
    reason: REASON = "",
) -> Response:
    """Remove a record from the registers (never one given a card); the reason is logged."""
    try:
        console_registers.remove(session, ctx, who, slug, member, reason)
    except BallotboxError as error:
        refuse(request)
        return _review_page(request, session, ctx, who, slug, error, form=f"remove-{member}")
    return RedirectResponse(f"/admin/ballots/{slug}/registers/duplicates?done=removed", 303)


@router.get("/ballots/{slug}/registers/find")
def find(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    who: Runner,
    slug: str,
    number: str = "",
    org: str = "",
) -> Response:
    """Find a member by membership number, to change their card format or language."""
    try:
        found = console_registers.find(session, ctx, who, slug, number[:64], org[:200])
    except BallotboxError as error:
        refuse(request)
        return overview_page(request, session, ctx, who, slug, find_error=error, number=number)
    return RedirectResponse(f"/admin/ballots/{slug}/registers/members/{found}", status_code=303)


def _member_page(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    who: Teller,
    slug: str,
    member_id: int,
    error: BallotboxError | None = None,
) -> HTMLResponse:
    found = console_registers.member(session, ctx, who, slug, member_id)
    view = console_registers.overview(session, ctx, who, slug)
    context = {
        "view": view,
        "m": found,
        "formats": FORMATS,
        "languages": {code: LANGUAGE_NAMES.get(code, code) for code in languages()},
        "error": error,
    }
    return render(request, "admin_member.html", context, status_of(error) if error else 200)


@router.get("/ballots/{slug}/registers/members/{member_id}", response_class=HTMLResponse)
def member(
    request: Request, session: SessionDep, ctx: ContextDep, who: Runner, slug: str, member_id: int
) -> HTMLResponse:
    """One member's record, with their card format and language to change."""
    return _member_page(request, session, ctx, who, slug, member_id)


@router.post("/ballots/{slug}/registers/members/{member_id}", dependencies=CSRF)
def change(
    request: Request,
    session: SessionDep,
    ctx: ContextDep,
    who: Runner,
    slug: str,
    member_id: int,
    card_format: Annotated[str, Form(max_length=32)] = "",
    language: Annotated[str, Form(max_length=16)] = "",
    reason: REASON = "",
) -> Response:
    """Change a member's card format and language (as ``members set``); the reason is logged."""
    try:
        console_registers.change(
            session, ctx, who, slug, member_id,
            card_format=card_format, language=language, reason=reason,
        )  # fmt: skip
    except BallotboxError as error:
        refuse(request)
        return _member_page(request, session, ctx, who, slug, member_id, error)
    return _registers(slug, "changed")
