"""The test machinery itself works for real: databases, server processes, the browser.

If these fail, every test built on the fixtures is suspect, so they come first
in any investigation.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import skip_or_fail
from tests.fixtures.browser import screenshot
from tests.fixtures.databases import create_database, drop_database, libpq_url
from tests.fixtures.pgserver import find_bindir, free_port, new_server
from tests.fixtures.servers import ServerStartError, start_server


def _pg_database_exists(server_url: str, name: str) -> bool:
    import psycopg

    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    return row is not None


# --- databases ------------------------------------------------------------------------


def test_sqlite_url_is_a_real_file_in_tmp_path(sqlite_url: str, tmp_path: Path) -> None:
    assert sqlite_url == f"sqlite:///{tmp_path / 'ballotbox.db'}"
    path = Path(sqlite_url.removeprefix("sqlite:///"))
    assert not path.exists()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
        conn.execute("INSERT INTO t VALUES (42)")
    assert path.is_file()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT x FROM t").fetchall() == [(42,)]


@pytest.mark.postgres
def test_postgres_url_is_a_fresh_database_that_holds_data(postgres_url: str) -> None:
    import psycopg

    assert postgres_url.startswith("postgresql+psycopg://")
    with psycopg.connect(libpq_url(postgres_url), autocommit=True) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
        assert tables == (0,), "a fresh database must be empty"
        conn.execute("CREATE TABLE ballot (token text PRIMARY KEY, choice int)")
        conn.execute("INSERT INTO ballot VALUES ('4821', 2)")
        assert conn.execute("SELECT token, choice FROM ballot").fetchall() == [("4821", 2)]


@pytest.mark.postgres
def test_sqlalchemy_reaches_the_postgres_database(postgres_url: str) -> None:
    """The URL form the app uses (postgresql+psycopg://) works with SQLAlchemy as given."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            name = conn.execute(sqlalchemy.text("SELECT current_database()")).scalar_one()
    finally:
        engine.dispose()
    assert name == urlsplit(postgres_url).path.lstrip("/")
    assert name.startswith("bb_")


@pytest.mark.postgres
def test_postgres_database_is_dropped_even_with_a_connection_left_open(
    postgres_server_url: str,
) -> None:
    import psycopg

    url = create_database(postgres_server_url)
    name = urlsplit(url).path.lstrip("/")
    assert _pg_database_exists(postgres_server_url, name)
    left_open = psycopg.connect(libpq_url(url))  # as a careless test would leave it
    try:
        drop_database(url)
        assert not _pg_database_exists(postgres_server_url, name)
    finally:
        left_open.close()


def test_drop_database_refuses_a_database_it_did_not_make() -> None:
    with pytest.raises(ValueError, match="not a test database"):
        drop_database("postgresql+psycopg://postgres@127.0.0.1:1/postgres")


def test_database_url_gives_each_backend(database_url: str, request: pytest.FixtureRequest) -> None:
    backend = request.node.callspec.id
    expected = {"sqlite": "sqlite:///", "postgresql": "postgresql+psycopg://"}[backend]
    assert database_url.startswith(expected)
    if backend == "postgresql":
        assert request.node.get_closest_marker("postgres") is not None


_seen_databases: list[str] = []


@pytest.mark.postgres
@pytest.mark.parametrize("run", [1, 2])
def test_each_test_gets_its_own_postgres_database(postgres_url: str, run: int) -> None:
    """Two tests never share a database (and the first one's is gone)."""
    assert postgres_url not in _seen_databases
    _seen_databases.append(postgres_url)


@pytest.mark.postgres
@pytest.mark.slow
def test_throwaway_server_starts_listens_on_loopback_and_is_removed() -> None:
    """The server scripts/test.sh and the fixture start: up, reachable, then gone whole."""
    import psycopg

    if find_bindir() is None:
        skip_or_fail("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin or on PATH")
    server = new_server()
    try:
        url = server.start()
        assert urlsplit(url).hostname == "127.0.0.1"
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
    finally:
        server.stop()
    assert not server.root.exists()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(libpq_url(url), connect_timeout=2)


# --- server processes -----------------------------------------------------------------


def test_start_server_waits_for_health_and_stops(tmp_path: Path) -> None:
    """The start/wait/stop logic of live_server, run against Python's own http.server."""
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "healthz").write_text("ok")
    port = free_port()
    server = start_server(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(tmp_path / "site")],
        port=port, env={"PATH": "/usr/bin:/bin"}, log_dir=tmp_path / "logs",
    )  # fmt: skip
    try:
        assert httpx.get(f"{server.url}/healthz").text == "ok"
    finally:
        server.stop()
    assert server.process.returncode is not None
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/healthz", timeout=2)


def test_start_server_reports_a_crash_with_its_stderr(tmp_path: Path) -> None:
    port = free_port()
    with pytest.raises(ServerStartError, match="boom from the server"):
        start_server(
            [sys.executable, "-c", "import sys; sys.exit('boom from the server')"],
            port=port, env={}, log_dir=tmp_path, timeout=10,
        )  # fmt: skip


def test_live_server_serves_the_real_app(live_server, tmp_path: Path) -> None:
    server = live_server()
    assert httpx.get(f"{server.url}/healthz").status_code == 200
    assert server.url == f"http://127.0.0.1:{server.port}"


# --- browser --------------------------------------------------------------------------

# Phones lay out pages 980px wide unless the page asks for the device width, as ours do.
PHONE_HTML = 'data:text/html,<meta name="viewport" content="width=device-width"><p>phone</p>'


@pytest.mark.browser
def test_browser_loads_a_page_and_reads_its_text(page) -> None:
    page.goto("data:text/html,<title>ballotbox</title><h1 id=h>Ballot box works</h1>")
    assert page.title() == "ballotbox"
    assert page.locator("#h").inner_text() == "Ballot box works"
    path = screenshot(page, "infrastructure-desktop")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.browser
@pytest.mark.viewport("small_phone")
def test_viewport_marker_gives_a_small_phone_page(page) -> None:
    page.goto(PHONE_HTML)
    assert page.evaluate("[window.innerWidth, window.innerHeight]") == [320, 568]


@pytest.mark.browser
def test_phone_page_is_a_separate_context_sized_like_a_phone(page, phone_page) -> None:
    page.goto("data:text/html,<p>desktop</p>")
    phone_page.goto(PHONE_HTML)
    assert page.context is not phone_page.context
    assert phone_page.evaluate("window.innerWidth") == 320
    assert page.evaluate("window.innerWidth") == 1280
