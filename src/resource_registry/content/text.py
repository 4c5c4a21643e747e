"""Text taken from pages, cut to one clean line that passes every text rule of
:mod:`resource_registry.base.safetext`, whatever the page held."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

_SPACES: Final = re.compile(r" {2,}")
_WHITESPACE: Final = re.compile(r"[\t\n\r\f\v]+")
_ELLIPSIS: Final = "…"


def one_line(text: str, characters: int, utf8_bytes: int) -> str | None:
    """``text`` on one line: every kind of space and line break becomes one space; controls,
    format characters (bidirectional, invisible, joiners), private-use, unassigned and
    surrogate code points are dropped; cut at a word to ``characters`` and ``utf8_bytes``,
    with an ellipsis when cut. None when nothing visible is left."""
    # only the head can be kept: cleaning never lengthens a text, and this bounds the
    # work on a long one (a head of nothing but refused characters gives no line)
    head = _WHITESPACE.sub(" ", text[: characters * 8])
    kept = head if head.isprintable() else "".join(_kept(char) for char in head)
    line = _SPACES.sub(" ", kept).strip()
    if not line:
        return None
    return _cut(line, characters, utf8_bytes)


def _kept(char: str) -> str:
    if char == " " or (char.isprintable() and not char.isspace()):
        return char
    if char.isspace():
        return " "
    return ""  # Cc, Cf, Co, Cn, Cs and the separators: never part of the line


def _cut(line: str, characters: int, utf8_bytes: int) -> str:
    if len(line) <= characters and len(line.encode("utf-8")) <= utf8_bytes:
        return line
    room_chars = characters - 1
    room_bytes = utf8_bytes - len(_ELLIPSIS.encode("utf-8"))
    end, size = 0, 0
    for char in line[:room_chars]:
        size += len(char.encode("utf-8"))
        if size > room_bytes:
            break
        end += 1
    head = line[:end]
    word_end = head.rfind(" ")
    if word_end > end // 2:  # cut at a word unless that loses most of the line
        head = head[:word_end]
    head = head.rstrip()
    # a combining mark may not start the ellipsis' cluster: drop trailing marks
    while head and unicodedata.combining(head[-1]):
        head = head[:-1]
    return (head + _ELLIPSIS) if head else _ELLIPSIS


def word_count(text: str) -> int:
    return len(text.split())
