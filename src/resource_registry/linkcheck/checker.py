"""``resreg check-links``: the run over every resource URL, which checks each once under
limits, probes each host for soft 404s, and writes what answered into the files."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from resource_registry.base.errors import NetworkUnavailable
from resource_registry.content import walls
from resource_registry.linkcheck.archiving import ArchiveLookup, look_up_archives, note_content
from resource_registry.linkcheck.fetch_block import checked_at
from resource_registry.linkcheck.fetching import check_url
from resource_registry.linkcheck.outcomes import GOOD_VERDICTS, LinkReport, Outcome
from resource_registry.linkcheck.settings import Settings
from resource_registry.linkcheck.writing import write_all
from resource_registry.record import layout
from resource_registry.record.reader import Document, read_document

# The network counts as unavailable when all requests, or more than half of at least
# this many, could not connect; a run stops early after this many such failures and
# no answer at all.
OFFLINE_MIN_ATTEMPTS: Final = 3
OFFLINE_EARLY_STOP: Final = 10


def due(
    root: Path, paths: Sequence[str], now: dt.datetime, stale_after: dt.timedelta
) -> tuple[dict[str, list[str]], int]:
    """URL -> files to check, leaving out files checked more recently than ``stale_after``."""
    wanted: dict[str, list[str]] = defaultdict(list)
    fresh = 0
    for path in paths:
        parsed = read_document(layout.read_capped(root / path))
        if not isinstance(parsed, Document) or not isinstance(parsed.data, dict):
            continue
        url = parsed.data.get("url")
        if not isinstance(url, str):
            continue
        checked = checked_at(parsed.data.get("fetch"))
        if checked is not None and now - checked < stale_after:
            fresh += 1
            continue
        wanted[url].append(path)
    return wanted, fresh


async def check_links(
    root: Path,
    targets: Mapping[str, Sequence[str]],
    settings: Settings,
    *,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    progress: Callable[[], None] | None = None,
) -> LinkReport:
    """Check every URL of ``targets`` (URL -> files) and write each file's fetch block.

    An answer is written as soon as it arrives; a failure with no answer waits for the
    end of the run, and is never written when most requests could not connect at all
    (then :class:`~resource_registry.base.errors.NetworkUnavailable` is raised).

    Polite by construction: a global and a per-host limit on requests in flight, one request
    per URL at a time (files sharing a URL share one check), a user agent that names the
    project, ``Retry-After`` honoured on 429 and 503 (with a ceiling), timeouts, at most
    :data:`~resource_registry.linkcheck.fetching.MAX_REDIRECTS` redirects (loops and non-http
    targets are errors), and bodies read only up to a cap. Each file is rewritten atomically,
    in canonical form, as soon as its URL is checked: an interrupted run keeps everything
    already written, and a rerun skips entries newer than ``--stale-after``.

    What a body says is read by :mod:`resource_registry.content`: the main text's title,
    language, word count, fingerprint and preview; a text that moved away from the previous
    (or the first) one is *drifted*; an answer that is a "not found" page, a login page or a
    bot challenge gets the verdict ``soft-404``, ``login-wall`` or ``bot-wall`` (from its
    signatures, and from a probe of a random path, once per host and run). Such an answer,
    like a failure, never replaces the text known from the last good answer. Resources that
    are gone, walled or drifted are looked up in web archives (``archive_url``,
    ``archived_at``); with ``Settings.save``, live ones without a capture are captured."""
    import httpx  # noqa: PLC0415 - reason: only this command needs an HTTP client

    report = LinkReport()
    tally = _Tally()
    deferred: list[tuple[Outcome, Sequence[str]]] = []
    wanted: dict[str, ArchiveLookup] = {}  # URL -> archive lookup to make
    overall = asyncio.Semaphore(settings.concurrency)
    hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(settings.per_host))
    limits = httpx.Limits(
        max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency
    )
    # A transport, not a client: no proxy from the environment (which would connect on our
    # behalf to addresses this checker never saw), no cookies, and no redirect handling
    # but ours (httpx's would parse a hostile Location before we could judge it).
    async with httpx.AsyncHTTPTransport(limits=limits) as transport:

        async def probed(url: str) -> walls.Probe | None:
            """The answer to a random path on ``url``'s host (one request per host and run)."""
            origin = _origin(url)
            if origin not in probes:
                probes[origin] = asyncio.ensure_future(_probe(origin))
            return await probes[origin]

        async def _probe(origin: str) -> walls.Probe | None:
            async with overall, hosts[_host_key(origin)]:
                answer = await check_url(
                    transport, f"{origin}/{secrets.token_hex(12)}", settings, now
                )
            if answer.kind != "answer":
                return None
            found = answer.reading.fingerprint if answer.reading else None
            return walls.Probe(answer.status, answer.final_url, found)

        probes: dict[str, asyncio.Future[walls.Probe | None]] = {}

        async def one(url: str, paths: Sequence[str]) -> None:
            host = _host_key(url)
            async with overall, hosts[host]:
                outcome = await check_url(transport, url, settings, now)
            if settings.probe and _worth_probing(outcome):
                outcome = _judged_by_probe(outcome, await probed(url))
            tally.add(outcome)
            report.add(outcome, paths)
            if outcome.kind == "answer":
                blocks = write_all(root, paths, outcome, now(), report)
                note_content(url, paths, outcome, blocks, report, wanted, settings)
            else:
                deferred.append((outcome, paths))
            if progress is not None:
                progress()

        # a fixed crew of workers drawing from one iterator: memory stays flat in the
        # number of URLs (one coroutine per URL would not)
        pending = iter(targets.items())

        async def worker() -> None:
            for url, paths in pending:
                await one(url, paths)
                if tally.offline_early():
                    return  # the others stop after the request they are making

        await asyncio.gather(*(worker() for _ in range(settings.concurrency)))
        if tally.offline():
            raise NetworkUnavailable(tally.summary())
        for outcome, paths in deferred:
            blocks = write_all(root, paths, outcome, now(), report)
            note_content(outcome.url, paths, outcome, blocks, report, wanted, settings)
        if settings.archives is not None and wanted:
            await look_up_archives(transport, root, settings.archives, wanted, report, now)
    return report


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _worth_probing(outcome: Outcome) -> bool:
    """A 2xx answer with a text and no wall of its own: the probe may tell it is a soft 404."""
    reading = outcome.reading
    return (
        outcome.verdict in GOOD_VERDICTS
        and reading is not None
        and reading.wall is None
        and urlsplit(outcome.url).path not in ("", "/")  # a home page cannot be "not found"
    )


