"""Configuration from the environment (``BALLOTBOX_*``), via pydantic-settings."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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

    @property
    def public_base(self) -> str:
        """The public URL without a trailing slash."""
        return self.public_url.rstrip("/")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
