"""Translation of every user-facing sentence through gettext (Babel catalogues).

Text is marked with ``_()`` where it is rendered and with ``N_()`` where it is
only defined (error templates), so a second language needs a catalogue in
``ballotbox/locale/<lang>/LC_MESSAGES/ballotbox.mo`` and no code change.
"""

from __future__ import annotations

import gettext
import os
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(os.environ.get("BALLOTBOX_LOCALE_DIR", Path(__file__).parent.parent / "locale"))
DOMAIN = "ballotbox"
DEFAULT_LOCALE = "en"

_current: ContextVar[str] = ContextVar("ballotbox_locale", default=DEFAULT_LOCALE)


@lru_cache(maxsize=16)
def translations(locale: str) -> gettext.NullTranslations:
    """Return the catalogue for ``locale`` (English falls through to the msgids)."""
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[locale], fallback=True)


def available(locale: str) -> bool:
    """True when a compiled catalogue exists for ``locale``."""
    return (LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file()


def set_locale(locale: str) -> None:
    """Use ``locale`` for the text rendered in the current context (request, CLI run)."""
    _current.set(locale)


def current_locale() -> str:
    """The locale in force for this context."""
    return _current.get()


def _(message: str) -> str:
    """Translate ``message`` into the current context's language."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message that depends on a count."""
    return translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark ``message`` for extraction without translating it yet."""
    return message
