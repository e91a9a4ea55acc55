"""Translation of every user-facing sentence through gettext (Babel catalogues).

Text is marked with ``_()`` where it is rendered and with ``N_()`` where it is
only defined (error templates), so a second language needs a catalogue in
``ballotbox/locale/<lang>/LC_MESSAGES/ballotbox.mo`` and no code change.
docs/translating.md says how the catalogues are kept in step with the code.

The language is per context (one web request, one text, one call, one CLI
run): the channels choose it (:func:`negotiate` for a browser's
``Accept-Language``, :func:`ballot_languages` for what a ballot offers) and
call :func:`set_locale`; everything rendered afterwards follows.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(os.environ.get("BALLOTBOX_LOCALE_DIR", Path(__file__).parent.parent / "locale"))
DOMAIN = "ballotbox"
DEFAULT_LOCALE = "en"
# Each language's name in that language: what a language switch or menu shows.
LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg"}

_current: ContextVar[str] = ContextVar("ballotbox_locale", default=DEFAULT_LOCALE)


@lru_cache(maxsize=16)
def translations(locale: str) -> gettext.NullTranslations:
    """Return the catalogue for ``locale`` (English falls through to the msgids)."""
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[locale], fallback=True)


def available(locale: str) -> bool:
    """True when a compiled catalogue exists for ``locale``."""
    return locale in _catalogues(LOCALE_DIR)


@lru_cache(maxsize=8)
def _catalogues(directory: Path) -> frozenset[str]:
    """The languages with a compiled catalogue in ``directory``, read once: the catalogues
    ship with the package (and are cached once loaded), so no page lists the folder again."""
    if not directory.is_dir():
        return frozenset()
    return frozenset(
        p.name for p in directory.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file()
    )


def supported(locale: str) -> bool:
    """True for the source language and for every language with a compiled catalogue."""
    return locale == DEFAULT_LOCALE or available(locale)


def languages() -> list[str]:
    """Every language pages can be shown in: English first, then each catalogue's, sorted."""
    found = sorted(_catalogues(LOCALE_DIR))
    return [DEFAULT_LOCALE, *(code for code in found if code != DEFAULT_LOCALE)]


def language_name(locale: str) -> str:
    """``locale``'s name in its own language ("Cymraeg"), or the code when unknown."""
    return LANGUAGE_NAMES.get(locale, locale)


def normalise(tag: str) -> str | None:
    """The supported language a tag such as ``cy-GB``, ``CY`` or ``cy_GB`` names, if any."""
    tag = tag.strip().lower().replace("_", "-")
    for candidate in (tag.replace("-", "_"), tag.split("-")[0]):
        if candidate and supported(candidate):
            return candidate
    return None


def negotiate(header: str, default: str = DEFAULT_LOCALE) -> str:
    """The best supported language for an ``Accept-Language`` header (q-values honoured)."""
    ranked: list[tuple[float, int, str]] = []
    for order, part in enumerate(header.split(",")[:32]):
        tag, _sep, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and tag.strip():
            ranked.append((-quality, order, tag))
    for _q, _order, tag in sorted(ranked):
        if tag.strip() == "*":
            return default
        found = normalise(tag)
        if found:
            return found
    return default


def ballot_languages(definition: object, default: str = DEFAULT_LOCALE) -> list[str]:
    """The languages a ballot offers, its primary first; ``[default]`` when it lists none.

    Reads the definition's ``languages`` list (``["cy", "en"]``); a definition
    that does not list them (``languages_listed`` false) follows ``default``,
    the installation's language.  A language without a catalogue is left out
    rather than spoken in English by surprise.
    """
    if not getattr(definition, "languages_listed", True):
        return [default]
    listed = getattr(definition, "languages", None) or []
    chosen = [code for code in (normalise(str(c)) for c in listed) if code]
    return list(dict.fromkeys(chosen)) or [default]


def set_locale(locale: str) -> None:
    """Use ``locale`` for the text rendered in the current context (request, CLI run)."""
    _current.set(locale)


def current_locale() -> str:
    """The locale in force for this context."""
    return _current.get()


@contextmanager
def using(locale: str) -> Iterator[None]:
    """Render in ``locale`` inside the ``with`` block, then go back to the language before."""
    token = _current.set(locale)
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """Translate ``message`` into the current context's language."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message that depends on a count."""
    return translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark ``message`` for extraction without translating it yet."""
    return message
