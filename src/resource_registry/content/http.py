"""Requests to archive services, through :mod:`resource_registry.net.guard`: every hop's
address checked and pinned, one deadline for the whole request, bodies read up to a cap,
no proxy, no cookies."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urljoin

from resource_registry.net import guard as netguard
from resource_registry.net.guard import Refusal

MAX_REDIRECTS: Final = 5
_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: Mapping[str, str]  # names in lower case; a repeated header joined with ", "
    body: bytes
    url: str  # the URL that answered


@dataclass(frozen=True, slots=True)
class Failed:
    reason: str


async def request(
    transport: Any,
    method: str,
    url: str,
    *,
    allow_private: bool,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    form: Mapping[str, str] | None = None,
    follow: bool = True,
    cap: int = 1024 * 1024,
) -> Reply | Failed:
    """One request (GET redirects followed when ``follow``), or why it failed."""
    try:
        async with asyncio.timeout(timeout):
            return await _request(
                transport, method, url, allow_private, timeout, headers or {}, form, follow, cap
            )
    except TimeoutError:
        return Failed("timed out")


async def _request(
    transport: Any,
    method: str,
    url: str,
    allow_private: bool,
    timeout: float,
    headers: Mapping[str, str],
    form: Mapping[str, str] | None,
    follow: bool,
    cap: int,
) -> Reply | Failed:
    import httpx  # noqa: PLC0415 - reason: only network commands need an HTTP client

    current = url
    for _ in range(MAX_REDIRECTS + 1):
        target = netguard.parse_target(current)
        if isinstance(target, Refusal):
            return Failed(target.reason)
        pinned = await netguard.pin(target, allow_private=allow_private)
        if isinstance(pinned, Refusal):
            return Failed(pinned.reason)
        extensions: dict[str, object] = {"timeout": httpx.Timeout(timeout).as_dict()}
        if pinned.sni_hostname:
            extensions["sni_hostname"] = pinned.sni_hostname
        sent = {**headers, "Host": pinned.host_header}
        content = None
        if form is not None:
            content = str(httpx.QueryParams(form)).encode("ascii")
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        built = httpx.Request(
            method, pinned.url, headers=sent, content=content, extensions=extensions
        )
        try:
            response = await transport.handle_async_request(built)
            try:
                body = await _read(response, cap)
                found = {name.lower(): value for name, value in response.headers.multi_items()}
                joined = {name: ", ".join(response.headers.get_list(name)) for name in found}
                status = response.status_code
            finally:
                await response.aclose()
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, OSError) as error:
            return Failed(f"{type(error).__name__}")
        if body is None:
            return Failed(f"answer larger than {cap:,} bytes")
        location = joined.get("location")
        if follow and method == "GET" and status in _REDIRECTS and location:
            try:
                current = urljoin(current, location)
            except ValueError:
                return Failed("redirect to an invalid URL")
            continue
        return Reply(status, joined, body, current)
    return Failed(f"more than {MAX_REDIRECTS} redirects")


async def _read(response: Any, cap: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
