"""Jinja2 templates with gettext, and the response helper that sets the CSRF cookie.

The kit's own templates (``base.html``, the error page and the partials that
several adapters share) sit beside this module; each adapter adds its own
folder in front with :func:`make_templates`.

Nothing that comes from data (a definition, a register, a text, a letter) is
ever rendered as HTML:

* ``_()`` in a template is only for the page's own sentences.  Its output is
  escaped before Jinja marks it safe, and its ``%`` parameters are escaped by
  Jinja, so even a catalogue entry cannot inject markup.
* A value that may be one of the application's own words (an election state,
  a channel, a referendum answer, a spoilt reason) goes through the
  ``phrase`` filter: translated when it is one of the registered
  :data:`VOCABULARY`, shown as it is (and autoescaped) otherwise.  Passing
  data to ``_()`` would turn a name with ``%`` into a crash, and is refused
  by a test that reads every template.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from ballotbox.adapters.httpkit import language
from ballotbox.adapters.httpkit.security import CSRF_COOKIE, CSRF_FIELD, csrf_token
from ballotbox.core import i18n, vocabulary
from ballotbox.core.vocabulary import CHANNELS, REFERENDUM_ANSWERS
from ballotbox.services.elections import local_title
from ballotbox.storage.models import ElectionState

TEMPLATES = Path(__file__).parent / "templates"


def group_digits(value: str) -> str:
    """Show a token in groups of four."""
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


# The application's own words that pages show from data fields; see the module docstring.
VOCABULARY: set[str] = {
    *(s.value for s in ElectionState),
    *CHANNELS,
    *REFERENDUM_ANSWERS,
    *vocabulary.WORDS,
}


def register_phrases(*words: str) -> None:
    """Add the application's own words (marked with ``N_()``) to what ``phrase`` translates."""
    VOCABULARY.update(words)


def phrase(value: object) -> str:
    """``value`` translated if it is one of the application's own words, else unchanged."""
    text = str(value)
    return i18n._(text) if text in VOCABULARY else text


def _escaped_gettext(message: str) -> Markup:
    return escape(i18n._(message))


def _escaped_ngettext(singular: str, plural: str, n: int) -> Markup:
    return escape(i18n.ngettext(singular, plural, n))


def make_templates(*directories: Path) -> Jinja2Templates:
    """Templates from ``directories`` (then the kit's own: base page, errors, shared partials)
    with autoescaping, gettext and the shared filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in (*directories, TEMPLATES)]),
        autoescape=jinja2.select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        # The templates ship with the package and change only with a new release (and a
        # restart): no stat of every template file behind each page, as auto_reload does.
        auto_reload=False,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_escaped_gettext, ngettext=_escaped_ngettext, newstyle=True
    )
    env.filters["grouped"] = group_digits
    env.filters["phrase"] = phrase
    env.filters["local_title"] = local_title  # a ballot's title in the page's language
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
