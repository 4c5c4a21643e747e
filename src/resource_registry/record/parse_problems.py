"""The reader's problems: the `problem` constructor, and libyaml's syntax and reader errors
turned into findings, with a hint at the usual cause of a syntax error."""

from __future__ import annotations

import re
from typing import Final

import yaml

from resource_registry.base.codes import RULES
from resource_registry.base.findings import Finding

MAX_DEPTH: Final = 32

_AnyMark = yaml.Mark | yaml._yaml.Mark


def problem(
    code: str, message: str, line: int = 0, col: int = 0, hint: str | None = None
) -> Finding:
    """A parse problem, located in the text (1-based; 0 when it concerns the whole file),
    in no file yet: the caller places it (``dataclasses.replace(found, path=...)``)."""
    return Finding("", line, col, code, RULES[code].severity, message, hint)


def position_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    return line, len(data[line_start:offset].decode("utf-8", "replace")) + 1


def syntax_problem(error: yaml.MarkedYAMLError, text: str) -> Finding:
    mark = error.problem_mark or error.context_mark
    if mark is not None and mark.index >= len(text) and error.context_mark is not None:
        mark = error.context_mark  # "found end of stream": where the construct began helps more
    message = " ".join(part for part in (error.context, error.problem) if part)
    if "exceeded maximum nesting depth" in message:  # libyaml's own limit, above ours
        return problem("P011", f"nesting is deeper than {MAX_DEPTH} levels", *one_based(mark))
    if "expected a single document" in message:
        return problem(
            "P009",
            "file holds more than one YAML document",
            *one_based(mark),
            "remove the `---` line and everything after the first document",
        )
    hint = _syntax_hint(error, mark, text.split("\n")) if mark is not None else None
    return problem("P001", message or "invalid YAML", *one_based(mark), hint)


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


def reader_problem(data: bytes, error: yaml.reader.ReaderError) -> Finding:
    """libyaml rejects control characters before tokenizing; ``position`` is a byte offset."""
    line, col = position_of_byte(data, min(error.position, len(data)))
    return problem(
        "P001",
        f"control character {error.character!r} is not allowed",
        line,
        col,
        "remove it, or write it as an escape inside double quotes",
    )


def one_based(mark: _AnyMark | None) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
