"""Drifted texts, and archived copies of resources that are gone, walled or drifted: which
are wanted, looking them up (or saving them) and writing them into the fetch blocks."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from resource_registry.content import archive, walls
from resource_registry.linkcheck.fetch_block import DEAD_AFTER_FAILURES, failure_count
from resource_registry.linkcheck.outcomes import GOOD_VERDICTS, Drift, LinkReport, Outcome
from resource_registry.linkcheck.settings import Settings
from resource_registry.linkcheck.writing import write_fetch

# verdicts whose resources are looked up in web archives
_ARCHIVE_WHEN: Final = frozenset({"dead", *walls.WALL_VERDICTS, "paywalled", "blocked"})

# requests in flight at once to the archive services: they are shared by everyone
ARCHIVE_CONCURRENCY: Final = 2


@dataclass(frozen=True, slots=True)
class ArchiveLookup:
    when: str | None  # the capture closest to this time is wanted (None: the latest)
    paths: Sequence[str]
    save: bool  # ask Save Page Now when no capture exists


def note_content(
    url: str,
    paths: Sequence[str],
    outcome: Outcome,
    blocks: Sequence[tuple[dict[str, object], dict[str, object]]],
    report: LinkReport,
    wanted: dict[str, ArchiveLookup],
    settings: Settings,
) -> None:
    """Record a drift, and whether an archived copy should be looked up."""
    if not blocks:
        return
    old, block = blocks[0]
    if outcome.kind == "answer" and isinstance(score := block.get("similarity"), float):
        current = str(block["fingerprint"])
        first = block.get("first_fingerprint")
        report.drifted[url] = Drift(
            score, current, first if isinstance(first, str) else None, list(paths)
        )
    if "archive_url" in block:
        return
    gone = block.get("verdict") in _ARCHIVE_WHEN or failure_count(block) >= DEAD_AFTER_FAILURES
    drifted = url in report.drifted
    live = block.get("verdict") in GOOD_VERDICTS and settings.save
    if gone or drifted or live:
        when = old.get("checked_at") if old.get("verdict") in GOOD_VERDICTS else None
        wanted[url] = ArchiveLookup(
            when if isinstance(when, str) else None, paths, save=live and not drifted
        )


async def look_up_archives(
    transport: Any,
    root: Path,
    services: archive.Services,
    wanted: Mapping[str, ArchiveLookup],
    report: LinkReport,
    now: Callable[[], dt.datetime],
) -> None:
    """Find (or with ``save``, make) an archived copy of each wanted URL and write it into
    its files' fetch blocks. A failed lookup changes nothing."""
    gate = asyncio.Semaphore(ARCHIVE_CONCURRENCY)

    async def one(url: str, want: ArchiveLookup) -> None:
        async with gate:
            found = await archive.find(transport, services, url, want.when)
            if found is None and want.save:
                found = await archive.save(transport, services, url)
        if isinstance(found, archive.Failed):
            report.archive_failures[url] = found.reason
            return
        if found is None:
            return
        report.archived[url] = found.url
        for path in want.paths:
            if problem := write_fetch(root, path, _adding_capture(found), now()):
                report.unwritten[path] = problem

    await asyncio.gather(*(one(url, want) for url, want in wanted.items()))


def _adding_capture(
    capture: archive.Capture,
) -> Callable[[object], dict[str, object] | None]:
    def merge(old: object) -> dict[str, object] | None:
        if not isinstance(old, dict) or "archive_url" in old:
            return None  # removed meanwhile, or a copy is already known: leave it
        return {**old, "archive_url": capture.url, "archived_at": capture.at}

    return merge
