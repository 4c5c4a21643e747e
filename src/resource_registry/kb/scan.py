"""What one Markdown or MDX page mentions: reference components and links, with places.

A scanner of its own rather than a full Markdown parser: markdown-it-py (with its
footnote and front matter plugins) took 2.9 s for the legacy wiki's 423 pages where the
whole command must take one, gives no positions inside a paragraph, and parses
CommonMark rather than MDX. What this scanner reads, in one pass of one regular
expression over the text outside front matter and code blocks:

- components named in the configuration (``<R id="…">…</R>``, ``<R id='…' />``,
  ``id={"…"}``) whose ``id`` names a resource;
- inline links ``[text](url "title")`` (images ``![…](…)`` are not links), autolinks
  ``<https://…>``, link reference definitions ``[label]: url`` (the definition is where
  the URL is written), footnote definitions that start with a bare URL, and ``href``
  attributes with a literal value in any HTML or JSX tag.

Not scanned: front matter, fenced code blocks (```` ``` ```` and ``~~~``, inside list
items and quotes too), indented code blocks in ``.md`` pages (MDX has none: its
indented lines are text), inline code, HTML comments and MDX comments ``{/* … */}``,
and backslash-escaped brackets. Positions are offsets into the page's text, so a link
can be replaced without touching any other character.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from typing import Final

from resource_registry.kb.blocks import front_matter, prose
from resource_registry.kb.mentions import (
    AUTOLINK,
    COMPONENT,
    DEFINITION,
    FOOTNOTE,
    HREF,
    INLINE,
    Flaw,
    Lines,
    Mention,
    Scan,
)

_MAX_TAG: Final = 4000  # characters of one component's opening tag
_BLANK_LINE: Final = re.compile(r"\n[ \t]*(?:\r?\n|\r?\Z)")
_ESCAPED: Final = re.compile(r"\\([!-/:-@\[-`{-~])")

# the rest of a component's opening tag: its attributes, then `>` or `/>`
_TAG_REST: Final = re.compile(
    r"""(?P<attributes>(?:\s*[A-Za-z_:][\w:.-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|\{[^{}]*\}))?)*+)"""
    r"\s*(?P<close>/?)>"
)
_ID_ATTRIBUTE: Final = re.compile(r"""(?<![\w:.-])id\s*=\s*(?P<value>"[^"]*"|'[^']*'|\{[^{}]*\})""")
_STRING_EXPRESSION: Final = re.compile(r"""\{\s*(?:"([^"\\]*)"|'([^'\\]*)'|`([^`$\\]*)`)\s*\}\Z""")

# the link destination: <…>, or a run without spaces, with balanced parentheses one deep
# Repetitions are unrolled (a run of plain characters, then one special construct, and so
# on) and possessive: one pass, no backtracking, and a failed candidate costs little.
_DESTINATION: Final = (
    r"(?:<[^<>\n]*+>|[^\s()\\]*+(?:(?:\\.|\([^\s()\\]*+(?:\\.[^\s()\\]*+)*+\))[^\s()\\]*+)*+)"
)
_TITLE: Final = r"""(?:\s+(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\)))?"""
_PLAIN: Final = r"[^\[\]\\\n]*+"
_SPECIAL: Final = r"(?:\\.|\n(?![ \t]*\r?\n))"  # an escape, or a line break within the paragraph
_LINK_TEXT: Final = rf"{_PLAIN}(?:(?:{_SPECIAL}|\[{_PLAIN}(?:{_SPECIAL}{_PLAIN})*+\]){_PLAIN})*+"
# a `[` that starts a line, or follows up to three spaces that do (checked after the `[`,
# so that the alternative still starts with a literal character)
_LINE_START: Final = r"(?:(?<=\n\[)|(?<=\n \[)|(?<=\n  \[)|(?<=\n   \[)|(?<=\A\[))"
_HREF: Final = re.compile(
    r"""(?<=\s)href\s*=\s*(?:"(?P<hq>[^"]*)"|'(?P<hs>[^']*)'|\{\s*(?:"(?P<hj>[^"\\]*)"|'(?P<hk>[^'\\]*)')\s*\})"""
)


