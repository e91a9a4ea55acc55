"""Configuration from the environment (``BALLOTBOX_*``), via pydantic-settings."""

from __future__ import annotations

import logging
import sys
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ballotbox.core.errors import SettingsError

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class Settings(BaseSettings):
    """Everything an installation can set.  Secrets never have a usable default."""

    model_config = SettingsConfigDict(env_prefix="BALLOTBOX_", env_file=None, extra="ignore")

    database_url: str = Field(
        "sqlite:///./ballotbox.db", description="SQLAlchemy URL: sqlite:///FILE or postgresql://…"
    )
    key_dir: Path = Field(
        Path("./keys"),
        description="Directory of per-election token-hash and signing keys (not the database).",
    )
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="The address members reach the site at; QR codes and Twilio signatures use it.",
    )
    organisation: str = Field("Example Organisation", description="Printed on cards and pages.")
    sms_number: str | None = Field(None, description="The number members text, shown on cards.")
    phone_number: str | None = Field(None, description="The number members call, shown on cards.")
    postal_address: str | None = Field(None, description="Where postal ballots go.")
    twilio_auth_token: SecretStr | None = Field(
        None, description="Twilio auth token; without it the SMS and phone webhooks are off (404)."
    )
    locale: str = Field("en", description="Default language for pages, texts and speech.")
    phone_voice: str | None = Field(
        None, description="Twilio <Say> voice for phone calls, e.g. Polly.Amy (default: Twilio's)."
    )
    phone_language: str = Field("en-GB", description="Language tag for spoken phone prompts.")
    phone_voicemail: bool = Field(
        False, description="Offer callers a recorded message for the tellers instead of keying."
    )
    secure_cookies: bool = Field(
        False, description="Mark cookies Secure (set true behind TLS in production)."
    )
    log_level: LogLevel = Field(
        "INFO",
        description="Level of ballotbox's own log lines on standard error (DEBUG, INFO, WARNING, "
        "ERROR, CRITICAL); other libraries' loggers are left as they are.",
    )
    checkpoint_every_entries: int = Field(
        100, ge=1, description="Sign a checkpoint once this many log entries are new…"
    )
    checkpoint_every_minutes: float = Field(
        10.0, gt=0, description="…or once this many minutes have passed with any new entry."
    )

    max_body_bytes: int = Field(
        64 * 1024, ge=1024, description="Largest request body for pages without their own limit."
    )
    max_upload_bytes: int = Field(
        20 * 1024 * 1024, ge=1024, description="Largest register upload (under /admin/uploads/)."
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or networks of the TLS proxy in front (e.g. "
        "10.0.0.0/8): their X-Forwarded-For names the client whose failures are limited; "
        "nobody else's is believed.",
    )
    guard_state: Literal["database", "memory"] = Field(
        "database",
        description="Where failure counts and Twilio retry replies live: 'database' (shared by "
        "every worker and host) or 'memory' (one process only: SQLite with one worker).",
    )
    limit_window_minutes: float = Field(
        15.0, gt=0, description="Failed attempts are counted over this many minutes."
    )
    limit_web: int = Field(
        30, ge=1, description="Failed token attempts per client address per window (web, API)."
    )
    limit_sms: int = Field(8, ge=1, description="Failed token attempts per sender per window.")
    limit_phone: int = Field(8, ge=1, description="Failed token attempts per caller per window.")
    limit_sign_in: int = Field(
        5, ge=1, description="Wrong teller passwords per address and username per window."
    )
    flood_alert: int = Field(
        50,
        ge=1,
        description="Unknown tokens per channel per window that raise the alert and slow the "
        "answers to unknown tokens (never refusing anyone).",
    )
    flood_delay_seconds: float = Field(
        1.0, ge=0, le=10, description="The delay added to unknown-token answers during a flood."
    )
    min_format_group: int = Field(
        10,
        ge=1,
        description="members report warns when fewer members than this share a card format "
        "(a small group is a small anonymity set; docs/cards.md).",
    )

    # Unit prices for the cost forecast (ballotbox election costs); docs/costs.md explains them.
    currency: str = Field("GBP", description="The currency the prices below are in.")
    price_print_card: Decimal = Field(
        Decimal("0.06"), ge=0, description="Printing one business-card-size ballot card."
    )
    price_print_large_print: Decimal = Field(
        Decimal("0.12"), ge=0, description="Printing one large-print A4 card."
    )
    price_print_ballot_paper: Decimal = Field(
        Decimal("0.10"), ge=0, description="Printing one postal ballot paper."
    )
    price_postage_letter: Decimal = Field(
        Decimal("0.87"), ge=0, description="Posting one letter (a card out, or a vote back)."
    )
    price_sms_segment: Decimal = Field(
        Decimal("0.04"), ge=0, description="One SMS segment, received or sent."
    )
    price_phone_minute: Decimal = Field(
        Decimal("0.015"), ge=0, description="One minute of an incoming call (billed per minute)."
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @property
    def public_base(self) -> str:
        """The public URL without a trailing slash."""
        return self.public_url.rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment (SettingsError if bad)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = [
            f"BALLOTBOX_{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        ]
        raise SettingsError(problems="; ".join(problems)) from None


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is when a line is logged (tests swap it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(level: LogLevel) -> None:
    """Show ballotbox's own log lines (``ballotbox.*``) on standard error from ``level`` up.

    Only the ``ballotbox`` logger is touched: the root logger and other libraries'
    loggers (SQLAlchemy's would print statements and their parameters) keep their
    levels.  Calling it again changes the level; it never adds a second handler.
    """
    logger = logging.getLogger("ballotbox")
    logger.setLevel(level)
    if not any(isinstance(h, _BallotboxHandler) for h in logger.handlers):
        handler = _BallotboxHandler(_CurrentStderr())
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        logger.addHandler(handler)


class _BallotboxHandler(logging.StreamHandler[_CurrentStderr]):
    """The one handler :func:`configure_logging` installs."""
