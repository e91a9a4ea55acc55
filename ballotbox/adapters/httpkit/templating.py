"""Jinja2 templates with gettext, and the response helper that sets the CSRF cookie.

The kit's own templates (``base.html``, the error page and the partials that
several adapters share) sit beside this module; each adapter adds its own
folder in front with :func:`make_templates`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ballotbox.adapters.httpkit import language
from ballotbox.adapters.httpkit.security import CSRF_COOKIE, CSRF_FIELD, csrf_token
from ballotbox.core import i18n

TEMPLATES = Path(__file__).parent / "templates"


def group_digits(value: str) -> str:
    """Show a token in groups of four."""
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def make_templates(*directories: Path) -> Jinja2Templates:
    """Templates from ``directories`` (then the kit's own: base page, errors, shared partials)
    with autoescaping, gettext and the shared filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in (*directories, TEMPLATES)]),
        autoescape=jinja2.select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n._, ngettext=i18n.ngettext, newstyle=True
    )
    env.filters["grouped"] = group_digits
    language.install(env)
    return Jinja2Templates(env=env)


templates = make_templates()


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    status_code: int = 200,
    *,
    using: Jinja2Templates | None = None,
) -> HTMLResponse:
    """Render ``name`` with the CSRF token (also set as its cookie), settings and locale."""
    token = csrf_token(request)
    settings = request.app.state.context.settings
    page = (using or templates).TemplateResponse(
        request,
        name,
        {
            "csrf_field": CSRF_FIELD,
            "csrf_token": token,
            "settings": settings,
            "lang": i18n.current_locale(),
            **context,
        },
        status_code=status_code,
    )
    page.set_cookie(
        CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/",
    )
    return page
