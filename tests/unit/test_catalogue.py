"""The translation catalogues against the code: no drift, nothing a member sees left in English.

``scripts/i18n.py`` holds the rules (docs/translating.md); these tests run them
on the real tree, and on small made-up trees to show that each check can fail.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.catalog import Catalog

from ballotbox.adapters.httpkit.language import js_catalogue, script_messages
from ballotbox.adapters.sms.replies import plain, segment_limit
from ballotbox.core import i18n, vocabulary
from ballotbox.core.vocabulary import CHANNELS, METHODS, REFERENDUM_ANSWERS
from ballotbox.storage.models import ElectionState
from tests.conftest import REPO


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_tool", REPO / "scripts" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _tool()


@pytest.fixture(scope="module")
def fresh() -> Catalog:
    """The template extracted from the code as it is now."""
    template: Catalog = tool.fresh_template()
    return template


@pytest.fixture(scope="module")
def welsh() -> Catalog:
    catalog: Catalog = tool._read(tool.po_path("cy"))
    return catalog


def test_the_committed_template_is_what_the_code_extracts(fresh: Catalog) -> None:
    added, stale = tool.drift(tool._read(tool.POT), fresh)
    hint = "run: python scripts/i18n.py extract && python scripts/i18n.py update"
    assert added == [], f"strings in the code but not in ballotbox.pot ({hint}): {added}"
    assert stale == [], f"strings in ballotbox.pot the code no longer has ({hint}): {stale}"


def test_the_cli_strings_are_in_the_template() -> None:
    ids = {m.id for m in tool._read(tool.POT)}
    assert "--org needs the organisation's name." in ids
    assert "Give --pdf FILE and/or --csv FILE: the tokens exist only in the files written." in ids


def test_drift_is_found_both_ways(fresh: Catalog) -> None:
    committed = Catalog()
    for message in fresh:
        if message.id and message.id != "Continue":
            committed.add(message.id, context=message.context)
    committed.add("A sentence nobody says any more.")
    added, stale = tool.drift(committed, fresh)
    assert added == ["Continue"]
    assert stale == ["A sentence nobody says any more."]


def test_every_member_facing_message_has_a_welsh_translation(
    fresh: Catalog, welsh: Catalog
) -> None:
    needed = tool.member_facing(fresh)
    assert len(needed) > 300  # pages, errors, SMS, phone, cards, audit pages, scripts
    missing = tool.untranslated(welsh, needed)
    assert missing == [], f"no Welsh for {len(missing)}: python scripts/i18n.py missing cy"


def test_placeholders_survive_translation(welsh: Catalog) -> None:
    assert tool.placeholder_problems(welsh) == []


def test_the_committed_mo_is_compiled_from_the_po(welsh: Catalog) -> None:
    mo = tool.po_path("cy").with_suffix(".mo")
    assert mo.read_bytes() == tool.compiled(welsh), "run: python scripts/i18n.py compile"
    assert i18n.available("cy") and i18n.languages() == ["en", "cy"]


def test_no_translation_of_a_message_the_code_no_longer_has(fresh: Catalog, welsh: Catalog) -> None:
    extra = {tool._key(m) for m in welsh if m.id} - {tool._key(m) for m in fresh if m.id}
    assert extra == set(), "run: python scripts/i18n.py update"


def test_the_checks_fail_on_a_bad_catalogue(fresh: Catalog, welsh: Catalog) -> None:
    broken = Catalog(locale="cy")
    for message in welsh:
        if message.id:
            broken.add(message.id, message.string, flags=message.flags, context=message.context)
    broken["Continue"].string = ""  # untranslated
    broken["Check my vote"].flags.add("fuzzy")  # a guess nobody checked
    broken["Token {token}"].string = "Tocyn {tocyn}"  # a placeholder translated
    needed = tool.member_facing(fresh)
    assert tool.untranslated(broken, needed) == ["Check my vote", "Continue"]
    assert tool.placeholder_problems(broken) == [
        "'Token {token}': has ['{tocyn}'], needs ['{token}']"
    ]
    assert tool.compiled(broken) != tool.compiled(welsh)


def test_member_facing_follows_paths_and_the_officer_comment(tmp_path: Path) -> None:
    """A made-up tree extracted with the project's own options (keywords, comments, scripts)."""
    shutil.copy(REPO / "babel.cfg", tmp_path / "babel.cfg")
    code = tmp_path / "ballotbox"
    (code / "cli").mkdir(parents=True)
    (code / "services" / "postal").mkdir(parents=True)
    (code / "adapters" / "web" / "static").mkdir(parents=True)
    (code / "adapters" / "web" / "templates").mkdir(parents=True)
    (code / "cli" / "thing.py").write_text('N_("Officer: a command failed.")\n')
    (code / "services" / "postal" / "voicemail.py").write_text('N_("Callers hear this.")\n')
    (code / "services" / "postal" / "keying.py").write_text('N_("Tellers see this.")\n')
    (code / "services" / "shared.py").write_text(
        'N_("Members see this.")\n# i18n: officer\nN_("Only the officer sees this.")\n'
    )
    (code / "adapters" / "web" / "static" / "page.js").write_text(
        'el.textContent = _("A script says {count}.", { count: 2 });\n'
    )
    (code / "adapters" / "web" / "templates" / "page.html").write_text(
        '<p>{{ _("A page says this.") }}</p>{% trans n=2 %}{{ n }} seats{% endtrans %}\n'
        '{# i18n: officer #}<p>{{ _("Keyed by") }}</p>\n'
    )
    template = tool.extract_to(tmp_path / "t.pot", root=tmp_path)
    assert set(tool.member_facing(template)) == {
        "Members see this.", "Callers hear this.", "A script says {count}.",
        "A page says this.", "%(n)s seats",
    }  # fmt: skip
    assert {m.id for m in template if m.id} - set(tool.member_facing(template)) == {
        "Officer: a command failed.", "Tellers see this.", "Only the officer sees this.",
        "Keyed by",
    }  # fmt: skip


