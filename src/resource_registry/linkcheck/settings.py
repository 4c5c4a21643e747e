"""The settings of a ``check-links`` run: limits, timeouts, body caps, probes, archives."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from resource_registry.content import archive


@dataclass(frozen=True, slots=True)
class Settings:
    stale_after: dt.timedelta = dt.timedelta(days=30)
    concurrency: int = 16
    per_host: int = 2
    timeout: float = 15.0
    body_cap: int = 5 * 1024 * 1024
    retries: int = 2
    read_bodies: bool = True
    allow_private_addresses: bool = False
    probe: bool = True  # fetch a random path once per host to recognise soft 404s
    archives: archive.Services | None = None  # None: no archive is asked
    save: bool = False  # ask Save Page Now for live resources that have no capture
