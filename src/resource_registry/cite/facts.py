"""The facts every citation format takes from a record, read defensively: the link
checker's block may hold fields that a newer tool wrote (``archive_url``, ``language``),
and a released dataset may come from anyone."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

Record = Mapping[str, Any]
Publications = Mapping[str, Mapping[str, Any]]

_SPACE: Final = re.compile(r"\s+")
_DATE: Final = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


def one_line(text: object) -> str:
    """``text`` with every run of white space (line breaks included) as one space: no
    format here has a safe way to carry a line break inside a value."""
    text = str(text)
    # printable text has no white space but the ASCII space (isspace() characters are all
    # in Unicode's Other and Separator categories): most values need no regular expression
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return _SPACE.sub(" ", text).strip()


def date_parts(value: object) -> list[int] | None:
    """``[2022, 2, 11]``, ``[2022, 2]`` or ``[2022]`` from the start of a date or timestamp."""
    if not isinstance(value, str):
        return None
    found = _DATE.match(value)
    if found is None:
        return None
    return [int(part) for part in found.groups() if part is not None]


def publication_of(record: Record, publications: Publications) -> Mapping[str, Any] | None:
    slug = record.get("publication")
    return publications.get(slug) if isinstance(slug, str) else None


def venue_name(record: Record, publications: Publications) -> str | None:
    publication = publication_of(record, publications)
    name = publication.get("name") if publication else None
    return one_line(name) if isinstance(name, str) and name.strip() else None


def fetched(record: Record, field: str) -> Any:
    """A field of the ``fetch`` block, or None."""
    block = record.get("fetch")
    return block.get(field) if isinstance(block, Mapping) else None


def accessed(record: Record) -> str | None:
    """The day the link checker last saw the page: ``YYYY-MM-DD``."""
    parts = date_parts(fetched(record, "checked_at"))
    return "-".join(f"{p:02d}" for p in parts) if parts and len(parts) == 3 else None


def archive_url(record: Record) -> str | None:
    value = fetched(record, "archive_url")
    return value if isinstance(value, str) and value.startswith(("http://", "https://")) else None


def language(record: Record) -> str | None:
    value = fetched(record, "language")
    return value if isinstance(value, str) and value.strip() else None


def authors(record: Record) -> list[str]:
    names = record.get("authors") or []
    return [one_line(name) for name in names if isinstance(name, str) and name.strip()]


def strings(record: Record, field: str) -> list[str]:
    values = record.get(field) or []
    return [str(value) for value in values] if isinstance(values, list) else []
