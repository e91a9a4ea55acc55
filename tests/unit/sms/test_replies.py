"""SMS replies: split into numbered single-segment messages, in the GSM alphabet where possible.

(The failure limits and the retry store are in tests/integration/test_guards.py.)
"""

from __future__ import annotations

from ballotbox.adapters.sms.replies import split_messages


def test_replies_are_split_into_numbered_single_segment_messages() -> None:
    assert split_messages(["short", "reply"]) == ["short reply"]
    lines = [f"{n} Candidate Number {n}," for n in range(1, 13)] + ["Reply with your token."]
    messages = split_messages(lines)
    assert len(messages) > 1 and all(len(m) <= 160 for m in messages)
    assert [m.split(" ")[0] for m in messages] == [
        f"{i}/{len(messages)}" for i in range(1, len(messages) + 1)
    ]
    assert "12 Candidate Number 12," in " ".join(messages)  # no candidate cut in two
    unicode = split_messages(["Zoë Ørsted", "Łukasz " * 20])
    assert all(len(m) <= 70 for m in unicode)
    assert split_messages(["“quoted” — dash"]) == ['"quoted" - dash']