def scan(text: str, *, mdx: bool, components: Sequence[str] = ("R",)) -> Scan:
    """Every mention in ``text`` (a whole page), with the page's flaws."""
    result = Scan()
    lines = Lines(text)
    body = front_matter(text, result, lines)
    if body is None:
        return result
    context = _Context(text, _pattern(tuple(components)), result, lines)
    for start, end in prose(text, body, mdx=mdx):
        _scan_span(start, end, context)
    return result


@dataclass(slots=True)
class _Context:
    text: str
    pattern: re.Pattern[str]
    result: Scan
    lines: Lines
    inside_until: int = -1  # the end of the reference component whose text is being read
    closers: dict[str, re.Pattern[str]] = field(default_factory=dict)


def _scan_span(start: int, end: int, context: _Context) -> None:
    position = start
    while (match := context.pattern.search(context.text, position, end)) is not None:
        position = _take(match, end, context)
        if match["text"] is not None:  # a link's text may hold more (a badge): read it too
            _scan_span(match.start("text"), match.end("text"), context)


@lru_cache(maxsize=8)
def _pattern(components: tuple[str, ...]) -> re.Pattern[str]:
    names = "|".join(re.escape(name) for name in components) or r"(?!)"
    link = rf"\[(?P<TEXT>{_LINK_TEXT})\]\(\s*(?P<DEST>{_DESTINATION}){_TITLE}\s*\)"
    # every alternative starts with a literal character, so that the regular expression
    # engine skips to the next candidate character in C (about 2.5 times as fast)
    return re.compile(
        r"`(?P<code>`*)"
        r"|\\(?P<escape>[\[\]`<{!\\])"  # only what could start or end a construct
        r"|<(?P<comment>!--[\s\S]*?--)>"
        r"|\{(?P<jsx_comment>/\*[\s\S]*?\*/)\}"
        rf"|<(?P<cname>{names})(?=[\s/>])"
        r"|<(?P<auto>[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>"
        r"|<(?P<tname>[A-Za-z][\w.:-]*+)(?P<attributes>\s[^<>]*+)>"
        rf"|\[{_LINE_START}(?P<footnote>\^[^\]\n]++)\]:[ \t]+(?P<bare>https?://[^\s<>]+)"
        rf"|\[{_LINE_START}(?P<label>(?!\^)(?:[^\[\]\\\n]++|\\.)+)\]:[ \t]*+\n?[ \t]*+"
        r"(?P<ddest><[^<>\n]*>|\S+)"
        r"|!"
        + link.replace("TEXT", "image").replace("DEST", "image_dest")
        + "|"
        + link.replace("TEXT", "text").replace("DEST", "dest"),
        re.M,
    )


def _take(match: re.Match[str], end: int, context: _Context) -> int:
    """Record what ``match`` is; return where scanning goes on. Dispatched on the first
    character: every alternative of the pattern starts with its own."""
    text = context.text
    first = text[match.start()]
    if first == "`":
        return _after_code_span(text, match, end)
    if first in "\\{!":  # an escape, an MDX comment, an image
        return match.end()
    if first == "<":
        if match["cname"] is not None:
            return _component(match, end, context)
        if match["auto"] is not None:
            url = match["auto"]
            if url.lower().startswith(("http://", "https://")):
                _add(context, AUTOLINK, url, match.start(), match.end(), url)
            return match.end()
        if match["tname"] is not None:
            return _tag(match, end, context)
        return match.end()  # an HTML comment
    if match["dest"] is not None:
        url = _destination(match["dest"])
        _add(context, INLINE, url, match.start(), match.end(), match["text"])
        return match.end()
    if match["ddest"] is not None:
        if not _at_line_start(text, match.start()):
            return match.start() + 1
        url = _destination(match["ddest"])
        _add(context, DEFINITION, url, match.start("ddest"), match.end("ddest"))
        return match.end()
    if not _at_line_start(text, match.start()):
        return match.start() + 1
    url = match["bare"].rstrip(".,:;!?*_~'\"")
    start = match.start("bare")
    _add(context, FOOTNOTE, url, start, start + len(url))
    return start + len(url)


def _at_line_start(text: str, offset: int) -> bool:
    """Whether only up to three spaces stand between the line's start and ``offset``."""
    line_start = text.rfind("\n", 0, offset) + 1
    return offset - line_start <= 3 and not text[line_start:offset].strip(" ")


