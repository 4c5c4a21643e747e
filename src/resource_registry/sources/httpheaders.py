"""What the HTTP client reads from an answer's headers: Content-Encoding, Content-Type,
Location (a redirect's target, checked) and Retry-After; and a URL's host."""

from __future__ import annotations

import math
import re
import time
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from resource_registry.net import guard as netguard
from resource_registry.net.guard import Refusal
from resource_registry.record.constraints import MEDIA_TYPE_PATTERN

if TYPE_CHECKING:
    import httpx

MAX_REDIRECTS: Final = 5
MAX_RETRY_AFTER: Final = 120.0
MEDIA_TYPE: Final = re.compile(MEDIA_TYPE_PATTERN)


def decompressed(raw: bytes, encoding: str | None, cap: int) -> bytes | None:
    """The body without its transfer compression (gzip, deflate), within ``cap``."""
    import zlib  # noqa: PLC0415 - reason: rarely needed

    name = (encoding or "").strip().lower()
    if name in ("", "identity"):
        return raw
    if name not in ("gzip", "deflate", "x-gzip"):
        return raw
    try:
        inflater = zlib.decompressobj(wbits=47)  # gzip or zlib header, detected
        out = inflater.decompress(raw, cap + 1)
    except zlib.error:
        return None
    return out if len(out) <= cap else None


def media_type(header: str | None) -> str | None:
    """The media type of a ``Content-Type`` header, lower-cased, or None unless it is a
    plain ``type/subtype`` of token characters: never header text as such."""
    if header is None:
        return None
    value = header.split(";", 1)[0].strip().lower()
    return value if len(value) <= 200 and MEDIA_TYPE.fullmatch(value) else None


def media_type_and_charset(header: str | None) -> tuple[str | None, str | None]:
    """The media type (see :func:`media_type`) and the charset of a ``Content-Type``."""
    if header is None:
        return None, None
    charset = None
    for parameter in header.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()[:40] or None
    return media_type(header), charset


def redirect_target(current: str, location: str, hops: list[str]) -> httpx.URL | Refusal:
    """Where a ``Location`` leads from ``current`` (``hops``: the URLs asked so far)."""
    return netguard.redirect_target(current, location, hops, len(hops) - 1, MAX_REDIRECTS)


def retry_after_seconds(header: str | None, attempt: int) -> float:
    """Seconds a ``Retry-After`` header asks for (a number of seconds or an HTTP date),
    within :data:`MAX_RETRY_AFTER`; a growing wait when it says nothing usable."""
    import email.utils  # noqa: PLC0415 - reason: rarely needed

    fallback = 2.0**attempt
    if header is None:
        return fallback
    text = header.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return fallback
        if when.tzinfo is None:
            return fallback
        seconds = when.timestamp() - time.time()
    if not math.isfinite(seconds):
        return fallback
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""
