"""Reading a data file: bytes in, plain Python data (or located problems) out.

libyaml composes the node tree in C; this module turns nodes into data itself instead of
using PyYAML's constructor, which is both the slow part of ``yaml.load`` and YAML 1.1
(``no`` is false, ``2018-01-02`` a date). Here plain scalars follow the YAML 1.2 core
schema and everything else is a string, so dates and timestamps stay strings.

The walk also rejects what the registry forbids: duplicate keys, anchors and aliases,
explicit tags, merge keys, several documents, and deep nesting. Nodes keep their
positions, so a problem found later (by the schema, say) can be located with
``record/positions.py``'s :func:`locate` without parsing the file again.
"""

from __future__ import annotations

import codecs
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from resource_registry.base.findings import Finding
from resource_registry.record.layout import MAX_FILE_BYTES
from resource_registry.record.parse_problems import (
    MAX_DEPTH,
    one_based,
    position_of_byte,
    problem,
    reader_problem,
    syntax_problem,
)
from resource_registry.record.scalars import OutOfRange, core_scalar

try:
    from yaml._yaml import CParser as _Parser
except (
    ImportError
):  # pragma: no cover - reason: wheels ship libyaml; this keeps source installs working
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]  # reason: same interface as CParser
        def __init__(self, stream: bytes) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


_PLAIN: Final = "?plain"
_KEY_LIKE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*:")
_QUOTED: Final = "?quoted"
_COLLECTION: Final = "?collection"

# A `&` where a node's properties may start; anything else (`R&D`, `?a=1&b=2`) is text.
_ANCHOR_CANDIDATE: Final = re.compile(rb"(?:^|[\s\[{,])&", re.MULTILINE)
_FLOW_OPENERS_BEFORE_DEPTH_CHECK: Final = 16
_EVENT_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SHOWN_DIGITS: Final = 24


@dataclass(frozen=True, slots=True)
class Document:
    data: object
    root: Node
    warnings: tuple[Finding, ...] = ()
    text: str = ""  # the decoded source, for checks that look at a node's line

    def rest_of_line(self, node: Node) -> str:
        """What follows ``node`` on the line where it ends (a comment, say)."""
        lines = self.text.split("\n", node.end_mark.line + 1)
        return (
            lines[node.end_mark.line][node.end_mark.column :]
            if len(lines) > node.end_mark.line
            else ""
        )


class _Resolver:
    """Tags every implicit node with a private marker; explicit tags pass through as is."""

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def resolve(self, kind: type[Node], value: str | None, implicit: object) -> str:
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _QUOTED  # type: ignore[index]  # reason: libyaml passes (plain, quoted)
        return _COLLECTION


class _Composer(_Parser, _Resolver):
    pass


def read_document(data: bytes, *, max_bytes: int = MAX_FILE_BYTES) -> Document | list[Finding]:
    """Parse one file's bytes into a :class:`Document`, or say why it cannot be used."""
    if len(data) > max_bytes:
        return [problem("P002", f"file is {len(data):,} bytes; the limit is {max_bytes:,}")]
    warnings: tuple[Finding, ...] = ()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        warnings = (problem("P004", "file starts with a UTF-8 byte order mark", 1, 1),)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, col = position_of_byte(data, error.start)
        return [problem("P003", f"invalid UTF-8 byte 0x{data[error.start]:02x}", line, col)]
    if problems := _pre_compose_problems(data, text):
        return problems
    try:
        root = _compose(data)
    except yaml.MarkedYAMLError as error:
        return [syntax_problem(error, text)]
    except yaml.reader.ReaderError as error:
        return [reader_problem(data, error)]
    if root is None:
        return [problem("P012", "file has no YAML content")]
    builder = _Builder(text)
    value = builder.build(root, 0)
    if builder.problems:
        return builder.problems
    return Document(value, root, (*warnings, *builder.warnings), text)


def _compose(data: bytes) -> Node | None:
    composer = _Composer(data)
    try:
        node: Node | None = composer.get_single_node()
        return node
    finally:
        composer.dispose()


def _pre_compose_problems(data: bytes, text: str) -> list[Finding]:
    """Checks that need the event stream, run only when a cheap scan says they might fire.

    libyaml forgets anchors once a document is composed, and its composer recurses in C,
    so anchors and deep flow nesting must be caught before composing.
    """
    may_anchor = b"&" in data and _ANCHOR_CANDIDATE.search(data) is not None
    may_nest = data.count(b"[") + data.count(b"{") > _FLOW_OPENERS_BEFORE_DEPTH_CHECK
    if not (may_anchor or may_nest):
        return []
    try:
        return list(_event_problems(data))
    except yaml.MarkedYAMLError as error:
        return [syntax_problem(error, text)]
    except yaml.reader.ReaderError as error:
        return [reader_problem(data, error)]


def _event_problems(data: bytes) -> Iterator[Finding]:
    depth = 0
    for event in yaml.parse(data, Loader=_EVENT_LOADER):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line, col = _mark(event)
                yield problem("P011", f"nesting is deeper than {MAX_DEPTH} levels", line, col)
                return
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
            line, col = _mark(event)
            kind = "alias" if isinstance(event, yaml.AliasEvent) else "anchor"
            yield problem(
                "P006",
                f"{kind} `{event.anchor}` is not allowed",
                line,
                col,
                "write the value out in full",
            )


