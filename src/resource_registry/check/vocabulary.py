"""The vocabulary files (publications, pages, tags) and the tombstones."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from resource_registry.base import safetext
from resource_registry.base.findings import Finding
from resource_registry.check import tombstones
from resource_registry.check.content_rules import value_findings
from resource_registry.check.file_result import Locator, finding, placed
from resource_registry.check.schema_rules import core_validator, schema_findings
from resource_registry.check.tombstones import Stone
from resource_registry.record import layout
from resource_registry.record.reader import Document, read_document

if TYPE_CHECKING:
    from pydantic_core import SchemaValidator, ValidationError

# What each vocabulary file is validated as (one of ``models.ADAPTERS``).
_VALIDATED_AS: Final = {
    layout.PUBLICATIONS: "publications",
    layout.PAGES: "pages",
    layout.TAGS: "tags",
}


@cache
def _schemas() -> tuple[dict[str, SchemaValidator], type[ValidationError]]:
    # pydantic-core is imported on first use: a warm validation that reuses the
    # vocabulary's results never loads it
    import pydantic_core  # noqa: PLC0415 - reason: as above

    validators = {path: core_validator(name) for path, name in _VALIDATED_AS.items()}
    return validators, pydantic_core.ValidationError


@dataclass(slots=True)
class Vocabulary:
    """The ids that resources may reference, and every retired identifier."""

    publications: set[str] = field(default_factory=set)
    pages: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    tag_aliases: dict[str, str] = field(default_factory=dict)
    tombstones: list[dict[str, Any]] = field(default_factory=list)
    stones: list[Stone] = field(default_factory=list)  # the same, where they are
    findings: list[Finding] = field(default_factory=list)


def load_vocabulary(root: Path, today: dt.date) -> Vocabulary:
    vocabulary = Vocabulary()
    entries = {
        path: _load_list(root, path, today, vocabulary.findings) for path in layout.VOCABULARY_FILES
    }
    vocabulary.publications = {str(entry["id"]) for entry in entries[layout.PUBLICATIONS]}
    vocabulary.pages = {str(entry["id"]) for entry in entries[layout.PAGES]}
    vocabulary.tags = {str(entry["id"]) for entry in entries[layout.TAGS]}
    vocabulary.tag_aliases = {
        alias: str(entry["id"])
        for entry in entries[layout.TAGS]
        for alias in entry.get("aliases", ())
    }
    vocabulary.stones = tombstones.load(root, today, vocabulary.findings)
    vocabulary.tombstones = [stone.entry for stone in vocabulary.stones]
    return vocabulary


def _load_list(
    root: Path, path: str, today: dt.date, findings: list[Finding]
) -> list[dict[str, Any]]:
    """Load one vocabulary file; its problems go to ``findings``; bad entries are dropped
    from the returned list only after being reported."""
    file = root / path
    if layout.linked_part(root, path):
        findings.append(layout.link_finding(root, path))
        return []
    if not file.is_file():
        findings.append(
            finding(
                path,
                "P013",
                f"required file `{path}` is missing",
                hint="create it; an empty list `[]` is fine",
            )
        )
        return []
    parsed = read_document(layout.read_capped(file))
    if not isinstance(parsed, Document):
        findings.extend(placed(path, problem) for problem in parsed)
        return []
    findings.extend(placed(path, warning) for warning in parsed.warnings)
    located = Locator(path, parsed.root)
    if not isinstance(parsed.data, list):
        findings.append(located.at("P010", (), f"`{path}` must be a YAML list of entries"))
        return []
    validators, validation_error = _schemas()
    try:
        validators[path].validate_python(parsed.data)
    except validation_error as error:
        findings.extend(schema_findings(located, error))
    entries = [entry for entry in parsed.data if isinstance(entry, dict)]
    findings.extend(located.each(_entry_problems(path, parsed.data, today)))
    findings.extend(value_findings(located, parsed.data))
    return entries


def _entry_problems(
    path: str, entries: Sequence[object], today: dt.date
) -> Iterator[tuple[str, tuple[str | int, ...], str, str | None]]:
    counts = Counter(_field(entry, "id").lower() for entry in entries if _field(entry, "id"))
    for index, entry in enumerate(entries):
        value = _field(entry, "id")
        if value and counts[value.lower()] > 1:
            yield ("R004", (index, "id"), f"`{value}` appears more than once in `{path}`", None)
        if value and safetext.windows_reserved(value):
            yield reserved_name((index, "id"), value)
    if path == layout.TAGS:
        yield from _alias_problems(entries)


def reserved_name(
    pointer: tuple[str | int, ...], value: str
) -> tuple[str, tuple[str | int, ...], str, str | None]:
    """R007: an id that would name a file Windows cannot create (the site writes one per
    tag, page and publication)."""
    return (
        "R007",
        pointer,
        f"`{value}` is a name Windows reserves for a device, so it cannot name a file",
        f"choose another id, such as `{value.split('.', 1)[0]}-topic`",
    )


def _alias_problems(
    entries: Sequence[object],
) -> Iterator[tuple[str, tuple[str | int, ...], str, str | None]]:
    owners: dict[str, str] = {_field(entry, "id"): "a tag id" for entry in entries}
    for index, entry in enumerate(entries):
        aliases = entry.get("aliases") if isinstance(entry, Mapping) else None
        for position, alias in enumerate(aliases if isinstance(aliases, list) else []):
            if alias in owners:
                yield (
                    "R005",
                    (index, "aliases", position),
                    f"alias `{alias}` is already {owners[alias]}",
                    None,
                )
            owners[alias] = f"an alias of `{_field(entry, 'id')}`"


def _field(entry: object, key: str) -> str:
    value = entry.get(key) if isinstance(entry, Mapping) else None
    return value if isinstance(value, str) else ""


def vocabulary_ids(root: Path) -> dict[str, set[str]]:
    """The ids in each vocabulary file (``publications``, ``pages``, ``tags``), unvalidated."""
    ids: dict[str, set[str]] = {}
    for name, path in (
        ("publications", layout.PUBLICATIONS),
        ("pages", layout.PAGES),
        ("tags", layout.TAGS),
    ):
        parsed: Document | list[Finding] = []
        if not layout.linked_part(root, path):
            with contextlib.suppress(FileNotFoundError):
                parsed = read_document(layout.read_capped(root / path))
        entries = parsed.data if isinstance(parsed, Document) else []
        ids[name] = (
            {_field(entry, "id") for entry in entries if _field(entry, "id")}
            if isinstance(entries, list)
            else set()
        )
    return ids
