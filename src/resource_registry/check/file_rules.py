"""Checks on one resource file: `check_resource` runs the rules on its YAML (P017, the
characters), its schema, then its identity and content.

Everything here sees a single file; :mod:`resource_registry.check.catalog_rules` sees them all. The
per-file result keeps only what the whole-catalog checks need, so that a registry of
100,000 files fits in little memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Final

from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from resource_registry.base.findings import Finding
from resource_registry.check.content_rules import (
    MULTI_LINE_FIELDS,
    MULTI_LINE_LISTS,
    ONE_LINE_FIELDS,
    ONE_LINE_LISTS,
    content_problems,
    value_findings,
)
from resource_registry.check.file_result import FileResult, Locator, ProblemStream, placed
from resource_registry.check.identity import identity_problems, record_key, shard_path
from resource_registry.check.schema_rules import resource_schema, schema_findings
from resource_registry.record.parse_problems import problem
from resource_registry.record.reader import Document


def check_resource(path: str, document: Document, today: dt.date) -> FileResult:
    """Run every per-file check on a parsed resource file whose path is ``path``."""
    found = [placed(path, warning) for warning in document.warnings]
    found += (placed(path, problem) for problem in cut_by_comments(document))
    data = document.data
    located = Locator(path, document.root)
    if not isinstance(data, dict):
        found.append(located.at("P010", (), "a resource file must be a YAML mapping"))
        return FileResult(path, tuple(found), None)
    found.extend(value_findings(located, data))
    schema = resource_schema()
    try:
        schema.validator.validate_python(data)
    except schema.error as error:
        found.extend(schema_findings(located, error))
        return FileResult(path, tuple(found), record_key(path, data, with_references=False))
    found.extend(located.each(_record_problems(path, data, today)))
    return FileResult(path, tuple(found), record_key(path, data, with_references=True))


_PROSE_FIELDS: Final = frozenset(ONE_LINE_FIELDS + MULTI_LINE_FIELDS)
_PROSE_LISTS: Final = frozenset(ONE_LINE_LISTS + MULTI_LINE_LISTS)


def cut_by_comments(document: Document) -> Iterator[Finding]:
    """P017: a text field (or an item of a text list) written as a plain value and
    followed, after a single space, by a comment on its line (`summary: A # b` is "A").
    In prose a lone ` #` is more often text than a note. A note written as one is set
    off by two spaces or more (as `fmt` writes comments, and as linters ask), or sits
    on its own line; comments after any other field (ids, URLs, numbers, dates, tags),
    and after quoted or block values, are ordinary."""
    root = document.root
    if " #" not in document.text and "\t#" not in document.text:
        return
    if not isinstance(root, MappingNode):
        return
    for key, value in root.value:
        name = key.value if isinstance(key, ScalarNode) else None
        if name in _PROSE_FIELDS:
            nodes = [(str(name), value)]
        elif name in _PROSE_LISTS and isinstance(value, SequenceNode) and not value.flow_style:
            nodes = [(f"{name}[{index}]", item) for index, item in enumerate(value.value)]
        else:
            continue
        for where, node in nodes:
            if not isinstance(node, ScalarNode) or node.style:  # quoted or block: uncut
                continue
            rest = document.rest_of_line(node)
            if rest[:2] in (" #", "\t#"):
                yield problem(
                    "P017",
                    f"`{where}` ends where ` #` starts a comment: the rest of the line is "
                    "not part of the value",
                    node.end_mark.line + 1,
                    node.end_mark.column + 2,
                    "if the `#` belongs to the text, quote the whole value; if it is a "
                    "note, set it off with two spaces or put it on its own line",
                )


def unfiled_record_problems(record: Mapping[str, object], today: dt.date) -> ProblemStream:
    """The per-record rules on a schema-valid record that is in no file (a dataset's): every
    rule but the file name's, which the record's own stable ID decides."""
    return _record_problems(shard_path(str(record["stable_id"])), record, today)


def _record_problems(path: str, record: Mapping[str, object], today: dt.date) -> ProblemStream:
    yield from identity_problems(path, record)
    yield from content_problems(record, today)
