"""Auto-fixes whose result is certain. Each returns a description of what it changed.

- text fields and list items lose leading and trailing whitespace;
- tags written as an alias become the canonical tag;
- lists whose order carries no meaning (tags, cited_by, labels) are sorted and lose
  repeats. Authors, key points and previous URLs keep their order: it means something.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from resource_registry.records import (
    MULTI_LINE_FIELDS,
    MULTI_LINE_LISTS,
    ONE_LINE_FIELDS,
    ONE_LINE_LISTS,
)

UNORDERED_LISTS: Final = ("labels", "tags", "cited_by")
_TEXT_FIELDS: Final = ONE_LINE_FIELDS + MULTI_LINE_FIELDS
_TEXT_LISTS: Final = ONE_LINE_LISTS + MULTI_LINE_LISTS


def fix_resource(record: dict[object, object], tag_aliases: Mapping[str, str]) -> list[str]:
    """Apply every certain fix to a resource record in place; describe each one."""
    fixed: list[str] = []
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
