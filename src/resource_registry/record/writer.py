"""The canonical text of a data file: what ``resreg fmt`` writes.

The form, decided once so that every tool writes the same bytes:

- UTF-8 without a byte order mark, ``\\n`` line ends, exactly one final newline;
- keys in schema order (unknown keys last, in their original order); two-space indent;
  block lists as ``  - item``;
- short lists of names (tags, cited_by, labels, authors, aliases, domains) in flow style
  ``[a, b]`` when the line fits in 100 characters, else as a block list;
- strings plain where every common parser reads them back as the same string; otherwise
  single-quoted, or double-quoted when they need escapes. Anything that a YAML 1.1 parser
  (PyYAML) or a YAML 1.2 parser would read as something else (``no``, ``on``, ``0123``,
  ``1:20``, ``2022-02-11``, ``0o17``) is quoted, so all of them read a canonical file alike;
- text with line breaks as a literal block (``|`` / ``|-``);
- text is never wrapped: an edit to a long summary is a one-line diff.

Comments are kept: a comment line stays above the entry it precedes, and a comment at
the end of a line stays with that line's entry. A comment whose place no longer exists
(inside a list now written in flow style, say) moves above the nearest entry that is
written on its own line. Nothing is ever dropped.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from resource_registry.base.findings import Pointer
from resource_registry.record._derived import FIELD_ORDER
from resource_registry.record.reader import Document
from resource_registry.record.scalars import core_scalar

WIDTH: Final = 100
FLOW_LISTS: Final = frozenset({"tags", "cited_by", "labels", "authors", "aliases", "domains"})
RESOURCE_ORDER: Final = FIELD_ORDER["Resource"]
NESTED_ORDER: Final = {"fetch": FIELD_ORDER["Fetch"], "sources": FIELD_ORDER["Sources"]}
VOCABULARY_ORDER: Final = {
    "data/publications.yaml": FIELD_ORDER["Publication"],
    "data/pages.yaml": FIELD_ORDER["Page"],
    "data/tags.yaml": FIELD_ORDER["Tag"],
    "data/tombstones.yaml": FIELD_ORDER["Tombstone"],
}

_INDICATORS: Final = frozenset("-?:,[]{}#&*!|>'\"%@`")
# a colon reads as a key in flow context, and PyYAML ends a plain value at `?` there
_FLOW_UNSAFE: Final = re.compile(r"[,:?\[\]{}]")
_YAML11_RESOLVERS: Final = yaml.resolver.Resolver.yaml_implicit_resolvers
_TRAILING_COMMENT: Final = re.compile(r"\s+(#.*)$")


@dataclass(slots=True)
class Comments:
    """Comments of a file keyed by the pointer of the entry they belong to."""

    header: list[str] = field(default_factory=list)
    above: dict[Pointer, list[str]] = field(default_factory=lambda: defaultdict(list))
    trailing: dict[Pointer, list[str]] = field(default_factory=lambda: defaultdict(list))
    end: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        tables = (self.above.values(), self.trailing.values())
        return bool(self.header or self.end or any(any(table) for table in tables))


def render(data: object, order: Sequence[str], comments: Comments | None = None) -> str:
    """The canonical text of ``data`` (a mapping or a list of mappings)."""
    emitter = _Emitter(comments or Comments(), order)
    emitter.top(data)
    return "".join(emitter.lines)


def order_for(path: str) -> Sequence[str]:
    if path.startswith("data/tombstones/"):  # one tombstone per file
        return FIELD_ORDER["Tombstone"]
    return VOCABULARY_ORDER.get(path, RESOURCE_ORDER)


def canonical_text(path: str, document: Document, text: str) -> str:
    """The canonical form of a parsed file, keeping its comments."""
    return render(document.data, order_for(path), extract_comments(document.root, text))


# --- scalars ---------------------------------------------------------------------------


def is_plain_safe(text: str) -> bool:
    """Whether ``text`` can be written unquoted and read back as this string everywhere."""
    if not text or text != text.strip() or not text.isprintable():
        return False
    if text[0] in _INDICATORS or ": " in text or " #" in text or text.endswith(":"):
        return False
    if core_scalar(text) is not text:
        return False
    return not any(regexp.match(text) for tag, regexp in _YAML11_RESOLVERS.get(text[0], ()))


@lru_cache(maxsize=16_384)
def _short_plain_safe(text: str) -> bool:
    return is_plain_safe(text)


def scalar(value: object) -> str:
    """One scalar on one line (never a block scalar)."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    text = str(value)
    # keys, tags and names repeat across files: remember their verdict
    if _short_plain_safe(text) if len(text) <= 40 else is_plain_safe(text):
        return text
    if text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    return _double_quoted(text)


