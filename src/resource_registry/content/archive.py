"""Archived copies: the Wayback Machine's availability API, a Memento TimeGate (RFC 7089)
and, on request, Save Page Now.

- Availability: ``GET {wayback}?url=URL&timestamp=YYYYMMDDhhmmss`` answers
  ``{"archived_snapshots": {"closest": {"available": true, "url": ..., "timestamp": ...,
  "status": "200"}}}``, or ``{"archived_snapshots": {}}`` when there is no capture.
- TimeGate: ``GET {memento}/URL`` with ``Accept-Datetime``; the answer redirects to the
  memento closest to that time (its time in the ``Link`` header's ``rel="memento"``
  entry, or in ``Memento-Datetime``).
- Save Page Now: ``POST {savepagenow}`` with ``url=URL`` and ``Authorization: LOW
  access:secret`` answers a ``job_id``; ``GET {savepagenow}/status/{job_id}`` says
  ``pending``, ``success`` (with ``timestamp`` and ``original_url``) or ``error``.

What the services answer is untrusted: a capture is kept only when its URL could be
written by a contributor and its time is a real time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import json
import re
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, urljoin, urlsplit

from resource_registry.base import safetext
from resource_registry.content.http import Failed, Reply, request
from resource_registry.record import urls

__all__ = [
    "Capture",
    "Credentials",
    "Failed",
    "Services",
    "closest",
    "credentials_from",
    "find",
    "save",
    "timegate",
]

MAX_ARCHIVE_URL: Final = 4096
CREDENTIALS_ENV: Final = ("RESREG_ARCHIVE_ACCESS_KEY", "RESREG_ARCHIVE_SECRET_KEY")
_WAYBACK_TIME: Final = re.compile(r"[0-9]{14}\Z")
_WAYBACK_PATH: Final = re.compile(r"/web/([0-9]{14})(?:[a-z_]{2,4})?/")
_LINK: Final = re.compile(r'<([^>]*)>\s*((?:;\s*[\w*-]+\s*=\s*(?:"[^"]*"|[^;,\s]+)\s*)*)')


@dataclass(frozen=True, slots=True)
class Capture:
    url: str
    at: str  # RFC 3339, UTC


@dataclass(frozen=True, slots=True)
class Credentials:
    access: str
    secret: str

    def __repr__(self) -> str:  # never shown, even in a traceback
        return "Credentials(<hidden>)"


@dataclass(frozen=True, slots=True)
class Services:
    wayback: str
    memento: str  # "" when none is configured
    savepagenow: str
    allow_private: bool
    timeout: float
    credentials: Credentials | None = None
    save_polls: int = 6
    save_poll_interval: float = 5.0


def credentials_from(environment: dict[str, str]) -> Credentials | None:
    access, secret = (environment.get(name, "") for name in CREDENTIALS_ENV)
    return Credentials(access, secret) if access and secret else None


async def find(
    transport: Any, services: Services, url: str, when: str | None
) -> Capture | Failed | None:
    """The capture closest to ``when`` (RFC 3339; None: the latest), from the Wayback
    Machine, else from the TimeGate when one is configured."""
    found = await closest(transport, services, url, when)
    if found is None and services.memento:
        return await timegate(transport, services, url, when)
    return found


async def closest(
    transport: Any, services: Services, url: str, when: str | None
) -> Capture | Failed | None:
    query = f"url={quote(url, safe='')}"
    if when is not None and (stamp := _wayback_stamp(when)):
        query += f"&timestamp={stamp}"
    separator = "&" if "?" in services.wayback else "?"
    reply = await _get(transport, services, f"{services.wayback}{separator}{query}")
    if isinstance(reply, Failed):
        return reply
    if reply.status != 200:
        return Failed(f"the availability API answered {reply.status}")
    try:
        document = json.loads(reply.body)
    except (ValueError, RecursionError):
        return Failed("the availability API's answer is not JSON")
    snapshot = _dig(document, "archived_snapshots", "closest")
    if not isinstance(snapshot, dict) or snapshot.get("available") is not True:
        return None
    if not str(snapshot.get("status", "200")).startswith(("2", "3")):
        return None  # a capture of an error page is no copy of the resource
    return _capture(snapshot.get("url"), _from_wayback_stamp(snapshot.get("timestamp")))


async def timegate(
    transport: Any, services: Services, url: str, when: str | None
) -> Capture | Failed | None:
    moment = _time(when) or dt.datetime.now(dt.UTC)
    gate = f"{services.memento.rstrip('/')}/{url}"
    headers = {"Accept-Datetime": email.utils.format_datetime(moment, usegmt=True)}
    reply = await _get(transport, services, gate, headers=headers, follow=False)
    if isinstance(reply, Failed):
        return reply
    if reply.status in (302, 303, 307) and (location := reply.headers.get("location")):
        try:
            memento = urljoin(gate, location)
        except ValueError:
            return Failed("the TimeGate redirected to an invalid URL")
    elif 200 <= reply.status < 300 and "memento-datetime" in reply.headers:
        memento = reply.headers.get("content-location") or reply.url
    elif reply.status in (404, 410):
        return None
    else:
        return Failed(f"the TimeGate answered {reply.status}")
    return _capture(memento, _memento_time(reply, memento))


async def save(transport: Any, services: Services, url: str) -> Capture | Failed | None:
    """Ask Save Page Now for a capture and wait (a bounded number of polls) for it."""
    credentials = services.credentials
    if credentials is None:
        return Failed("no Save Page Now credentials in the environment")
    headers = {
        "Accept": "application/json",
        "Authorization": f"LOW {credentials.access}:{credentials.secret}",
    }
    reply = await request(
        transport,
        "POST",
        services.savepagenow,
        allow_private=services.allow_private,
        timeout=services.timeout,
        headers=headers,
        form={"url": url},
        follow=False,
    )
    if isinstance(reply, Failed):
        return reply
    job = _dig(_json(reply), "job_id")
    if reply.status != 200 or not isinstance(job, str) or not re.fullmatch(r"[\w.-]{1,200}", job):
        return Failed(f"Save Page Now answered {reply.status} without a job")
    for _ in range(services.save_polls):
        await asyncio.sleep(services.save_poll_interval)
        status = await _get(  # not followed: the credentials go to the endpoint only
            transport,
            services,
            f"{services.savepagenow.rstrip('/')}/status/{job}",
            headers,
            follow=False,
        )
        if isinstance(status, Failed):
            return status
        document = _json(status)
        state = _dig(document, "status")
        if state == "success":
            original = _dig(document, "original_url")
            stamp = _dig(document, "timestamp")
            origin = urlsplit(services.savepagenow)
            if not isinstance(original, str) or not isinstance(stamp, str):
                return Failed("Save Page Now's answer names no capture")
            capture = f"{origin.scheme}://{origin.netloc}/web/{stamp}/{original}"
            return _capture(capture, _from_wayback_stamp(stamp))
        if state != "pending":
            return Failed("Save Page Now could not capture it")
    return None  # still pending: a later run finds the capture through the availability API


async def _get(
    transport: Any,
    services: Services,
    url: str,
    headers: dict[str, str] | None = None,
    *,
    follow: bool = True,
) -> Reply | Failed:
    return await request(
        transport,
        "GET",
        url,
        allow_private=services.allow_private,
        timeout=services.timeout,
        headers=headers,
        follow=follow,
    )


def _json(reply: Reply) -> object:
    try:
        return json.loads(reply.body)
    except (ValueError, RecursionError):
        return None


def _dig(document: object, *keys: str) -> object:
    for key in keys:
        if not isinstance(document, dict):
            return None
        document = document.get(key)
    return document


def _capture(url: object, at: str | None) -> Capture | Failed | None:
    if not isinstance(url, str) or at is None:
        return Failed("the archive's answer names no usable capture")
    if (
        len(url) > MAX_ARCHIVE_URL
        or urls.shape_problem(url) is not None
        or any(char.isspace() for char in url)
        or safetext.refused_character(url) is not None
    ):
        return Failed("the archive's capture URL cannot be recorded")
    return Capture(url, at)


def _wayback_stamp(when: str) -> str | None:
    moment = _time(when)
    return moment.strftime("%Y%m%d%H%M%S") if moment else None


def _from_wayback_stamp(stamp: object) -> str | None:
    if not isinstance(stamp, str) or not _WAYBACK_TIME.match(stamp):
        return None
    try:
        moment = dt.datetime.strptime(stamp, "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _memento_time(reply: Reply, memento: str) -> str | None:
    """The memento's time: its ``Link`` entry, ``Memento-Datetime``, or a Wayback-style
    ``/web/YYYYMMDDhhmmss/`` in its URL."""
    for target, parameters in _LINK.findall(reply.headers.get("link", "")):
        if target == memento and "memento" in _relations(parameters):
            found = re.search(r'datetime\s*=\s*"([^"]+)"', parameters)
            if found and (moment := _http_date(found.group(1))):
                return moment
    if moment := _http_date(reply.headers.get("memento-datetime", "")):
        return moment
    found = _WAYBACK_PATH.search(urlsplit(memento).path + "/")
    return _from_wayback_stamp(found.group(1)) if found else None


def _relations(parameters: str) -> set[str]:
    found = re.search(r'rel\s*=\s*"([^"]*)"', parameters)
    return set(found.group(1).split()) if found else set()


def _http_date(text: str) -> str | None:
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
