"""Whatever a bundle holds, the verifier answers with a report and a status, never a traceback."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballotbox.core.audit.bundle import build_files, parse_bundle, write_bundle, write_directory
from ballotbox.core.audit.verify import main, verify_bundle
from tests.unit.audit.factory import build_election

ELECTION = build_election()
FILES = ELECTION.files()
NAMES = sorted(FILES)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(NAMES), st.data())
def test_any_flipped_byte_fails_or_is_unreadable(tmp_path_factory, name, data):
    blob = bytearray(FILES[name])
    index = data.draw(st.integers(0, len(blob) - 1))
    blob[index] ^= data.draw(st.integers(1, 255))
    out = tmp_path_factory.mktemp("b")
    write_directory({**FILES, name: bytes(blob)}, out)
    assert main([str(out), "--json"]) in (1, 2)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, (*prefix, i))


def _replace(value, path, new):
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copy


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["commitment", "checkpoints", "result", "definition"]), st.data())
def test_any_json_value_of_the_wrong_shape_is_a_named_failure_not_a_crash(field, data):
    election = build_election()
    original = getattr(election.data, field)
    path = data.draw(st.sampled_from(list(_paths(original))))
    changed = _replace(original, path, data.draw(json_values))
    setattr(election.data, field, changed)
    try:
        files = build_files(election.data, election.key)
        parse_bundle(files)
    except Exception:  # noqa: BLE001 - a bundle the writer or reader refuses is not our case
        return
    results = verify_bundle(files)
    assert all(isinstance(p, str) for r in results for p in r.problems)
    if json.dumps(changed, sort_keys=True) != json.dumps(original, sort_keys=True):
        assert not all(r.ok for r in results), f"{field} at {path} changed unnoticed"


def test_write_bundle_makes_a_directory_and_a_zip_that_both_verify(tmp_path):
    folder, archive = write_bundle(ELECTION.data, ELECTION.key, tmp_path / "branch-committee-2027")
    assert archive.name == "branch-committee-2027.zip"
    assert main([str(folder)]) == 0
    assert main([str(archive)]) == 0
