"""The audit pages' templates: an overlay of the web channel's environment (same base, i18n)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ballotbox.adapters.httpkit.templating import templates as web_templates
from ballotbox.core import i18n

TEMPLATES = Path(__file__).parent / "templates"

_loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(TEMPLATES))]
if web_templates.env.loader is not None:  # then the shared pages (layout, errors) too
    _loaders.append(web_templates.env.loader)
_env = web_templates.env.overlay(loader=jinja2.ChoiceLoader(_loaders))
templates = Jinja2Templates(env=_env)


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render an audit page (no forms are posted from these pages, so no CSRF cookie)."""
    return templates.TemplateResponse(
        request,
        name,
        {"settings": request.app.state.context.settings, "lang": i18n.current_locale(), **context},
        status_code=status_code,
    )
