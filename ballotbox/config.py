"""Configuration from the environment (``BALLOTBOX_*``), via pydantic-settings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    log_level: str = Field("INFO", description="Application log level.")
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
        20 * 1024 * 1024, ge=1024, description="Largest upload under /officer/ (member registers)."
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

    @property
    def public_base(self) -> str:
        """The public URL without a trailing slash."""
        return self.public_url.rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
