"""HTTP for the metadata sources: every hop checked and pinned by :mod:`netguard`,
limits per host (requests in flight, and a minimum interval between the end of one
answer and the start of the next request, as arXiv asks), ``Retry-After`` honoured, one
deadline and a size cap per request, and a cache outside the work tree (:mod:`.httpcache`)
so that a rerun asks nothing twice.

Nothing here raises for a bad server: every request ends in an :class:`Answer` or a
:class:`Failure`, data the caller turns into a finding.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from resource_registry.net import guard as netguard
from resource_registry.net.guard import Refusal
from resource_registry.sources.httpcache import Cache, request_key
from resource_registry.sources.httpheaders import (
    decompressed,
    media_type_and_charset,
    redirect_target,
    retry_after_seconds,
)

if TYPE_CHECKING:
    import httpx

USER_AGENT: Final = "resource-registry-metadata/0.1 (+https://github.com/resource-registry)"
BODY_CAP: Final = 10 * 1024 * 1024
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
_CACHED_STATUSES: Final = frozenset({200, 404, 410})  # definitive answers only


@dataclass(frozen=True, slots=True)
class Answer:
    """A server's final answer to one request (after redirects)."""

    url: str
    final_url: str
    status: int
    content_type: str | None  # the media type, lower case
    charset: str | None
    body: bytes
    hops: tuple[str, ...] = ()  # every URL followed, the first one included
    cached: bool = False

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class Failure:
    """No answer: refused by the address rule, unreachable, timed out, too large."""

    url: str
    reason: str
    unreachable: bool = False


@dataclass(frozen=True, slots=True)
class HostPolicy:
    """How one host is asked: requests in flight at once, and seconds from one request
    (its start, and the end of its answer) to the start of the next."""

    concurrency: int = 2
    interval: float = 0.0


@dataclass(slots=True)
class _Host:
    semaphore: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0


