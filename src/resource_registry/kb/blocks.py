"""Which spans of a page's text are prose: past the front matter, outside fenced code
blocks and (in ``.md`` pages) indented code blocks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Final

from resource_registry.kb.mentions import Flaw, Lines, Scan

_FRONT_MATTER_END: Final = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.M)
_FENCE: Final = re.compile(
    r"^(?P<prefix>[ \t]*(?:>[ \t]?)*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$", re.M
)


def front_matter(text: str, result: Scan, lines: Lines) -> int | None:
    """Where the body starts (after the front matter, if any); None if the front matter
    never ends, in which case nothing can be scanned."""
    offset = 1 if text.startswith("\ufeff") else 0
    first = text[offset : offset + 4]
    if not (first == "---\n" or text[offset : offset + 5] == "---\r\n" or first == "---"):
        return offset
    if text[offset : offset + 3] != "---" or text[offset + 3 : offset + 4] not in ("\n", "\r", ""):
        return offset
    after = text.find("\n", offset) + 1
    if after == 0:
        after = len(text)
    closing = _FRONT_MATTER_END.search(text, after)
    if closing is None:
        result.flaws.append(
            Flaw(
                "K015",
                1,
                1,
                "the front matter that starts here never ends, so nothing in the page is read",
                "close it with a line `---`",
            )
        )
        return None
    result.front_matter = text[after : closing.start()]
    result.front_matter_line = lines.at(after)[0]
    return closing.end()


def prose(text: str, start: int, *, mdx: bool) -> Iterator[tuple[int, int]]:
    """The spans of the text from ``start`` that are not code blocks."""
    position = start
    while (fence := _FENCE.search(text, position)) is not None:
        marker = fence["fence"]
        if marker[0] == "`" and "`" in fence["info"]:
            yield from _not_indented_code(text, position, fence.end(), mdx=mdx)
            position = fence.end()
            continue
        yield from _not_indented_code(text, position, fence.start(), mdx=mdx)
        closer = _closing_fence(marker).search(text, fence.end())
        if closer is None:
            return  # an unclosed fence runs to the end of the page
        position = closer.end()
    yield from _not_indented_code(text, position, len(text), mdx=mdx)


@lru_cache(maxsize=32)
def _closing_fence(marker: str) -> re.Pattern[str]:
    return re.compile(
        rf"^[ \t]*(?:>[ \t]?)*{re.escape(marker[0])}{{{len(marker)},}}[ \t]*\r?$", re.M
    )


_LIST_ITEM: Final = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")


def _not_indented_code(text: str, start: int, end: int, *, mdx: bool) -> Iterator[tuple[int, int]]:
    """``.md`` only: the spans between indented code blocks (four spaces or a tab, after a
    blank line, outside a list: inside one, indented lines continue the item)."""
    if mdx or ("\n    " not in text[start:end] and "\n\t" not in text[start:end]):
        if start < end:
            yield start, end
        return
    span_start, offset = start, start
    in_code, previous_blank, in_list = False, True, False
    for line in text[start:end].splitlines(keepends=True):
        stripped = line.strip()
        indented = line.startswith(("    ", "\t"))
        if in_code:
            if indented or not stripped:  # blank lines do not end a code block
                offset += len(line)
                continue
            in_code, span_start = False, offset
        if stripped and not indented:
            in_list = bool(_LIST_ITEM.match(line))
        if indented and stripped and previous_blank and not in_list:
            if span_start < offset:
                yield span_start, offset
            in_code = True
        previous_blank = not stripped
        offset += len(line)
    if not in_code and span_start < end:
        yield span_start, end
