"""What a source's raw value becomes in a resource file, or why it is not used.

Every source's values pass through here, so that one set of rules stands between a
server and the registry: text is unescaped once more than it was escaped, stripped of
markup, of control, bidirectional and invisible characters, and of runs of white space;
a title longer than the schema allows is not used (a 5,000-character "title" is not a
title); dates keep their precision and must lie between 1900 and today; an author list
keeps its first :data:`MAX_AUTHORS` names and then says :data:`OTHERS`, as BibTeX's
``and others`` does.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from resource_registry.base.safetext import BIDI_CONTROLS, INVISIBLE
from resource_registry.record._derived import RESOURCE_TYPES

MAX_TITLE: Final = 500
MAX_NAME: Final = 200
MAX_AUTHORS: Final = 50
OTHERS: Final = "others"
MAX_ABSTRACT: Final = 20_000
EARLIEST_YEAR: Final = 1900
FIELDS: Final = ("title", "type", "published_date", "authors", "abstract")

_TAG: Final = re.compile(r"</?[A-Za-z][A-Za-z0-9:_-]*(?:\s[^<>]*)?/?>")
_SPACES: Final = re.compile(r"[^\S\n]+")
_SPACE_BEFORE_PUNCTUATION: Final = re.compile(r"(?<=\w) +(?=[.,;:!?)\]])")
_BLANK_LINES: Final = re.compile(r"\s*\n\s*\n\s*")
_ISO: Final = re.compile(
    r"\s*([0-9]{4})(?:[-/.]([0-9]{1,2})(?:[-/.]([0-9]{1,2}))?)?(?:(?:[T ]|\s*$).*)?\Z", re.S
)
_FORMATS: Final = (
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d %Y",
    "%b. %d, %Y",
    "%Y%m%d",
    "%B %Y",
    "%b %Y",
)


@dataclass(frozen=True, slots=True)
class Cleaned:
    """A value ready for the record (None when none is usable) and what was done."""

    value: object | None
    dropped: str | None = None  # why the source's value is not used (M005)
    cut: str | None = None  # what was left out of a value that is used (M006)


def clean(field: str, raw: object, today: dt.date) -> Cleaned:
    cleaner = _CLEANERS.get(field)
    if cleaner is None:
        return Cleaned(None, f"`{field}` is not a field a source may fill")
    return cleaner(raw, today)


def text(raw: object, *, line_breaks: bool = False) -> str | None:
    """``raw`` as clean text: entities decoded, markup and refused characters removed,
    white space collapsed (paragraph breaks kept with ``line_breaks``); None if empty."""
    if not isinstance(raw, str):
        return None
    value = raw
    for _ in range(3):  # double-escaped titles are common (`&amp;amp;`)
        decoded = html.unescape(value)
        if decoded == value:
            break
        value = decoded
    had_markup = "<" in value and _TAG.search(value) is not None
    value = _TAG.sub(" ", value) if had_markup else value
    value = unicodedata.normalize("NFC", value)
    value = "".join(_kept(char, line_breaks) for char in value)
    if line_breaks:
        value = _BLANK_LINES.sub("\n\n", value.replace("\r", "\n"))
        paragraphs = [" ".join(part.split()) for part in value.split("\n\n")]
        value = "\n\n".join(part for part in paragraphs if part)
    else:
        value = " ".join(value.split())
    value = _SPACES.sub(" ", value).strip()
    if had_markup:  # a tag removed before punctuation leaves a space behind it
        value = _SPACE_BEFORE_PUNCTUATION.sub("", value)
    return value or None


def _kept(char: str, line_breaks: bool) -> str:
    if char in BIDI_CONTROLS or char in INVISIBLE:
        return ""
    if char == "\n" and line_breaks:
        return char
    if unicodedata.category(char) in ("Cc", "Cf") and char not in "\u200c\u200d":
        return " " if char in "\t\n\r\x0b\x0c\x85" else ""
    if unicodedata.category(char) in ("Zl", "Zp"):
        return " "
    return char


def _title(raw: object, today: dt.date) -> Cleaned:
    value = text(raw)
    if value is None:
        return Cleaned(None, "no title text" if raw is not None else None)
    if len(value) > MAX_TITLE:
        return Cleaned(None, f"a title of {len(value):,} characters (at most {MAX_TITLE})")
    return Cleaned(value)


def _abstract(raw: object, today: dt.date) -> Cleaned:
    value = text(raw, line_breaks=True)
    if value is None:
        return Cleaned(None)
    if len(value) > MAX_ABSTRACT:
        return Cleaned(None, f"an abstract of {len(value):,} characters (at most {MAX_ABSTRACT:,})")
    return Cleaned(value)


def _type(raw: object, today: dt.date) -> Cleaned:
    if raw in RESOURCE_TYPES:
        return Cleaned(raw)
    return Cleaned(None, "not a resource type" if raw is not None else None)


def _authors(raw: object, today: dt.date) -> Cleaned:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple):
        return Cleaned(None, "authors that are not a list of names" if raw is not None else None)
    names: list[str] = []
    seen: set[str] = set()
    too_long = 0
    for item in raw:
        name = text(item)
        if name is None or name.casefold() in seen:
            continue
        if len(name) > MAX_NAME:
            too_long += 1
            continue
        seen.add(name.casefold())
        names.append(name)
    if not names:
        return Cleaned(None, "no author names" if raw else None)
    cut = []
    if too_long:
        cut.append(f"{too_long} names longer than {MAX_NAME} characters left out")
    if len(names) > MAX_AUTHORS:
        cut.append(f"the first {MAX_AUTHORS} of {len(names):,} authors kept, then `{OTHERS}`")
        names = [*names[:MAX_AUTHORS], OTHERS]
    return Cleaned(names, cut="; ".join(cut) or None)


def _date(raw: object, today: dt.date) -> Cleaned:
    if isinstance(raw, dt.datetime):
        raw = raw.date().isoformat()
    elif isinstance(raw, dt.date):
        raw = raw.isoformat()
    if not isinstance(raw, str) or not raw.strip():
        return Cleaned(None, "a date that is not text" if raw is not None else None)
    found = partial_date(raw)
    if found is None:
        return Cleaned(None, f"an unreadable date `{_shown(raw)}`")
    year = int(found[:4])
    if year < EARLIEST_YEAR:
        return Cleaned(None, f"a date before {EARLIEST_YEAR} ({found})")
    if found > today.isoformat()[: len(found)]:
        return Cleaned(None, f"a date in the future ({found})")
    return Cleaned(found)


def partial_date(raw: str) -> str | None:
    """``raw`` as `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as precise as it is; None if it is
    no real date."""
    raw = raw.strip()[:100]
    if match := _ISO.match(raw):
        year, month, day = match.groups()
        return _checked(int(year), month and int(month), day and int(day))
    for pattern in _FORMATS:
        try:
            parsed = dt.datetime.strptime(raw, pattern)
        except ValueError:
            continue
        return parsed.date().isoformat()[: 10 if "%d" in pattern else 7]
    try:
        moment = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return moment.date().isoformat()


def _checked(year: int, month: int | str | None, day: int | str | None) -> str | None:
    try:
        if isinstance(month, int) and isinstance(day, int):
            return dt.date(year, month, day).isoformat()
        if isinstance(month, int):
            return dt.date(year, month, 1).isoformat()[:7]
        return dt.date(year, 1, 1).isoformat()[:4]
    except ValueError:
        return None


def _shown(raw: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in raw[:40]) + ("…" if len(raw) > 40 else "")


_CLEANERS: Final[dict[str, Callable[[object, dt.date], Cleaned]]] = {
    "title": _title,
    "abstract": _abstract,
    "type": _type,
    "authors": _authors,
    "published_date": _date,
}
