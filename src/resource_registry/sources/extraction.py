"""Author, date and title from the page's main text, for pages whose tags are silent:
trafilatura for the author and title, htmldate for the date (the maintained libraries
for this; htmldate scores about 0.9 on its own evaluation set)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import warnings
from collections.abc import Sequence
from typing import Final

from resource_registry.sources.base import Claims
from resource_registry.sources.http import Answer
from resource_registry.sources.pagetags import decode, is_html, without_site_name

MAX_EXTRACTION_CHARS: Final = 2_000_000
_AUTHOR_SPLIT: Final = re.compile(r"\s*(?:;|\||\band\b|&)\s*")


class MainText:
    name = "main-text"
    fields: Final = frozenset({"title", "authors", "published_date"})

    def __init__(self, today: dt.date | None = None) -> None:
        self.today = today

    def read(self, page: Answer) -> Sequence[Claims]:
        if not is_html(page):
            return []
        text = decode(page)[:MAX_EXTRACTION_CHARS]
        with warnings.catch_warnings(), _quiet():
            warnings.simplefilter("ignore")
            return [*_trafilatura(text, page.final_url), *_htmldate(text, page.final_url)]


class _quiet:
    """The libraries log what they could not find; that is not ours to print."""

    names: Final = ("trafilatura", "htmldate", "courlan", "charset_normalizer", "justext")

    def __enter__(self) -> None:
        self.levels = [logging.getLogger(name).level for name in self.names]
        for name in self.names:
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)

    def __exit__(self, *exc: object) -> None:
        for name, level in zip(self.names, self.levels, strict=True):
            logging.getLogger(name).setLevel(level)


def _trafilatura(text: str, url: str) -> list[Claims]:
    from trafilatura.metadata import extract_metadata  # noqa: PLC0415 - reason: heavy

    found = extract_metadata(text, default_url=url, extensive=False)
    if found is None:
        return []
    values: dict[str, object] = {}
    if isinstance(found.author, str) and found.author.strip():
        values["authors"] = [name for name in _AUTHOR_SPLIT.split(found.author) if name]
    if isinstance(found.title, str) and found.title.strip():
        sites = [found.sitename] if isinstance(found.sitename, str) else []
        values["title"] = without_site_name(found.title, [*sites, _host(url)])
    return [Claims("trafilatura", values)] if values else []


def _htmldate(text: str, url: str) -> list[Claims]:
    from htmldate import find_date  # noqa: PLC0415 - reason: heavy

    found = find_date(text, url=url, original_date=True, extensive_search=True)
    return [Claims("htmldate", {"published_date": found})] if isinstance(found, str) else []


def _host(url: str) -> str:
    from resource_registry.sources.httpheaders import host_of  # noqa: PLC0415 - reason: small

    host = host_of(url).removeprefix("www.")
    return host.rsplit(".", 1)[0] if "." in host else host
