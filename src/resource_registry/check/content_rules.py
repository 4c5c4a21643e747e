"""The content rules (C codes) of a schema-valid record: URLs, dates, text, repeated items,
titles; the text fields by kind, and the character rules on every value and key."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Final

from resource_registry.base import safetext
from resource_registry.base.findings import Finding, Pointer
from resource_registry.check.file_result import Locator, ProblemStream, pointer_text, string_items
from resource_registry.record import urls

ONE_LINE_FIELDS: Final = ("title", "relevance")
MULTI_LINE_FIELDS: Final = ("summary", "review", "abstract")
ONE_LINE_LISTS: Final = ("authors",)
MULTI_LINE_LISTS: Final = ("key_points",)
# fields whose text may hold line breaks (``legacy`` is kept verbatim, as it was written)
LINE_BREAKS_ALLOWED: Final = frozenset((*MULTI_LINE_FIELDS, *MULTI_LINE_LISTS, "legacy"))
UNIQUE_LISTS: Final = ("previous_urls", "authors", "labels", "key_points", "tags", "cited_by")

_HTML_ENTITY: Final = re.compile(r"&(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]{1,31});")
_DOMAIN_ONLY: Final = re.compile(r"(?:www\.)?(?:[a-z0-9-]+\.)+[a-z]{2,}/?", re.IGNORECASE)


def value_findings(located: Locator, data: object) -> Iterator[Finding]:
    """The character rules of :mod:`resource_registry.base.safetext`, on every string and key."""
    problems = safetext.value_problems(data, multi_line=LINE_BREAKS_ALLOWED)
    for code, pointer, message, hint, on_key in problems:
        yield located.at(code, pointer, message, hint, on_key=on_key)


def content_problems(record: Mapping[str, object], today: dt.date) -> ProblemStream:
    """Every content rule on a schema-valid record, in the order they are reported."""
    yield from _url_problems(record)
    yield from _date_problems(record, today)
    yield from _text_problems(record)
    yield from _duplicate_items(record)
    yield from _title_problems(str(record["title"]))


def _url_problems(record: Mapping[str, object]) -> ProblemStream:
    located_urls: list[tuple[Pointer, str]] = [(("url",), str(record["url"]))]
    for index, url in enumerate(string_items(record.get("previous_urls"))):
        located_urls.append((("previous_urls", index), url))
    for pointer, url in located_urls:
        match urls.shape_problem(url):
            case "credentials":
                yield (
                    "C007",
                    pointer,
                    "URL contains credentials",
                    "remove the `user:password@` part",
                )
            case "not-web":
                yield ("C008", pointer, f"`{url}` is not an absolute http(s) URL with a host", None)
            case None:
                yield from _host_problems(pointer, url)


def _host_problems(pointer: Pointer, url: str) -> ProblemStream:
    match urls.host_problem(url):
        case "numeric-host":
            yield (
                "C011",
                pointer,
                "the URL's host is an IP address in a non-canonical form",
                "write the address as four decimal numbers (`127.0.0.1`), or use the host name",
            )
        case "private-host":
            yield (
                "C012",
                pointer,
                "the URL's host is not a public address",
                "cite a URL that readers can reach; `check-links` does not fetch this one",
            )


# The only finding that depends on the day of the run: a date after it. A date that is
# not in the future stays so, so other results hold on every later day (the cache
# relies on this).
IN_THE_FUTURE: Final = "C002"


def _date_problems(record: Mapping[str, object], today: dt.date) -> ProblemStream:
    if isinstance(published := record.get("published_date"), str):
        yield from date_problems(("published_date",), published, today)
    fetch = record.get("fetch")
    if isinstance(fetch, dict) and isinstance(checked := fetch.get("checked_at"), str):
        yield from _timestamp_problems(("fetch", "checked_at"), checked, today)


def _timestamp_problems(pointer: Pointer, text: str, today: dt.date) -> ProblemStream:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        yield ("C001", pointer, f"`{text}` is not a real time", None)
        return
    if moment.date() > today:
        yield _in_the_future(pointer, text, today)


def date_problems(pointer: Pointer, text: str, today: dt.date) -> ProblemStream:
    """A partial date (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) must exist and not be in the future."""
    parts = [int(part) for part in text.split("-")]
    year, month, day = [*parts, 1, 1][:3]
    try:
        dt.date(year, month, day)
    except ValueError:
        yield ("C001", pointer, f"`{text}` is not a real date", None)
        return
    if tuple(parts) > (today.year, today.month, today.day)[: len(parts)]:
        yield _in_the_future(pointer, text, today)


def _in_the_future(
    pointer: Pointer, text: str, today: dt.date
) -> tuple[str, Pointer, str, str | None]:
    return (IN_THE_FUTURE, pointer, f"`{text}` is in the future", f"today is {today.isoformat()}")


def _text_problems(record: Mapping[str, object]) -> ProblemStream:
    for field in ONE_LINE_FIELDS + MULTI_LINE_FIELDS:
        if isinstance(value := record.get(field), str):
            yield from text_problems((field,), value)
    for field in ONE_LINE_LISTS + MULTI_LINE_LISTS:
        for index, item in enumerate(string_items(record.get(field))):
            yield from text_problems((field, index), item)


def text_problems(pointer: Pointer, text: str) -> ProblemStream:
    if not text.strip():
        yield ("C003", pointer, f"`{pointer_text(pointer)}` is blank", "remove the field")
        return
    if text != text.strip():
        yield (
            "C005",
            pointer,
            f"`{pointer_text(pointer)}` has leading or trailing whitespace",
            "`resreg fmt` trims it",
        )


def _duplicate_items(record: Mapping[str, object]) -> ProblemStream:
    for field in UNIQUE_LISTS:
        items = record.get(field)
        if not isinstance(items, list) or len(items) == len(set(items)):
            continue
        seen: set[object] = set()
        for index, item in enumerate(items):
            if item in seen:
                yield (
                    "C004",
                    (field, index),
                    f"`{field}` lists `{item}` twice",
                    "`resreg fmt` removes the repeat",
                )
            seen.add(item)


def _title_problems(title: str) -> ProblemStream:
    if entity := _HTML_ENTITY.search(title):
        yield (
            "C006",
            ("title",),
            f"title contains the HTML entity `{entity.group()}`",
            f"write the character itself instead of `{entity.group()}`",
        )
    if _DOMAIN_ONLY.fullmatch(title.strip()):
        yield (
            "C010",
            ("title",),
            f"title `{title}` is only a domain name",
            "use the page's real title",
        )