def _float(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    mantissa, _, exponent = repr(value).partition("e")
    if "." not in mantissa:
        mantissa += ".0"  # YAML 1.1 floats need a dot, and a signed exponent (repr has one)
    return f"{mantissa}e{exponent}" if exponent else mantissa


def _double_quoted(text: str) -> str:
    out = ['"']
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char.isprintable():
            out.append(char)
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)


def _block_lines(text: str) -> list[str] | None:
    """The lines of a literal block scalar for ``text``, or None when it cannot be one."""
    if "\n" not in text or text.startswith((" ", "\n")) or text.endswith("\n\n"):
        return None
    lines = text.removesuffix("\n").split("\n")
    if any(line != line.rstrip() or not line.isprintable() for line in lines):
        return None
    return lines


# --- the emitter -----------------------------------------------------------------------


class _Emitter:
    def __init__(self, comments: Comments, order: Sequence[str]) -> None:
        self.comments = comments
        self.order = order
        self.lines: list[str] = []
        self._placed: set[Pointer] = set()

    def top(self, data: object) -> None:
        self.lines.extend(f"{comment}\n" for comment in self.comments.header)
        if isinstance(data, Mapping):
            self.mapping(data, (), 0, self.order)
            if not data:
                self.lines.append("{}\n")
        elif isinstance(data, list):
            for index, item in enumerate(data):
                self.list_item(item, (index,), 0, self.order)
            if not data:
                self.lines.append("[]\n")
        else:
            self.lines.append(scalar(data) + "\n")
        self._leftovers()
        self.lines.extend(f"{comment}\n" for comment in self.comments.end)

    def mapping(
        self,
        data: Mapping[object, object],
        at: Pointer,
        indent: int,
        order: Sequence[str],
        first_prefix: str | None = None,
    ) -> None:
        keys = sorted(data, key=_key_order(order))
        for position, key in enumerate(keys):
            prefix = first_prefix if position == 0 and first_prefix is not None else " " * indent
            self.entry(key, data[key], (*at, str(key)), indent, prefix)

    def entry(self, key: object, value: object, at: Pointer, indent: int, prefix: str) -> None:
        pad = " " * indent
        self._above(at, pad)
        head = f"{prefix}{scalar(key)}:"
        if isinstance(value, Mapping) and value:
            self._line(head, at, pad)
            self.mapping(value, at, indent + 2, NESTED_ORDER.get(str(key), ()))
        elif isinstance(value, list) and value:
            flow = self._flow(value) if key in FLOW_LISTS else None
            if flow is not None and len(head) + 1 + len(flow) <= WIDTH:
                self._line(f"{head} {flow}", at, pad, children=len(value))
                return
            self._line(head, at, pad)
            for index, item in enumerate(value):
                self.list_item(item, (*at, index), indent + 2, ())
        elif isinstance(value, str) and (block := _block_lines(value)) is not None:
            self._block(f"{head} ", value, block, at, pad)
        else:
            self._line(f"{head} {_empty(value) or scalar(value)}", at, pad)

    def list_item(
        self,
        item: object,
        at: Pointer,
        indent: int,
        order: Sequence[str],
        first_prefix: str | None = None,
    ) -> None:
        """One item of a block list; ``first_prefix`` is set for the first item of a list
        nested in a list (``- - a``)."""
        pad = " " * indent
        prefix = first_prefix if first_prefix is not None else f"{pad}- "
        self._above(at, pad)
        if isinstance(item, Mapping) and item:
            self._placed.add(at)
            self.mapping(item, at, indent + 2, order, first_prefix=prefix)
        elif isinstance(item, list) and item:
            self._placed.add(at)
            for index, sub in enumerate(item):
                self.list_item(
                    sub,
                    (*at, index),
                    indent + 2,
                    order,
                    first_prefix=f"{prefix}- " if index == 0 else None,
                )
        elif isinstance(item, str) and (block := _block_lines(item)) is not None:
            self._block(prefix, item, block, at, pad)
        else:
            self._line(f"{prefix}{_empty(item) or scalar(item)}", at, pad)

    def _block(self, head: str, text: str, block: list[str], at: Pointer, pad: str) -> None:
        """A literal block scalar: ``|`` keeps the final line break, ``|-`` has none."""
        self._line(f"{head}|{'' if text.endswith(chr(10)) else '-'}", at, pad)
        self.lines.extend(f"{pad}  {line}\n" if line else "\n" for line in block)

    def _flow(self, items: list[object]) -> str | None:
        texts = []
        for item in items:
            if not isinstance(item, str) or not is_plain_safe(item) or _FLOW_UNSAFE.search(item):
                return None
            texts.append(item)
        return "[" + ", ".join(texts) + "]"

    def _above(self, at: Pointer, pad: str) -> None:
        for comment in self.comments.above.get(at, ()):
            self.lines.append(f"{pad}{comment}\n")
        self._placed.add(at)

    def _line(self, text: str, at: Pointer, pad: str, children: int = 0) -> None:
        """One output line for ``at``; a flow list also carries its items' comments."""
        trailing = list(self.comments.trailing.get(at, ()))
        for index in range(children):
            child = (*at, index)
            self._placed.add(child)
            trailing += self.comments.above.get(child, []) + self.comments.trailing.get(child, [])
        self._placed.add(at)
        if len(trailing) > 1:  # several comments cannot share one line: put them above it
            self.lines.extend(f"{pad}{comment}\n" for comment in trailing)
            trailing = []
        self.lines.append(text + (f"  {trailing[0]}" if trailing else "") + "\n")

    def _leftovers(self) -> None:
        """Comments whose entry no longer exists go to the end: never dropped."""
        for table in (self.comments.above, self.comments.trailing):
            for at, texts in table.items():
                if at not in self._placed:
                    self.lines.extend(f"{comment}\n" for comment in texts)


