"""Auto-fixes whose result is certain. Each returns a description of what it changed.

- text fields and list items lose leading and trailing whitespace;
- tags written as an alias become the canonical tag;
- lists whose order carries no meaning (tags, cited_by, labels) are sorted and lose
  repeats. Authors, key points and previous URLs keep their order: it means something;
- with the parsed document at hand, a text that YAML read as a number (`title: 1984`, a
  year `published_date: 2022`) becomes the text as written, and a quoted whole number in
  `importance` (`"80"`) the number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from yaml.nodes import Node, ScalarNode

from resource_registry.check.content_rules import (
    MULTI_LINE_FIELDS,
    MULTI_LINE_LISTS,
    ONE_LINE_FIELDS,
    ONE_LINE_LISTS,
)
from resource_registry.record.positions import node_at

UNORDERED_LISTS: Final = ("labels", "tags", "cited_by")
_TEXT_FIELDS: Final = ONE_LINE_FIELDS + MULTI_LINE_FIELDS
_TEXT_LISTS: Final = ONE_LINE_LISTS + MULTI_LINE_LISTS


def fix_resource(
    record: dict[Any, Any], tag_aliases: Mapping[str, str], root: Node | None = None
) -> list[str]:
    """Apply every certain fix to a resource record in place; describe each one. ``root``
    is the record's parsed document, where the value as written is read."""
    fixed = fix_types(record, root) if root is not None else []
    for field in _TEXT_FIELDS:
        value = record.get(field)
        if isinstance(value, str) and value.strip() and value != value.strip():
            record[field] = value.strip()
            fixed.append(f"trimmed whitespace around `{field}`")
    for field in _TEXT_LISTS:
        items = record.get(field)
        if isinstance(items, list) and any(_untrimmed(item) for item in items):
            record[field] = [item.strip() if _untrimmed(item) else item for item in items]
            fixed.append(f"trimmed whitespace in `{field}`")
    tags = record.get("tags")
    if isinstance(tags, list) and any(tag in tag_aliases for tag in tags if isinstance(tag, str)):
        renamed = [
            f"`{tag}` → `{tag_aliases[tag]}`"
            for tag in tags
            if isinstance(tag, str) and tag in tag_aliases
        ]
        record["tags"] = [
            tag_aliases.get(tag, tag) if isinstance(tag, str) else tag for tag in tags
        ]
        fixed.append("replaced tag aliases: " + ", ".join(renamed))
    for field in UNORDERED_LISTS:
        items = record.get(field)
        if isinstance(items, list) and all(isinstance(item, str) for item in items):
            tidy = sorted(set(items), key=str)
            if tidy != items:
                what = "sorted and de-duplicated" if len(tidy) < len(items) else "sorted"
                record[field] = tidy
                fixed.append(f"{what} `{field}`")
    return fixed


def _untrimmed(item: object) -> bool:
    return isinstance(item, str) and bool(item.strip()) and item != item.strip()


_YEAR: Final = re.compile(r"[0-9]{4}")
_WHOLE_NUMBER: Final = re.compile(r"[-+]?[0-9]+")


def fix_types(record: dict[Any, Any], root: Node) -> list[str]:
    """Values whose intended type is certain from how they are written (see above)."""
    fixed: list[str] = []
    for field in (*_TEXT_FIELDS, "published_date"):
        written = _number_as_written(record.get(field), node_at(root, (field,)))
        if written is not None and (field != "published_date" or _YEAR.fullmatch(written)):
            record[field] = written
            fixed.append(f"quoted `{field}`: YAML read it as a number")
    for field in _TEXT_LISTS:
        items = record.get(field)
        if not isinstance(items, list):
            continue
        written_items = [
            _number_as_written(item, node_at(root, (field, index)))
            for index, item in enumerate(items)
        ]
        if any(written is not None for written in written_items):
            record[field] = [
                item if written is None else written
                for item, written in zip(items, written_items, strict=True)
            ]
            fixed.append(f"quoted numbers in `{field}`: YAML read them as numbers")
    importance = record.get("importance")
    if isinstance(importance, str) and _WHOLE_NUMBER.fullmatch(importance):
        record["importance"] = int(importance)
        fixed.append("unquoted `importance`: it is a number")
    return fixed


def _number_as_written(value: object, node: Node | None) -> str | None:
    """The text of ``value`` as written, when it is a number written as a plain scalar."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return node.value if isinstance(node, ScalarNode) and not node.style else None
