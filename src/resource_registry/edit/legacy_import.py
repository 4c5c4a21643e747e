"""Importing the legacy knowledge base: big YAML list files become one file per resource.

Nothing is lost. Fields with a place in the record format keep their names
(``publication_id`` becomes ``publication``); every other field is kept verbatim under
``legacy`` and listed in the report. An empty list (``tags: []``) is left out, which says
the same thing in this format; the report counts them. The files are written in
canonical form, so ``resreg fmt --check`` passes on them: the certain fixes of
:mod:`resource_registry.edit.fixes` are applied (text trimmed, ``tags`` and ``cited_by``
sorted, a repeated item dropped: none of these carries meaning) and counted. Values are
carried over as written: partial dates (``2018``, ``2018-02``) stay partial, timestamps
without a time zone stay as they are and are counted. Records that share an id or a URL
are all imported, and validation reports them. A list item that is not a mapping cannot
become a resource: the import stops and names it, rather than dropping it.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from resource_registry.base.errors import RegistryError, UsageError
from resource_registry.base.fsutil import write_new_files
from resource_registry.base.parallel import map_chunks
from resource_registry.check.identity import shard_path
from resource_registry.edit.authoring import mint_stable_id
from resource_registry.edit.fixes import fix_resource
from resource_registry.record import layout
from resource_registry.record.layout import RESOURCES_DIR
from resource_registry.record.reader import Document, read_document
from resource_registry.record.writer import RESOURCE_ORDER, order_for, render

LEGACY_KEY: Final = "legacy"
RENAMED: Final = {"publication_id": "publication"}
KEPT: Final = frozenset(
    {
        "id",
        "url",
        "title",
        "type",
        "authors",
        "published_date",
        "summary",
        "review",
        "abstract",
        "key_points",
        "tags",
        "cited_by",
    }
)
_ZONED: Final = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_MAX_LEGACY_BYTES: Final = 256 * 1024 * 1024


@dataclass(slots=True)
class ImportSummary:
    """What was imported, and what in it deserves a look."""

    records_per_file: dict[str, int] = field(default_factory=dict)
    legacy_fields: Counter[str] = field(default_factory=Counter)
    empty_lists: Counter[str] = field(default_factory=Counter)
    unzoned_timestamps: int = 0
    partial_dates: Counter[str] = field(default_factory=Counter)
    fixes: Counter[str] = field(default_factory=Counter)
    duplicate_ids: int = 0
    duplicate_urls: int = 0
    publications: int = 0
    pages: int = 0
    tags: int = 0

    @property
    def imported(self) -> int:
        return sum(self.records_per_file.values())


def import_legacy(
    sources: Sequence[Path],
    into: Path,
    *,
    publications: Path | None = None,
    pages: Path | None = None,
) -> ImportSummary:
    """Write a new registry at ``into`` from legacy list files; return what happened.

    The registry is built in a temporary folder beside ``into`` and moved into place
    whole, so an interrupted import leaves nothing behind.
    """
    if (into / "data").exists():
        raise UsageError(f"{into / 'data'} already exists; import into a new folder")
    summary = ImportSummary()
    records: list[dict[str, Any]] = []
    for source in sources:
        items = _read_list(source)
        summary.records_per_file[source.name] = len(items)
        records += [_convert(source, index, item, summary) for index, item in enumerate(items)]
    _count_duplicates(records, summary)
    vocabularies = {
        layout.PUBLICATIONS: _read_list(publications) if publications else [],
        layout.PAGES: _read_list(pages) if pages else [],
        layout.TAGS: [{"id": tag} for tag in sorted(_all_tags(records))],
    }
    summary.publications = len(vocabularies[layout.PUBLICATIONS])
    summary.pages = len(vocabularies[layout.PAGES])
    summary.tags = len(vocabularies[layout.TAGS])
    _write(into, records, vocabularies)
    return summary


def to_legacy(record: Mapping[str, Any]) -> dict[str, Any]:
    """The legacy record a registry resource came from (the inverse of the import)."""
    legacy: dict[str, Any] = {}
    for key, value in record.items():
        if key == "stable_id":
            continue
        if key == LEGACY_KEY:
            legacy.update(value)
        else:
            legacy[next((old for old, new in RENAMED.items() if new == key), key)] = value
    return legacy


def _read_list(path: Path) -> list[Any]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    parsed = read_document(data, max_bytes=_MAX_LEGACY_BYTES)
    if not isinstance(parsed, Document):
        where = "; ".join(f"line {p.line}: {p.code} {p.message}" for p in parsed[:5])
        raise RegistryError(f"{path} cannot be parsed, so nothing was imported ({where})")
    if parsed.data is None:
        return []
    if not isinstance(parsed.data, list):
        raise RegistryError(f"{path} is not a YAML list of records")
    return parsed.data


def _convert(source: Path, index: int, item: object, summary: ImportSummary) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise RegistryError(
            f"{source}: item {index + 1} is not a mapping ({item!r:.60}); "
            "fix or remove it and import again"
        )
    record: dict[str, Any] = {}
    legacy: dict[str, Any] = {}
    for key, value in item.items():
        if value == [] and key in KEPT | RENAMED.keys():
            summary.empty_lists[str(key)] += 1  # "no tags" is said by leaving the field out
            continue
        if key in KEPT:
            record[key] = value
        elif key in RENAMED:
            record[RENAMED[key]] = value
        else:
            legacy[str(key)] = value
            summary.legacy_fields[str(key)] += 1
            if isinstance(value, str) and key.endswith("_at") and not _ZONED.search(value):
                summary.unzoned_timestamps += 1
    date = record.get("published_date")
    if isinstance(date, int) and not isinstance(date, bool):
        record["published_date"] = date = str(date)  # a bare year; the same partial date
    if isinstance(date, str):
        summary.partial_dates[("year", "year-month", "full")[min(date.count("-"), 2)]] += 1
    if legacy:
        record[LEGACY_KEY] = legacy
    # the fixes `resreg fmt` would make, so that the files are canonical as written
    summary.fixes.update(fix_resource(record, {}))
    return record


def _count_duplicates(records: Sequence[Mapping[str, Any]], summary: ImportSummary) -> None:
    ids = Counter(str(r.get("id")) for r in records)
    urls = Counter(str(r.get("url")) for r in records)
    summary.duplicate_ids = sum(count for count in ids.values() if count > 1)
    summary.duplicate_urls = sum(count for count in urls.values() if count > 1)


def _render_resources(records: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """Each record's path and canonical text."""
    return [(shard_path(record["stable_id"]), render(record, RESOURCE_ORDER)) for record in records]


def _all_tags(records: Sequence[Mapping[str, Any]]) -> set[str]:
    return {tag for r in records for tag in r.get("tags") or () if isinstance(tag, str)}


def _write(
    into: Path, records: Sequence[dict[str, Any]], vocabularies: Mapping[str, list[Any]]
) -> None:
    into.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=into))
    try:
        taken: set[str] = set()
        minted = []
        for record in records:
            stable_id = mint_stable_id(taken)
            taken.add(stable_id.lower())
            minted.append({"stable_id": stable_id, **record})
        # rendering is pure Python (2 s for the shared corpus): worker processes share it
        files = dict(map_chunks(_render_resources, minted, jobs=None))
        for path, entries in vocabularies.items():
            files[path] = render(entries, order_for(path))
        write_new_files(staging, files)
        (staging / RESOURCES_DIR).mkdir(parents=True, exist_ok=True)
        os.replace(staging / "data", into / "data")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
