"""Watching ballots: the live dashboard and the officer action log (scrutineers may read both)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from ballotbox.adapters.admin.session import AdminRoute, Overseer, render
from ballotbox.adapters.httpkit.deps import ContextDep, SessionDep
from ballotbox.adapters.httpkit.limits import get_guard
from ballotbox.services import dashboard, officer_log

router = APIRouter(prefix="/admin", include_in_schema=False, route_class=AdminRoute)


@router.get("/ballots/{slug}/dashboard", response_class=HTMLResponse)
def live(
    request: Request, session: SessionDep, ctx: ContextDep, who: Overseer, slug: str
) -> HTMLResponse:
    """Turnout by channel, rejected attempts, flood alerts, SMS and call usage, postal batches,
    checkpoints: never results."""
    board = dashboard.dashboard(session, ctx, who, slug, get_guard(request).flood())
    return render(request, "admin_dashboard.html", {"board": board})


@router.get("/log", response_class=HTMLResponse)
def log(request: Request, session: SessionDep, who: Overseer) -> HTMLResponse:
    """The officer action log, newest first."""
    return render(request, "admin_log.html", {"entries": officer_log.entries(session)})