def _add(
    context: _Context, kind: str, target: str, start: int, end: int, text: str | None = None
) -> None:
    line, col = context.lines.at(start)
    inside = start < context.inside_until
    context.result.mentions.append(
        Mention(kind, target, start, end, line, col, None if inside else text, inside)
    )


def _after_code_span(text: str, match: re.Match[str], end: int) -> int:
    """Past the code span that starts here (a run of backticks closed by a run of the
    same length within the paragraph), or past the run if nothing closes it."""
    run = "`" * (len(match["code"]) + 1)
    position = match.end()
    while (found := text.find(run, position, end)) >= 0:
        after = found + len(run)
        if text[found - 1] == "`" or text[after : after + 1] == "`":
            while text[after : after + 1] == "`":  # a longer run: skip it whole
                after += 1
            position = after
            continue
        if _BLANK_LINE.search(text, match.end(), found):
            return match.end()
        return after
    return match.end()  # literal backticks


def _destination(raw: str) -> str:
    if raw.startswith("<") and raw.endswith(">"):
        raw = raw[1:-1]
    return _ESCAPED.sub(r"\1", raw) if "\\" in raw else raw


def _tag(match: re.Match[str], end: int, context: _Context) -> int:
    href = _HREF.search(match["attributes"])
    if href is None:  # not a tag with an href: perhaps `a < b` in prose; read on after `<`
        return match.start() + 1
    raw = next(href[group] for group in ("hq", "hs", "hj", "hk") if href[group] is not None)
    url = unescape(raw) if "&" in raw else raw
    if not url.lower().startswith(("http://", "https://")):
        return match.start() + 1
    text = context.text
    if match["tname"] != "a":
        _add(context, HREF, url, match.start(), match.end())
        return match.end()
    closing = text.find("</a>", match.end(), end)
    following = text.find("<a", match.end(), end)
    if closing < 0 or 0 <= following < closing:
        _add(context, HREF, url, match.start(), match.end())
        return match.end()
    _add(context, HREF, url, match.start(), closing + 4, text[match.end() : closing])
    return match.end()


def _component(match: re.Match[str], end: int, context: _Context) -> int:
    text, name = context.text, match["cname"]
    tag = _TAG_REST.match(text, match.end(), min(end, match.end() + _MAX_TAG))
    line, col = context.lines.at(match.start())
    flaws = context.result.flaws
    if tag is None:
        message = f"the `<{name}` tag is never closed with `>`, so it cites nothing"
        flaws.append(Flaw("K010", line, col, message, 'finish the tag: `<R id="…">text</R>`'))
        return match.end()
    found_id = _ID_ATTRIBUTE.search(tag["attributes"])
    value = found_id["value"] if found_id else None
    target = _attribute_text(value)
    if target is None:
        what = "has no `id`" if value is None else f"has an `id` that is not a literal ({value})"
        flaws.append(Flaw("K010", line, col, f"the `<{name}>` component {what}", 'write `id="…"`'))
    whole_end = tag.end()
    if not tag["close"]:  # not self-closing: its text ends at </name>
        closer = context.closers.get(name)
        if closer is None:
            closer = context.closers[name] = re.compile(
                rf"</{re.escape(name)}\s*>|<{re.escape(name)}[\s/>]"
            )
        found = closer.search(text, whole_end, end)
        if found is None or not found.group().startswith("</"):
            message = f"the `<{name}>` component is not closed with `</{name}>`"
            hint = f'close it: `<{name} id="…">text</{name}>`, or `<{name} id="…" />`'
            flaws.append(Flaw("K010", line, col, message, hint))
        else:
            context.inside_until = max(context.inside_until, found.start())
            whole_end = found.end()
    if target is not None:
        context.result.mentions.append(
            Mention(COMPONENT, target, match.start(), whole_end, line, col)
        )
    return tag.end()


def _attribute_text(value: str | None) -> str | None:
    """The text of a literal attribute value (``"x"``, ``'x'``, ``{"x"}``), else None."""
    if value is None:
        return None
    if value[0] in "\"'":
        return value[1:-1]
    literal = _STRING_EXPRESSION.match(value)
    if literal is None:
        return None
    return next(group for group in literal.groups() if group is not None)
