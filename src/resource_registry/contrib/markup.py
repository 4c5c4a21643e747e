"""Data on its way into Markdown (pull-request and issue comments, job summaries).

Text from contributors can hold anything: backticks that close a code span, pipes that
split a table cell, HTML, a hidden comment that mimics a marker, line breaks that start
a heading, "@name" mentions. Each value is first made safe for a terminal
(:func:`safetext.for_terminal`: controls, line breaks, bidirectional and invisible
characters become visible escapes), then written either as text with every ASCII
punctuation character backslash-escaped (which CommonMark allows for all of them, so
nothing is markup), or as a code span whose fence is longer than any run of backticks
inside.
"""

from __future__ import annotations

import json
import re
import string
from typing import Final

from resource_registry.base.safetext import for_terminal

MAX_VALUE_CHARS: Final = 200
_PUNCTUATION: Final = frozenset(string.punctuation)
_BACKTICKS: Final = re.compile(r"`+")


def display(value: object, limit: int = MAX_VALUE_CHARS) -> str:
    """A value as one line of plain text: ``(none)`` for an absent one, lists joined by
    commas, other non-strings as JSON; cut to ``limit`` characters, terminal-safe."""
    if value is None:
        text = "(none)"
    elif value == "":
        text = "(empty)"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        text = ", ".join(value)
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    text = for_terminal(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def text(value: object, limit: int = MAX_VALUE_CHARS) -> str:
    """``value`` as Markdown text that renders exactly as :func:`display` shows it.
    Spaces at either end are written as character references, which Markdown neither
    strips nor reads as indentation (an indented code block)."""
    shown = display(value, limit)
    escaped = "".join(f"\\{char}" if char in _PUNCTUATION else char for char in shown)
    body = escaped.strip(" ")
    if not body:
        return "&#32;" * len(escaped)
    lead = len(escaped) - len(escaped.lstrip(" "))
    trail = len(escaped) - len(escaped.rstrip(" "))
    return "&#32;" * lead + body + "&#32;" * trail


def code(value: object, limit: int = MAX_VALUE_CHARS) -> str:
    """``value`` as a Markdown code span, whatever backticks it holds."""
    shown = display(value, limit)
    longest = max((len(run) for run in _BACKTICKS.findall(shown)), default=0)
    fence = "`" * (longest + 1)
    edges = shown.startswith(("`", " ")) or shown.endswith(("`", " "))
    padded = f" {shown} " if edges and shown.strip(" ") else shown  # one space is stripped
    return f"{fence}{padded}{fence}"
