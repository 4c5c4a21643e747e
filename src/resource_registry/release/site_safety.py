"""What a hostile dataset may hold, made safe for the site: file names only from IDs that
match their pattern, links only to http(s) URLs, untrusted text with its controls spelt out."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from resource_registry.base.safetext import windows_reserved
from resource_registry.record.constraints import ID_PATTERN, SLUG_PATTERN, STABLE_ID_PATTERN
from resource_registry.release.dataset import Dataset, DatasetError

_NAMES: Final = {  # what may become a file name, and what each is called in a refusal
    "stable_id": (re.compile(STABLE_ID_PATTERN), "stable ID"),
    "id": (re.compile(ID_PATTERN), "resource ID"),
    "slug": (re.compile(SLUG_PATTERN), "slug"),
}
_NAME_LENGTH: Final = 100  # the longest slug the models allow
_REFUSALS_SHOWN: Final = 20
# the raw text must start with the scheme: a browser sees exactly what was checked
_WEB_URL: Final = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f]+", re.IGNORECASE)
_UNPRINTABLE: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def file_name(value: object, kind: str) -> str:
    """``value`` once it matches the pattern of ``kind`` (``stable_id``, ``id`` or
    ``slug``): the only way a value from the dataset becomes part of a path."""
    pattern, _ = _NAMES[kind]
    if (
        isinstance(value, str)
        and len(value) <= _NAME_LENGTH
        and pattern.fullmatch(value)
        and not windows_reserved(value)
    ):
        return value
    raise DatasetError(_refusal(value, kind))


def _refusal(value: object, kind: str) -> str:
    shown = ascii(value)  # escaped: the value never reaches a terminal raw
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    if isinstance(value, str) and windows_reserved(value):
        return f"{shown} is a name Windows reserves, so it cannot name a file of the site"
    return f"{shown} is not a {_NAMES[kind][1]}, so it cannot name a file of the site"


def refuse_unsafe_names(data: Dataset) -> None:
    """Every name the site would write a file for, or link to, checked before any work."""
    refusals = [
        _refusal(value, kind) for value, kind in _file_names(data) if not _is_name(value, kind)
    ]
    if refusals:
        shown = refusals[:_REFUSALS_SHOWN]
        more = len(refusals) - len(shown)
        raise DatasetError(
            "the dataset holds values the site refuses as file names: "
            + "; ".join(shown)
            + (f"; and {more} more" if more else "")
        )


def _is_name(value: object, kind: str) -> bool:
    try:
        file_name(value, kind)
    except DatasetError:
        return False
    return True


def _file_names(data: Dataset) -> Iterator[tuple[object, str]]:
    for record in [*data.resources, *data.tombstones]:
        yield record.get("stable_id"), "stable_id"
        yield record.get("id"), "id"
    for record in data.resources:
        yield record.get("type"), "slug"
        for field in ("labels", "tags", "cited_by"):
            yield from ((value, "slug") for value in _listed(record, field))
        if "publication" in record:
            yield record["publication"], "slug"
    for vocabulary in (data.tags, data.publications, data.pages):
        yield from ((entry.get("id"), "slug") for entry in vocabulary)


def _listed(record: Mapping[str, Any], field: str) -> list[object]:
    value = record.get(field, [])
    return value if isinstance(value, list) else [value]


def web_url(value: object) -> str | None:
    """``value`` if it is an http(s) URL that is safe as a link target, else None: a
    dataset may hold ``javascript:``, ``data:`` or control characters in any URL."""
    if not isinstance(value, str) or not _WEB_URL.fullmatch(value):
        return None
    if any(unicodedata.category(character) in _UNPRINTABLE for character in value):
        return None
    try:
        host = urlsplit(value).hostname
    except ValueError:  # such as an unclosed IPv6 bracket
        return None
    return value if host else None


def printable(value: object) -> str:
    """``value`` as text with every control, format or separator character spelt out
    (``[U+202E]``), for values shown but not trusted, such as a refused URL."""
    return "".join(
        f"[U+{ord(c):04X}]" if unicodedata.category(c) in _UNPRINTABLE else c for c in str(value)
    )
