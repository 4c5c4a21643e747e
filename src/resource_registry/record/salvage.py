"""The `url` and `id` of a file that does not parse, salvaged from its top-level lines."""

from __future__ import annotations

import re
from typing import Final

# A top-level `url:` or `id:` line, read from the raw text of a file that does not parse.
_IDENTITY_LINE: Final = re.compile(rb"^(url|id):[ \t]+(\S[^\r\n]*?)[ \t]*\r?$", re.MULTILINE)
_SALVAGED_SHAPE: Final = {
    "url": re.compile(r"https?://[^\s'\"#]+(?:#[^\s'\"]*)?"),
    "id": re.compile(r"[0-9a-f]{16}"),
}


def salvage_identity(data: bytes) -> dict[str, str]:
    """The `url` and `id` of a file that does not parse, read line by line from its raw
    text: only top-level lines (no indentation), each field on exactly one line, its
    value plain or quoted on that line and of the field's shape. Anything less certain is
    left out: a wrong guess would be worse than none."""
    found: dict[str, list[str]] = {}
    for match in _IDENTITY_LINE.finditer(data):
        try:
            value = match.group(2).decode("utf-8")
        except UnicodeDecodeError:
            continue
        found.setdefault(match.group(1).decode(), []).append(_unquoted(value))
    return {
        field: values[0]
        for field, values in found.items()
        if len(values) == 1 and _SALVAGED_SHAPE[field].fullmatch(values[0])
    }


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    comment = value.find(" #")
    return value[:comment].rstrip() if comment >= 0 else value