def test_the_vocabulary_covers_every_word_the_code_stores() -> None:
    assert set(vocabulary.STATES) == {s.value for s in ElectionState}
    assert set(vocabulary.WORDS) == {
        *vocabulary.STATES, *CHANNELS, *REFERENDUM_ANSWERS, *METHODS
    }  # fmt: skip


@pytest.mark.parametrize(
    "script", ["adapters/audit_pages/static/check.js", "adapters/postal/static/teller.js"]
)
def test_a_page_carries_every_string_pybabel_extracts_from_its_script(
    fresh: Catalog, script: str
) -> None:
    extracted = {
        m.id for m in fresh if m.id and any(f == f"ballotbox/{script}" for f, _ in m.locations)
    }
    assert len(extracted) >= 5
    assert set(script_messages(REPO / "ballotbox" / script)) == extracted


def test_scripts_get_their_strings_in_the_page_language() -> None:
    check = REPO / "ballotbox" / "adapters" / "audit_pages" / "static" / "check.js"
    strings = script_messages(check)
    assert "Downloading the published list…" in strings and "web" in strings
    with i18n.using("cy"):
        welsh = js_catalogue(check)
    assert set(welsh) == set(strings), "every string check.js shows has a Welsh translation"
    assert welsh["A token has 20 digits; you typed {count}."].endswith("{count}.")
    with i18n.using("en"):
        assert js_catalogue(check) == {}


def test_welsh_sms_replies_stay_in_the_cheap_alphabet(fresh: Catalog) -> None:
    """What only SMS sends is written without letters outside GSM-7 (â, ô, ŵ …)."""
    sms_only = [
        str(m.id) for m in fresh
        if m.id and {f for f, _ in m.locations} <= {
            "ballotbox/adapters/sms/replies.py", "ballotbox/adapters/sms/grammar.py"
        }
    ]  # fmt: skip
    assert len(sms_only) >= 15
    with i18n.using("cy"):
        sent = [re.sub(r"\{\w+\}", "1", plain(i18n._(m))) for m in sms_only]
    assert [text for text in sent if segment_limit(text) != 160] == []
