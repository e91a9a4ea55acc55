"""The application's own words that pages, texts and scripts show from data fields.

An election's state, a channel, a referendum answer and a counting method are
stored as plain English words ("open", "sms", "Yes", "irv") and shown
translated; nothing else marks them for extraction, so they are marked here.
``tests/unit/test_catalogue.py`` checks that this list covers every state,
channel, answer and method the code defines.
"""

from __future__ import annotations

from ballotbox.core.i18n import N_

STATES = (N_("draft"), N_("open"), N_("closed"), N_("counted"), N_("published"))
CHANNELS = (N_("web"), N_("sms"), N_("phone"), N_("postal"))
ANSWERS = (N_("Yes"), N_("No"), N_("Abstain"))
METHODS = (
    N_("scottish-stv"), N_("meek-stv"), N_("irv"), N_("plurality"), N_("approval"),
    N_("referendum"),
)  # fmt: skip

WORDS = frozenset((*STATES, *CHANNELS, *ANSWERS, *METHODS))
