"""The page language: chosen by the member, remembered in a cookie, shown in the header.

Each request is rendered in, first found:

1. ``?lang=cy`` in the address (what the header's switch links to; it also
   sets the cookie, so the choice holds on every later page);
2. the ``bb_lang`` cookie;
3. the browser's ``Accept-Language``;
4. the installation's ``BALLOTBOX_LOCALE``.

The teller console (``/teller``) is English only: its screens are not
translated and a half-Welsh screen would be worse than an English one.

The switch needs no JavaScript.  On a page reached by a link it is a link to
the same address with ``?lang=``.  On a page that answered a form (the
ballot, the review) it is a small form that posts the same fields again to
the same address with ``?lang=``, so the member keeps their place; a page
whose form must not be sent twice (the receipt, a refused token) sets
``language_repost = false`` and its switch goes to the front page instead.

Scripts get their sentences the same way as pages: a script's ``_("…")``
strings are extracted into the catalogue, and :func:`js_messages` puts the
page language's translations of them in the page as JSON (no extra request,
nothing executable, so the Content-Security-Policy is unchanged).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

import jinja2
from babel.dates import format_datetime
from babel.messages.extract import extract
from fastapi import Request
from markupsafe import Markup
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ballotbox.adapters.httpkit.security import CSRF_FIELD
from ballotbox.core import i18n

LANG_COOKIE = "bb_lang"
LANG_PARAM = "lang"
COOKIE_AGE_S = 365 * 24 * 3600
ENGLISH_ONLY = ("/teller",)
PACKAGE = Path(__file__).resolve().parent.parent.parent


def _english_only(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in ENGLISH_ONLY)


def _cookie(header: str) -> str | None:
    for part in header.split(";"):
        name, _eq, value = part.strip().partition("=")
        if name == LANG_COOKIE:
            return value
    return None


class LocaleMiddleware:
    """Chooses each request's language (see the module docstring) and remembers a switch."""

    def __init__(self, app: ASGIApp, *, default: str) -> None:
        self.app = app
        self.default = i18n.normalise(default) or i18n.DEFAULT_LOCALE

    def choose(self, scope: Scope) -> tuple[str, bool]:
        """The language for this request, and whether it was just chosen (to remember)."""
        if _english_only(scope.get("path", "")):
            return i18n.DEFAULT_LOCALE, False
        query = scope.get("query_string", b"").decode("latin-1")
        asked = [v for k, v in parse_qsl(query) if k == LANG_PARAM]
        if asked and (chosen := i18n.normalise(asked[-1])):
            return chosen, True
        headers = dict(scope.get("headers", []))
        kept = _cookie(headers.get(b"cookie", b"").decode("latin-1"))
        if kept and (chosen := i18n.normalise(kept)):
            return chosen, False
        return i18n.negotiate(
            headers.get(b"accept-language", b"").decode("latin-1"), self.default
        ), False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chosen, remember = self.choose(scope)
        i18n.set_locale(chosen)
        extra = [(b"content-language", chosen.encode("ascii"))]
        if remember:
            extra.append((b"set-cookie", _set_cookie(scope, chosen)))

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_language)


def _set_cookie(scope: Scope, language: str) -> bytes:
    settings = getattr(getattr(scope.get("app"), "state", None), "settings", None)
    secure = bool(getattr(settings, "secure_cookies", False)) or scope.get("scheme") == "https"
    cookie = f"{LANG_COOKIE}={language}; Path=/; Max-Age={COOKIE_AGE_S}; SameSite=Lax; HttpOnly"
    return (cookie + ("; Secure" if secure else "")).encode("ascii")


async def remember_form(request: Request) -> None:
    """Keep a posted form's fields so the page's language switch can post them again."""
    if request.method == "POST":
        form = await request.form()
        request.state.posted = [
            (name, value) for name, value in form.multi_items() if isinstance(value, str)
        ]


def _with_lang(query: str, language: str) -> str:
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != LANG_PARAM]
    return urlencode([*pairs, (LANG_PARAM, language)])


def language_switch(request: Request, repost: bool = True) -> list[dict[str, Any]]:
    """The header's choices: each language with its name and how to switch to it."""
    current = i18n.current_locale()
    if _english_only(request.url.path):
        return []
    posted: list[tuple[str, str]] | None = getattr(request.state, "posted", None)
    options = []
    for code in i18n.languages():
        option: dict[str, Any] = {
            "code": code,
            "name": i18n.language_name(code),
            "current": code == current,
            "fields": None,
        }
        if request.method in {"GET", "HEAD"}:
            option["href"] = f"{request.url.path}?{_with_lang(request.url.query, code)}"
        elif repost and posted is not None:
            option["href"] = f"{request.url.path}?{_with_lang('', code)}"
            option["fields"] = [(k, v) for k, v in posted if k not in {CSRF_FIELD, LANG_PARAM}]
        else:
            option["href"] = f"/?{_with_lang('', code)}"
        options.append(option)
    return options


@lru_cache(maxsize=32)
def script_messages(path: Path) -> tuple[str, ...]:
    """The ``_("…")`` strings of a script, read the way ``pybabel extract`` reads them."""
    with path.open("rb") as handle:
        found = extract("javascript", handle, keywords={"_": None}, comment_tags=(), options={})
        return tuple(dict.fromkeys(str(m) for _line, m, _c, _ctx in found if isinstance(m, str)))


def js_catalogue(path: Path) -> dict[str, str]:
    """The current language's translations of a script's strings (untranslated ones left out)."""
    out = {}
    for message in script_messages(path):
        translated = i18n._(message)
        if translated != message:
            out[message] = translated
    return out


def js_messages(script: str) -> Markup:
    """A ``<script type="application/json">`` block with the translations ``script`` uses.

    ``script`` is the path under the ``ballotbox`` package, e.g.
    ``adapters/audit_pages/static/check.js``.
    """
    data = json.dumps(js_catalogue(PACKAGE / script), ensure_ascii=False, sort_keys=True)
    # "<" cannot end the block early once escaped; JSON reads \u003c as "<".
    safe = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/json" id="js-messages">{safe}</script>')  # noqa: S704


def long_date(value: datetime | None, zone: str = "UTC") -> str:
    """A date and time as members read them, in the page language and the ballot's time zone:
    ``10 Ionawr 2027, 09:00 GMT``."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    at = value.astimezone(ZoneInfo(zone))
    day = format_datetime(at, "d MMMM y, HH:mm", tzinfo=at.tzinfo, locale=i18n.current_locale())
    return f"{day} {at:%Z}"


def install(env: jinja2.Environment) -> None:
    """Give a template environment the language switch, script messages and dates."""
    env.globals["language_switch"] = language_switch
    env.globals["js_messages"] = js_messages
    env.filters["long_date"] = long_date