def _empty(value: object) -> str | None:
    if isinstance(value, list) and not value:
        return "[]"
    if isinstance(value, Mapping) and not value:
        return "{}"
    return None


def _key_order(order: Sequence[str]) -> Callable[[object], int]:
    """Schema order; unknown keys keep their place relative to each other (stable sort)."""
    rank = {key: index for index, key in enumerate(order)}
    return lambda key: rank.get(key, len(rank)) if isinstance(key, str) else len(rank)


# --- comments --------------------------------------------------------------------------


def extract_comments(root: Node, text: str) -> Comments:
    """Find every comment of a file and the entry it belongs to."""
    comments = Comments()
    if "#" not in text:
        return comments
    lines = text.split("\n")
    owners = sorted(_entries(root, ()), key=lambda entry: entry[1])
    claimed: set[int] = set()
    for at, line, column_end in _trailing_candidates(root, ()):
        rest = lines[line][column_end:] if line < len(lines) else ""
        rest = rest.lstrip("|>+-0123456789") if rest.lstrip().startswith(("|", ">")) else rest
        if (match := _TRAILING_COMMENT.match(rest)) and line not in claimed:
            comments.trailing[at].append(match.group(1).rstrip())
            claimed.add(line)
    for number, raw in enumerate(lines):
        stripped = raw.strip()
        if not stripped.startswith("#") or number in claimed:
            continue
        following = next((at for at, start in owners if start > number), None)
        if owners and number < owners[0][1]:
            comments.header.append(stripped)
        elif following is None:
            comments.end.append(stripped)
        else:
            comments.above[following].append(stripped)
    return comments


def _entries(node: Node, at: Pointer) -> Iterator[tuple[Pointer, int]]:
    """Every mapping entry and list item with the line it starts on."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            child = (*at, str(key.value))
            yield child, key.start_mark.line
            yield from _entries(value, child)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            child = (*at, index)
            yield child, item.start_mark.line
            yield from _entries(item, child)


def _trailing_candidates(node: Node, at: Pointer) -> Iterator[tuple[Pointer, int, int]]:
    """Places where a comment may follow on the same line: after a scalar, after a flow
    collection, or after a key whose value starts on a later line."""
    if isinstance(node, ScalarNode):
        if node.style not in ("|", ">"):  # a block scalar's comment sits after its indicator
            yield at, node.end_mark.line, node.end_mark.column
        return
    if getattr(node, "flow_style", False):
        yield at, node.end_mark.line, node.end_mark.column
        return
    if isinstance(node, MappingNode):
        for key, value in node.value:
            child = (*at, str(key.value))
            if value.start_mark.line > key.end_mark.line:
                yield child, key.end_mark.line, key.end_mark.column + 1
            elif isinstance(value, ScalarNode) and value.style in ("|", ">"):
                yield child, value.start_mark.line, value.start_mark.column
            yield from _trailing_candidates(value, child)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield from _trailing_candidates(item, (*at, index))
