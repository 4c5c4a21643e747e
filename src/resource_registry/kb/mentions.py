"""What a scan of a page finds: the kinds of mention, `Mention`, `Flaw` and `Scan`, and
the line and column of an offset in the page's text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, NamedTuple

COMPONENT: Final = "component"
INLINE: Final = "inline"
AUTOLINK: Final = "autolink"
DEFINITION: Final = "definition"
FOOTNOTE: Final = "footnote"
HREF: Final = "href"
LINK_KINDS: Final = frozenset({INLINE, AUTOLINK, DEFINITION, FOOTNOTE, HREF})
# where a link can be replaced by a reference component as it stands
CONVERTIBLE: Final = frozenset({INLINE, AUTOLINK, HREF})


class Mention(NamedTuple):
    """A component or a link in a page. ``target`` is the id a component names or the
    URL a link points to (escapes resolved); ``start``/``end`` span the whole construct
    in the page's text; ``text`` is the link's text as written, where a reference
    component could take its place (None otherwise); ``inside`` is true for a link
    within a reference component's text, which is cited already."""

    kind: str
    target: str
    start: int
    end: int
    line: int
    col: int
    text: str | None = None
    inside: bool = False


class Flaw(NamedTuple):
    """Something wrong in the page's text, at a line and column (1-based)."""

    code: str
    line: int
    col: int
    message: str
    hint: str | None = None


@dataclass(slots=True)
class Scan:
    """What a page holds: its mentions in order, its flaws, and its front matter
    (the text between the ``---`` lines, None without any) with the line it starts on."""

    mentions: list[Mention] = field(default_factory=list)
    flaws: list[Flaw] = field(default_factory=list)
    front_matter: str | None = None
    front_matter_line: int = 2


class Lines:
    """Line and column (1-based) of offsets in a text, asked for in increasing order
    (mostly): lines are counted from the last offset asked for, in C."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._offset = 0
        self._line = 1

    def at(self, offset: int) -> tuple[int, int]:
        if offset >= self._offset:
            self._line += self._text.count("\n", self._offset, offset)
        else:
            self._line = self._text.count("\n", 0, offset) + 1
        self._offset = offset
        return self._line, offset - self._text.rfind("\n", 0, offset)