def _mark(item: yaml.Event | Node) -> tuple[int, int]:
    return one_based(item.start_mark)


class _Builder:
    """Turns composed nodes into dicts, lists and YAML 1.2 core scalars.

    This is the per-file hot path, so it dispatches on exact node types and keeps the
    common case (an implicit scalar) to a couple of comparisons.
    """

    def __init__(self, text: str) -> None:
        self.problems: list[Finding] = []
        self.warnings: list[Finding] = []
        self._seen: set[int] = set()
        self._text = text
        self._lines: list[str] | None = None

    def build(self, node: Node, depth: int) -> object:
        kind = type(node)
        if kind is ScalarNode:
            tag = node.tag
            if tag is _PLAIN:
                value = core_scalar(node.value)
                if type(value) in _TO_CHECK:
                    self._check_number(node, value)
                # a joined line shows as " - " or a colon in the value: cheap to rule out
                elif (
                    type(value) is str
                    and (" - " in value or ":" in value)
                    and node.start_mark.line != node.end_mark.line
                ):
                    self._continued_scalar(node)
                return value
            if tag is not _QUOTED:
                self._explicit_tag(node)
            return node.value
        if node.tag is not _COLLECTION:
            self._explicit_tag(node)
        if id(node) in self._seen:  # libyaml hands back the anchored node for an alias
            self._report(node, "P006", "aliases are not allowed", "write the value out in full")
            return None
        self._seen.add(id(node))
        if depth >= MAX_DEPTH:
            self._report(node, "P011", f"nesting is deeper than {MAX_DEPTH} levels")
            return None
        if kind is SequenceNode:
            return [self.build(item, depth + 1) for item in node.value]
        assert isinstance(node, MappingNode)
        return self._mapping(node, depth + 1)

    def _mapping(self, node: MappingNode, depth: int) -> dict[object, object]:
        mapping: dict[object, object] = {}
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode:
                self._report(key_node, "P001", "a mapping key must be a scalar")
                continue
            if key_node.value == "<<" and key_node.tag is _PLAIN:
                self._report(
                    key_node,
                    "P008",
                    "merge keys (`<<`) are not allowed",
                    "write the merged fields out in full",
                )
                continue
            key = self.build(key_node, depth)
            if key in mapping:
                self._report(
                    key_node,
                    "P005",
                    f"duplicate key `{key_node.value}`",
                    "keep one of the two entries",
                )
            mapping[key] = self.build(value_node, depth)
        return mapping

    def _continued_scalar(self, node: Node) -> None:
        """A plain scalar continued onto a line that looks like a list item or a key: the
        lines were joined into one value (a mis-indented `- Nate` makes one author)."""
        if self._lines is None:
            self._lines = self._text.split("\n")
        last = min(node.end_mark.line, len(self._lines) - 1)
        for number in range(node.start_mark.line + 1, last + 1):
            line = self._lines[number]
            stripped = line.lstrip(" ")
            if stripped.startswith("- ") or _KEY_LIKE.match(stripped):
                self.warnings.append(
                    problem(
                        "P016",
                        f"line {number + 1} looks like a new "
                        f"{'list item' if stripped.startswith('- ') else 'key'} but continues "
                        f"the text of line {node.start_mark.line + 1}: they are read as one value",
                        number + 1,
                        len(line) - len(stripped) + 1,
                        "indent it like the entries it belongs with; if it really is part of "
                        "the text, quote the whole value",
                    )
                )
                return

    def _check_number(self, node: Node, value: object) -> None:
        if type(value) is OutOfRange:
            text = value.text
            shown = text if len(text) <= _SHOWN_DIGITS else f"{text[:_SHOWN_DIGITS]}…"
            self._report(
                node,
                "P014",
                f"integer `{shown}` ({len(text):,} characters) is outside the signed 64-bit range",
                "quote it to keep it as text",
            )
        elif type(value) is float and not math.isfinite(value):
            what = "not a number" if math.isnan(value) else "infinite"
            self._report(
                node,
                "P015",
                f"`{node.value[:_SHOWN_DIGITS]}` is {what}, which JSON cannot hold",
                "quote it to keep it as text",
            )

    def _explicit_tag(self, node: Node) -> None:
        self._report(
            node,
            "P007",
            f"explicit tag `{node.tag}` is not allowed",
            "remove the tag; values are plain YAML",
        )

    def _report(self, node: Node, code: str, message: str, hint: str | None = None) -> None:
        self.problems.append(problem(code, message, *_mark(node), hint))


_TO_CHECK: Final = frozenset({OutOfRange, float})


def list_entries(data: bytes) -> list[dict[str, Any]] | None:
    """The mappings of a file that holds a YAML list (a vocabulary file, the old single
    tombstone file), other items left out; None when it does not parse as a list. The
    one tolerant reader of such files: validation reports what is wrong with them."""
    parsed = read_document(data)
    if not isinstance(parsed, Document) or not isinstance(parsed.data, list):
        return None
    return [entry for entry in parsed.data if isinstance(entry, dict)]
