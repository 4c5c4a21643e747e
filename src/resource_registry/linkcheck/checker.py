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

What a body says is read by :mod:`resource_registry.content`: the main text's title,
language, word count, fingerprint and preview; a text that moved away from the previous
(or the first) one is *drifted*; an answer that is a "not found" page, a login page or a
bot challenge gets the verdict ``soft-404``, ``login-wall`` or ``bot-wall`` (from its
signatures, and from a probe of a random path, once per host and run). Such an answer,
like a failure, never replaces the text known from the last good answer. Resources that
are gone, walled or drifted are looked up in web archives (``archive_url``,
``archived_at``); with ``Settings.save``, live ones without a capture are captured.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import math
import re
import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import urljoin, urlsplit

from resource_registry.base.errors import NetworkUnavailable
from resource_registry.base.findings import Severity
from resource_registry.base.fsutil import atomic_write
from resource_registry.check.file_rules import check_resource
from resource_registry.content import archive, fingerprint, page, walls
from resource_registry.net import guard as netguard
from resource_registry.net.guard import Refusal
from resource_registry.record import layout, urls
from resource_registry.record._derived import FIELD_ORDER
from resource_registry.record.constraints import MEDIA_TYPE_PATTERN
from resource_registry.record.layout import RESOURCES_DIR
from resource_registry.record.reader import Document, read_document
from resource_registry.record.writer import extract_comments, order_for, render

if TYPE_CHECKING:
    import httpx

USER_AGENT: Final = "resource-registry-link-checker/0.1 (+https://github.com/resource-registry)"
MAX_REDIRECTS: Final = 10
MAX_RETRY_AFTER: Final = 60.0
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
# A failure with no answer (timeout, reset, refused connection, 5xx) marks a link dead
# only when it persists: this many checks in a row, the first at least this long ago.
DEAD_AFTER_FAILURES: Final = 2
DEAD_AFTER: Final = dt.timedelta(days=7)
# The network counts as unavailable when all requests, or more than half of at least
# this many, could not connect; a run stops early after this many such failures and
# no answer at all.
OFFLINE_MIN_ATTEMPTS: Final = 3
OFFLINE_EARLY_STOP: Final = 10
FETCH_FIELDS: Final = FIELD_ORDER["Fetch"]
_FAILURE_FIELDS: Final = frozenset({"failures", "failing_since"})
_MAX_FAILURES: Final = 999_999  # the schema's bound
_MAX_URL: Final = 2048
_MAX_MEDIA_TYPE: Final = 200
_MEDIA_TYPE: Final = re.compile(MEDIA_TYPE_PATTERN)
_DIGITS: Final = re.compile(r"[0-9]{1,15}\Z")
_FINGERPRINT: Final = re.compile(r"[0-9a-f]{16}")
# answers whose body is read only for the signatures of a login page or a challenge
_WALL_STATUSES: Final = frozenset({401, 403, 429, 503})
_WALL_CAP: Final = 256 * 1024
_GOOD: Final = frozenset({"ok", "redirected"})
# verdicts whose resources are looked up in web archives
_ARCHIVE_WHEN: Final = frozenset({"dead", *walls.WALL_VERDICTS, "paywalled", "blocked"})
# what the last good answer said about the text: kept until another good answer
_CONTENT_FIELDS: Final = (*page.CONTENT_FIELDS, "first_fingerprint")
_ARCHIVE_FIELDS: Final = ("archive_url", "archived_at")

# What a check learned: an answer from the server (it replaces what was known), or a
# failure with none (kept beside the last answer); "unreachable" failures could not
# connect at all and count towards deciding that the network is down.
OutcomeKind = Literal["answer", "no-answer", "unreachable"]


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
    kind: OutcomeKind = "answer"
    reading: page.Reading | None = None  # what the body says, if it was read

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
    unwritten: dict[str, str] = field(default_factory=dict)  # path -> why it was left alone
    drifted: dict[str, Drift] = field(default_factory=dict)  # by URL
    archived: dict[str, str] = field(default_factory=dict)  # URL -> archived copy found
    archive_failures: dict[str, str] = field(default_factory=dict)  # URL -> why not

    @property
    def checked(self) -> int:
        return sum(self.counts.values())

    def add(self, outcome: Outcome, paths: Sequence[str]) -> None:
        self.counts[outcome.verdict] += 1
        if outcome.verdict != "ok":
            self.notable[outcome.url] = outcome
            self.files[outcome.url] = list(paths)


