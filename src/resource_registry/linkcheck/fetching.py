"""One URL's check: each hop requested through ``net/guard.py``, redirects, retries and
capped bodies, and the :class:`Outcome` its final answer makes."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from resource_registry.content import page
from resource_registry.linkcheck.outcomes import Outcome, OutcomeKind
from resource_registry.linkcheck.settings import Settings
from resource_registry.net import guard as netguard
from resource_registry.net.guard import Refusal
from resource_registry.record import urls
from resource_registry.record.constraints import MEDIA_TYPE_PATTERN

if TYPE_CHECKING:
    import httpx

USER_AGENT: Final = "resource-registry-link-checker/0.1 (+https://github.com/resource-registry)"
MAX_REDIRECTS: Final = 10
MAX_RETRY_AFTER: Final = 60.0
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
_MAX_URL: Final = 2048
_MAX_MEDIA_TYPE: Final = 200
_MEDIA_TYPE: Final = re.compile(MEDIA_TYPE_PATTERN)
_DIGITS: Final = re.compile(r"[0-9]{1,15}\Z")
# answers whose body is read only for the signatures of a login page or a challenge
_WALL_STATUSES: Final = frozenset({401, 403, 429, 503})
_WALL_CAP: Final = 256 * 1024


async def check_url(
    transport: Any, url: str, settings: Settings, now: Callable[[], dt.datetime]
) -> Outcome:
    """Follow ``url`` hop by hop (each hop checked and pinned) to its final answer.

    One GET per URL when the body is wanted (the default: its size and sha256 are recorded,
    read up to a cap), streamed so that nothing past the cap is downloaded. With
    ``read_bodies=False`` (``--no-hash``) it is a status check: HEAD, falling back to GET
    only where HEAD is refused (405, 501), and no body is read."""
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
    import httpx  # noqa: PLC0415 - reason: only check-links needs an HTTP client

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
    target = netguard.redirect_target(current, location, seen, hops, MAX_REDIRECTS)
    if not isinstance(target, Refusal) and _recordable(str(target)) is None:
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
    verdict = page.status_verdict(status, final is not None)
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
