"""``ballotbox init`` and ``ballotbox serve``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the set-up commands."""

    @app.command()
    def init() -> None:
        """Create or upgrade the database schema and the key directory.

        Example: BALLOTBOX_DATABASE_URL=postgresql://ro@db/ballots ballotbox init
        """
        from ballotbox.cli.common import console, settings
        from ballotbox.storage.db import make_engine
        from ballotbox.storage.migrate import upgrade

        config = settings()
        config.key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        engine = make_engine(config.database_url)
        upgrade(engine)
        url = engine.url.render_as_string(hide_password=True)
        console.print(f"Database ready at {url}; keys in {config.key_dir.resolve()}")

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to listen on."),
        port: int = typer.Option(8000, help="Port to listen on."),
        workers: int = typer.Option(1, min=1, help="Worker processes."),
    ) -> None:
        """Serve the voting, results and audit pages and the JSON API.

        Example: ballotbox serve --host 0.0.0.0 --port 8000 --workers 2
        """
        import uvicorn

        from ballotbox.cli.common import console, settings

        if workers > 1 and settings().database_url.startswith("sqlite"):
            # SQLite lets one process write at a time; extra workers only queue on its lock
            # (measured: p99 2 s at 2 workers against 0.1 s at 1; benchmarks/RESULTS.md).
            console.print("[yellow]SQLite serves best from one worker; using --workers 1.[/]")
            workers = 1

        # No access log: request paths can carry a token (/v/<token>) and
        # client addresses must never sit beside anything a voter did.
        uvicorn.run(
            "ballotbox.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            access_log=False,
            server_header=False,
            proxy_headers=False,
        )
