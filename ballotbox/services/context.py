"""What services need from outside: keys, the clock and randomness, injected."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from ballotbox.config import Settings
from ballotbox.core.clock import Clock, SystemClock
from ballotbox.storage.keys import KeyStore


@dataclass
class Context:
    """The adapters a service call uses; tests and the demo swap in their own."""

    settings: Settings
    keys: KeyStore
    clock: Clock = field(default_factory=SystemClock)
    random_bytes: Callable[[int], bytes] = secrets.token_bytes
    randbelow: Callable[[int], int] = secrets.randbelow

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> Context:
        """The production context for ``settings``."""
        return cls(settings=settings, keys=KeyStore(settings.key_dir), clock=clock or SystemClock())
