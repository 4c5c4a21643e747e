"""``resreg check-links``: fetch every resource URL and record what answered.

Polite by construction: a global and a per-host limit on requests in flight, one request
per URL at a time (files sharing a URL share one check), a user agent that names the
project, ``Retry-After`` honoured on 429 and 503 (with a ceiling), timeouts, at most
:data:`MAX_REDIRECTS` redirects (loops and non-http targets are errors), and bodies read
only up to a cap. Each file is rewritten atomically, in canonical form, as soon as its
URL is checked: an interrupted run keeps everything already written, and a rerun skips
entries newer than ``--stale-after``.

One GET per URL when the body is wanted (the default: its size and sha256 are recorded,
read up to a cap), streamed so that nothing past the cap is downloaded. With
``read_bodies=False`` (``--no-hash``) it is a status check: HEAD, falling back to GET
only where HEAD is refused (405, 501), and no body is read.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

from resource_registry import layout
from resource_registry.canonical import extract_comments, order_for, render
from resource_registry.fsutil import atomic_write
from resource_registry.layout import RESOURCES_DIR
from resource_registry.loading import Document, read_document

USER_AGENT: Final = "resource-registry-link-checker/0.1 (+https://github.com/resource-registry)"
MAX_REDIRECTS: Final = 10
MAX_RETRY_AFTER: Final = 60.0
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class Settings:
    stale_after: dt.timedelta = dt.timedelta(days=30)
    concurrency: int = 16
    per_host: int = 2
    timeout: float = 15.0
    body_cap: int = 5 * 1024 * 1024
    retries: int = 2
    read_bodies: bool = True


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one URL answered: the content of a resource's `fetch` block."""

    url: str
    status: int
    checked_at: str
    verdict: str
    final_url: str | None = None
    bytes: int | None = None
    content_type: str | None = None
    content_sha256: str | None = None
    detail: str | None = None

    def fetch_block(self) -> dict[str, object]:
        block: dict[str, object] = {"status": self.status, "checked_at": self.checked_at}
        for name in ("final_url", "bytes", "content_type", "content_sha256"):
            if (value := getattr(self, name)) is not None:
                block[name] = value
        block["verdict"] = self.verdict
        return block


@dataclass(slots=True)
class LinkReport:
    """Counts for every URL, and the full outcome only of those that are not plainly ok,
    so that memory does not grow with the size of the catalog."""

    counts: Counter[str] = field(default_factory=Counter)
    notable: dict[str, Outcome] = field(default_factory=dict)  # by URL, verdict != ok
    files: dict[str, list[str]] = field(default_factory=dict)  # URL -> paths, for notable
    skipped_fresh: int = 0

    @property
    def checked(self) -> int:
        return sum(self.counts.values())

    def add(self, outcome: Outcome, paths: Sequence[str]) -> None:
        self.counts[outcome.verdict] += 1
        if outcome.verdict != "ok":
            self.notable[outcome.url] = outcome
            self.files[outcome.url] = list(paths)


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
        checked = _checked_at(parsed.data.get("fetch"))
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
    """Check every URL of ``targets`` (URL -> files) and write each file's fetch block."""
    import httpx  # noqa: PLC0415 - reason: only this command needs an HTTP client

    report = LinkReport()
    overall = asyncio.Semaphore(settings.concurrency)
    hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(settings.per_host))
    limits = httpx.Limits(
        max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency
    )
    async with httpx.AsyncClient(
        timeout=settings.timeout,
        limits=limits,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    ) as client:

        async def one(url: str, paths: Sequence[str]) -> None:
            host = urlsplit(url).hostname or ""
            async with overall, hosts[host]:
                outcome = await _check(client, url, settings, now)
            report.add(outcome, paths)
            for path in paths:
                _write_fetch(root / path, outcome)
            if progress is not None:
                progress()

        # a fixed crew of workers drawing from one iterator: memory stays flat in the
        # number of URLs (one coroutine per URL would not)
        pending = iter(targets.items())

        async def worker() -> None:
            for url, paths in pending:
                await one(url, paths)

        await asyncio.gather(*(worker() for _ in range(settings.concurrency)))
    return report