def _judged_by_probe(outcome: Outcome, probe: walls.Probe | None) -> Outcome:
    reading = outcome.reading
    if probe is None or reading is None:
        return outcome
    final = outcome.final_url or outcome.url
    if walls.like_the_probe(
        probe, url=outcome.url, final_url=final, fingerprint=reading.fingerprint
    ):
        return dataclasses.replace(outcome, verdict="soft-404", detail="answers like a random path")
    return outcome


def _host_key(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:  # an invalid URL: its check makes no request
        return ""


@dataclass(slots=True)
class _Tally:
    attempted: int = 0
    unreachable: int = 0
    answered: int = 0
    first_reason: str = ""

    def add(self, outcome: Outcome) -> None:
        self.attempted += 1
        if outcome.kind == "unreachable":
            self.unreachable += 1
            self.first_reason = self.first_reason or (outcome.detail or "")
        elif outcome.kind == "answer":
            self.answered += 1

    def offline(self) -> bool:
        if self.attempted == 0:
            return False
        if self.unreachable == self.attempted:
            return True
        return self.attempted >= OFFLINE_MIN_ATTEMPTS and self.unreachable * 2 > self.attempted

    def offline_early(self) -> bool:
        return self.answered == 0 and self.unreachable >= OFFLINE_EARLY_STOP

    def summary(self) -> str:
        if self.answered == 1:
            kept = "only the one answer received was written"
        elif self.answered:
            kept = f"only the {self.answered:,} answers received were written"
        else:
            kept = "nothing was written"
        return (
            f"the network looks unavailable: {self.unreachable:,} of {self.attempted:,} "
            f"requests could not connect (first: {self.first_reason}); no failure was "
            f"recorded and {kept}"
        )
