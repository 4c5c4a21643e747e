"""Reading a data file: bytes in, plain Python data (or located problems) out.

libyaml composes the node tree in C; this module turns nodes into data itself instead of
using PyYAML's constructor, which is both the slow part of ``yaml.load`` and YAML 1.1
(``no`` is false, ``2018-01-02`` a date). Here plain scalars follow the YAML 1.2 core
schema and everything else is a string, so dates and timestamps stay strings.

The walk also rejects what the registry forbids: duplicate keys, anchors and aliases,
explicit tags, merge keys, several documents, and deep nesting. Nodes keep their
positions, so a problem found later (by the schema, say) can be located with
:func:`locate` without parsing the file again.
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

from resource_registry.base.codes import RULES
from resource_registry.base.findings import Finding
from resource_registry.base.safetext import int64
from resource_registry.record.layout import MAX_FILE_BYTES

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


MAX_DEPTH: Final = 32

_PLAIN: Final = "?plain"
_KEY_LIKE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*:")
_QUOTED: Final = "?quoted"
_COLLECTION: Final = "?collection"

# A `&` where a node's properties may start; anything else (`R&D`, `?a=1&b=2`) is text.
_ANCHOR_CANDIDATE: Final = re.compile(rb"(?:^|[\s\[{,])&", re.MULTILINE)
_FLOW_OPENERS_BEFORE_DEPTH_CHECK: Final = 16
_EVENT_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_CORE_CONSTANTS: Final[dict[str, object]] = {
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
    ".inf": float("inf"),
    ".Inf": float("inf"),
    ".INF": float("inf"),
    "+.inf": float("inf"),
    "+.Inf": float("inf"),
    "+.INF": float("inf"),
    "-.inf": float("-inf"),
    "-.Inf": float("-inf"),
    "-.INF": float("-inf"),
    ".nan": float("nan"),
    ".NaN": float("nan"),
    ".NAN": float("nan"),
}
_DECIMAL: Final = re.compile(r"[-+]?[0-9]+")
_OCTAL: Final = re.compile(r"0o[0-7]+")
_HEX: Final = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT: Final = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_NUMBER_START: Final = frozenset("0123456789+-.")
_MAYBE_NOT_STRING: Final = _NUMBER_START | {word[0] for word in _CORE_CONSTANTS}
# Digits (leading zeros aside) beyond which an integer cannot fit in 64 bits: converting
# a longer decimal string would also hit Python's limit on integer digits.
_MAX_DIGITS: Final = {10: 19, 16: 16, 8: 22}
_SHOWN_DIGITS: Final = 24


@dataclass(frozen=True, slots=True)
class OutOfRange:
    """What :func:`core_scalar` makes of an integer outside the signed 64-bit range: a
    number that no later step could hold. The reader reports it (P014); it never reaches
    a document."""

    text: str


_AnyMark = yaml.Mark | yaml._yaml.Mark


def problem(
    code: str, message: str, line: int = 0, col: int = 0, hint: str | None = None
) -> Finding:
    """A parse problem, located in the text (1-based; 0 when it concerns the whole file),
    in no file yet: the caller places it (``dataclasses.replace(found, path=...)``)."""
    return Finding("", line, col, code, RULES[code].severity, message, hint)


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
        line, col = _position_of_byte(data, error.start)
        return [problem("P003", f"invalid UTF-8 byte 0x{data[error.start]:02x}", line, col)]
    if problems := _pre_compose_problems(data, text):
        return problems
    try:
        root = _compose(data)
    except yaml.MarkedYAMLError as error:
        return [_syntax_problem(error, text)]
    except yaml.reader.ReaderError as error:
        return [_reader_problem(data, error)]
    if root is None:
        return [problem("P012", "file has no YAML content")]
    builder = _Builder(text)
    value = builder.build(root, 0)
    if builder.problems:
        return builder.problems
    return Document(value, root, (*warnings, *builder.warnings), text)


def locate(root: Node, pointer: tuple[str | int, ...], *, on_key: bool = False) -> tuple[int, int]:
    """Return the 1-based line and column of the node at ``pointer``.

    Follows the pointer as far as the document goes: a missing key is reported at the
    mapping that should hold it. With ``on_key`` a mapping entry is located at its key.
    """
    node = root
    for index, part in enumerate(pointer):
        child = _child(node, part, on_key=on_key and index == len(pointer) - 1)
        if child is None:
            break
        node = child
    return node.start_mark.line + 1, node.start_mark.column + 1


def node_at(root: Node, pointer: tuple[str | int, ...]) -> Node | None:
    """The node at ``pointer``, or None where the document does not reach it."""
    node: Node | None = root
    for part in pointer:
        node = _child(node, part, on_key=False) if node is not None else None
    return node


def _child(node: Node, part: str | int, *, on_key: bool) -> Node | None:
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == str(part):
                return key if on_key else value
    elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        item: Node = node.value[part]
        return item
    return None


def _compose(data: bytes) -> Node | None:
    composer = _Composer(data)
    try:
        node: Node | None = composer.get_single_node()
        return node
    finally:
        composer.dispose()


def _position_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    return line, len(data[line_start:offset].decode("utf-8", "replace")) + 1


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
        return [_syntax_problem(error, text)]
    except yaml.reader.ReaderError as error:
        return [_reader_problem(data, error)]


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
    return _one_based(item.start_mark)


def _syntax_problem(error: yaml.MarkedYAMLError, text: str) -> Finding:
    mark = error.problem_mark or error.context_mark
    if mark is not None and mark.index >= len(text) and error.context_mark is not None:
        mark = error.context_mark  # "found end of stream": where the construct began helps more
    message = " ".join(part for part in (error.context, error.problem) if part)
    if "exceeded maximum nesting depth" in message:  # libyaml's own limit, above ours
        return problem("P011", f"nesting is deeper than {MAX_DEPTH} levels", *_one_based(mark))
    if "expected a single document" in message:
        return problem(
            "P009",
            "file holds more than one YAML document",
            *_one_based(mark),
            "remove the `---` line and everything after the first document",
        )
    hint = _syntax_hint(error, mark, text.split("\n")) if mark is not None else None
    return problem("P001", message or "invalid YAML", *_one_based(mark), hint)


_MAX_SUGGESTED: Final = 120
# Where the value starts on a line whose value holds `: `: after `key: `, after `- key: `
# (a list of mappings), or after `- ` (a list of texts, whose first `: ` made a key).
_ITEM_OR_ENTRY: Final = re.compile(r" *(?:- +)?[a-z_][a-z0-9_]*: +(?=[^'\" ])|(?: *- +)(?=[^'\" ])")


def _syntax_hint(error: yaml.MarkedYAMLError, mark: _AnyMark, lines: list[str]) -> str | None:
    """The usual cause of a syntax error, and its fix, told from the lines around it."""
    problem = error.problem or ""
    line = lines[mark.line] if mark.line < len(lines) else ""
    if "\t" in line[: max(mark.column, 0) + 1] and "\t" in line[: len(line) - len(line.lstrip())]:
        return f"line {mark.line + 1} is indented with a tab; YAML indents with spaces only"
    if (
        problem.startswith("found character that cannot start any token")
        and line[mark.column : mark.column + 1] == "\t"
    ):
        return "a tab cannot start a value or indent a line; use spaces"
    if problem == "mapping values are not allowed in this context":
        return _colon_hint(mark, lines)
    if problem.startswith("did not find expected '-'"):
        return (
            f"line {mark.line + 1} sits among the items of the list above it but is not one: "
            "start it with `- `, or indent it less to make it a key of the mapping around "
            "the list"
        )
    if problem == "did not find expected key":
        found = _indent(line) + 1
        above = _indent_above(lines, mark.line)
        expected = sorted({_one_based_column(error.context_mark), above} - {found})
        columns = " or ".join(f"column {column}" for column in expected)
        return (
            f"line {mark.line + 1} is indented like no entry around it (expected {columns}, "
            f"found column {found}); align it with the entries it belongs with"
        )
    if "while scanning a quoted scalar" in (error.context or ""):
        return "a quoted value is not closed; add the closing quote"
    return None


def _colon_hint(mark: _AnyMark, lines: list[str]) -> str:
    """A line indented under a plain value, or a value holding `: ` (`key: a: b`)."""
    line = lines[mark.line] if mark.line < len(lines) else ""
    found, expected = _indent(line) + 1, _indent_above(lines, mark.line)
    if ": " not in line[: mark.column] and mark.line > 0 and found > expected:
        return (
            f"line {mark.line + 1} is indented further than the line above it (expected "
            f"column {expected}, found column {found}), so it continues that value; align "
            "it with the entry it belongs with"
        )
    example = ""
    if match := _ITEM_OR_ENTRY.match(line[: mark.column]):
        start = match.end()
        whole = line[start:].rstrip()
        suggested = f"{line[:start].strip()} '{whole.replace(chr(39), chr(39) * 2)}'"
        example = f": `{suggested}`" if len(suggested) <= _MAX_SUGGESTED else ""
    return f"the value contains `: `, which YAML reads as a new key; quote the whole value{example}"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _indent_above(lines: list[str], number: int) -> int:
    """The 1-based column where the nearest line above with content starts."""
    for above in reversed(lines[:number]):
        if above.strip() and not above.lstrip().startswith("#"):
            return _indent(above) + 1
    return 1


def _one_based_column(mark: _AnyMark | None) -> int:
    return mark.column + 1 if mark is not None else 1


def _reader_problem(data: bytes, error: yaml.reader.ReaderError) -> Finding:
    """libyaml rejects control characters before tokenizing; ``position`` is a byte offset."""
    line, col = _position_of_byte(data, min(error.position, len(data)))
    return problem(
        "P001",
        f"control character {error.character!r} is not allowed",
        line,
        col,
        "remove it, or write it as an escape inside double quotes",
    )


def _one_based(mark: _AnyMark | None) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


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


def core_scalar(value: str) -> object:
    """Resolve a plain scalar by the YAML 1.2 core schema; an integer outside the signed
    64-bit range is an :class:`OutOfRange` (never a str: it is not a string either)."""
    if not value:
        return None
    first = value[0]
    if first not in _MAYBE_NOT_STRING:
        return value
    if first in _NUMBER_START:
        if _DECIMAL.fullmatch(value):
            return _integer(value, value.lstrip("+-"), 10)
        if _FLOAT.fullmatch(value):
            return float(value)
    if value in _CORE_CONSTANTS:
        return _CORE_CONSTANTS[value]
    if value[:2] == "0o" and _OCTAL.fullmatch(value):
        return _integer(value, value[2:], 8)
    if value[:2] == "0x" and _HEX.fullmatch(value):
        return _integer(value, value[2:], 16)
    return value


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


def _integer(text: str, digits: str, base: int) -> int | OutOfRange:
    if len(digits.lstrip("0")) > _MAX_DIGITS[base]:
        return OutOfRange(text)
    number = int(digits, base)
    if text[0] == "-":
        number = -number
    return number if int64(number) else OutOfRange(text)


_TO_CHECK: Final = frozenset({OutOfRange, float})


def list_entries(data: bytes) -> list[dict[str, Any]] | None:
    """The mappings of a file that holds a YAML list (a vocabulary file, the old single
    tombstone file), other items left out; None when it does not parse as a list. The
    one tolerant reader of such files: validation reports what is wrong with them."""
    parsed = read_document(data)
    if not isinstance(parsed, Document) or not isinstance(parsed.data, list):
        return None
    return [entry for entry in parsed.data if isinstance(entry, dict)]
