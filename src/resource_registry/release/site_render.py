"""The site's templates: the Jinja environment and its filters, and what every page is
rendered with besides its own records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

import jinja2

from resource_registry.release.site_safety import printable, web_url

SITE_NAME: Final = "Resource Registry"

Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Shared:
    """What every page needs to know besides its own record (sent to each worker once)."""

    publications: Mapping[str, Record]
    pages: Mapping[str, Record]
    tag_names: Mapping[str, str]
    version: str
    commit: str
    dirty: bool  # built from changes that are in no commit
    repository: str = ""  # [site] repository: the "edit" and "report a problem" links
    branch: str = "main"


def page_info(pages: Mapping[str, Record], page_id: str) -> Record:
    return pages.get(page_id) or {"id": page_id, "title": page_id}


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("resource_registry", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["filesize"] = _file_size
    environment.filters["web_url"] = web_url
    environment.filters["printable"] = printable
    environment.filters["day"] = day
    environment.filters["fetch_state"] = fetch_state
    return environment


def template(name: str) -> jinja2.Template:
    return _environment().get_template(name)


def common(shared: Shared, *, base: str) -> dict[str, str | bool]:
    return {
        "site_name": SITE_NAME,
        "base": base,
        "version": shared.version,
        "commit": shared.commit,
        "dirty": shared.dirty,
    }


def day(timestamp: object) -> str:
    """``2026-04-07T00:00:00Z`` as ``Apr 7, 2026``; anything else as it is."""
    try:
        moment = dt.datetime.strptime(str(timestamp)[:10], "%Y-%m-%d")
    except ValueError:
        return printable(timestamp)
    return f"{moment:%b} {moment.day}, {moment.year}"


_STATES: Final = {
    "dead": "The source is gone.",
    "soft-404": "The source answers with a “not found” page.",
    "login-wall": "The source now asks readers to log in.",
    "bot-wall": "The source answered with a bot challenge; its text could not be read.",
}


def fetch_state(fetch: Mapping[str, Any]) -> str | None:
    """What a reader should know before following the link: gone, walled or changed."""
    verdict = fetch.get("verdict")
    if verdict in _STATES:
        return _STATES[str(verdict)]
    if isinstance(fetch.get("failures"), int) and fetch.get("failing_since"):
        return f"The source has not answered since {day(fetch['failing_since'])}."
    similarity = fetch.get("similarity")
    if isinstance(similarity, int | float) and not isinstance(similarity, bool):
        return (
            "The source's text has changed since it was recorded: it is "
            f"{round(similarity * 100)}% similar to the text seen before."
        )
    return None


def _file_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
