"""What ``resreg new URL`` fills from the source, and the pieces ``enrich`` and
``check-metadata`` share: the client, the settings from ``resreg.toml`` and the
environment, the publications' domains, and notes as findings."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from resource_registry.base import config
from resource_registry.base.findings import Finding, Severity
from resource_registry.record import layout, urls
from resource_registry.record.reader import Document, read_document
from resource_registry.sources.fetchblock import fetch_block
from resource_registry.sources.gather import (
    ARXIV_INTERVAL,
    FILLABLE,
    SEMANTICSCHOLAR_INTERVAL,
    Described,
    Note,
    Settings,
    describe,
    host_policies,
)
from resource_registry.sources.http import Client
from resource_registry.sources.httpcache import Cache, default_cache_dir
from resource_registry.sources.semanticscholar import KEY_ENV


@dataclass(frozen=True, slots=True)
class Filled:
    """What ``new`` takes from the source: fields with their ``sources`` and the
    ``fetch`` block, what it filled from which source, and findings about it."""

    fetched: dict[str, object] = field(default_factory=dict)
    filled: tuple[tuple[str, str], ...] = ()
    notes: tuple[Finding, ...] = ()


def publication_domains(root: Path) -> list[tuple[str, list[str]]]:
    """(id, domains) of every publication that lists domains."""
    parsed: Document | list[object] = []
    if not layout.linked_part(root, layout.PUBLICATIONS):
        with contextlib.suppress(FileNotFoundError):
            parsed = read_document(layout.read_capped(root / layout.PUBLICATIONS))  # type: ignore[assignment]  # reason: problems are read as no entries
    entries = parsed.data if isinstance(parsed, Document) else []
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            continue
        domains = entry.get("domains")
        if isinstance(domains, list):
            found.append((entry["id"], [d for d in domains if isinstance(d, str)]))
    return found


def settings_for(
    root: Path,
    *,
    page: str = "when-needed",
    only: Iterable[str] | None = None,
    today: dt.date | None = None,
    arxiv_interval: float | None = None,
) -> Settings:
    loaded = config.load(root)
    return Settings(
        endpoints=loaded.endpoints,
        today=today or dt.datetime.now(dt.UTC).date(),
        page=page,  # type: ignore[arg-type]  # reason: callers pass one of the three
        only=frozenset(only) if only is not None else None,
        arxiv_interval=ARXIV_INTERVAL if arxiv_interval is None else arxiv_interval,
        semanticscholar_interval=SEMANTICSCHOLAR_INTERVAL,
        semanticscholar_key=os.environ.get(KEY_ENV) or None,
        publications=publication_domains(root),
    )


def client_for(settings: Settings, *, allow_private: bool, cache: bool = True) -> Client:
    return Client(
        allow_private=allow_private,
        cache=Cache(default_cache_dir()) if cache else None,
        policies=host_policies(settings),
    )


def allow_private(root: Path, flag: bool) -> bool:
    return flag or config.load(root).network.allow_private_addresses


def as_findings(path: str, notes: Sequence[Note]) -> tuple[Finding, ...]:
    return tuple(
        Finding(path, 0, 0, note.code, Severity.WARNING, note.message, note.hint)
        for note in dict.fromkeys(notes)
    )


def fill_new(
    root: Path,
    url: str,
    *,
    given: Iterable[str],
    allow_private_addresses: bool = False,
    now: dt.datetime | None = None,
) -> Filled:
    """Ask the sources about ``url`` for every fillable field not ``given`` on the
    command line, and read the page for the ``fetch`` block."""
    moment = now or dt.datetime.now(dt.UTC)
    url = urls.certain_fixes(url)[0]
    settings = settings_for(root, page="always", today=moment.date())
    wanted = frozenset(FILLABLE) - frozenset(given)
    client = client_for(settings, allow_private=allow_private(root, allow_private_addresses))
    found = asyncio.run(_describe_one(url, wanted, settings, client))
    fetched: dict[str, object] = dict(found.values)
    if found.sources:
        fetched["sources"] = dict(found.sources)
    if found.page is not None and (block := fetch_block(found.page, moment)) is not None:
        fetched["fetch"] = block
    filled = tuple((name, found.sources[name]) for name in FILLABLE if name in found.sources)
    return Filled(fetched, filled, as_findings("", found.notes))


async def _describe_one(
    url: str, wanted: frozenset[str], settings: Settings, client: Client
) -> Described:
    async with client:
        described = await describe({url: wanted}, settings, client)
    return described[url]
