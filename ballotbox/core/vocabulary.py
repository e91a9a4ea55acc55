"""The words every layer shares: counting methods, voting channels, referendum answers, states.

Each list is written once, here, as a ``Literal`` type with the tuple of its
values taken from it.  The definition validates against these, the count and
the verifier check them, ``cast()`` refuses any other channel and the CLI lists
them; a new method or channel starts with one line in this module.

They are stored as plain English words ("open", "sms", "Yes", "irv") and shown
translated, so :data:`WORDS` marks each one for extraction;
``tests/unit/test_catalogue.py`` checks that the marks cover every word here.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from ballotbox.core.i18n import N_

Method = Literal["scottish-stv", "meek-stv", "irv", "plurality", "approval", "referendum"]
#: Every counting method, in the order the CLI and the docs list them.
METHODS: Final[tuple[Method, ...]] = get_args(Method)
#: The methods whose ballots rank candidates (the others mark them).
RANKED_METHODS: Final[frozenset[Method]] = frozenset({"scottish-stv", "meek-stv", "irv"})

Channel = Literal["web", "sms", "phone", "postal"]
#: Every way a vote comes in; an election enables some or all of them.
CHANNELS: Final[tuple[Channel, ...]] = get_args(Channel)

ReferendumAnswer = Literal["Yes", "No", "Abstain"]
#: A referendum's choices, numbered 1, 2, 3 on the card in this order.
REFERENDUM_ANSWERS: Final[tuple[ReferendumAnswer, ...]] = get_args(ReferendumAnswer)

#: An election's states in lifecycle order (storage's ``ElectionState`` stores these words).
STATES: Final[tuple[str, ...]] = (
    N_("draft"), N_("open"), N_("closed"), N_("counted"), N_("published"),
)  # fmt: skip

#: Every word above, marked for extraction because pages, texts and scripts show it translated.
WORDS: Final[frozenset[str]] = frozenset(
    (
        *STATES,
        N_("web"), N_("sms"), N_("phone"), N_("postal"),
        N_("Yes"), N_("No"), N_("Abstain"),
        N_("scottish-stv"), N_("meek-stv"), N_("irv"), N_("plurality"), N_("approval"),
        N_("referendum"),
    )
)  # fmt: skip