@dataclass(frozen=True, slots=True)
class Drift:
    """A text that moved beyond the threshold since the previous or the first check."""

    similarity: float
    fingerprint: str
    first_fingerprint: str | None
    files: list[str]


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
    """Check every URL of ``targets`` (URL -> files) and write each file's fetch block.

    An answer is written as soon as it arrives; a failure with no answer waits for the
    end of the run, and is never written when most requests could not connect at all
    (then :class:`~resource_registry.base.errors.NetworkUnavailable` is raised)."""
    import httpx  # noqa: PLC0415 - reason: only this command needs an HTTP client

    report = LinkReport()
    tally = _Tally()
    deferred: list[tuple[Outcome, Sequence[str]]] = []
    wanted: dict[str, _Wanted] = {}  # URL -> archive lookup to make
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
                answer = await _check(transport, f"{origin}/{secrets.token_hex(12)}", settings, now)
            if answer.kind != "answer":
                return None
            found = answer.reading.fingerprint if answer.reading else None
            return walls.Probe(answer.status, answer.final_url, found)

        probes: dict[str, asyncio.Future[walls.Probe | None]] = {}

        async def one(url: str, paths: Sequence[str]) -> None:
            host = _host_key(url)
            async with overall, hosts[host]:
                outcome = await _check(transport, url, settings, now)
            if settings.probe and _worth_probing(outcome):
                outcome = _judged_by_probe(outcome, await probed(url))
            tally.add(outcome)
            report.add(outcome, paths)
            if outcome.kind == "answer":
                blocks = _write_all(root, paths, outcome, now(), report)
                _note_content(url, paths, outcome, blocks, report, wanted, settings)
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
            blocks = _write_all(root, paths, outcome, now(), report)
            _note_content(outcome.url, paths, outcome, blocks, report, wanted, settings)
        if settings.archives is not None and wanted:
            await _look_up_archives(transport, root, settings.archives, wanted, report, now)
    return report


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _worth_probing(outcome: Outcome) -> bool:
    """A 2xx answer with a text and no wall of its own: the probe may tell it is a soft 404."""
    reading = outcome.reading
    return (
        outcome.verdict in _GOOD
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


@dataclass(frozen=True, slots=True)
class _Wanted:
    when: str | None  # the capture closest to this time is wanted (None: the latest)
    paths: Sequence[str]
    save: bool  # ask Save Page Now when no capture exists


def _note_content(
    url: str,
    paths: Sequence[str],
    outcome: Outcome,
    blocks: Sequence[tuple[dict[str, object], dict[str, object]]],
    report: LinkReport,
    wanted: dict[str, _Wanted],
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
    gone = block.get("verdict") in _ARCHIVE_WHEN or _failures(block) >= DEAD_AFTER_FAILURES
    drifted = url in report.drifted
    live = block.get("verdict") in _GOOD and settings.save
    if gone or drifted or live:
        when = old.get("checked_at") if old.get("verdict") in _GOOD else None
        wanted[url] = _Wanted(
            when if isinstance(when, str) else None, paths, save=live and not drifted
        )


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


async def _check(
    transport: Any, url: str, settings: Settings, now: Callable[[], dt.datetime]
) -> Outcome:
    """Follow ``url`` hop by hop (each hop checked and pinned) to its final answer."""
    stamp = now().strftime("%Y-%m-%dT%H:%M:%SZ")
    method = "GET" if settings.read_bodies else "HEAD"
    target = netguard.parse_target(url)
    if isinstance(target, Refusal):
        return Outcome(url, 0, stamp, "error", detail=target.reason)
    hops, attempt, seen = 0, 0, {str(target)}
    redirect_status = 0
    answered: str | None = None  # the last URL that answered, once a redirect was followed
    while True:
        answer = await _fetch_once(transport, target, method, settings)
        if isinstance(answer, _Failure):
            if answer.refused and hops:  # the server's answer was a redirect we refuse
                return Outcome(url, redirect_status, stamp, "error", answered, detail=answer.reason)
            kind: OutcomeKind = "unreachable" if answer.unreachable else "no-answer"
            return Outcome(url, 0, stamp, "error", answered, detail=answer.reason, kind=kind)
        if hops:
            answered = str(target)
        status = answer.status
        if method == "HEAD" and status in (405, 501):
            method = "GET"
            continue
        if status in _REDIRECTS and answer.location is not None:
            following = _redirect_target(str(target), answer.location, seen, hops)
            if isinstance(following, Refusal):
                return Outcome(url, status, stamp, "error", answered, detail=following.reason)
            target, hops, redirect_status = following, hops + 1, status
            seen.add(str(target))
            continue
        if status in (429, 503) and attempt < settings.retries:
            attempt += 1
            await asyncio.sleep(_retry_after(answer.retry_after, attempt))
            continue
        # reading the body is CPU work: off the event loop, so other requests go on
        return await asyncio.to_thread(
            _outcome, url, answered, status, stamp, answer, settings.body_cap
        )


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    location: str | None
    retry_after: str | None
    content_type: str | None
    content_length: str | None
    body: bytes | _OverCap | None


@dataclass(frozen=True, slots=True)
class _Failure:
    reason: str
    unreachable: bool = False  # could not connect at all
    refused: bool = False  # not attempted: the address is not one to connect to


async def _fetch_once(
    transport: Any, target: httpx.URL, method: str, settings: Settings
) -> _Answer | _Failure:
    """One request, resolved, checked and pinned, under one deadline for all of it:
    resolving, connecting, headers (informational ones included) and body."""
    import httpx  # noqa: PLC0415 - reason: as above

    connected = False
    try:
        async with asyncio.timeout(settings.timeout):
            pinned = await netguard.pin(target, allow_private=settings.allow_private_addresses)
            if isinstance(pinned, Refusal):
                return _Failure(
                    pinned.reason, unreachable=pinned.connection, refused=not pinned.connection
                )
            extensions: dict[str, object] = {"timeout": httpx.Timeout(settings.timeout).as_dict()}
            if pinned.sni_hostname:
                extensions["sni_hostname"] = pinned.sni_hostname
            headers = {"Host": pinned.host_header, "User-Agent": USER_AGENT}
            request = httpx.Request(method, pinned.url, headers=headers, extensions=extensions)
            response = await transport.handle_async_request(request)
            connected = True
            try:
                status = response.status_code
                if settings.read_bodies and 200 <= status < 300:
                    body = await _read_capped(response, settings.body_cap)
                elif settings.read_bodies and status in _WALL_STATUSES:
                    body = await _read_capped(response, min(settings.body_cap, _WALL_CAP))
                else:
                    body = None
                answer = response.headers
                return _Answer(
                    status,
                    answer.get("location"),
                    answer.get("retry-after"),
                    answer.get("content-type"),
                    answer.get("content-length"),
                    body,
                )
            finally:
                await response.aclose()
    except TimeoutError:
        return _Failure("timed out")
    except (httpx.ConnectError, httpx.ConnectTimeout) as error:
        return _Failure(f"could not connect ({type(error).__name__})", unreachable=not connected)
    except httpx.TimeoutException:
        return _Failure("timed out")
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as error:
        return _Failure(type(error).__name__)


def _redirect_target(current: str, location: str, seen: set[str], hops: int) -> httpx.URL | Refusal:
    """Where a redirect leads, if the checker may go there and record it."""
    try:
        joined = urljoin(current, location)
    except ValueError:
        return Refusal("redirect to an invalid URL")
    target = netguard.parse_target(joined)
    if isinstance(target, Refusal):
        return Refusal(f"redirect to an unusable URL: {target.reason}")
    if str(target) in seen:
        return Refusal("redirect loop")
    if hops >= MAX_REDIRECTS:
        return Refusal(f"more than {MAX_REDIRECTS} redirects")
    if _recordable(str(target)) is None:
        return Refusal("redirect to a URL that cannot be recorded")
    return target


def _recordable(url: str) -> str | None:
    """``url`` if it may be written as a ``final_url`` (the rules of a contributor's URL)."""
    if len(url) > _MAX_URL or urls.shape_problem(url) is not None:
        return None
    return url


def _retry_after(header: str | None, attempt: int) -> float:
    try:
        seconds = float(header) if header is not None else 2.0**attempt
    except ValueError:
        seconds = 2.0**attempt
    if not math.isfinite(seconds):
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
    url: str, final: str | None, status: int, stamp: str, answer: _Answer, cap: int
) -> Outcome:
    read = answer.body
    body = read if isinstance(read, bytes) else None
    success = 200 <= status < 300
    kind: OutcomeKind = "no-answer" if status >= 500 else "answer"
    content_type = media_type(answer.content_type)
    verdict = _verdict(status, final is not None)
    reading = None
    if body is not None:
        reading = page.read(body, content_type, status=status, url=url, final_url=final)
    if reading is not None and reading.wall is not None:
        verdict, kind = reading.wall, "answer"  # a challenge served as 503 is an answer too
    if not success:
        body = None  # read only for its signatures: no size or hash of an error page
    return Outcome(
        url=url,
        status=status,
        checked_at=stamp,
        verdict=verdict,
        final_url=final,
        bytes=len(body) if body is not None else _length(answer.content_length),
        content_type=content_type,
        content_sha256=hashlib.sha256(body).hexdigest() if body is not None else None,
        detail=f"body larger than {cap:,} bytes" if isinstance(read, _OverCap) else None,
        kind=kind,
        reading=reading,
    )


def media_type(header: str | None) -> str | None:
    """The media type of a ``Content-Type`` header, lower-cased, or None unless it is a
    plain ``type/subtype`` of token characters (RFC 9110): never header text as such."""
    if header is None:
        return None
    value = header.split(";", 1)[0].strip().lower()
    return value if len(value) <= _MAX_MEDIA_TYPE and _MEDIA_TYPE.fullmatch(value) else None


def _length(header: str | None) -> int | None:
    if header is None or not _DIGITS.match(header.strip()):
        return None
    return int(header.strip())


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


def _checked_at(fetch: object) -> dt.datetime | None:
    if not isinstance(fetch, dict) or not isinstance(fetch.get("checked_at"), str):
        return None
    return _time(fetch["checked_at"])


def _time(text: object) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def merged_fetch(old: object, outcome: Outcome, now: dt.datetime) -> dict[str, object]:
    """The fetch block after ``outcome``: an answer replaces what was known; a failure
    with no answer keeps the last answer and counts itself beside it, and declares the
    link dead only when failures persist (:data:`DEAD_AFTER_FAILURES`, :data:`DEAD_AFTER`)."""
    if outcome.kind == "answer":
        return _with_content(outcome.fetch_block(), old, outcome)
    if isinstance(old, dict) and _is_answer_block(old):
        block = {k: v for k, v in old.items() if k in FETCH_FIELDS and k not in _FAILURE_FIELDS}
        failures = min(_failures(old) + 1, _MAX_FAILURES)
        since = old.get("failing_since") if _failures(old) else None
        if _time(since) is None:
            since = outcome.checked_at
    else:
        block, failures, since = outcome.fetch_block(), 1, outcome.checked_at
    block["failures"] = failures
    block["failing_since"] = since
    started = _time(since)
    if failures >= DEAD_AFTER_FAILURES and started is not None and now - started >= DEAD_AFTER:
        block["verdict"] = "dead"
    return block


def _with_content(block: dict[str, object], old: object, outcome: Outcome) -> dict[str, object]:
    """``block`` with the content fields: read from this answer when it is a good one with
    a text (then compared with the previous and the first text), else kept from the last
    good answer; the archived copy is always kept."""
    known = old if isinstance(old, dict) else {}
    reading = outcome.reading
    previous = _fingerprint(known.get("fingerprint"))
    fresh = reading is not None and outcome.verdict in _GOOD
    if reading is not None and fresh and (reading.fingerprint or previous is None):
        block.update(reading.fields())
        current = reading.fingerprint
        first = _fingerprint(known.get("first_fingerprint")) or previous
        if current is not None and first is not None:
            if first != current:
                block["first_fingerprint"] = first
            scores = [fingerprint.similarity(seen, current) for seen in (previous, first) if seen]
            if min(scores) < fingerprint.DRIFT_BELOW:
                block["similarity"] = min(scores)
    else:
        block.update({name: known[name] for name in _CONTENT_FIELDS if name in known})
    block.update({name: known[name] for name in _ARCHIVE_FIELDS if name in known})
    return block


def _fingerprint(value: object) -> str | None:
    return value if isinstance(value, str) and _FINGERPRINT.fullmatch(value) else None


def _is_answer_block(old: Mapping[object, object]) -> bool:
    status, checked = old.get("status"), old.get("checked_at")
    return type(status) is int and _time(checked) is not None


def _failures(old: Mapping[Any, object]) -> int:
    count = old.get("failures")
    return count if type(count) is int and 0 < count <= _MAX_FAILURES else 0


Blocks = list[tuple[dict[str, object], dict[str, object]]]  # (before, after) per file written


def _write_all(
    root: Path, paths: Sequence[str], outcome: Outcome, now: dt.datetime, report: LinkReport
) -> Blocks:
    """Write each file's fetch block; the blocks before and after, of the files written."""
    written: Blocks = []

    def merge(old: object) -> dict[str, object]:
        block = merged_fetch(old, outcome, now)
        written.append((old if isinstance(old, dict) else {}, block))
        return block

    for path in paths:
        if problem := _write_fetch(root, path, merge, now):
            report.unwritten[path] = problem
            written.pop()
    return written


def _write_fetch(
    root: Path,
    relative: str,
    merge: Callable[[object], dict[str, object] | None],
    now: dt.datetime,
) -> str | None:
    """Set the file's fetch block (``merge`` of the old one; None leaves the file alone)
    and nothing else; keep its comments; write atomically, and only if the new text passes
    every check the old one passed. Returns why a file was left alone, or None."""
    path = root / relative
    text = path.read_text(encoding="utf-8")
    parsed = read_document(text.encode())
    if not isinstance(parsed, Document) or not isinstance(parsed.data, dict):
        return None  # it changed under us; the next run will see it
    before = _errors(relative, parsed, now)
    block = merge(parsed.data.get("fetch"))
    if block is None:
        return None
    parsed.data["fetch"] = block
    shard = f"{RESOURCES_DIR}/{path.parent.name}/{path.name}"
    new = render(parsed.data, order_for(shard), extract_comments(parsed.root, text))
    if new == text:
        return None
    reparsed = read_document(new.encode())
    added = _errors(relative, reparsed, now) - before if isinstance(reparsed, Document) else {""}
    if added:
        return (
            "not written: the result would not pass validation ("
            + "; ".join(sorted(added))[:300]
            + ")"
        )
    atomic_write(path, new.encode(), durable=False)  # thousands of files: no fsync each
    return None


def _errors(path: str, document: Document, now: dt.datetime) -> set[str]:
    result = check_resource(path, document, now.date())
    return {
        f"{finding.code} {finding.message}"
        for finding in result.findings
        if finding.severity is Severity.ERROR
    }


# requests in flight at once to the archive services: they are shared by everyone
ARCHIVE_CONCURRENCY: Final = 2


async def _look_up_archives(
    transport: Any,
    root: Path,
    services: archive.Services,
    wanted: Mapping[str, _Wanted],
    report: LinkReport,
    now: Callable[[], dt.datetime],
) -> None:
    """Find (or with ``save``, make) an archived copy of each wanted URL and write it into
    its files' fetch blocks. A failed lookup changes nothing."""
    gate = asyncio.Semaphore(ARCHIVE_CONCURRENCY)

    async def one(url: str, want: _Wanted) -> None:
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
            if problem := _write_fetch(root, path, _adding_capture(found), now()):
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
