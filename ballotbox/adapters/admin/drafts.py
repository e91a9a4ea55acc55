"""Drafts and costs: the draft form (create and edit), delete, TOML export, the cost forecast.

Thin routes over :mod:`ballotbox.services.console_drafts`.  The form's add
and remove buttons post the whole form back and get it again with the row
added or removed, so it works without JavaScript; only "Save the draft"
stores anything.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ballotbox.adapters.admin.session import AdminRoute, Overseer, Runner, render
from ballotbox.adapters.httpkit.deps import ContextDep, SessionDep, refuse
from ballotbox.adapters.httpkit.security import verify_csrf
from ballotbox.core import i18n
from ballotbox.services import console_drafts, draft_form
from ballotbox.services.draft_check import Problem
from ballotbox.services.draft_form import DraftForm

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=AdminRoute)
CSRF = [Depends(verify_csrf)]
NEW = "/admin/ballots/new/form"
MAX_FIELDS = 26 * (999 * 5 + 40) + 40  # every field of 26 contests of 999 candidates


def _form_page(
    request: Request,
    form: DraftForm,
    *,
    action: str,
    slug: str | None = None,
    title: str = "",
    locked: str | None = None,
    problems: list[Problem] | None = None,
) -> HTMLResponse:
    problems = problems or []
    context = {
        "form": form,
        "action": action,
        "slug": slug,
        "ballot_title": title,
        "locked": locked,
        "problems": problems,
        "problem_at": {p.field_id: p.message for p in problems if p.field_id},
        "choices": draft_form.CHOICES,
        "translations": draft_form.translation_languages(),
        "language_names": i18n.LANGUAGE_NAMES,
    }
    if problems:
        refuse(request)
    return render(request, "admin_draft.html", context, 422 if problems else 200)


async def _posted(request: Request) -> tuple[DraftForm, str]:
    fields = await request.form(max_fields=MAX_FIELDS)
    names = {name: [str(v) for v in fields.getlist(name)] for name in fields}
    button = str(fields.get("action") or "save")
    return draft_form.read_form(names), button


@router.get("/ballots/new/form", response_class=HTMLResponse)
def new_form(request: Request, who: Runner) -> HTMLResponse:
    """The draft form, empty: a new ballot field by field."""
    console_drafts.new_form(who)
    return _form_page(request, draft_form.empty_form(), action=NEW)


@router.post("/ballots/new/form", dependencies=CSRF)
async def create(request: Request, session: SessionDep, ctx: ContextDep, who: Runner) -> Response:
    """Add or remove a row, or create the draft; every problem is shown beside its field."""
    form, button = await _posted(request)
    if button != "save":
        console_drafts.new_form(who)
        return _form_page(request, draft_form.apply(form, button), action=NEW)
    made = console_drafts.create_from_form(session, ctx, who, form)
    if isinstance(made, list):
        return _form_page(request, form, action=NEW, problems=made)
    return RedirectResponse(f"/admin/ballots/{made.slug}?done=created", status_code=303)


@router.get("/ballots/{slug}/edit", response_class=HTMLResponse)
def edit_form(request: Request, session: SessionDep, who: Runner, slug: str) -> HTMLResponse:
    """A draft's definition in the form; once cards exist, shown locked with the reason."""
    page = console_drafts.edit_page(session, who, slug)
    return _form_page(
        request,
        page.form,
        action=f"/admin/ballots/{slug}/edit",
        slug=slug,
        title=page.election.title,
        locked=page.locked,
    )


@router.post("/ballots/{slug}/edit", dependencies=CSRF)
async def edit(
    request: Request, session: SessionDep, ctx: ContextDep, who: Runner, slug: str
) -> Response:
    """Add or remove a row, or save the draft (refused once cards exist)."""
    form, button = await _posted(request)
    page = console_drafts.edit_page(session, who, slug)
    action, title = f"/admin/ballots/{slug}/edit", page.election.title
    if button != "save":
        form.slug = slug
        changed = draft_form.apply(form, button)
        return _form_page(
            request, changed, action=action, slug=slug, title=title, locked=page.locked
        )
    saved = console_drafts.edit_from_form(session, ctx, who, slug, form)
    if isinstance(saved, list):
        return _form_page(request, form, action=action, slug=slug, title=title, problems=saved)
    return RedirectResponse(f"/admin/ballots/{slug}?done=edited", status_code=303)


@router.get("/ballots/{slug}/delete", response_class=HTMLResponse)
def confirm_delete(request: Request, session: SessionDep, who: Runner, slug: str) -> HTMLResponse:
    """Ask before deleting a draft (or say why it cannot be deleted)."""
    election, locked, members = console_drafts.delete_page(session, who, slug)
    return render(
        request,
        "admin_delete.html",
        {"election": election, "locked": locked, "members": members},
    )


@router.post("/ballots/{slug}/delete", dependencies=CSRF)
def delete(session: SessionDep, ctx: ContextDep, who: Runner, slug: str) -> Response:
    """Delete the draft with its registers; the deletion goes in the officer log."""
    console_drafts.delete(session, ctx, who, slug)
    return RedirectResponse("/admin?done=deleted", status_code=303)


@router.get("/ballots/{slug}/definition.toml")
def export(session: SessionDep, who: Overseer, slug: str) -> Response:
    """The ballot's definition as TOML, which ``ballotbox election create`` reads back."""
    text = console_drafts.export_toml(session, who, slug)
    return Response(
        text.encode(),
        media_type="application/toml; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{slug}.toml"'},
    )


@router.get("/ballots/{slug}/costs", response_class=HTMLResponse)
def cost_forecast(
    request: Request, session: SessionDep, ctx: ContextDep, who: Overseer, slug: str
) -> HTMLResponse:
    """What the ballot will cost by channel and has cost so far, with prices one may try."""
    asked = {k: v[:40] for k, v in request.query_params.items()}
    page = console_drafts.cost_page(session, ctx, who, slug, asked)
    election = console_drafts.definition(session, who, slug)
    return render(
        request,
        "admin_costs.html",
        {
            "page": page,
            "slug": slug,
            "title": election.title,
            "prices": console_drafts.PRICES,
            "counts": console_drafts.COUNTS,
            "shares": console_drafts.SHARES,
        },
        422 if page.problems else 200,
    )