async def _check(
    client: Any, url: str, settings: Settings, now: Callable[[], dt.datetime]
) -> Outcome:
    import httpx  # noqa: PLC0415 - reason: as above

    stamp = now().strftime("%Y-%m-%dT%H:%M:%SZ")
    current, hops, seen = url, 0, {url}
    method = "GET" if settings.read_bodies else "HEAD"
    attempt = 0
    while True:
        try:
            async with client.stream(method, current) as response:
                status = response.status_code
                if method == "HEAD" and status in (405, 501):
                    method = "GET"
                    continue
                if status in _REDIRECTS and "location" in response.headers:
                    target = urljoin(current, response.headers["location"])
                    problem = _redirect_problem(target, seen, hops)
                    if problem:
                        return Outcome(
                            url,
                            status,
                            stamp,
                            "error",
                            final_url=_moved(url, current),
                            detail=f"{problem} ({target})",
                        )
                    current, hops = target, hops + 1
                    seen.add(target)
                    continue
                if status in (429, 503) and attempt < settings.retries:
                    attempt += 1
                    await asyncio.sleep(_retry_after(response.headers.get("retry-after"), attempt))
                    continue
                reading = settings.read_bodies and 200 <= status < 300
                body = await _read_capped(response, settings.body_cap) if reading else None
                return _outcome(
                    url, current, status, stamp, response.headers, body, settings.body_cap
                )
        except httpx.TimeoutException:
            return Outcome(
                url, 0, stamp, "error", final_url=_moved(url, current), detail="timed out"
            )
        except (httpx.TransportError, httpx.DecodingError) as error:
            return Outcome(
                url, 0, stamp, "error", final_url=_moved(url, current), detail=type(error).__name__
            )


def _redirect_problem(target: str, seen: set[str], hops: int) -> str | None:
    if urlsplit(target).scheme not in ("http", "https"):
        return "redirect to a non-http URL"
    if target in seen:
        return "redirect loop"
    if hops >= MAX_REDIRECTS:
        return f"more than {MAX_REDIRECTS} redirects"
    return None


def _retry_after(header: str | None, attempt: int) -> float:
    try:
        seconds = float(header) if header is not None else 2.0**attempt
    except ValueError:
        seconds = 2.0**attempt
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


class _OverCap:
    """A body larger than the cap: only its announced length is known."""


async def _read_capped(response: Any, cap: int) -> bytes | _OverCap:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > cap:
            return _OverCap()
        chunks.append(chunk)
    return b"".join(chunks)


def _outcome(
    url: str,
    final: str,
    status: int,
    stamp: str,
    headers: Mapping[str, str],
    read: bytes | _OverCap | None,
    cap: int,
) -> Outcome:
    body = read if isinstance(read, bytes) else None
    length = headers.get("content-length")
    size = len(body) if body is not None else (int(length) if length and length.isdigit() else None)
    content_type = headers.get("content-type", "").split(";")[0].strip()[:200] or None
    return Outcome(
        url=url,
        status=status,
        checked_at=stamp,
        verdict=_verdict(status, url != final),
        final_url=_moved(url, final),
        bytes=size,
        content_type=content_type,
        content_sha256=hashlib.sha256(body).hexdigest() if body is not None else None,
        detail=f"body larger than {cap:,} bytes" if isinstance(read, _OverCap) else None,
    )


def _verdict(status: int, moved: bool) -> str:
    if 200 <= status < 300:
        return "redirected" if moved else "ok"
    if status in (404, 410):
        return "dead"
    if status in (401, 402):
        return "paywalled"
    if status in (403, 429, 451):
        return "blocked"
    return "error"


def _moved(url: str, final: str) -> str | None:
    return final if final != url else None


def _checked_at(fetch: object) -> dt.datetime | None:
    if not isinstance(fetch, dict) or not isinstance(fetch.get("checked_at"), str):
        return None
    try:
        return dt.datetime.fromisoformat(fetch["checked_at"])
    except ValueError:
        return None


def _write_fetch(path: Path, outcome: Outcome) -> None:
    """Set the file's fetch block and nothing else; keep its comments; write atomically."""
    text = path.read_text(encoding="utf-8")
    parsed = read_document(text.encode())
    if not isinstance(parsed, Document) or not isinstance(parsed.data, dict):
        return  # it changed under us; the next run will see it
    parsed.data["fetch"] = outcome.fetch_block()
    relative = f"{RESOURCES_DIR}/{path.parent.name}/{path.name}"
    new = render(parsed.data, order_for(relative), extract_comments(parsed.root, text))
    if new != text:
        atomic_write(path, new.encode(), durable=False)  # thousands of files: no fsync each