class Client:
    """Requests for the metadata sources; counts what it sent, by host."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        cache: Cache | None = None,
        timeout: float = 20.0,
        body_cap: int = BODY_CAP,
        retries: int = 2,
        policies: Mapping[str, HostPolicy] | None = None,
        default_policy: HostPolicy | None = None,
        in_flight: int = 16,
    ) -> None:
        self.allow_private = allow_private
        self.cache = cache
        self.timeout = timeout
        self.body_cap = body_cap
        self.retries = retries
        self.policies = dict(policies or {})
        self.default_policy = default_policy or HostPolicy()
        self.sent: Counter[str] = Counter()  # requests that went to the network, by host
        self.from_cache = 0
        self._hosts: dict[str, _Host] = {}
        self._overall = asyncio.Semaphore(in_flight)  # requests in flight, over all hosts
        self._transport: Any = None

    async def __aenter__(self) -> Client:
        import httpx  # noqa: PLC0415 - reason: only network commands need an HTTP client

        # A transport, not a client: no proxy from the environment, no cookies, and no
        # redirect handling but ours (each hop is checked by netguard before it is asked).
        self._transport = httpx.AsyncHTTPTransport()
        await self._transport.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._transport.__aexit__(*exc)

    def policy(self, host: str) -> HostPolicy:
        return self.policies.get(host, self.default_policy)

    def _host(self, host: str) -> _Host:
        if host not in self._hosts:
            self._hosts[host] = _Host(asyncio.Semaphore(self.policy(host).concurrency))
        return self._hosts[host]

    async def get(self, url: str, *, accept: str | None = None) -> Answer | Failure:
        headers = {"Accept": accept} if accept else {}
        return await self.request("GET", url, headers=headers)

    async def post_json(
        self, url: str, payload: object, *, headers: Mapping[str, str] | None = None
    ) -> Answer | Failure:
        body = json.dumps(payload).encode()
        sent = {"Content-Type": "application/json", "Accept": "application/json"}
        return await self.request("POST", url, headers={**sent, **(headers or {})}, body=body)

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        cache_headers: Mapping[str, str] | None = None,
    ) -> Answer | Failure:
        """One request, its redirects followed hop by hop, from the cache when it holds
        a definitive answer. ``cache_headers`` (default: ``headers``) are what the
        cache key is made of; secrets such as API keys stay out of it."""
        headers = dict(headers or {})
        key = request_key(method, url, cache_headers or headers, body)
        if self.cache is not None and (hit := self._cached(url, key)) is not None:
            self.from_cache += 1
            return hit
        answer = await self._follow(method, url, headers, body)
        cacheable = isinstance(answer, Answer) and answer.status in _CACHED_STATUSES
        if self.cache is not None and isinstance(answer, Answer) and cacheable:
            meta = {
                "url": answer.url,
                "final_url": answer.final_url,
                "status": answer.status,
                "content_type": answer.content_type,
                "charset": answer.charset,
                "hops": list(answer.hops),
            }
            self.cache.put(key, meta, answer.body)
        return answer

    def _cached(self, url: str, key: str) -> Answer | None:
        assert self.cache is not None
        found = self.cache.get(key)
        if found is None:
            return None
        meta, body = found
        status, final = meta.get("status"), meta.get("final_url")
        hops = meta.get("hops")
        if type(status) is not int or not isinstance(final, str) or not isinstance(hops, list):
            return None
        kind, charset = meta.get("content_type"), meta.get("charset")
        return Answer(
            url=url,
            final_url=final,
            status=status,
            content_type=kind if isinstance(kind, str) else None,
            charset=charset if isinstance(charset, str) else None,
            body=body,
            hops=tuple(str(hop) for hop in hops),
            cached=True,
        )

    async def _follow(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> Answer | Failure:
        target = netguard.parse_target(url)
        if isinstance(target, Refusal):
            return Failure(url, target.reason)
        hops = [str(target)]
        attempt = 0
        while True:
            answer = await self._once(method, target, headers, body)
            if isinstance(answer, Failure):
                return Failure(url, answer.reason, answer.unreachable)
            status, location, retry_after, kind, charset, content = answer
            if status in _REDIRECTS and location is not None:
                following = redirect_target(str(target), location, hops)
                if isinstance(following, Refusal):
                    return Failure(url, following.reason)
                if status == 303 or (status in (301, 302) and method == "POST"):
                    method, body = "GET", None
                target = following
                hops.append(str(target))
                continue
            if status in (429, 503) and attempt < self.retries:
                attempt += 1
                await self._back_off(target.host, retry_after, attempt)
                continue
            return Answer(url, str(target), status, kind, charset, content, tuple(hops))

    async def _back_off(self, host: str, header: str | None, attempt: int) -> None:
        """Wait as the server asked, and hold every other request to that host as long."""
        seconds = retry_after_seconds(header, attempt)
        slot = self._host(host)
        slot.next_start = max(slot.next_start, time.monotonic() + seconds)
        await asyncio.sleep(seconds)

    async def _once(
        self, method: str, target: httpx.URL, headers: Mapping[str, str], body: bytes | None
    ) -> tuple[int, str | None, str | None, str | None, str | None, bytes] | Failure:

        host = target.host
        slot = self._host(host)
        async with slot.semaphore, self._overall:
            async with slot.lock:
                wait = slot.next_start - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                slot.next_start = time.monotonic() + self.policy(host).interval
            self.sent[host] += 1
            try:
                return await self._deadline(method, target, headers, body)
            finally:
                # counted from the end of the answer too, so that the server sees the
                # interval between one answer and the next request's arrival
                after = time.monotonic() + self.policy(host).interval
                slot.next_start = max(slot.next_start, after)

    async def _deadline(
        self, method: str, target: httpx.URL, headers: Mapping[str, str], body: bytes | None
    ) -> tuple[int, str | None, str | None, str | None, str | None, bytes] | Failure:
        import httpx  # noqa: PLC0415 - reason: as above

        try:
            async with asyncio.timeout(self.timeout):
                return await self._send(method, target, headers, body)
        except TimeoutError:
            return Failure(str(target), "timed out")
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            return Failure(str(target), f"could not connect ({type(error).__name__})", True)
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as error:
            return Failure(str(target), type(error).__name__)

    async def _send(
        self, method: str, target: httpx.URL, headers: Mapping[str, str], body: bytes | None
    ) -> tuple[int, str | None, str | None, str | None, str | None, bytes] | Failure:
        import httpx  # noqa: PLC0415 - reason: as above

        pinned = await netguard.pin(target, allow_private=self.allow_private)
        if isinstance(pinned, Refusal):
            return Failure(str(target), pinned.reason, pinned.connection)
        extensions: dict[str, object] = {"timeout": httpx.Timeout(self.timeout).as_dict()}
        if pinned.sni_hostname:
            extensions["sni_hostname"] = pinned.sni_hostname
        sent = {"Host": pinned.host_header, "User-Agent": USER_AGENT, **headers}
        if body is not None:
            sent["Content-Length"] = str(len(body))
        request = httpx.Request(
            method, pinned.url, headers=sent, content=body, extensions=extensions
        )
        response = await self._transport.handle_async_request(request)
        try:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if size > self.body_cap:
                    return Failure(str(target), f"body larger than {self.body_cap:,} bytes")
                chunks.append(chunk)
            raw = b"".join(chunks)
            content = decompressed(raw, response.headers.get("content-encoding"), self.body_cap)
            if content is None:
                return Failure(str(target), "body could not be decompressed within the cap")
            kind, charset = media_type_and_charset(response.headers.get("content-type"))
            return (
                response.status_code,
                response.headers.get("location"),
                response.headers.get("retry-after"),
                kind,
                charset,
                content,
            )
        finally:
            await response.aclose()
